//! The undo plan: the rows an earlier report shows `deactivated`, against the users' state now.

use std::collections::HashMap;

use super::{Decision, PlannedRow};
pub use crate::model::MatchedBy;
use crate::model::{DirUser, InputRow, OutcomeKind, unneutralise};
use crate::prior::PriorRow;

/// Plans an undo: the rows an earlier report shows `deactivated`, against the users' state
/// `now` (read by ID). Other rows changed nobody and have nothing to undo.
pub fn build_undo_plan(prior: &[PriorRow], now: &HashMap<String, DirUser>) -> Vec<PlannedRow> {
    prior
        .iter()
        .filter(|p| p.kind() == OutcomeKind::Deactivated)
        .map(|p| {
            let input = InputRow {
                row: p.row,
                line: 0,
                value: unneutralise(&p.input).to_string(),
                date: None,
            };
            let mut user = now.get(&p.user_id.to_ascii_lowercase()).cloned();
            // Deactivation cleared the access level; the report kept the one to give back.
            if let Some(user) = user.as_mut().filter(|_| !p.access_level_id.is_empty()) {
                user.access_level_id = p.access_level_id.to_ascii_lowercase();
            }
            let decision = match &user {
                None => Decision::NotFound(Vec::new()),
                Some(u) if u.is_active => Decision::AlreadyActive,
                Some(_) => Decision::Reactivate,
            };
            PlannedRow {
                input,
                matched_by: MatchedBy::from_label(&p.matched_by),
                user: user.map(Box::new),
                decision,
            }
        })
        .collect()
}
