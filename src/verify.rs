//! Reading users back by ID: the read-after-write check after a real run, and the current state
//! of the users an undo would reactivate.
//!
//! Workfront's answer to a PUT already says `isActive`, but an answer is not the stored state: a
//! write can be acknowledged and lost (the simulator's `--lost-write-rate` does exactly that).
//! So after the writes, every changed user is read again, 100 IDs per `GET user?id=…`, and a row
//! whose user does not hold the new state is reported `failed` with what was seen.

use std::collections::HashMap;

use futures::{StreamExt, stream};

use crate::directory::{DirUser, parse_user};
use crate::report::{Outcome, OutcomeKind};
use crate::workfront::{Client, IDS_PER_GET, Pacing};

/// Reads the users with these IDs, in pages, concurrently under the run's pacing. A user that
/// does not exist is simply absent from the answer.
pub async fn read_users(client: &Client, pacing: &Pacing, ids: &[String]) -> Result<HashMap<String, DirUser>, String> {
    let mut pages = stream::iter(ids.chunks(IDS_PER_GET))
        .map(|chunk| async move { pacing.send(|| client.get_users(chunk)).await })
        .buffer_unordered(pacing.concurrency);
    let mut users = HashMap::with_capacity(ids.len());
    while let Some(attempted) = pages.next().await {
        let listed = attempted.result.map_err(|e| format!("GET user?id=… failed after {} attempts: {e}", attempted.attempts))?;
        for value in &listed {
            let user = parse_user(value)?;
            users.insert(user.id.clone(), user);
        }
    }
    Ok(users)
}

/// The rows whose change did not stick: `(row, reason)` for each `deactivated` user still
/// active, each `reactivated` user still inactive, and each changed user who is gone.
pub fn unconfirmed(outcomes: &[Outcome], now: &HashMap<String, DirUser>) -> Vec<(usize, String)> {
    outcomes
        .iter()
        .filter_map(|o| {
            let wanted_active = match o.kind {
                OutcomeKind::Deactivated => false,
                OutcomeKind::Reactivated | OutcomeKind::Scheduled => true,
                _ => return None,
            };
            let id = &o.user.as_ref()?.id;
            let state = |active: bool| if active { "active" } else { "inactive" };
            match now.get(id) {
                None => Some((o.row, "read back after the write: the user no longer exists".to_string())),
                Some(user) if o.kind == OutcomeKind::Scheduled && user.scheduled.is_empty() => Some((
                    o.row,
                    "Workfront acknowledged the schedule, but reading the user back shows no scheduledDeactivationDate: run again".to_string(),
                )),
                Some(user) if user.is_active != wanted_active => Some((
                    o.row,
                    format!(
                        "Workfront acknowledged the change, but reading the user back shows them still {}: the write did not stick; run again",
                        state(user.is_active)
                    ),
                )),
                Some(_) => None,
            }
        })
        .collect()
}

/// The IDs of the users whose rows say they were changed.
pub fn changed_ids(outcomes: &[Outcome]) -> Vec<String> {
    outcomes.iter().filter(|o| o.kind.is_change()).filter_map(|o| o.user.as_ref().map(|u| u.id.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, active: bool) -> DirUser {
        DirUser {
            id: id.into(),
            name: String::new(),
            username: id.into(),
            email: String::new(),
            is_active: active,
            is_admin: false,
            license_type: String::new(),
            last_login: String::new(),
            scheduled: String::new(),
        }
    }

    fn outcome(row: usize, id: &str, kind: OutcomeKind) -> Outcome {
        Outcome {
            row,
            input: id.into(),
            matched_by: None,
            user: Some(Box::new(user(id, true))),
            kind,
            http_status: Some(200),
            attempts: 1,
            error: String::new(),
            finished_at: String::new(),
        }
    }

    #[test]
    fn changes_that_did_not_stick_are_found() {
        let outcomes = vec![
            outcome(1, "a", OutcomeKind::Deactivated),
            outcome(2, "b", OutcomeKind::Deactivated),
            outcome(3, "c", OutcomeKind::Reactivated),
            outcome(4, "d", OutcomeKind::Deactivated),
            outcome(5, "e", OutcomeKind::NotFound),
        ];
        assert_eq!(changed_ids(&outcomes), ["a", "b", "c", "d"]);
        let now: HashMap<String, DirUser> =
            [user("a", false), user("b", true), user("c", false)].into_iter().map(|u| (u.id.clone(), u)).collect();
        let found = unconfirmed(&outcomes, &now);
        let rows: Vec<usize> = found.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, [2, 3, 4]);
        assert!(found[0].1.contains("still active") && found[1].1.contains("still inactive") && found[2].1.contains("no longer exists"));
    }
}
