//! One write, or one bulk batch: the request, its retries, and the row's outcome.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use serde_json::Value;

use super::{Finished, finished, outcome_of};
use crate::plan::{Decision, PlannedRow};
use crate::report::{Outcome, OutcomeKind};
use crate::workfront::{ApiError, Client, Pacing};

/// Why a row is not attempted now, if it is not: the run was interrupted, or the key refused.
pub(super) fn not_attempted(
    planned: &PlannedRow,
    pacing: &Pacing,
    key_refused: &AtomicBool,
) -> Option<Outcome> {
    let why = if pacing.is_cancelled() {
        "not attempted: the run was interrupted"
    } else if key_refused.load(Ordering::SeqCst) {
        "not attempted: Workfront refused the credentials earlier in this run"
    } else {
        return None;
    };
    Some(outcome_of(planned, OutcomeKind::Skipped, None, 0, why.into()))
}

/// The access level a reactivation gives back: the one the report kept, if any.
pub(super) fn access_level(planned: &PlannedRow) -> Option<String> {
    let user = planned.user.as_ref().filter(|_| planned.decision == Decision::Reactivate)?;
    (!user.access_level_id.is_empty()).then(|| user.access_level_id.clone())
}

/// What a row that was written ends as.
pub(super) fn done_kind(planned: &PlannedRow) -> OutcomeKind {
    if planned.decision == Decision::Reactivate {
        OutcomeKind::Reactivated
    } else {
        OutcomeKind::Deactivated
    }
}

/// The `failed` outcome for a request that failed with `e` after `attempts` attempts.
pub(super) fn failure(
    planned: &PlannedRow,
    pacing: &Pacing,
    e: &ApiError,
    attempts: u32,
) -> Outcome {
    let mut why = e.to_string();
    if e.is_transient() && pacing.is_cancelled() {
        why.push_str(" (interrupted before a confirmed answer)");
    } else if e.is_transient() {
        why.push_str(&format!(" (gave up after {attempts} attempts)"));
    }
    outcome_of(planned, OutcomeKind::Failed, e.status, attempts, why)
}

/// Deactivates (or, for an undo, reactivates) one user and checks Workfront's answer.
/// `spent` counts attempts already made for this row in bulk requests that failed.
pub(super) async fn change_one(
    client: &Client,
    pacing: &Pacing,
    key_refused: &AtomicBool,
    planned: PlannedRow,
    spent: u32,
) -> Finished {
    if let Some(skipped) = not_attempted(&planned, pacing, key_refused) {
        return Finished::Settled(skipped);
    }
    let outcome = send_one(client, pacing, key_refused, &planned, spent).await;
    finished(&planned, outcome)
}

/// Sends one user's change and judges Workfront's answer.
pub(super) async fn send_one(
    client: &Client,
    pacing: &Pacing,
    key_refused: &AtomicBool,
    planned: &PlannedRow,
    spent: u32,
) -> Outcome {
    let id = planned.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
    if let Decision::Schedule { at, .. } = &planned.decision {
        return schedule_one(client, pacing, key_refused, planned, &id, at, spent).await;
    }
    let active = planned.decision == Decision::Reactivate;
    let level = access_level(planned);
    let attempted = pacing.send(|| client.set_active(&id, active, level.as_deref())).await;
    let attempts = spent + attempted.attempts;
    let answered = |user: &Value| match user.get("isActive") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    match attempted.result {
        Ok(user) if answered(&user) == Some(active) => {
            outcome_of(planned, done_kind(planned), Some(200), attempts, String::new())
        }
        Ok(user) => {
            let seen = user.get("isActive").map_or("nothing".to_string(), Value::to_string);
            let why = format!("Workfront accepted the update but answered isActive={seen}");
            outcome_of(planned, OutcomeKind::Failed, Some(200), attempts, why)
        }
        Err(e) => {
            if e.is_auth() {
                key_refused.store(true, Ordering::SeqCst);
            }
            failure(planned, pacing, &e, attempts)
        }
    }
}

/// Schedules one user's deactivation and checks that Workfront stored the moment.
pub(super) async fn schedule_one(
    client: &Client,
    pacing: &Pacing,
    key_refused: &AtomicBool,
    planned: &PlannedRow,
    id: &str,
    at: &str,
    spent: u32,
) -> Outcome {
    let attempted = pacing.send(|| client.schedule_deactivation(id, at)).await;
    let attempts = spent + attempted.attempts;
    match attempted.result {
        Ok(user)
            if user
                .get("scheduledDeactivationDate")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()) =>
        {
            outcome_of(
                planned,
                OutcomeKind::Scheduled,
                Some(200),
                attempts,
                format!("deactivation scheduled for {at}"),
            )
        }
        Ok(user) => {
            let seen = user
                .get("scheduledDeactivationDate")
                .map_or("nothing".to_string(), Value::to_string);
            let why = format!(
                "Workfront accepted the update but answered scheduledDeactivationDate={seen}"
            );
            outcome_of(planned, OutcomeKind::Failed, Some(200), attempts, why)
        }
        Err(e) => {
            if e.is_auth() {
                key_refused.store(true, Ordering::SeqCst);
            }
            failure(planned, pacing, &e, attempts)
        }
    }
}

/// Changes a batch of users with one atomic bulk update. If Workfront refuses the batch (one
/// user in it cannot be changed, so nothing was), it is split in two and each half tried again,
/// down to single users, so every row gets its own exact outcome. The bulk answer carries no
/// user states; the read-after-write check confirms them afterwards.
pub(super) fn change_batch<'a>(
    client: &'a Client,
    pacing: &'a Pacing,
    key_refused: &'a AtomicBool,
    mut batch: Vec<PlannedRow>,
    spent: u32,
) -> BoxFuture<'a, Vec<Finished>> {
    Box::pin(async move {
        if batch.len() == 1 {
            let planned = batch.pop().expect("one row");
            return vec![change_one(client, pacing, key_refused, planned, spent).await];
        }
        if batch.iter().any(|p| not_attempted(p, pacing, key_refused).is_some()) {
            return batch
                .iter()
                .map(|p| {
                    Finished::Settled(not_attempted(p, pacing, key_refused).expect("checked above"))
                })
                .collect();
        }
        let users: Vec<(String, Option<String>)> = batch
            .iter()
            .map(|p| (p.user.as_ref().map(|u| u.id.clone()).unwrap_or_default(), access_level(p)))
            .collect();
        let active = batch[0].decision == Decision::Reactivate;
        let attempted = pacing.send(|| client.set_active_bulk(&users, active)).await;
        let attempts = spent + attempted.attempts;
        match attempted.result {
            Ok(()) => batch
                .iter()
                .map(|p| {
                    finished(p, outcome_of(p, done_kind(p), Some(200), attempts, String::new()))
                })
                .collect(),
            Err(e) if e.is_auth() || e.is_transient() => {
                if e.is_auth() {
                    key_refused.store(true, Ordering::SeqCst);
                }
                batch.iter().map(|p| finished(p, failure(p, pacing, &e, attempts))).collect()
            }
            Err(_) => {
                let second = batch.split_off(batch.len() / 2);
                let (mut first, second) = futures::join!(
                    change_batch(client, pacing, key_refused, batch, attempts),
                    change_batch(client, pacing, key_refused, second, attempts)
                );
                first.extend(second);
                first
            }
        }
    })
}
