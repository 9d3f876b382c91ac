//! Reading users back by ID: the read-after-write check, and the current state of the users an
//! undo or a reviewed plan would change.
//!
//! Workfront's answer to a PUT is not the stored state: a write can be acknowledged and lost
//! (`--lost-write-rate`), or stored with its answer lost (`--lost-answer-rate`). So every row
//! the run tried to change, whatever its answer, is read back, and its outcome says what the
//! server shows: the change held → done (confirmed in the `error` cell); it did not → `failed`;
//! it could not be read → `failed` "could not confirm". Reads go through `user/search` with
//! `ID_Mod=in`, which only ever returns the users that exist, as a list.

use std::collections::HashMap;

use futures::{StreamExt, stream};

use crate::directory::{DirUser, parse_user};
use crate::report::{CONFIRMED_ACTIVE, CONFIRMED_INACTIVE, Outcome, OutcomeKind};
use crate::workfront::{Client, IDS_PER_GET, Pacing};

/// Reads the users with these IDs, in pages, concurrently under the run's pacing. A user that
/// does not exist is simply absent from the answer.
pub async fn read_users(
    client: &Client,
    pacing: &Pacing,
    ids: &[String],
) -> Result<HashMap<String, DirUser>, String> {
    let mut pages = stream::iter(ids.chunks(IDS_PER_GET))
        .map(|chunk| read_page(client, pacing, chunk.to_vec()))
        .buffer_unordered(pacing.concurrency);
    let mut users = HashMap::with_capacity(ids.len());
    while let Some(page) = pages.next().await {
        users.extend(page?);
    }
    Ok(users)
}

/// Reads one page of at most [`IDS_PER_GET`] users by ID (the read-after-write check's unit).
pub async fn read_page(
    client: &Client,
    pacing: &Pacing,
    ids: Vec<String>,
) -> Result<HashMap<String, DirUser>, String> {
    let attempted = pacing.send(|| client.users_by_id(&ids)).await;
    let listed = attempted.result.map_err(|e| {
        format!("reading users by ID failed after {} attempts: {e}", attempted.attempts)
    })?;
    listed.iter().map(|value| parse_user(value).map(|user| (user.id.clone(), user))).collect()
}

/// What a write was meant to leave on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Inactive,
    Active,
    /// A scheduled deactivation at this moment (Workfront's form).
    Scheduled(String),
}

impl Target {
    fn holds(&self, user: &DirUser) -> bool {
        match self {
            Target::Inactive => !user.is_active,
            Target::Active => user.is_active,
            // Workfront keeps the date only: the stored day must be the day sent.
            Target::Scheduled(at) => {
                !user.scheduled.is_empty() && user.scheduled.get(..10) == at.get(..10)
            }
        }
    }

    fn done(&self) -> OutcomeKind {
        match self {
            Target::Inactive => OutcomeKind::Deactivated,
            Target::Active => OutcomeKind::Reactivated,
            Target::Scheduled(_) => OutcomeKind::Scheduled,
        }
    }

    fn confirmation(&self, user: &DirUser) -> String {
        match self {
            Target::Inactive => CONFIRMED_INACTIVE.to_string(),
            Target::Active => CONFIRMED_ACTIVE.to_string(),
            Target::Scheduled(at) => {
                format!("deactivation scheduled for {at}; read back: {}", user.scheduled)
            }
        }
    }

    fn missing(&self, user: &DirUser) -> String {
        match self {
            Target::Scheduled(_) if user.scheduled.is_empty() => {
                "reading the user back shows no scheduledDeactivationDate".into()
            }
            Target::Scheduled(at) => format!(
                "reading the user back shows scheduledDeactivationDate {}, not {at}",
                user.scheduled
            ),
            _ => format!(
                "reading the user back shows them still {}",
                if user.is_active { "active" } else { "inactive" }
            ),
        }
    }
}

/// A written row waiting to be read back.
#[derive(Debug, Clone)]
pub struct Written {
    pub outcome: Outcome,
    pub target: Target,
}

/// The row's outcome from what the server shows now (`Err`: it could not be read).
pub fn settle(written: Written, now: Result<Option<&DirUser>, &str>) -> Outcome {
    let Written { mut outcome, target } = written;
    let answered = outcome.kind != OutcomeKind::Failed;
    let earlier = std::mem::take(&mut outcome.error);
    let lost = |what: String| if answered { what } else { format!("{earlier}; {what}") };
    match now {
        Err(e) => {
            outcome.kind = OutcomeKind::Failed;
            outcome.error = lost(format!("could not confirm: {e}"));
        }
        Ok(None) => {
            outcome.kind = OutcomeKind::Failed;
            outcome.error = lost("read back: the user no longer exists".into());
        }
        Ok(Some(user)) if target.holds(user) => {
            outcome.kind = target.done();
            outcome.error = if answered {
                target.confirmation(user)
            } else {
                format!(
                    "the answer was lost ({earlier}), but the change was stored; {}",
                    target.confirmation(user)
                )
            };
        }
        Ok(Some(user)) if answered => {
            outcome.kind = OutcomeKind::Failed;
            outcome.error = format!(
                "Workfront acknowledged the change, but {}: the write did not stick; run again",
                target.missing(user)
            );
        }
        Ok(Some(user)) => {
            outcome.kind = OutcomeKind::Failed;
            outcome.error = format!("{earlier}; {}", target.missing(user));
        }
    }
    outcome
}

/// Settles a batch of written rows against one read (`Err`: it failed).
pub fn settle_all(
    batch: Vec<Written>,
    now: &Result<HashMap<String, DirUser>, String>,
) -> Vec<Outcome> {
    batch
        .into_iter()
        .map(|written| {
            let id = written.outcome.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
            match now {
                Ok(users) => settle(written, Ok(users.get(&id))),
                Err(e) => settle(written, Err(e)),
            }
        })
        .collect()
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
            access_level_id: String::new(),
            created: String::new(),
        }
    }

    fn written(row: usize, id: &str, kind: OutcomeKind, target: Target) -> Written {
        let outcome = Outcome {
            row,
            input: id.into(),
            matched_by: None,
            user: Some(Box::new(user(id, true))),
            kind,
            http_status: Some(200),
            attempts: 1,
            error: if kind == OutcomeKind::Failed {
                "timed out (gave up after 8 attempts)".into()
            } else {
                String::new()
            },
            finished_at: String::new(),
        };
        Written { outcome, target }
    }

    #[test]
    fn outcomes_follow_what_the_server_shows() {
        let batch = vec![
            written(1, "a", OutcomeKind::Deactivated, Target::Inactive),
            written(2, "b", OutcomeKind::Deactivated, Target::Inactive),
            written(3, "c", OutcomeKind::Reactivated, Target::Active),
            written(4, "d", OutcomeKind::Deactivated, Target::Inactive),
            written(5, "e", OutcomeKind::Failed, Target::Inactive),
            written(6, "f", OutcomeKind::Failed, Target::Inactive),
        ];
        let now: HashMap<String, DirUser> = [
            user("a", false),
            user("b", true),
            user("c", false),
            user("e", false),
            user("f", true),
        ]
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
        let got = settle_all(batch.clone(), &Ok(now));
        let kinds: Vec<OutcomeKind> = got.iter().map(|o| o.kind).collect();
        use OutcomeKind::{Deactivated, Failed};
        assert_eq!(kinds, [Deactivated, Failed, Failed, Failed, Deactivated, Failed]);
        assert_eq!(got[0].error, CONFIRMED_INACTIVE);
        assert!(got[1].error.contains("still active") && got[2].error.contains("still inactive"));
        assert!(got[3].error.contains("no longer exists"));
        assert!(
            got[4].error.starts_with("the answer was lost (timed out")
                && got[4].error.ends_with(CONFIRMED_INACTIVE),
            "{}",
            got[4].error
        );
        assert!(got[5].error.contains("gave up") && got[5].error.contains("still active"));

        let unread = settle_all(batch, &Err("HTTP 500".into()));
        assert!(
            unread
                .iter()
                .all(|o| o.kind == Failed && o.error.contains("could not confirm: HTTP 500"))
        );
    }
}
