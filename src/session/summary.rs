//! What a finished run reports: the counts and notes, the closing summary on the terminal, the
//! `--summary-json` file and the `--html` sign-off page.

use std::time::Duration;

use super::Direction;
use crate::exit::{Exit, RunError};
use crate::report::{Counts, Outcome, OutcomeKind};
use crate::settings::RunSettings;
use crate::workfront::Pacing;

/// What a finished run reports back (the demo and tests read it).
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub counts: Counts,
    pub exit: Exit,
    pub elapsed: Duration,
    pub users_listed: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// What the closing summary lists beyond the counts.
    pub notes: Notes,
}

/// The rows that need a person, and what the run met on the way.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    /// Up to [`ATTENTION_SHOWN`] rows: `row 7  paual.lee@acme.example  not_found: did you mean …`.
    pub attention: Vec<String>,
    /// Rows that need a person, in all.
    pub needing_attention: usize,
    /// Attempts beyond the first, over all rows.
    pub retries: u64,
    /// 429s the run met.
    pub throttled: u64,
}

/// How many rows that need a person the terminal summary lists; the rest are in the report.
pub const ATTENTION_SHOWN: usize = 20;

impl Notes {
    /// The notes for a finished run's outcomes (in row order).
    pub fn of(outcomes: &[Outcome], pacing: &Pacing) -> Notes {
        let needing: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind.needs_attention()).collect();
        let attention = needing
            .iter()
            .take(ATTENTION_SHOWN)
            .map(|o| {
                let input: String = o.input.chars().take(40).collect();
                format!("row {:>5}  {input}  {}: {}", o.row, o.kind.label(), o.error)
            })
            .collect();
        let retries = outcomes.iter().map(|o| u64::from(o.attempts.saturating_sub(1))).sum();
        Notes {
            attention,
            needing_attention: needing.len(),
            retries,
            throttled: pacing.gate.throttled(),
        }
    }
}

/// Writes the sign-off page (`--html`) if asked for, and says where it is.
pub fn write_signoff(run: &RunSettings, page: &crate::signoff::SignOff<'_>) -> Result<(), String> {
    let Some(path) = &run.html else { return Ok(()) };
    let html = crate::signoff::render(page);
    crate::output::write_file(path, run.force, |file| {
        std::io::Write::write_all(file, html.as_bytes())
    })
    .map_err(|e| format!("the sign-off page: {e}"))?;
    if !run.quiet {
        errln!("sign-off page: {}", path.display());
    }
    Ok(())
}

/// "Name <username>" for the user with `id` among `users`, or the ID.
pub fn who(users: &[crate::directory::DirUser], id: &str) -> String {
    users
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("user {id}"), |u| format!("{} <{}>", u.name, u.username))
}

/// Writes a machine-readable summary (`--summary-json`).
pub fn write_summary_json(
    path: &std::path::Path,
    force: bool,
    value: &serde_json::Value,
) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("a JSON value serialises") + "\n";
    crate::output::write_file(path, force, |file| std::io::Write::write_all(file, text.as_bytes()))
        .map_err(|e| format!("the summary: {e}"))
}

/// The `--summary-json` file (format version 1), typed. Commands with more to say (audit,
/// handover) add keys to its JSON object; keys are written in sorted order either way.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SummaryFile {
    pub version: u32,
    pub command: String,
    pub tenant: String,
    pub dry_run: bool,
    pub exit_code: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// Rows per outcome label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<std::collections::BTreeMap<&'static str, usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_listed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_sent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_seconds: Option<f64>,
    /// What stopped the run, when it did not finish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SummaryFile {
    /// What ran, where; the rest is filled in as the run ends.
    pub fn new(command: &str, tenant: &str, dry_run: bool) -> SummaryFile {
        SummaryFile {
            version: 1,
            command: command.to_string(),
            tenant: tenant.to_string(),
            dry_run,
            exit_code: 0,
            report: None,
            rows: None,
            outcomes: None,
            users_listed: None,
            requests_sent: None,
            elapsed_seconds: None,
            error: None,
        }
    }

    /// The run ended with `error`: its exit code and message.
    pub fn failed(&mut self, error: &RunError) {
        self.exit_code = Exit::from(error).code();
        self.error = Some(error.to_string());
    }
}

/// The summary as JSON (format version 1): what ran, against which tenant, the counts per
/// outcome, timings, requests sent and the report, or the error that stopped it.
pub fn summary_json(
    command: &str,
    tenant: &str,
    dry_run: bool,
    report: &std::path::Path,
    result: &Result<RunSummary, RunError>,
) -> serde_json::Value {
    let mut file = SummaryFile::new(command, tenant, dry_run);
    match result {
        Ok(summary) => {
            file.exit_code = summary.exit.code();
            file.report = Some(report.display().to_string());
            file.rows = Some(summary.counts.total());
            file.outcomes = Some(summary.counts.0.iter().map(|(k, n)| (k.label(), *n)).collect());
            file.users_listed = Some(summary.users_listed);
            file.requests_sent = Some(summary.requests);
            file.elapsed_seconds = Some(summary.elapsed.as_secs_f64());
        }
        Err(error) => file.failed(error),
    }
    serde_json::to_value(file).expect("the summary serialises")
}

/// Prints the closing summary to stderr and the report path to stdout.
pub fn print_summary(run: &RunSettings, direction: Direction, summary: &RunSummary) {
    if !run.quiet {
        let mode = match summary.exit {
            Exit::GuardTripped => " (refused by --max-deactivations: nothing was changed)",
            _ if run.dry_run => " (dry run: nothing was changed)",
            _ => "",
        };
        errln!(
            "\n{} rows on {} in {:.1?}{mode}:",
            summary.counts.total(),
            run.connection.host,
            summary.elapsed
        );
        err!("{}", summary.counts.summary());
        if !summary.notes.attention.is_empty() {
            errln!("\nneeds a person ({} rows):", summary.notes.needing_attention);
            for line in &summary.notes.attention {
                errln!("  {line}");
            }
            if summary.notes.needing_attention > summary.notes.attention.len() {
                errln!(
                    "  … and {} more in the report",
                    summary.notes.needing_attention - summary.notes.attention.len()
                );
            }
        }
        if summary.notes.retries > 0 || summary.notes.throttled > 0 {
            errln!(
                "met on the way: {} retries, {} answers 429 (Too many concurrent API requests)",
                summary.notes.retries,
                summary.notes.throttled
            );
        }
        if summary.counts.get(OutcomeKind::Failed) > 0 {
            errln!("failed rows say why in the report's error column; run again to retry them");
        }
        match (summary.exit, direction) {
            (Exit::Interrupted, Direction::Deactivate) => {
                errln!(
                    "to finish, run the same command again with --resume {}",
                    run.report.display()
                );
            }
            (Exit::Interrupted, Direction::Reactivate) => {
                errln!(
                    "to finish, run the same reactivate again: users already reactivated end already_active"
                );
            }
            _ => {}
        }
    }
    outln!("report: {}", run.report.display());
}
