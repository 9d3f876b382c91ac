//! Pure planning: input rows + the matched directory → one decision per row. No I/O, no async.
//!
//! Matching follows the contract: 32 hex characters match `ID` (any case); anything else
//! matches `username` ignoring case, then `emailAddr` ignoring case. A row whose value points at
//! more than one user *by any field* is ambiguous (a username of one person that is another
//! person's email is a trap, not a match): deactivating the wrong person locks them out.

use std::collections::HashMap;

use crate::directory::{DirUser, Directory};
use crate::input::InputRow;

/// What an input value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A Workfront GUID, lower-cased.
    Id(String),
    /// A username or email, lower-cased for case-insensitive matching.
    Name(String),
}

/// Classifies a trimmed input value, or says why it cannot identify anyone.
pub fn classify(value: &str) -> Result<Identifier, String> {
    if value.is_empty() {
        return Err("the identifier cell is empty".into());
    }
    if value.chars().any(char::is_control) {
        return Err("the identifier contains control characters".into());
    }
    if value.chars().any(char::is_whitespace) {
        return Err("the identifier contains spaces: give a username, email address or user ID, not a name".into());
    }
    if value.chars().count() > 255 {
        return Err("the identifier is longer than 255 characters".into());
    }
    if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Identifier::Id(value.to_ascii_lowercase()));
    }
    Ok(Identifier::Name(value.to_lowercase()))
}

/// Which field matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Id,
    Username,
    Email,
}

impl MatchedBy {
    /// The report's `matched_by` value.
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::Id => "id",
            MatchedBy::Username => "username",
            MatchedBy::Email => "email",
        }
    }
}

/// What to do with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Active and not protected: deactivate (or, in a dry run, report that it would be).
    Deactivate,
    AlreadyInactive,
    NotFound,
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
}

/// One row with its match and decision.
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub input: InputRow,
    pub matched_by: Option<MatchedBy>,
    pub user: Option<DirUser>,
    pub decision: Decision,
}

/// Case-insensitive lookups over the matched users.
struct Index<'d> {
    users: &'d [DirUser],
    by_id: HashMap<&'d str, usize>,
    by_username: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
}

impl<'d> Index<'d> {
    fn new(users: &'d [DirUser]) -> Self {
        let mut index = Index { users, by_id: HashMap::new(), by_username: HashMap::new(), by_email: HashMap::new() };
        for (i, user) in users.iter().enumerate() {
            index.by_id.insert(&user.id, i);
            index.by_username.entry(user.username.to_lowercase()).or_default().push(i);
            index.by_email.entry(user.email.to_lowercase()).or_default().push(i);
        }
        index
    }

    /// The user a value identifies, how, or the decision that it identifies none or several.
    fn find(&self, identifier: &Identifier) -> Result<(usize, MatchedBy), Decision> {
        let name = match identifier {
            Identifier::Id(id) => return self.by_id.get(id.as_str()).map(|&i| (i, MatchedBy::Id)).ok_or(Decision::NotFound),
            Identifier::Name(name) => name,
        };
        let by_username = self.by_username.get(name).map_or(&[][..], Vec::as_slice);
        let by_email = self.by_email.get(name).map_or(&[][..], Vec::as_slice);
        let mut all: Vec<usize> = by_username.iter().chain(by_email).copied().collect();
        all.sort_unstable();
        all.dedup();
        match all.as_slice() {
            [] => Err(Decision::NotFound),
            [only] => Ok((*only, if by_username.is_empty() { MatchedBy::Email } else { MatchedBy::Username })),
            many => {
                let who: Vec<String> = many.iter().map(|&i| format!("{} ({})", self.users[i].username, self.users[i].id)).collect();
                Err(Decision::Ambiguous(format!("matches {} users: {}", many.len(), who.join(", "))))
            }
        }
    }
}

/// Decides every row, in input order.
pub fn build_plan(rows: &[InputRow], directory: &Directory) -> Vec<PlannedRow> {
    let index = Index::new(&directory.users);
    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    rows.iter()
        .map(|row| {
            let unmatched = |decision| PlannedRow { input: row.clone(), matched_by: None, user: None, decision };
            let identifier = match classify(&row.value) {
                Ok(identifier) => identifier,
                Err(reason) => return unmatched(Decision::Invalid(reason)),
            };
            let (i, matched_by) = match index.find(&identifier) {
                Ok(found) => found,
                Err(decision) => return unmatched(decision),
            };
            let user = &directory.users[i];
            let decision = if let Some(&first_row) = first_row_of.get(user.id.as_str()) {
                Decision::Duplicate { first_row }
            } else if user.id == directory.api_user_id {
                Decision::Protected("this is the API user's own account; deactivating it would lock this tool out".into())
            } else if !user.is_active {
                Decision::AlreadyInactive
            } else {
                Decision::Deactivate
            };
            first_row_of.entry(&user.id).or_insert(row.row);
            PlannedRow { input: row.clone(), matched_by: Some(matched_by), user: Some(user.clone()), decision }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, username: &str, email: &str, active: bool) -> DirUser {
        DirUser {
            id: id.repeat(32),
            name: username.into(),
            username: username.into(),
            email: email.into(),
            is_active: active,
            is_admin: false,
            license_type: "F".into(),
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
        }
    }

    fn decide(values: &[&str]) -> Vec<(Decision, Option<MatchedBy>)> {
        let rows: Vec<InputRow> =
            values.iter().enumerate().map(|(i, v)| InputRow { row: i + 1, line: i as u64 + 2, value: v.to_string() }).collect();
        build_plan(&rows, &dir()).into_iter().map(|p| (p.decision, p.matched_by)).collect()
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
        assert!(matches!(&got[0].0, Decision::Ambiguous(why) if why.contains("2 users") && why.contains("cy@x.example")));
        assert!(matches!(&got[1].0, Decision::Ambiguous(_)), "a username of one is the email of another");
    }

    #[test]
    fn not_found_invalid_and_protected() {
        let got = decide(&["nobody@x.example", "", "John Smith", &"f".repeat(32), &"9".repeat(32)]);
        assert_eq!(got[0].0, Decision::NotFound);
        assert!(matches!(&got[1].0, Decision::Invalid(why) if why.contains("empty")));
        assert!(matches!(&got[2].0, Decision::Invalid(why) if why.contains("spaces")));
        assert!(matches!(&got[3].0, Decision::Protected(why) if why.contains("API user")));
        assert_eq!(got[4].0, Decision::NotFound);
    }

    #[test]
    fn duplicates_of_inactive_users_are_still_duplicates() {
        let got = decide(&["eve@x.example", "old@x.example"]);
        assert_eq!(got[0].0, Decision::AlreadyInactive);
        assert_eq!(got[1].0, Decision::Duplicate { first_row: 1 });
    }
}
