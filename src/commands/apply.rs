//! `wf-offboard apply PLAN.json`: executes exactly the plan that was reviewed.
//!
//! read and verify the plan (format, version, digest) → check the tenant → lock the report →
//! sign in → re-read only the planned users, by ID, in pages → a user who changed since the
//! plan (gone, already inactive, renamed, made an administrator) is not written and ends
//! `drifted` with the reason → confirm → execute → read back → report. Rows the plan did not
//! deactivate keep the plan's decision; nothing is matched again.

use std::future::Future;
use std::time::Instant;

use crate::exit::RunError;
use crate::plan::{Decision, PlannedRow};
use crate::planfile::{PlanFile, drift};
use crate::session::{
    Direction, RunSummary, Session, Work, admin_console_path, or_stopped_early, plan_counts,
};
use crate::settings::ApplySettings;
use crate::verify::read_users;

/// Runs `apply`; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &ApplySettings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<RunSummary, RunError> {
    let fatal = RunError::Fatal;
    let started = Instant::now();
    let run = &settings.run;
    let console = admin_console_path(&run.report);
    let console_output: Vec<(&std::path::Path, &str)> =
        if run.dry_run { vec![] } else { vec![(console.as_path(), "the Admin Console list")] };
    run.check_files(&[&settings.plan], &console_output).map_err(fatal)?;
    let (file, mut plan) = read_plan(settings)?;
    let source = settings.plan.display().to_string();
    if !run.quiet {
        errln!(
            "{source}: {} rows from {} (made {}, input SHA-256 {})",
            plan.len(),
            file.input.path,
            file.created_at,
            &file.input.sha256[..12]
        );
    }
    let ids: Vec<String> = plan
        .iter()
        .filter(|p| p.decision.writes())
        .filter_map(|p| p.user.as_ref().map(|u| u.id.clone()))
        .collect();
    let rows: Vec<crate::input::InputRow> = plan.iter().map(|p| p.input.clone()).collect();
    let mut session = match Session::open(run, started, interrupt).await {
        Ok(session) => session,
        Err(e) => return or_stopped_early(e, &rows, run, started, 0),
    };
    let read = session
        .race("reading the planned users", |ctx| now_and_caller(ctx, &ids))
        .await
        .and_then(|read| read.map_err(RunError::Fatal));
    let (now, api_user) = match read {
        Ok(read) => read,
        Err(e) => return or_stopped_early(e, &rows, run, started, 0),
    };
    mark_drift(&mut plan, &now, &api_user, file.options.allow_admins);
    let to_write: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision.writes()).collect();
    let counts = plan_counts(&plan, &[]);
    let host = &run.connection.host;
    if !run.quiet {
        errln!("{host}: plan now: {}", counts.one_line());
    }
    session.confirm(Direction::Deactivate, &counts, &to_write, run.dry_run).await?;
    let work = Work {
        plan,
        carried: Vec::new(),
        dry_run: run.dry_run,
        direction: Direction::Deactivate,
        not_found_note: None,
        admin_console: Some(admin_console_path(&run.report)),
    };
    let (counts, interrupted, outcomes) = session.carry_out(work).await?;
    let page = crate::signoff::SignOff {
        ran_by: format!("user {api_user}"),
        input: Some((format!("{} (plan {source})", file.input.path), file.input.sha256.clone())),
        ..crate::signoff::SignOff::of_run(run, "apply", &counts, &outcomes)
    };
    crate::session::write_signoff(run, &page)?;
    Ok(session.summary(counts, interrupted, now.len() as u64, &outcomes))
}

/// Reads and verifies the plan (format, version, digest) and checks it was made for this tenant.
fn read_plan(settings: &ApplySettings) -> Result<(PlanFile, Vec<PlannedRow>), RunError> {
    let run = &settings.run;
    let source = settings.plan.display().to_string();
    let text = std::fs::read_to_string(&settings.plan)
        .map_err(|e| RunError::Fatal(format!("{source}: {e}")))?;
    let file = PlanFile::parse(&text, &source)?;
    if file.tenant != run.connection.host {
        return Err(RunError::Fatal(format!(
            "{source} was made for {}, not {}: refusing to apply it here",
            file.tenant, run.connection.host
        )));
    }
    let plan = file.planned_rows().map_err(|e| RunError::Fatal(format!("{source}: {e}")))?;
    Ok((file, plan))
}

/// Pure: every planned write whose user changed since the plan was made (gone, already
/// inactive, renamed, now the API user, made an administrator) becomes `drifted`, with why.
fn mark_drift(
    plan: &mut [PlannedRow],
    now: &std::collections::HashMap<String, crate::model::DirUser>,
    api_user: &str,
    allow_admins: bool,
) {
    for planned in plan.iter_mut().filter(|p| p.decision.writes()) {
        let Some(then) = planned.user.as_deref() else {
            planned.decision = Decision::Drifted("the plan names no user for this row".into());
            continue;
        };
        let current = now.get(&then.id);
        let why = if then.id == api_user {
            Some(
                "this is now the API user's own account; deactivating it would lock this tool out"
                    .to_string(),
            )
        } else if current.is_some_and(|u| u.is_admin) && !allow_admins {
            Some("the user is a System Administrator now, and the plan was made without --allow-admins".to_string())
        } else {
            drift(then, current)
        };
        if let Some(why) = why {
            planned.decision = Decision::Drifted(why);
        }
    }
}

/// The planned users as they are now, read by ID, and the API user's ID.
async fn now_and_caller(
    ctx: &crate::session::Ctx<'_>,
    ids: &[String],
) -> Result<(std::collections::HashMap<String, crate::model::DirUser>, String), String> {
    let (now, api_user) = futures::join!(
        read_users(&ctx.client, &ctx.pacing, ids),
        ctx.pacing.send(|| ctx.client.current_user_id())
    );
    let api_user =
        api_user.result.map_err(|e| format!("finding the API user (ID=$$USER.ID) failed: {e}"))?;
    Ok((now?, api_user))
}
