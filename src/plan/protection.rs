//! Who is never deactivated: the API user, System Administrators (without `--allow-admins`)
//! and everyone a `--protect` list names (every entry must name someone).

use std::collections::HashMap;

use super::{Index, Protection};
use crate::model::{Directory, InputRow};
pub use crate::model::{Identifier, classify};

impl Protection {
    /// The protection for a run: `--allow-admins`, and everyone a `--protect` list (its path
    /// and rows) names in `directory`.
    pub fn resolve(
        allow_admins: bool,
        protect: Option<(&std::path::Path, &[InputRow])>,
        directory: &Directory,
    ) -> Result<Protection, String> {
        let listed = match protect {
            Some((path, rows)) => protected_users(rows, directory, &path.display().to_string())?,
            None => HashMap::new(),
        };
        Ok(Protection { allow_admins, listed })
    }
}

/// Resolves a `--protect` list: every user any of its rows could mean is protected (an
/// ambiguous entry protects all its matches). An entry that cannot identify anyone, or matches
/// nobody, is an error naming the file, line and value (with a "did you mean"): a protection
/// list that silently protects nobody is worse than none.
pub fn protected_users(
    rows: &[InputRow],
    directory: &Directory,
    source: &str,
) -> Result<HashMap<String, String>, String> {
    let index = Index::new(&directory.users);
    let mut listed = HashMap::new();
    let mut problems = Vec::new();
    for row in rows {
        let place = || format!("{source}, line {} (row {}): {:?}", row.line, row.row, row.value);
        let identifier = match classify(&row.value) {
            Ok(identifier) => identifier,
            Err(why) => {
                problems.push(format!("{}: {why}", place()));
                continue;
            }
        };
        let (matches, _) = index.candidates(&identifier);
        if matches.is_empty() {
            let (Identifier::Name(name) | Identifier::Id(name)) = &identifier;
            let near = directory.suggestions.get(name).cloned().unwrap_or_default();
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean {}?", near.join(" or "))
            };
            problems.push(format!(
                "{}: matches no user on this tenant, so it would protect nobody{hint}",
                place()
            ));
        }
        for i in matches {
            listed
                .entry(directory.users[i].id.clone())
                .or_insert_with(|| format!("listed in {source} (row {}: {})", row.row, row.value));
        }
    }
    match problems.as_slice() {
        [] => Ok(listed),
        [one] => Err(format!("{one}; fix the protect list (nothing was changed)")),
        many => Err(format!(
            "the protect list has {} entries that protect nobody (nothing was changed):\n  {}",
            many.len(),
            many.join("\n  ")
        )),
    }
}
