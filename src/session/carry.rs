//! Carrying a plan out: the carried rows, the writes (none in a dry run), the read-after-write
//! check, the report and the Admin Console list; and the report of a run stopped before its plan.

use std::future::Future;

use super::{Direction, Notes, RunSummary, bar, shows_progress};
use crate::execute::{Collector, run_jobs, settled_outcome};
use crate::exit::{Exit, RunError};
use crate::plan::PlannedRow;
use crate::report::{Counts, Outcome, OutcomeKind, ReportWriter};
use crate::settings::RunSettings;
use crate::workfront::{Client, Pacing};

/// The counts per outcome the plan would end with in a dry run, carried rows included.
pub fn plan_counts(plan: &[PlannedRow], carried: &[Outcome]) -> Counts {
    let mut counts = Counts::default();
    for planned in plan {
        if let Some(outcome) = settled_outcome(planned, true) {
            counts.add(outcome.kind);
        }
    }
    for outcome in carried {
        counts.add(outcome.kind);
    }
    counts
}

/// What to carry out.
#[derive(Debug)]
pub struct Work {
    /// Rows to decide now (writes among them).
    pub plan: Vec<PlannedRow>,
    /// Rows already finished by an earlier run (`--resume`).
    pub carried: Vec<Outcome>,
    /// Send no write.
    pub dry_run: bool,
    pub direction: Direction,
    /// Added to every `not_found` row's error (a partial listing).
    pub not_found_note: Option<String>,
    /// After a real run, where to write the deactivated users for the Admin Console.
    pub admin_console: Option<std::path::PathBuf>,
}

/// `<report>-admin-console.csv` beside the report: the deactivated users in a form the Adobe
/// Admin Console's bulk "remove users" upload takes, since deactivating in Workfront leaves the
/// person in the Workfront product profile.
pub fn admin_console_path(report: &std::path::Path) -> std::path::PathBuf {
    let stem = report.file_stem().unwrap_or_default().to_string_lossy();
    report.with_file_name(format!("{stem}-admin-console.csv"))
}

/// Writes the Admin Console list: a header `email`, then one deactivated user's email a line
/// (Adobe's own template could not be confirmed from its docs; see the README).
fn write_admin_console(
    path: &std::path::Path,
    force: bool,
    outcomes: &[Outcome],
) -> Result<usize, String> {
    let mut emails: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.kind == OutcomeKind::Deactivated)
        .filter_map(|o| o.user.as_ref().map(|u| u.email.as_str()))
        .filter(|e| !e.is_empty())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    crate::output::write_file(path, force, |file| {
        let mut writer = csv::Writer::from_writer(&mut *file);
        writer.write_record(["email"])?;
        for email in &emails {
            writer.write_record([crate::report::neutralise(email)])?;
        }
        writer.flush()
    })
    .map_err(|e| format!("the Admin Console list: {e}"))?;
    Ok(emails.len())
}

/// Carries out a plan: records the carried rows, runs the writes (none in a dry run), reads
/// the changed users back, and finishes the report. Returns the counts and whether the run was
/// interrupted.
pub async fn carry_out(
    run: &RunSettings,
    client: &Client,
    pacing: &Pacing,
    work: Work,
    interrupt: impl Future<Output = ()>,
) -> Result<(Counts, bool, Vec<Outcome>), RunError> {
    let Work { plan, carried, dry_run, direction, not_found_note, admin_console } = work;
    let report = ReportWriter::create(&run.report, run.force)?;
    let verb = match (dry_run, direction) {
        (true, _) => "planning",
        (false, Direction::Deactivate) => "deactivating",
        (false, Direction::Reactivate) => "reactivating",
    };
    // Fits 80 columns: the message takes what is left of the line and is cut there.
    let progress = bar(
        shows_progress(run),
        verb,
        "{prefix:>12} [{bar:20}] {pos}/{len} ({rate}, ETA {eta}) {wide_msg}",
    );
    let mut collector = Collector::new(report, progress);
    collector.not_found_note = not_found_note;
    if !run.quiet && !crate::console::Console::stderr_is_terminal() {
        collector.plain = Some(crate::execute::Plain::new(verb));
    }
    for outcome in carried {
        collector.record_settled(outcome);
    }
    let ran =
        run_jobs(client, plan, pacing, dry_run, run.batch_size, &mut collector, interrupt).await;
    let (counts, outcomes) = collector.finish().map_err(RunError::Unfinished)?;
    if let Some(path) =
        admin_console.filter(|_| !dry_run && counts.get(OutcomeKind::Deactivated) > 0)
    {
        match write_admin_console(&path, run.force, &outcomes) {
            Ok(n) if !run.quiet => errln!(
                "admin console: {} ({n} users): upload it in the Adobe Admin Console (Users > Bulk operations > Remove users) to take them out of the Workfront product profile, which deactivating in Workfront does not",
                path.display()
            ),
            Ok(_) => {}
            Err(e) => errln!("warning: {e}"),
        }
    }
    if !run.quiet && ran.not_kept > 0 {
        errln!(
            "read-after-write check: {} of {} changed users did not keep the change; see the report",
            ran.not_kept,
            ran.read_back
        );
    }
    if ran.unconfirmed > 0 {
        errln!(
            "warning: {} of {} written rows could not be read back; they end failed (could not confirm): run again to check them",
            ran.unconfirmed,
            ran.read_back
        );
    }
    let interrupted = ran.interrupted;
    Ok((counts, interrupted, outcomes))
}

/// The summary of a run stopped by Ctrl-C before its plan existed (while signing in or
/// listing): every row is reported `skipped`, nothing was changed.
pub fn stopped_early(
    rows: &[crate::input::InputRow],
    run: &RunSettings,
    started: std::time::Instant,
    during: &str,
    requests: u64,
) -> Result<RunSummary, RunError> {
    errln!("interrupted while {during}; nothing was changed");
    let mut report = ReportWriter::create(&run.report, run.force)?;
    let mut counts = Counts::default();
    for row in rows {
        let outcome = Outcome {
            row: row.row,
            input: row.value.clone(),
            matched_by: None,
            user: None,
            kind: OutcomeKind::Skipped,
            http_status: None,
            attempts: 0,
            error: format!("not attempted: the run was interrupted while {during}"),
            finished_at: crate::clock::now_rfc3339(),
        };
        counts.add(outcome.kind);
        report.write(outcome)?;
    }
    report.finish()?;
    Ok(RunSummary {
        counts,
        exit: Exit::Interrupted,
        elapsed: started.elapsed(),
        users_listed: 0,
        requests,
        notes: Notes::default(),
    })
}
