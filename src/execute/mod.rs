//! Decisions → outcomes: writes (deactivations, or reactivations for an undo) run concurrently
//! under the shared pacing, one user or one bulk batch per request, and one collector alone
//! writes the report and drives the progress bar (after fd and oha).
//!
//! An interruption stops new work at once: jobs not yet started end `skipped`, jobs in flight
//! finish (or time out) and are recorded, and retries stop. A refused key (401) stops the run
//! the same way, since every later request would be refused too.

mod readback;
use readback::*;

mod collector;
mod writes;

pub use collector::{Collector, Plain};
use writes::change_batch;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, stream};

use crate::plan::{Decision, PlannedRow};
use crate::report::{Outcome, OutcomeKind};
use crate::verify::{Target, Written};
use crate::workfront::{Client, Pacing};

/// A row after its request: settled for good, or written and waiting to be read back.
#[derive(Debug)]
pub enum Finished {
    Settled(Outcome),
    Written(Written),
}

/// What a planned write should leave on the server.
fn target_of(planned: &PlannedRow) -> Target {
    match &planned.decision {
        Decision::Reactivate => Target::Active,
        Decision::Schedule { at, .. } => Target::Scheduled(at.clone()),
        _ => Target::Inactive,
    }
}

/// A request's outcome: read back unless the server definitely refused it (a 4xx other than
/// 429 means the request was processed and nothing was changed) or it was never sent.
pub(super) fn finished(planned: &PlannedRow, outcome: Outcome) -> Finished {
    let refused = outcome.kind == OutcomeKind::Failed
        && outcome.http_status.is_some_and(|s| (400..500).contains(&s) && s != 429);
    if outcome.attempts == 0 || refused {
        Finished::Settled(outcome)
    } else {
        Finished::Written(Written { outcome, target: target_of(planned) })
    }
}

/// Builds an outcome for a planned row.
pub fn outcome_of(
    planned: &PlannedRow,
    kind: OutcomeKind,
    http_status: Option<u16>,
    attempts: u32,
    error: String,
) -> Outcome {
    Outcome {
        row: planned.input.row,
        input: planned.input.value.clone(),
        matched_by: planned.matched_by,
        user: planned.user.clone(),
        kind,
        http_status,
        attempts,
        error,
        finished_at: crate::clock::now_rfc3339(),
    }
}

/// The outcome of a row that needs no request, or `None` for a row to write.
pub fn settled_outcome(planned: &PlannedRow, dry_run: bool) -> Option<Outcome> {
    let (kind, error) = match &planned.decision {
        Decision::Deactivate if dry_run => (OutcomeKind::WouldDeactivate, String::new()),
        Decision::Reactivate if dry_run => (OutcomeKind::WouldReactivate, String::new()),
        Decision::Schedule { at, .. } if dry_run => {
            (OutcomeKind::WouldSchedule, format!("would schedule the deactivation for {at}"))
        }
        Decision::Deactivate | Decision::Reactivate | Decision::Schedule { .. } => return None,
        Decision::AlreadyActive => (OutcomeKind::AlreadyActive, String::new()),
        Decision::AlreadyInactive => (OutcomeKind::AlreadyInactive, String::new()),
        Decision::NotFound(near) if near.is_empty() => {
            (OutcomeKind::NotFound, "no user has this ID, username or email".to_string())
        }
        Decision::NotFound(near) => (
            OutcomeKind::NotFound,
            format!("no user has this ID, username or email; did you mean {}?", near.join(" or ")),
        ),
        Decision::Ambiguous(why) => (OutcomeKind::Ambiguous, why.clone()),
        Decision::Duplicate { first_row } => {
            (OutcomeKind::Duplicate, format!("same user as row {first_row}"))
        }
        Decision::Invalid(why) => (OutcomeKind::Invalid, why.clone()),
        Decision::Protected(why) => (OutcomeKind::Protected, why.clone()),
        Decision::Drifted(why) => (OutcomeKind::Drifted, why.clone()),
    };
    Some(outcome_of(planned, kind, None, 0, error))
}

/// Records every planned row: settled ones at once, then the writes as they are read back,
/// one user or `batch_size` users per request. Written rows are read back in groups of
/// [`IDS_PER_GET`] while other writes are still running, so the check adds about one round
/// trip after the last write; a row reaches the report only with the server's word on it.
/// The first `interrupt` during the writes stops new writes (in-flight ones finish and are
/// read back); during the final read-back it stops that, and unchecked rows end `failed`
/// "could not confirm".
pub async fn run_jobs(
    client: &Client,
    plan: Vec<PlannedRow>,
    pacing: &Pacing,
    dry_run: bool,
    batch_size: usize,
    collector: &mut Collector,
    interrupt: impl Future<Output = ()>,
) -> Ran {
    let batches = batches(plan, dry_run, batch_size, collector);
    let key_refused = AtomicBool::new(false);
    let mut writes = stream::iter(batches)
        .map(|batch| change_batch(client, pacing, &key_refused, batch, 0))
        .buffer_unordered(pacing.concurrency);
    let mut reads = ReadBack::new(client, pacing);
    tokio::pin!(interrupt);
    let (mut interrupted, mut writes_done) = (false, false);
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        let due = reads.due();
        tokio::select! {
            _ = ticker.tick() => {
                let phase = if writes_done { "reading back" } else if dry_run { "planning" } else { "writing" };
                collector.tick(&pacing.status(), phase);
            }
            () = async { match due { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {
                reads.start(false);
            }
            next = writes.next(), if !writes_done => match next {
                Some(finished) => {
                    for row in finished {
                        match row {
                            Finished::Settled(outcome) => collector.record(outcome),
                            Finished::Written(written) => reads.add(written),
                        }
                    }
                    reads.start(false);
                    collector.show_status(&pacing.status());
                    if collector.write_error.is_some() {
                        pacing.cancelled.store(true, Ordering::SeqCst);
                    }
                }
                None => {
                    writes_done = true;
                    reads.start(true);
                }
            },
            checked = reads.next(), if reads.is_reading() => {
                for outcome in checked {
                    collector.record(outcome);
                }
            }
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                stop(pacing, writes_done, &mut reads, collector);
            }
        }
        if writes_done && !reads.is_running() {
            break;
        }
    }
    Ran {
        interrupted,
        read_back: reads.read,
        not_kept: reads.not_kept,
        unconfirmed: reads.unconfirmed,
    }
}

/// How the writes and their read-back went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ran {
    /// The run was interrupted.
    pub interrupted: bool,
    /// Rows read back.
    pub read_back: usize,
    /// Rows whose change the server does not show.
    pub not_kept: usize,
    /// Rows that could not be read back.
    pub unconfirmed: usize,
}

/// Records the rows that need no request and groups the rest into requests: one per schedule
/// (a bulk update sets one kind of change for every item), `batch_size` changes otherwise.
fn batches(
    plan: Vec<PlannedRow>,
    dry_run: bool,
    batch_size: usize,
    collector: &mut Collector,
) -> Vec<Vec<PlannedRow>> {
    let mut jobs = Vec::new();
    for planned in plan {
        match settled_outcome(&planned, dry_run) {
            Some(outcome) => collector.record_settled(outcome),
            None => jobs.push(planned),
        }
    }
    collector.set_length(jobs.len() as u64);
    let (schedules, changes): (Vec<PlannedRow>, Vec<PlannedRow>) =
        jobs.into_iter().partition(|p| matches!(p.decision, Decision::Schedule { .. }));
    let mut batches: Vec<Vec<PlannedRow>> = schedules.into_iter().map(|p| vec![p]).collect();
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        batches.push(changes.by_ref().take(batch_size.max(1)).collect::<Vec<_>>());
    }
    batches
}

/// Ctrl-C: no new request starts; during the writes the ones in flight finish, during the
/// final read-back the rows not yet read back end `failed` (could not confirm).
fn stop(pacing: &Pacing, writes_done: bool, reads: &mut ReadBack<'_>, collector: &mut Collector) {
    pacing.cancelled.store(true, Ordering::SeqCst);
    if writes_done {
        errln!("\ninterrupted: the rows not yet read back end failed (could not confirm)");
        for outcome in reads.abandon() {
            collector.record(outcome);
        }
    } else {
        errln!("\ninterrupted: finishing requests in flight; press Ctrl-C again to stop at once");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DirUser, InputRow};
    use crate::report::ReportWriter;
    use crate::sim::{Credentials, Faults, Tenant};
    use crate::workfront::{Auth, RetryPolicy};
    use indicatif::ProgressBar;

    fn planned(row: usize, user: Option<DirUser>, decision: Decision) -> PlannedRow {
        let input = InputRow { row, line: row as u64 + 1, value: format!("row{row}"), date: None };
        PlannedRow { input, matched_by: None, user: user.map(Box::new), decision }
    }

    #[test]
    fn a_dry_run_settles_every_row_and_a_real_run_leaves_the_writes_to_the_jobs() {
        let write = planned(1, None, Decision::Deactivate);
        assert_eq!(settled_outcome(&write, true).unwrap().kind, OutcomeKind::WouldDeactivate);
        assert!(settled_outcome(&write, false).is_none(), "a real write is the jobs' to settle");
        let near = planned(2, None, Decision::NotFound(vec!["ada@x".into(), "ada2@x".into()]));
        let outcome = settled_outcome(&near, false).unwrap();
        assert_eq!((outcome.kind, outcome.row), (OutcomeKind::NotFound, 2));
        assert!(outcome.error.ends_with("did you mean ada@x or ada2@x?"), "{}", outcome.error);
        let twice = settled_outcome(&planned(3, None, Decision::Duplicate { first_row: 1 }), true);
        assert_eq!(twice.unwrap().error, "same user as row 1");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_jobs_write_read_back_and_report_every_row_as_the_server_shows_it() {
        let tenant = Tenant::generate(60, 8).unwrap();
        let targets: Vec<DirUser> = tenant
            .users
            .iter()
            .filter(|u| u.is_active && !u.is_admin && u.id != tenant.api_user)
            .take(3)
            .map(|u| DirUser {
                id: u.id_hex(),
                username: u.username.to_string(),
                is_active: true,
                ..Default::default()
            })
            .collect();
        let key = "k".repeat(32);
        let credentials = Credentials { api_key: key.clone(), ..Credentials::default() };
        let sim =
            crate::sim::start("127.0.0.1:0", tenant, credentials, Faults::default()).await.unwrap();
        let root = reqwest::Url::parse(&format!("{}/attask/api/v22.0/", sim.base_url)).unwrap();
        let client =
            Client::new(root).unwrap().with_auth(Auth::ApiKey(crate::secret::Secret::new(key)));
        let pacing =
            Pacing::new(std::num::NonZeroU32::new(100).unwrap(), 4, RetryPolicy::default());
        let mut plan: Vec<PlannedRow> = targets
            .iter()
            .enumerate()
            .map(|(i, u)| planned(i + 1, Some(u.clone()), Decision::Deactivate))
            .collect();
        plan.push(planned(4, None, Decision::NotFound(Vec::new())));
        let dir = tempfile::tempdir().unwrap();
        let report = ReportWriter::create(&dir.path().join("r.csv"), false).unwrap();
        let mut collector = Collector::new(report, ProgressBar::hidden());
        let ran =
            run_jobs(&client, plan, &pacing, false, 1, &mut collector, std::future::pending())
                .await;
        assert!(!ran.interrupted);
        assert_eq!(ran.read_back, 3, "every write was read back");
        let (counts, outcomes) = collector.finish().unwrap();
        assert_eq!(
            (counts.get(OutcomeKind::Deactivated), counts.get(OutcomeKind::NotFound)),
            (3, 1)
        );
        assert_eq!(
            outcomes.iter().map(|o| o.row).collect::<Vec<_>>(),
            [1, 2, 3, 4],
            "in row order"
        );
        let tenant = sim.state.tenant();
        for user in &targets {
            let now = tenant.users.iter().find(|u| u.id_hex() == user.id).unwrap();
            assert!(!now.is_active, "the server shows {} inactive", user.username);
        }
    }
}
