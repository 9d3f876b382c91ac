//! Decisions → outcomes: writes (deactivations, or reactivations for an undo) run concurrently
//! under the shared pacing, one user or one bulk batch per request, and one collector alone
//! writes the report and drives the progress bar (after fd and oha).
//!
//! An interruption stops new work at once: jobs not yet started end `skipped`, jobs in flight
//! finish (or time out) and are recorded, and retries stop. A refused key (401) stops the run
//! the same way, since every later request would be refused too.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use futures::{StreamExt, stream};
use indicatif::ProgressBar;
use serde_json::Value;

use crate::plan::{Decision, PlannedRow};
use crate::report::{Counts, Outcome, OutcomeKind, ReportWriter};
use crate::verify::{Target, Written, settle_all};
use crate::workfront::{ApiError, Client, IDS_PER_GET, Pacing};

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
fn finished(planned: &PlannedRow, outcome: Outcome) -> Finished {
    let refused = outcome.kind == OutcomeKind::Failed
        && outcome.http_status.is_some_and(|s| (400..500).contains(&s) && s != 429);
    if outcome.attempts == 0 || refused {
        Finished::Settled(outcome)
    } else {
        Finished::Written(Written { outcome, target: target_of(planned) })
    }
}

/// The one owner of the report, the progress bar and the counts.
pub struct Collector {
    report: ReportWriter,
    progress: ProgressBar,
    counts: Counts,
    /// The first report write that failed; the run stops when this is set.
    pub write_error: Option<String>,
    /// Added to every `not_found` row's error (a partial listing).
    pub not_found_note: Option<String>,
    /// Without a terminal: a plain progress line every [`PLAIN_EVERY`] (a cron job's log).
    pub plain: Option<Plain>,
}

/// How often the plain progress line is printed.
pub const PLAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The plain progress line's state: `deactivating: 120/400, 29/s, ETA 10s`.
#[derive(Debug)]
pub struct Plain {
    label: &'static str,
    started: std::time::Instant,
    last: std::time::Instant,
}

impl Plain {
    /// Progress lines labelled `label` from now on.
    pub fn new(label: &'static str) -> Self {
        let now = std::time::Instant::now();
        Plain { label, started: now, last: now }
    }
}

impl Collector {
    /// A collector writing to `report` and showing progress on `progress`.
    pub fn new(report: ReportWriter, progress: ProgressBar) -> Self {
        Collector {
            report,
            progress,
            counts: Counts::default(),
            write_error: None,
            not_found_note: None,
            plain: None,
        }
    }

    /// Records a row that needed no request: it is in the report and the counts, but not in
    /// the progress, whose rate and ETA count only the rows that wait on Workfront.
    pub fn record_settled(&mut self, outcome: Outcome) {
        self.write_row(outcome);
    }

    /// Refreshes the bar's status on a timer (so "backing off" shows while nothing finishes),
    /// names the phase, and prints the plain line when it is due.
    pub fn tick(&mut self, pacing: &str, phase: &'static str) {
        self.progress.set_prefix(phase);
        self.show_status(pacing);
        let Some(plain) = &mut self.plain else { return };
        if plain.last.elapsed() < PLAIN_EVERY {
            return;
        }
        plain.last = std::time::Instant::now();
        let (done, total) = (self.progress.position(), self.progress.length().unwrap_or(0));
        let secs = plain.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 {
            format!("{:.0}s", total.saturating_sub(done) as f64 / rate)
        } else {
            "?".into()
        };
        errln!("{}: {done}/{total}, {rate:.0}/s, ETA {eta} ({phase}, {pacing})", plain.label);
    }

    /// Records one outcome: report row (flushed), counts, progress.
    pub fn record(&mut self, outcome: Outcome) {
        self.progress.inc(1);
        self.write_row(outcome);
    }

    fn write_row(&mut self, mut outcome: Outcome) {
        tracing::info!(
            target: "wf_offboard::row",
            row = outcome.row,
            outcome = outcome.kind.label(),
            user_id = outcome.user.as_ref().map_or("", |u| u.id.as_str()),
            http_status = outcome.http_status.unwrap_or(0),
            attempts = outcome.attempts,
            "row"
        );
        if let Some(note) =
            self.not_found_note.as_ref().filter(|_| outcome.kind == OutcomeKind::NotFound)
        {
            outcome.error = format!("{}; {note}", outcome.error);
        }
        self.counts.add(outcome.kind);
        if let Err(e) = self.report.write(outcome) {
            self.write_error.get_or_insert(e);
        }
    }

    /// The number of rows that wait on Workfront (the bar's length).
    pub fn set_length(&self, rows: u64) {
        self.progress.set_length(rows);
    }

    /// Shows the failures so far and the pacing's state (concurrency, backoff) on the bar.
    pub fn show_status(&self, pacing: &str) {
        let failed = self.counts.get(OutcomeKind::Failed);
        let failed = if failed > 0 { format!("{failed} failed · ") } else { String::new() };
        self.progress.set_message(format!("{failed}{pacing}"));
    }

    /// The outcomes recorded so far.
    pub fn outcomes(&self) -> &[Outcome] {
        self.report.outcomes()
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

/// Why a row is not attempted now, if it is not: the run was interrupted, or the key refused.
fn not_attempted(
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
fn access_level(planned: &PlannedRow) -> Option<String> {
    let user = planned.user.as_ref().filter(|_| planned.decision == Decision::Reactivate)?;
    (!user.access_level_id.is_empty()).then(|| user.access_level_id.clone())
}

/// What a row that was written ends as.
fn done_kind(planned: &PlannedRow) -> OutcomeKind {
    if planned.decision == Decision::Reactivate {
        OutcomeKind::Reactivated
    } else {
        OutcomeKind::Deactivated
    }
}

/// The `failed` outcome for a request that failed with `e` after `attempts` attempts.
fn failure(planned: &PlannedRow, pacing: &Pacing, e: &ApiError, attempts: u32) -> Outcome {
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
async fn change_one(
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
async fn send_one(
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
async fn schedule_one(
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
fn change_batch<'a>(
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
    let mut jobs = Vec::new();
    for planned in plan {
        match settled_outcome(&planned, dry_run) {
            Some(outcome) => collector.record_settled(outcome),
            None => jobs.push(planned),
        }
    }
    collector.set_length(jobs.len() as u64);
    let key_refused = AtomicBool::new(false);
    // Schedules go one at a time: a bulk update sets one kind of change for every item.
    let (schedules, changes): (Vec<PlannedRow>, Vec<PlannedRow>) =
        jobs.into_iter().partition(|p| matches!(p.decision, Decision::Schedule { .. }));
    let mut batches: Vec<Vec<PlannedRow>> = schedules.into_iter().map(|p| vec![p]).collect();
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        batches.push(changes.by_ref().take(batch_size.max(1)).collect::<Vec<_>>());
    }
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

/// How long a written row waits for others to share its read-back before it is read alone:
/// short enough that the report follows the run, long enough that reads stay a small share of
/// the requests.
const READ_BACK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Users read back by ID, or why they could not be.
type UsersNow = Result<std::collections::HashMap<String, crate::directory::DirUser>, String>;

/// The read-after-write check as the writes go: rows wait until a full page of IDs is ready
/// (or the writes are over), then one `user/search` reads them back.
struct ReadBack<'a> {
    client: &'a Client,
    pacing: &'a Pacing,
    waiting: Vec<Written>,
    running: futures::stream::FuturesUnordered<BoxFuture<'a, (usize, UsersNow)>>,
    /// Rows in reads still running, by read, so an interruption can account for them.
    in_flight: std::collections::HashMap<usize, Vec<Written>>,
    next_read: usize,
    /// When the oldest waiting row finished its write.
    oldest: Option<tokio::time::Instant>,
    read: usize,
    not_kept: usize,
    unconfirmed: usize,
}

impl<'a> ReadBack<'a> {
    fn new(client: &'a Client, pacing: &'a Pacing) -> Self {
        ReadBack {
            client,
            pacing,
            waiting: Vec::new(),
            running: Default::default(),
            in_flight: Default::default(),
            next_read: 0,
            oldest: None,
            read: 0,
            not_kept: 0,
            unconfirmed: 0,
        }
    }

    fn add(&mut self, written: Written) {
        self.oldest.get_or_insert_with(tokio::time::Instant::now);
        self.waiting.push(written);
    }

    /// When the waiting rows should be read without waiting for a full page: no read is
    /// running and the oldest has waited [`READ_BACK_WAIT`].
    fn due(&self) -> Option<tokio::time::Instant> {
        if !self.running.is_empty() {
            return None;
        }
        self.oldest.map(|t| t + READ_BACK_WAIT)
    }

    /// Starts a read for each full page waiting, for the rest too when `all` or when they are
    /// due.
    fn start(&mut self, all: bool) {
        let all = all || self.due().is_some_and(|at| at <= tokio::time::Instant::now());
        while self.waiting.len() >= IDS_PER_GET || (all && !self.waiting.is_empty()) {
            let rest = self.waiting.split_off(self.waiting.len().min(IDS_PER_GET));
            let page = std::mem::replace(&mut self.waiting, rest);
            let ids: Vec<String> =
                page.iter().filter_map(|w| w.outcome.user.as_ref().map(|u| u.id.clone())).collect();
            let number = self.next_read;
            self.next_read += 1;
            self.in_flight.insert(number, page);
            let (client, pacing) = (self.client, self.pacing);
            self.running.push(Box::pin(async move {
                (number, crate::verify::read_page(client, pacing, ids).await)
            }));
        }
        if self.waiting.is_empty() {
            self.oldest = None;
        }
    }

    /// Rows are waiting or being read.
    fn is_running(&self) -> bool {
        !self.running.is_empty() || !self.waiting.is_empty()
    }

    /// A read is in flight (polling `next` otherwise would answer at once, and spin).
    fn is_reading(&self) -> bool {
        !self.running.is_empty()
    }

    /// The rows of the next read to finish, settled by what it saw.
    async fn next(&mut self) -> Vec<Outcome> {
        let Some((number, read)) = self.running.next().await else {
            return Vec::new();
        };
        let page = self.in_flight.remove(&number).unwrap_or_default();
        self.count(settle_all(page, &read))
    }

    fn count(&mut self, outcomes: Vec<Outcome>) -> Vec<Outcome> {
        self.read += outcomes.len();
        for outcome in outcomes.iter().filter(|o| o.kind == OutcomeKind::Failed) {
            if outcome.error.contains("could not confirm") {
                self.unconfirmed += 1;
            } else {
                self.not_kept += 1;
            }
        }
        outcomes
    }

    /// Stops every read: rows not yet read back end `failed` "could not confirm".
    fn abandon(&mut self) -> Vec<Outcome> {
        self.running = Default::default();
        let mut rows: Vec<Written> = self.in_flight.drain().flat_map(|(_, page)| page).collect();
        rows.append(&mut self.waiting);
        self.count(settle_all(rows, &Err("interrupted before the user was read back".into())))
    }
}
