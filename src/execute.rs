//! Decisions → outcomes: writes (deactivations, or reactivations for an undo) run concurrently under the shared pacing, and one
//! collector alone writes the report and drives the progress bar (after fd and oha).
//!
//! An interruption stops new work at once: jobs not yet started end `skipped`, jobs in flight
//! finish (or time out) and are recorded, and retries stop. A refused key (401) stops the run
//! the same way, since every later request would be refused too.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, stream};
use indicatif::ProgressBar;
use serde_json::Value;

use crate::plan::{Decision, PlannedRow};
use crate::report::{Counts, Outcome, OutcomeKind, ReportWriter};
use crate::workfront::{Client, Pacing};

/// The one owner of the report, the progress bar and the counts.
pub struct Collector {
    report: ReportWriter,
    progress: ProgressBar,
    counts: Counts,
    /// The first report write that failed; the run stops when this is set.
    pub write_error: Option<String>,
}

impl Collector {
    /// A collector writing to `report` and showing progress on `progress`.
    pub fn new(report: ReportWriter, progress: ProgressBar) -> Self {
        Collector { report, progress, counts: Counts::default(), write_error: None }
    }

    /// Records one outcome: report row (flushed), counts, progress.
    pub fn record(&mut self, outcome: Outcome) {
        self.counts.add(outcome.kind);
        if outcome.kind == OutcomeKind::Failed {
            self.progress.set_message(format!("failed {}", self.counts.get(OutcomeKind::Failed)));
        }
        self.progress.inc(1);
        if let Err(e) = self.report.write(outcome) {
            self.write_error.get_or_insert(e);
        }
    }

    /// The outcomes recorded so far.
    pub fn outcomes(&self) -> &[Outcome] {
        self.report.outcomes()
    }

    /// Changes a recorded row's outcome after the fact (the read-after-write check).
    pub fn amend(&mut self, row: usize, kind: OutcomeKind, error: String) {
        if let Some(before) = self.report.amend(row, kind, error) {
            self.counts.moved(before, kind);
        }
    }

    /// Closes the progress bar and rewrites the report in input order.
    pub fn finish(self) -> Result<(Counts, Vec<Outcome>), String> {
        self.progress.finish_and_clear();
        if let Some(e) = self.write_error {
            return Err(e);
        }
        let outcomes = self.report.finish()?;
        Ok((self.counts, outcomes))
    }
}

/// Builds an outcome for a planned row.
pub fn outcome_of(planned: &PlannedRow, kind: OutcomeKind, http_status: Option<u16>, attempts: u32, error: String) -> Outcome {
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
        Decision::Deactivate | Decision::Reactivate => return None,
        Decision::AlreadyActive => (OutcomeKind::AlreadyActive, String::new()),
        Decision::AlreadyInactive => (OutcomeKind::AlreadyInactive, String::new()),
        Decision::NotFound => (OutcomeKind::NotFound, "no user has this ID, username or email".to_string()),
        Decision::Ambiguous(why) => (OutcomeKind::Ambiguous, why.clone()),
        Decision::Duplicate { first_row } => (OutcomeKind::Duplicate, format!("same user as row {first_row}")),
        Decision::Invalid(why) => (OutcomeKind::Invalid, why.clone()),
        Decision::Protected(why) => (OutcomeKind::Protected, why.clone()),
    };
    Some(outcome_of(planned, kind, None, 0, error))
}

/// Deactivates (or, for an undo, reactivates) one user and checks Workfront's answer.
async fn change_one(client: &Client, pacing: &Pacing, key_refused: &AtomicBool, planned: PlannedRow) -> Outcome {
    if pacing.is_cancelled() {
        return outcome_of(&planned, OutcomeKind::Skipped, None, 0, "not attempted: the run was interrupted".into());
    }
    if key_refused.load(Ordering::SeqCst) {
        return outcome_of(
            &planned,
            OutcomeKind::Skipped,
            None,
            0,
            "not attempted: Workfront refused the credentials earlier in this run".into(),
        );
    }
    let id = planned.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
    let active = planned.decision == Decision::Reactivate;
    let done = if active { OutcomeKind::Reactivated } else { OutcomeKind::Deactivated };
    let attempted = pacing.send(|| client.set_active(&id, active)).await;
    let answered = |user: &Value| match user.get("isActive") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    };
    match attempted.result {
        Ok(user) if answered(&user) == Some(active) => outcome_of(&planned, done, Some(200), attempted.attempts, String::new()),
        Ok(user) => {
            let seen = user.get("isActive").map_or("nothing".to_string(), Value::to_string);
            let why = format!("Workfront accepted the update but answered isActive={seen}");
            outcome_of(&planned, OutcomeKind::Failed, Some(200), attempted.attempts, why)
        }
        Err(e) => {
            if e.is_auth() {
                key_refused.store(true, Ordering::SeqCst);
            }
            let mut why = e.to_string();
            if e.is_transient() && pacing.is_cancelled() {
                why.push_str(" (interrupted before a confirmed answer)");
            } else if e.is_transient() {
                why.push_str(&format!(" (gave up after {} attempts)", attempted.attempts));
            }
            outcome_of(&planned, OutcomeKind::Failed, e.status, attempted.attempts, why)
        }
    }
}

/// Records every planned row: settled ones at once, then the deactivations as they finish.
/// Returns true if `interrupt` fired.
pub async fn run_jobs(
    client: &Client,
    plan: Vec<PlannedRow>,
    pacing: &Pacing,
    dry_run: bool,
    collector: &mut Collector,
    interrupt: impl Future<Output = ()>,
) -> bool {
    let mut jobs = Vec::new();
    for planned in plan {
        match settled_outcome(&planned, dry_run) {
            Some(outcome) => collector.record(outcome),
            None => jobs.push(planned),
        }
    }
    let key_refused = AtomicBool::new(false);
    let mut outcomes =
        stream::iter(jobs).map(|planned| change_one(client, pacing, &key_refused, planned)).buffer_unordered(pacing.concurrency);
    tokio::pin!(interrupt);
    let mut interrupted = false;
    loop {
        tokio::select! {
            next = outcomes.next() => match next {
                Some(outcome) => {
                    collector.record(outcome);
                    if collector.write_error.is_some() {
                        pacing.cancelled.store(true, Ordering::SeqCst);
                    }
                }
                None => break,
            },
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                pacing.cancelled.store(true, Ordering::SeqCst);
                eprintln!("\ninterrupted: finishing requests in flight; press Ctrl-C again to stop at once");
            }
        }
    }
    interrupted
}
