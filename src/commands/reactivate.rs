//! `wf-offboard reactivate REPORT`: the undo of a `deactivate` run.
//!
//! read the earlier report (before any request) → lock the new report → sign in → read the
//! deactivated users' state now, by ID → plan (reactivate those still inactive) → confirm →
//! execute → read back → report. Only rows the earlier report shows `deactivated` are undone:
//! every other row changed nobody. The new report has one row per undone row, numbered as in
//! the original input.

use std::future::Future;
use std::time::Instant;

use crate::exit::RunError;
use crate::input::InputRow;
use crate::plan::{PlannedRow, build_undo_plan};
use crate::prior::read_prior;
use crate::report::OutcomeKind;
use crate::report::unneutralise;
use crate::session::{Direction, RunSummary, Session, Work, or_stopped_early, plan_counts};
use crate::settings::ReactivateSettings;
use crate::verify::read_users;

/// Runs `reactivate` with validated settings; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &ReactivateSettings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let run = &settings.run;
    run.check_files(&[&settings.from_report], &[])?;
    let prior = read_prior(&settings.from_report)?;
    let (ids, undone) = to_undo(&prior);
    if !run.quiet {
        errln!(
            "{}: {} rows, {} of them deactivated",
            settings.from_report.display(),
            prior.len(),
            ids.len()
        );
    }
    let mut session = match Session::open(run, started, interrupt).await {
        Ok(session) => session,
        Err(e) => return or_stopped_early(e, &undone, run, started, 0),
    };
    let read = session
        .race("reading the users", |ctx| read_users(&ctx.client, &ctx.pacing, &ids))
        .await
        .and_then(|now| now.map_err(RunError::Fatal));
    let now = match read {
        Ok(now) => now,
        Err(e) => return or_stopped_early(e, &undone, run, started, 0),
    };
    let plan = build_undo_plan(&prior, &now);
    let to_write: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision.writes()).collect();
    let counts = plan_counts(&plan, &[]);
    if !run.quiet {
        let plan_line =
            if plan.is_empty() { "nothing to undo".to_string() } else { counts.one_line() };
        errln!("{}: plan: {plan_line}", run.connection.host);
    }
    session.confirm(Direction::Reactivate, &counts, &to_write, run.dry_run).await?;
    let work = Work {
        plan,
        carried: Vec::new(),
        dry_run: run.dry_run,
        direction: Direction::Reactivate,
        not_found_note: None,
        admin_console: None,
    };
    let (counts, interrupted, outcomes) = session.carry_out(work).await?;
    let page = crate::signoff::SignOff {
        input: Some((settings.from_report.display().to_string(), digest(settings))),
        ..crate::signoff::SignOff::of_run(run, "reactivate", &counts, &outcomes)
    };
    crate::session::write_signoff(run, &page)?;
    Ok(session.summary(counts, interrupted, now.len() as u64, &outcomes))
}

/// The users an earlier report shows `deactivated` (their IDs, once each), and those rows as
/// input rows, numbered as in the original list (reported `skipped` if Ctrl-C comes first).
fn to_undo(prior: &[crate::prior::PriorRow]) -> (Vec<String>, Vec<InputRow>) {
    let deactivated = || prior.iter().filter(|p| p.kind() == OutcomeKind::Deactivated);
    let mut ids: Vec<String> = deactivated().map(|p| p.user_id.to_ascii_lowercase()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = deactivated()
        .map(|p| InputRow {
            row: p.row,
            line: 0,
            value: unneutralise(&p.input).to_string(),
            date: None,
        })
        .collect();
    (ids, rows)
}

/// The earlier report's digest, read again only for the sign-off page and only when asked for.
fn digest(settings: &ReactivateSettings) -> String {
    match &settings.run.html {
        Some(_) => std::fs::read(&settings.from_report)
            .map(|bytes| crate::planfile::sha256_hex(&bytes))
            .unwrap_or_default(),
        None => String::new(),
    }
}
