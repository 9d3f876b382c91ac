//! `wf-offboard reactivate REPORT`: the undo of a `deactivate` run.
//!
//! read the earlier report (before any request) → lock the new report → sign in → read the
//! deactivated users' state now, by ID → plan (reactivate those still inactive) → confirm →
//! execute → read back → report. Only rows the earlier report shows `deactivated` are undone:
//! every other row changed nobody. The new report has one row per undone row, numbered as in
//! the original input.

use std::future::Future;
use std::time::Instant;

use crate::exit::Exit;
use crate::input::InputRow;
use crate::lock::RunLock;
use crate::plan::{PlannedRow, build_undo_plan};
use crate::prior::read_prior;
use crate::report::OutcomeKind;
use crate::report::unneutralise;
use crate::session::{
    Direction, Notes, RunSummary, Work, ask_password, carry_out, confirm, plan_counts, sign_in,
    stopped_early,
};
use crate::settings::ReactivateSettings;
use crate::verify::read_users;
use crate::workfront::{Pacing, RetryPolicy};

/// Runs `reactivate` with validated settings; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &ReactivateSettings,
    interrupt: impl Future<Output = ()>,
) -> Result<RunSummary, (Exit, String)> {
    let fatal = |message: String| (Exit::Fatal, message);
    let started = Instant::now();
    let run = &settings.run;
    run.check_files(&[&settings.from_report], &[]).map_err(fatal)?;
    let prior = read_prior(&settings.from_report).map_err(fatal)?;
    let mut ids: Vec<String> = prior
        .iter()
        .filter(|p| p.kind() == OutcomeKind::Deactivated)
        .map(|p| p.user_id.to_ascii_lowercase())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if !run.quiet {
        errln!(
            "{}: {} rows, {} of them deactivated",
            settings.from_report.display(),
            prior.len(),
            ids.len()
        );
    }
    let password = ask_password(run).map_err(fatal)?;
    let _lock = RunLock::acquire(&run.report).map_err(fatal)?;
    let pacing = Pacing::new(run.rate, run.concurrency, RetryPolicy::default());
    tokio::pin!(interrupt);
    let opened = async {
        let client = sign_in(run, &pacing, password).await?;
        let now = read_users(&client, &pacing, &ids).await?;
        Ok::<_, String>((client, now))
    };
    let (client, now) = tokio::select! {
        opened = opened => opened.map_err(fatal)?,
        () = interrupt.as_mut() => {
            let rows: Vec<InputRow> = prior
                .iter()
                .filter(|p| p.kind() == OutcomeKind::Deactivated)
                .map(|p| InputRow { row: p.row, line: 0, value: unneutralise(&p.input).to_string(), date: None })
                .collect();
            return stopped_early(&rows, run, started, "reading the users", 0);
        }
    };
    let plan = build_undo_plan(&prior, &now);
    let to_write: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision.writes()).collect();
    let counts = plan_counts(&plan, &[]);
    let host = &run.connection.host;
    if !run.quiet {
        errln!(
            "{host}: plan: {}",
            if plan.is_empty() { "nothing to undo".to_string() } else { counts.one_line() }
        );
    }
    if !run.dry_run && !to_write.is_empty() && !run.yes {
        confirm(host, Direction::Reactivate, &counts, &to_write, interrupt.as_mut()).await?;
    }
    let (counts, interrupted, outcomes) = carry_out(
        run,
        &client,
        &pacing,
        Work {
            plan,
            carried: Vec::new(),
            dry_run: run.dry_run,
            direction: Direction::Reactivate,
            not_found_note: None,
            admin_console: None,
        },
        interrupt,
    )
    .await?;
    // The report's digest is read again only for the sign-off page, and only when it is asked for.
    let digest = match &run.html {
        Some(_) => std::fs::read(&settings.from_report)
            .map(|bytes| crate::planfile::sha256_hex(&bytes))
            .unwrap_or_default(),
        None => String::new(),
    };
    let page = crate::signoff::SignOff {
        input: Some((settings.from_report.display().to_string(), digest)),
        ..crate::signoff::SignOff::of_run(run, "reactivate", &counts, &outcomes)
    };
    crate::session::write_signoff(run, &page).map_err(fatal)?;
    let exit = counts.exit(interrupted);
    Ok(RunSummary {
        counts,
        exit,
        elapsed: started.elapsed(),
        users_listed: now.len() as u64,
        requests: client.requests_sent(),
        notes: Notes::of(&outcomes, &pacing),
    })
}
