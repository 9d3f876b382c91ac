//! Pure planning: input rows + the matched directory → one decision per row. No I/O, no async.
//!
//! Matching follows the contract: 32 hex characters match `ID` (any case); anything else
//! matches `username` ignoring case, then `emailAddr` ignoring case. A row whose value points at
//! more than one user *by any field* is ambiguous (a username of one person that is another
//! person's email is a trap, not a match): deactivating the wrong person locks them out.

mod index;
mod protection;
mod undo;
pub use index::*;
pub use undo::*;

use std::collections::HashMap;

use crate::dates::When;
use crate::model::{DirUser, Directory, InputRow};
pub use crate::model::{Identifier, MatchedBy, classify};

/// What to do with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Active and not protected: deactivate (or, in a dry run, report that it would be).
    Deactivate,
    AlreadyInactive,
    /// Nobody has this value; the closest usernames or emails in the tenant, if any.
    NotFound(Vec<String>),
    /// The value points at several users; the reason names them.
    Ambiguous(String),
    /// The same user as an earlier row.
    Duplicate {
        first_row: usize,
    },
    /// The value cannot identify anyone; the reason says why.
    Invalid(String),
    /// Never to be deactivated; the reason says why.
    Protected(String),
    /// Undo: inactive now and deactivated by the earlier run, so reactivate.
    Reactivate,
    /// Undo: someone already reactivated this user.
    AlreadyActive,
    /// `apply`: the user changed since the plan was made; the reason says how.
    Drifted(String),
    /// The leaving date is later: schedule the deactivation for it (`date` ISO, `at` the moment
    /// in Workfront's form).
    Schedule {
        date: String,
        at: String,
    },
}

impl Decision {
    /// Does carrying out this decision send a write?
    pub fn writes(&self) -> bool {
        matches!(self, Decision::Deactivate | Decision::Reactivate | Decision::Schedule { .. })
    }
}

/// Who must never be deactivated besides the API user, who always is protected.
#[derive(Debug, Clone, Default)]
pub struct Protection {
    /// `--allow-admins`: System Administrators may be deactivated.
    pub allow_admins: bool,
    /// Users listed by `--protect FILE`: ID → the reason shown in the report.
    pub listed: HashMap<String, String>,
}

/// One row with its match and decision.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub input: InputRow,
    pub matched_by: Option<MatchedBy>,
    pub user: Option<Box<DirUser>>,
    pub decision: Decision,
}

/// What to do with a matched user who is not a duplicate: protected users first (so a
/// protected user is reported as such even when inactive), then by state.
fn decide(user: &DirUser, api_user_id: &str, protection: &Protection) -> Decision {
    if user.id == api_user_id {
        Decision::Protected(
            "this is the API user's own account; deactivating it would lock this tool out".into(),
        )
    } else if let Some(why) = protection.listed.get(&user.id) {
        Decision::Protected(why.clone())
    } else if user.is_admin && !protection.allow_admins {
        Decision::Protected(
            "a System Administrator: pass --allow-admins to deactivate administrators".into(),
        )
    } else if !user.is_active {
        Decision::AlreadyInactive
    } else {
        Decision::Deactivate
    }
}

/// Plans a roster audit's candidates (active users on no roster row): row `n` is the n-th
/// candidate, identified by ID, decided like any matched user.
pub fn plan_candidates(
    candidates: &[DirUser],
    api_user_id: &str,
    protection: &Protection,
) -> Vec<PlannedRow> {
    candidates
        .iter()
        .enumerate()
        .map(|(i, user)| PlannedRow {
            input: InputRow { row: i + 1, line: 0, value: user.id.clone(), date: None },
            matched_by: Some(MatchedBy::Id),
            user: Some(Box::new(user.clone())),
            decision: decide(user, api_user_id, protection),
        })
        .collect()
}

/// When each row with a leaving date is deactivated, by row number (`Err`: the date is bad).
pub type Timing = HashMap<usize, Result<When, String>>;

/// Decides every row, in input order.
pub fn build_plan(
    rows: &[InputRow],
    directory: &Directory,
    protection: &Protection,
    timing: &Timing,
) -> Vec<PlannedRow> {
    let index = Index::new(&directory.users);
    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    rows.iter()
        .map(|row| {
            let unmatched = |decision| PlannedRow {
                input: row.clone(),
                matched_by: None,
                user: None,
                decision,
            };
            let identifier = match classify(&row.value) {
                Ok(identifier) => identifier,
                Err(reason) => return unmatched(Decision::Invalid(reason)),
            };
            let when = match timing.get(&row.row) {
                Some(Err(reason)) => {
                    return unmatched(Decision::Invalid(format!("leaving date: {reason}")));
                }
                Some(Ok(when)) => Some(when),
                None => None,
            };
            let (i, matched_by) = match index.find(&identifier) {
                Ok(found) => found,
                Err(Decision::NotFound(_)) => {
                    let near = match &identifier {
                        Identifier::Name(name) => {
                            directory.suggestions.get(name).cloned().unwrap_or_default()
                        }
                        Identifier::Id(_) => Vec::new(),
                    };
                    return unmatched(Decision::NotFound(near));
                }
                Err(decision) => return unmatched(decision),
            };
            let user = &directory.users[i];
            let decision = match first_row_of.get(user.id.as_str()) {
                Some(&first_row) => Decision::Duplicate { first_row },
                None => match (decide(user, &directory.api_user_id, protection), when) {
                    (Decision::Deactivate, Some(When::At { date, timestamp })) => {
                        Decision::Schedule { date: date.clone(), at: timestamp.clone() }
                    }
                    (decision, _) => decision,
                },
            };
            first_row_of.entry(&user.id).or_insert(row.row);
            PlannedRow {
                input: row.clone(),
                matched_by: Some(matched_by),
                user: Some(Box::new(user.clone())),
                decision,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::protection::protected_users;
    use super::*;
    use crate::prior::PriorRow;

    fn user(id: &str, username: &str, email: &str, active: bool) -> DirUser {
        DirUser {
            id: id.repeat(32),
            name: username.into(),
            username: username.into(),
            email: email.into(),
            is_active: active,
            is_admin: false,
            license_type: "F".into(),
            last_login: String::new(),
            scheduled: String::new(),
            access_level_id: String::new(),
            created: String::new(),
        }
    }

    fn dir() -> Directory {
        Directory {
            users: vec![
                user("a", "ada@x.example", "ada@x.example", true),
                user("b", "BOB", "bob@x.example", true),
                user("c", "cy@x.example", "team@x.example", true),
                user("d", "di@x.example", "team@x.example", true),
                user("e", "old@x.example", "eve@x.example", false),
                user("f", "api@x.example", "api@x.example", true),
                user("1", "fay@x.example", "gus@x.example", true),
                user("2", "gus@x.example", "gus2@x.example", true),
            ],
            total: 8,
            active: 7,
            api_user_id: "f".repeat(32),
            suggestions: HashMap::new(),
            others: Vec::new(),
        }
    }

    fn decide(values: &[&str]) -> Vec<(Decision, Option<MatchedBy>)> {
        let rows: Vec<InputRow> = values
            .iter()
            .enumerate()
            .map(|(i, v)| InputRow {
                row: i + 1,
                line: i as u64 + 2,
                value: v.to_string(),
                date: None,
            })
            .collect();
        build_plan(&rows, &dir(), &Protection::default(), &Timing::new())
            .into_iter()
            .map(|p| (p.decision, p.matched_by))
            .collect()
    }

    #[test]
    fn matches_by_id_username_then_email_ignoring_case() {
        let got = decide(&[&"A".repeat(32), "bob", "EVE@x.example", "Ada@X.example"]);
        assert_eq!(got[0], (Decision::Deactivate, Some(MatchedBy::Id)));
        assert_eq!(got[1], (Decision::Deactivate, Some(MatchedBy::Username)));
        assert_eq!(got[2], (Decision::AlreadyInactive, Some(MatchedBy::Email)));
        assert_eq!(got[3], (Decision::Duplicate { first_row: 1 }, Some(MatchedBy::Username)));
    }

    #[test]
    fn ambiguity_is_never_guessed() {
        let got = decide(&["team@x.example", "gus@x.example"]);
        assert!(
            matches!(&got[0].0, Decision::Ambiguous(why) if why.contains("2 users") && why.contains("cy@x.example"))
        );
        assert!(
            matches!(&got[1].0, Decision::Ambiguous(_)),
            "a username of one is the email of another"
        );
    }

    #[test]
    fn not_found_invalid_and_protected() {
        let got = decide(&["nobody@x.example", "", "John Smith", &"f".repeat(32), &"9".repeat(32)]);
        assert_eq!(got[0].0, Decision::NotFound(Vec::new()));
        assert!(matches!(&got[1].0, Decision::Invalid(why) if why.contains("empty")));
        assert!(matches!(&got[2].0, Decision::Invalid(why) if why.contains("spaces")));
        assert!(matches!(&got[3].0, Decision::Protected(why) if why.contains("API user")));
        assert_eq!(got[4].0, Decision::NotFound(Vec::new()));
    }

    #[test]
    fn an_id_shaped_value_is_also_a_username() {
        let mut directory = dir();
        directory.users.push(user("7", &"a".repeat(32), "hex@x.example", true));
        directory.users.push(user("8", &"c".repeat(32), "hex2@x.example", true));
        let rows = rows(&[&"A".repeat(32), &"C".repeat(32), &"9".repeat(32)]);
        let plan = build_plan(&rows, &directory, &Protection::default(), &Timing::new());
        assert!(
            matches!(&plan[0].decision, Decision::Ambiguous(why) if why.contains("2 users")),
            "{:?}",
            plan[0].decision
        );
        assert!(
            matches!(&plan[1].decision, Decision::Ambiguous(_)),
            "cy's ID is user 8's username"
        );
        assert_eq!(plan[2].decision, Decision::NotFound(Vec::new()));
        directory.users.retain(|u| u.id != "c".repeat(32));
        let plan = build_plan(&rows[1..2], &directory, &Protection::default(), &Timing::new());
        assert_eq!(
            (plan[0].decision.clone(), plan[0].matched_by),
            (Decision::Deactivate, Some(MatchedBy::Username))
        );
    }

    #[test]
    fn duplicates_of_inactive_users_are_still_duplicates() {
        let got = decide(&["eve@x.example", "old@x.example"]);
        assert_eq!(got[0].0, Decision::AlreadyInactive);
        assert_eq!(got[1].0, Decision::Duplicate { first_row: 1 });
    }

    fn rows(values: &[&str]) -> Vec<InputRow> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| InputRow {
                row: i + 1,
                line: i as u64 + 2,
                value: v.to_string(),
                date: None,
            })
            .collect()
    }

    #[test]
    fn admins_and_listed_users_are_protected() {
        let mut directory = dir();
        directory.users[1].is_admin = true;
        let listed =
            protected_users(&rows(&["ada@x.example", "team@x.example"]), &directory, "keep.csv")
                .unwrap();
        let typo =
            protected_users(&rows(&["ada@x.example", "ada@x.exmaple"]), &directory, "keep.csv")
                .unwrap_err();
        assert!(
            typo.starts_with("keep.csv, line 3 (row 2): \"ada@x.exmaple\": matches no user"),
            "{typo}"
        );
        assert_eq!(listed.len(), 3, "an ambiguous entry protects everyone it could mean");
        let protection = Protection { allow_admins: false, listed };
        let plan = build_plan(
            &rows(&["ada@x.example", "bob", "cy@x.example", "gus2@x.example"]),
            &directory,
            &protection,
            &Timing::new(),
        );
        assert!(
            matches!(&plan[0].decision, Decision::Protected(why) if why.contains("keep.csv (row 1: ada@x.example)"))
        );
        assert!(
            matches!(&plan[1].decision, Decision::Protected(why) if why.contains("--allow-admins"))
        );
        assert!(matches!(&plan[2].decision, Decision::Protected(why) if why.contains("row 2")));
        assert_eq!(plan[3].decision, Decision::Deactivate);
        let allowed = Protection { allow_admins: true, ..protection };
        assert_eq!(
            build_plan(&rows(&["bob"]), &directory, &allowed, &Timing::new())[0].decision,
            Decision::Deactivate
        );
    }

    #[test]
    fn a_protect_list_entry_that_cannot_identify_anyone_is_an_error() {
        let err = protected_users(&rows(&["ada@x.example", "Ada Lovelace"]), &dir(), "keep.csv")
            .unwrap_err();
        assert!(err.contains("keep.csv, line 3 (row 2): \"Ada Lovelace\""), "{err}");
    }

    #[test]
    fn an_undo_reactivates_only_deactivated_rows_still_inactive() {
        let prior_row = |row: usize, id: &str, outcome: &str| PriorRow {
            row,
            input: format!("'={id}"),
            matched_by: "id".into(),
            user_id: id.repeat(32).to_uppercase(),
            name: String::new(),
            username: String::new(),
            email: String::new(),
            was_active: "true".into(),
            outcome: outcome.into(),
            http_status: String::new(),
            attempts: String::new(),
            error: String::new(),
            finished_at: String::new(),
            license_type: String::new(),
            access_level_id: String::new(),
        };
        let prior = [
            prior_row(1, "e", "deactivated"),
            prior_row(2, "a", "deactivated"),
            prior_row(3, "9", "deactivated"),
            prior_row(4, "b", "failed"),
        ];
        let now: HashMap<String, DirUser> =
            dir().users.into_iter().map(|u| (u.id.clone(), u)).collect();
        let plan = build_undo_plan(&prior, &now);
        let decisions: Vec<(usize, Decision)> =
            plan.iter().map(|p| (p.input.row, p.decision.clone())).collect();
        assert_eq!(
            decisions,
            [
                (1, Decision::Reactivate),
                (2, Decision::AlreadyActive),
                (3, Decision::NotFound(Vec::new()))
            ]
        );
        assert_eq!((plan[0].input.value.as_str(), plan[0].matched_by), ("=e", Some(MatchedBy::Id)));
    }
}
