//! The full `USER/search` listing: counted, paged concurrently, cross-checked, matched.
//!
//! Pages are `$$LIMIT=2000` (Workfront's maximum) with `ID_Sort=asc`, since unsorted paging
//! duplicates and skips rows. The listing must add up: every page the size the count implies, IDs
//! strictly ascending across pages, and the count unchanged afterwards. Anything else is an
//! error, never a guess. Only the users some input row can refer to are kept, so memory follows
//! the input, not the tenant.

use std::collections::HashSet;

use futures::{StreamExt, stream};
use indicatif::ProgressBar;
use serde_json::Value;

pub use crate::model::{DirUser, Directory};
use crate::model::{Identifier, InputRow, classify};
use crate::suggest::Suggester;
use crate::workfront::{Client, Pacing};

/// Workfront's largest page.
pub const PAGE_SIZE: usize = 2000;

/// The identifiers the input mentions, to keep only the users that matter while listing.
#[derive(Debug, Default)]
pub struct Wanted {
    ids: HashSet<String>,
    names: HashSet<String>,
    /// Also keep the active users no row refers to (roster mode).
    pub others: bool,
}

impl Wanted {
    /// Collects every valid identifier in `rows`.
    pub fn from_rows(rows: &[InputRow]) -> Self {
        let mut wanted = Wanted::default();
        wanted.add_rows(rows);
        wanted
    }

    /// Adds every valid identifier in `rows` (a `--protect` list, say).
    pub fn add_rows(&mut self, rows: &[InputRow]) {
        for identifier in rows.iter().filter_map(|r| classify(&r.value).ok()) {
            // An ID-shaped value may also be someone's username or email (see `plan`).
            if let Identifier::Id(id) = &identifier {
                self.ids.insert(id.clone());
            }
            let (Identifier::Id(name) | Identifier::Name(name)) = identifier;
            self.names.insert(name);
        }
    }

    fn keeps(&self, user: &DirUser) -> bool {
        self.ids.contains(&user.id)
            || self.names.contains(&user.username.to_lowercase())
            || self.names.contains(&user.email.to_lowercase())
    }
}

/// Parses one listed user; a malformed one is an error (the listing would not be trustworthy).
pub fn parse_user(value: &Value) -> Result<DirUser, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let flag = |key: &str| match value.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    let id = text("ID").to_ascii_lowercase();
    if id.is_empty() {
        return Err(format!("a listed user has no ID: {value}"));
    }
    let is_active =
        flag("isActive").ok_or_else(|| format!("user {id} was listed without isActive"))?;
    Ok(DirUser {
        name: text("name"),
        username: text("username"),
        email: text("emailAddr"),
        is_active,
        is_admin: flag("isAdmin").unwrap_or(false),
        license_type: text("licenseType"),
        last_login: text("lastLoginDate"),
        scheduled: text("scheduledDeactivationDate"),
        access_level_id: text("accessLevelID").to_ascii_lowercase(),
        created: text("entryDate"),
        id,
    })
}

/// What a failed request means, naming the sign-in method and where the credential came from
/// when Workfront refused it (401).
pub fn refused(
    client: &Client,
    credential: &str,
    e: &crate::workfront::ApiError,
    what: &str,
) -> String {
    if e.is_auth() {
        format!(
            "{what} failed: Workfront refused the {} from {credential} ({e}): check that it is current (API keys expire monthly by default), belongs to this tenant, and that --domain or --base-url is right",
            client.sign_in_method()
        )
    } else {
        format!("{what} failed: {e}")
    }
}

/// Who signs in, and what to do when it is not a System Administrator.
#[derive(Debug, Clone, Copy)]
pub struct CallerCheck<'a> {
    /// `--allow-partial-directory`.
    pub allow_partial: bool,
    /// Where the credential came from, for a refusal's message.
    pub credential: &'a str,
}

/// Judges the caller before the listing: a caller who is not a System Administrator sees only
/// part of the directory (Workfront answers it with a partial list, never a 403), so every
/// leaver it cannot see would look `not_found`. Refused unless `allow_partial`; then the note
/// returned is added to every `not_found` row.
pub fn judge_caller(
    caller: &DirUser,
    allow_partial: bool,
    method: &str,
) -> Result<Option<String>, String> {
    if caller.is_admin {
        return Ok(None);
    }
    let who = format!("{} <{}>", caller.name, caller.username);
    if allow_partial {
        errln!(
            "warning: {who} is not a System Administrator: the listing may be partial, so not_found rows may be people it cannot see"
        );
        return Ok(Some(format!(
            "the listing may be partial: {who} is not a System Administrator"
        )));
    }
    Err(format!(
        "{who} (signed in with {method}) is not a System Administrator, so Workfront shows it only part of the directory and every leaver it cannot see would look not_found; nothing was changed.\nMake it an administrator (for an Adobe Developer Console technical account: make it an admin of the Workfront product profile in the Admin Console), or pass --allow-partial-directory to go on with a partial listing"
    ))
}

/// One fetched page, reduced to what the cross-check and the plan need.
struct Page {
    number: usize,
    first_id: Option<String>,
    last_id: Option<String>,
    active: u64,
    kept: Vec<DirUser>,
}

/// Lists the whole tenant and keeps the users `wanted` refers to.
/// The caller is read together with the count, and judged ([`judge_caller`]) before any page is
/// fetched; the returned note marks a partial listing.
pub async fn fetch_directory(
    client: &Client,
    wanted: &Wanted,
    pacing: &Pacing,
    progress: &ProgressBar,
    check: CallerCheck<'_>,
) -> Result<(Directory, Option<String>), String> {
    let (count, caller, partial) = count_and_caller(client, pacing, check).await?;
    let api_user_id = caller.id;
    let total = usize::try_from(count)
        .map_err(|_| format!("USER/count answered {count}, more than this machine can list"))?;
    let pages = total.div_ceil(PAGE_SIZE);
    progress.set_length(total as u64);
    let mut fetched = stream::iter(0..pages)
        .map(|number| async move {
            let first = number * PAGE_SIZE;
            let attempted = pacing.send(|| client.search_users(first, PAGE_SIZE)).await;
            (number, attempted)
        })
        .buffer_unordered(pacing.concurrency);
    let mut done = Vec::with_capacity(pages);
    let mut users: Vec<DirUser> = Vec::new();
    let mut suggester = Suggester::for_tenant(&wanted.names, count.saturating_mul(2));
    let mut others = Vec::new();
    while let Some((number, attempted)) = fetched.next().await {
        let first = number * PAGE_SIZE;
        let listed = attempted.result.map_err(|e| {
            format!(
                "USER/search at $$FIRST={first} failed after {} attempts: {e}",
                attempted.attempts
            )
        })?;
        let expected = PAGE_SIZE.min(total - first);
        if listed.len() != expected {
            return Err(format!(
                "USER/search at $$FIRST={first} returned {} users where USER/count ({count}) implies {expected}: the listing does not add up; nothing was changed",
                listed.len()
            ));
        }
        let mut page = Page { number, first_id: None, last_id: None, active: 0, kept: Vec::new() };
        let sorting = Sorting { wanted, api_user_id: &api_user_id, first };
        sorting.sort(&listed, &mut page, &mut suggester, &mut others)?;
        progress.inc(listed.len() as u64);
        users.append(&mut page.kept);
        done.push(page);
    }
    check_tiling(&mut done)?;
    let recount = pacing
        .send(|| client.count_users())
        .await
        .result
        .map_err(|e| format!("USER/count failed: {e}"))?;
    if recount != count {
        return Err(format!(
            "the tenant changed while it was being listed ({count} users, then {recount}); run again"
        ));
    }
    users.sort_by(|a, b| a.id.cmp(&b.id));
    let active = done.iter().map(|p| p.active).sum();
    others.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((
        Directory {
            users,
            total: count,
            active,
            api_user_id,
            suggestions: suggester.finish(),
            others,
        },
        partial,
    ))
}

/// The tenant's size and who is signed in, read together; the caller is judged
/// ([`judge_caller`]) before any page is fetched. Returns the note that marks a partial listing.
async fn count_and_caller(
    client: &Client,
    pacing: &Pacing,
    check: CallerCheck<'_>,
) -> Result<(u64, DirUser, Option<String>), String> {
    let (count, caller) =
        futures::join!(pacing.send(|| client.count_users()), pacing.send(|| client.caller()));
    let caller = caller.result.map_err(|e| {
        refused(client, check.credential, &e, "reading the signed-in user (ID=$$USER.ID)")
    })?;
    let caller = parse_user(&caller)?;
    let partial = judge_caller(&caller, check.allow_partial, client.sign_in_method())?;
    let count = count.result.map_err(|e| refused(client, check.credential, &e, "USER/count"))?;
    Ok((count, caller, partial))
}

/// Where a page's users go: kept (wanted, or the caller), offered to the did-you-mean index,
/// or (for a roster) set aside among the others.
struct Sorting<'w> {
    wanted: &'w Wanted,
    api_user_id: &'w str,
    first: usize,
}

impl Sorting<'_> {
    /// Reads one page, refusing one that is not in ID order.
    fn sort(
        &self,
        listed: &[Value],
        page: &mut Page,
        suggester: &mut Suggester,
        others: &mut Vec<DirUser>,
    ) -> Result<(), String> {
        for value in listed {
            let user = parse_user(value)?;
            if page.last_id.as_ref().is_some_and(|last| *last >= user.id) {
                return Err(format!(
                    "USER/search at $$FIRST={} is not in ID order ({} then {}): the listing cannot be trusted; nothing was changed",
                    self.first,
                    page.last_id.clone().unwrap_or_default(),
                    user.id
                ));
            }
            page.first_id.get_or_insert_with(|| user.id.clone());
            page.last_id = Some(user.id.clone());
            page.active += u64::from(user.is_active);
            suggester.offer(&user.username.to_lowercase());
            suggester.offer(&user.email.to_lowercase());
            if self.wanted.keeps(&user) || user.id == self.api_user_id {
                page.kept.push(user);
            } else if self.wanted.others && user.is_active {
                others.push(user);
            }
        }
        Ok(())
    }
}

/// Checks that the pages, put in order, tile the directory without overlapping.
fn check_tiling(done: &mut [Page]) -> Result<(), String> {
    done.sort_by_key(|p| p.number);
    for pair in done.windows(2) {
        if pair[0].last_id >= pair[1].first_id {
            return Err(format!(
                "USER/search pages overlap at $$FIRST={}: the listing cannot be trusted; nothing was changed",
                pair[1].number * PAGE_SIZE
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_parse_with_boolean_or_text_flags() {
        let u = parse_user(&json!({"ID": "ABC", "username": "a", "emailAddr": "a@x", "isActive": "false", "isAdmin": true})).unwrap();
        assert_eq!((u.id.as_str(), u.is_active, u.is_admin), ("abc", false, true));
        assert!(parse_user(&json!({"ID": "abc"})).unwrap_err().contains("without isActive"));
        assert!(parse_user(&json!({"isActive": true})).is_err());
    }

    #[test]
    fn wanted_keeps_users_by_id_username_or_email() {
        let rows: Vec<InputRow> = ["Ada@X", &"B".repeat(32), "", "a b"]
            .iter()
            .enumerate()
            .map(|(i, v)| InputRow { row: i + 1, line: 1, value: v.to_string(), date: None })
            .collect();
        let wanted = Wanted::from_rows(&rows);
        let user = |id: &str, username: &str, email: &str| DirUser {
            id: id.into(),
            name: String::new(),
            username: username.into(),
            email: email.into(),
            is_active: true,
            is_admin: false,
            license_type: String::new(),
            last_login: String::new(),
            scheduled: String::new(),
            access_level_id: String::new(),
            created: String::new(),
        };
        assert!(wanted.keeps(&user("1", "ada@x", "z")));
        assert!(wanted.keeps(&user("1", "z", "ADA@x")));
        assert!(wanted.keeps(&user(&"b".repeat(32), "z", "z")));
        assert!(!wanted.keeps(&user("1", "z", "z")));
    }
}
