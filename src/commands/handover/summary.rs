//! The plan line, the confirmation prompt, the counts and exit code, the closing summary and
//! `--summary-json`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::HandoverSettings;
use crate::exit::{Exit, RunError};
use crate::handover::moves::Move;
use crate::handover::record::{HandoverRow, Moved};

/// How a handover ended.
#[derive(Debug, Clone)]
pub struct HandoverSummary {
    pub counts: BTreeMap<Moved, usize>,
    /// Objects found, by object code.
    pub found: BTreeMap<String, usize>,
    /// Objects reassigned (or that would be), by object code.
    pub moved: BTreeMap<String, usize>,
    pub leavers: usize,
    pub exit: Exit,
    pub elapsed: Duration,
    pub requests: u64,
}

/// `3 objects to move, 1 left for manual action, …`.
pub(super) fn plan_line(settled: &[HandoverRow], moves: &[Move], dry_run: bool) -> String {
    let mut counts: BTreeMap<Moved, usize> = BTreeMap::new();
    for row in settled {
        *counts.entry(row.outcome).or_default() += 1;
    }
    let mut parts = vec![format!(
        "{} objects to move{}",
        moves.len(),
        if dry_run { " (dry run: none will be)" } else { "" }
    )];
    parts.extend(
        counts
            .iter()
            .filter(|(m, _)| **m != Moved::WouldReassign)
            .map(|(m, n)| format!("{n} {}", m.label())),
    );
    if let Some(n) = counts.get(&Moved::WouldReassign) {
        parts[0] = format!("{n} objects would move (dry run: nothing is changed)");
    }
    parts.join(", ")
}

/// The confirmation prompt: the tenant, the count and the first moves.
pub(super) fn confirmation(host: &str, moves: &[Move]) -> String {
    let n = moves.len();
    let mut prompt = format!("\nTenant: {host}\nAbout to MOVE {n} objects to their successors:\n");
    for job in moves.iter().take(10) {
        let row = &job.row;
        prompt.push_str(&format!(
            "  row {:>5}  {} {:?}: {} → {}\n",
            row.row, row.object_type, row.object_name, row.leaver, row.successor
        ));
    }
    if n > 10 {
        prompt.push_str(&format!("  … and {} more\n", n - 10));
    }
    prompt.push_str(&format!("Type {n} to move them, anything else to stop: "));
    prompt
}

/// Counts and the exit code: 130 if interrupted, 1 if any row failed or needs a person.
pub(super) fn summarise(
    rows: &[HandoverRow],
    leavers: usize,
    interrupted: bool,
    started: Instant,
    requests: u64,
) -> HandoverSummary {
    let (mut counts, mut found, mut moved) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for row in rows {
        *counts.entry(row.outcome).or_default() += 1;
        if !row.object_type.is_empty() {
            *found.entry(row.object_type.clone()).or_default() += 1;
        }
        if matches!(row.outcome, Moved::Reassigned | Moved::WouldReassign) {
            *moved.entry(row.object_type.clone()).or_default() += 1;
        }
    }
    let exit = Exit::of_rows(counts.keys().any(|m: &Moved| m.needs_attention()), interrupted);
    HandoverSummary { counts, found, moved, leavers, exit, elapsed: started.elapsed(), requests }
}

/// Prints the summary and writes `--summary-json`; returns the exit code.
pub fn finish(settings: &HandoverSettings, result: Result<HandoverSummary, RunError>) -> Exit {
    let run = &settings.run;
    if let Some(path) = &run.summary_json {
        let value = summary_file(run, &result);
        if let Err(e) = crate::session::write_summary_json(path, run.force, &value) {
            errln!("error: {e}");
        }
    }
    match result {
        Ok(summary) => {
            if !run.quiet {
                let mode = if run.dry_run { " (dry run: nothing was changed)" } else { "" };
                errln!(
                    "\n{} rows on {} in {:.1?}{mode}:",
                    summary.counts.values().sum::<usize>(),
                    run.connection.host,
                    summary.elapsed
                );
                for (outcome, n) in &summary.counts {
                    errln!("  {:<24} {n}", outcome.label());
                }
                if summary.exit == Exit::Interrupted {
                    errln!(
                        "to finish, run the same command again with --resume {}",
                        run.report.display()
                    );
                }
            }
            outln!("report: {}", run.report.display());
            summary.exit
        }
        Err(error) => {
            errln!("error: {error}");
            Exit::from(&error)
        }
    }
}

/// `--summary-json` for a handover: the shared [`SummaryFile`] plus the objects found and moved
/// per object type and the leavers.
fn summary_file(
    run: &crate::settings::RunSettings,
    result: &Result<HandoverSummary, RunError>,
) -> serde_json::Value {
    let mut file = crate::session::SummaryFile::new("handover", &run.connection.host, run.dry_run);
    match result {
        Ok(summary) => {
            file.exit_code = summary.exit.code();
            file.report = Some(run.report.display().to_string());
            file.rows = Some(summary.counts.values().sum());
            file.outcomes = Some(summary.counts.iter().map(|(m, n)| (m.label(), *n)).collect());
            file.requests_sent = Some(summary.requests);
            file.elapsed_seconds = Some(summary.elapsed.as_secs_f64());
        }
        Err(error) => file.failed(error),
    }
    let mut value = serde_json::to_value(file).expect("the summary serialises");
    if let Ok(summary) = result {
        value["objects_found"] = serde_json::json!(summary.found);
        value["objects_moved"] = serde_json::json!(summary.moved);
        value["leavers"] = summary.leavers.into();
    }
    value
}
