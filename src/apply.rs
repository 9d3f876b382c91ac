//! `wf-offboard apply PLAN.json`: executes exactly the plan that was reviewed.
//!
//! read and verify the plan (format, version, digest) → check the tenant → lock the report →
//! sign in → re-read only the planned users, by ID, in pages → a user who changed since the
//! plan (gone, already inactive, renamed, made an administrator) is not written and ends
//! `drifted` with the reason → confirm → execute → read back → report. Rows the plan did not
//! deactivate keep the plan's decision; nothing is matched again.

use std::future::Future;
use std::time::Instant;

use crate::exit::Exit;
use crate::lock::RunLock;
use crate::plan::{Decision, PlannedRow};
use crate::planfile::{PlanFile, drift};
use crate::session::{Direction, RunSummary, Work, carry_out, confirm, plan_counts, sign_in};
use crate::settings::ApplySettings;
use crate::verify::read_users;
use crate::workfront::{Pacing, RetryPolicy};

/// Runs `apply`; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(settings: &ApplySettings, interrupt: impl Future<Output = ()>) -> Result<RunSummary, (Exit, String)> {
    let fatal = |message: String| (Exit::Fatal, message);
    let started = Instant::now();
    let run = &settings.run;
    let source = settings.plan.display().to_string();
    let text = std::fs::read_to_string(&settings.plan).map_err(|e| fatal(format!("{source}: {e}")))?;
    let file = PlanFile::parse(&text, &source).map_err(fatal)?;
    if file.tenant != run.connection.host {
        return Err(fatal(format!("{source} was made for {}, not {}: refusing to apply it here", file.tenant, run.connection.host)));
    }
    let mut plan = file.planned_rows().map_err(|e| fatal(format!("{source}: {e}")))?;
    if !run.quiet {
        eprintln!(
            "{source}: {} rows from {} (made {}, input SHA-256 {})",
            plan.len(),
            file.input.path,
            file.created_at,
            &file.input.sha256[..12]
        );
    }
    let _lock = RunLock::acquire(&run.report).map_err(fatal)?;
    let pacing = Pacing::new(run.rate, run.concurrency, RetryPolicy::default());
    let client = sign_in(run, &pacing).await.map_err(fatal)?;
    let ids: Vec<String> = plan.iter().filter(|p| p.decision.writes()).filter_map(|p| p.user.as_ref().map(|u| u.id.clone())).collect();
    let now = read_users(&client, &pacing, &ids).await.map_err(fatal)?;
    for planned in plan.iter_mut().filter(|p| p.decision.writes()) {
        let then = planned.user.as_ref().expect("a planned deactivation has its user");
        if let Some(why) = drift(then, now.get(&then.id)) {
            planned.decision = Decision::Drifted(why);
        }
    }
    let to_write: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision.writes()).collect();
    let counts = plan_counts(&plan, &[]);
    let host = &run.connection.host;
    if !run.quiet {
        eprintln!("{host}: plan now: {}", counts.one_line());
    }
    if !run.dry_run && !to_write.is_empty() && !run.yes {
        confirm(host, Direction::Deactivate, &counts, &to_write)?;
    }
    let work = Work { plan, carried: Vec::new(), dry_run: run.dry_run, direction: Direction::Deactivate };
    let (counts, interrupted) = carry_out(run, &client, &pacing, work, interrupt).await?;
    let exit = counts.exit(interrupted);
    Ok(RunSummary { counts, exit, elapsed: started.elapsed(), users_listed: now.len() as u64, requests: client.requests_sent() })
}
