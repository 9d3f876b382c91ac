//! Case-insensitive lookups of a value among the listed users: by ID, username and email, and
//! which field matched.

use std::collections::HashMap;

use super::Decision;
use crate::model::DirUser;
pub use crate::model::{Identifier, MatchedBy};

/// Case-insensitive lookups over the matched users.
pub(super) struct Index<'d> {
    users: &'d [DirUser],
    by_id: HashMap<&'d str, usize>,
    by_username: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
}

impl<'d> Index<'d> {
    pub(super) fn new(users: &'d [DirUser]) -> Self {
        let mut index = Index {
            users,
            by_id: HashMap::new(),
            by_username: HashMap::new(),
            by_email: HashMap::new(),
        };
        for (i, user) in users.iter().enumerate() {
            index.by_id.insert(&user.id, i);
            index.by_username.entry(user.username.to_lowercase()).or_default().push(i);
            index.by_email.entry(user.email.to_lowercase()).or_default().push(i);
        }
        index
    }

    /// Every user a value could mean, and by which field the first matched. An ID-shaped value
    /// is also looked up as a username and email: a 32-hex value that is one user's ID and
    /// another's username means two people, and a username that happens to be 32 hex
    /// characters must still be matchable.
    pub(super) fn candidates(&self, identifier: &Identifier) -> (Vec<usize>, MatchedBy) {
        let (name, by_id) = match identifier {
            Identifier::Id(id) => {
                (id, self.by_id.get(id.as_str()).map(std::slice::from_ref).unwrap_or_default())
            }
            Identifier::Name(name) => (name, &[][..]),
        };
        let by_username = self.by_username.get(name).map_or(&[][..], Vec::as_slice);
        let by_email = self.by_email.get(name).map_or(&[][..], Vec::as_slice);
        let mut all: Vec<usize> =
            by_id.iter().chain(by_username).chain(by_email).copied().collect();
        all.sort_unstable();
        all.dedup();
        let matched_by = if !by_id.is_empty() {
            MatchedBy::Id
        } else if !by_username.is_empty() {
            MatchedBy::Username
        } else {
            MatchedBy::Email
        };
        (all, matched_by)
    }

    /// The one user a value identifies and how, or the decision that it identifies none or several.
    pub(super) fn find(&self, identifier: &Identifier) -> Result<(usize, MatchedBy), Decision> {
        match self.candidates(identifier) {
            (all, _) if all.is_empty() => Err(Decision::NotFound(Vec::new())),
            (all, matched_by) if all.len() == 1 => Ok((all[0], matched_by)),
            (many, _) => {
                let who: Vec<String> = many
                    .iter()
                    .map(|&i| format!("{} ({})", self.users[i].username, self.users[i].id))
                    .collect();
                Err(Decision::Ambiguous(format!(
                    "matches {} users: {}",
                    many.len(),
                    who.join(", ")
                )))
            }
        }
    }
}
