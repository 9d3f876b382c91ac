//! The one collector: the only writer of the report and the progress bar, and the counts.

use indicatif::ProgressBar;

use crate::report::{Counts, Outcome, OutcomeKind, ReportWriter};

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
