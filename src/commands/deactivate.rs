//! `wf-offboard deactivate`: the stages wired in order.
//!
//! settings → read the list, the protect list and the resumed report (before any request) →
//! lock the report → sign in → list and match → plan → carry over what `--resume` shows done →
//! blast-radius guard → confirm → execute → read back → report. Everything before execution is
//! read-only; a fatal error there exits 2, the guard exits 3, with nothing written to Workfront.

use std::future::Future;
use std::time::Instant;

use crate::directory::Wanted;
use crate::exit::{Exit, RunError};
use crate::input::{Input, read_file};
use crate::plan::{PlannedRow, Protection, build_plan};
use crate::prior::{PriorRow, read_prior};
use crate::resume::{Resumed, carry_over};
use crate::session::{
    Direction, RunSummary, Session, Work, admin_console_path, or_stopped_early, plan_counts,
};
use crate::settings::Settings;

/// Runs `deactivate` with validated settings; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &Settings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let run = &settings.run;
    let Inputs { input, protect, prior } = read_inputs(settings)?;
    if !run.quiet {
        errln!("{}", input.describe(&settings.input.display().to_string(), "rows"));
    }
    let mut session = match Session::open(run, started, interrupt).await {
        Ok(session) => session,
        Err(e) => return or_stopped_early(e, &input.rows, run, started, 0),
    };
    let mut wanted = Wanted::from_rows(&input.rows);
    if let Some(protect) = &protect {
        wanted.add_rows(&protect.rows);
    }
    let (directory, partial) = match session.list(&wanted, settings.allow_partial_directory).await {
        Ok(listed) => listed,
        Err(e) => {
            let requests = session.client.requests_sent();
            return or_stopped_early(e, &input.rows, run, started, requests);
        }
    };

    let Planned { plan, carried, reviewed } =
        plan_rows(settings, &input, protect.as_ref(), prior.as_deref(), &directory)?;
    let to_write: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision.writes()).collect();
    let counts = plan_counts(&plan, &carried);
    announce(settings, &directory, &counts, plan.len(), carried.len());
    let tripped = guard(settings, &input, reviewed.as_deref(), to_write.len(), directory.active)?;
    let dry_run = run.dry_run || tripped.is_some();
    if !dry_run && !run.quiet && !to_write.is_empty() {
        let leavers: Vec<String> =
            to_write.iter().filter_map(|p| p.user.as_ref().map(|u| u.id.clone())).collect();
        let line = session
            .race("counting open work", |ctx| {
                crate::handover::find::open_work_line(&ctx.client, &ctx.pacing, &leavers)
            })
            .await;
        match line {
            Ok(Some(line)) => errln!("{line}"),
            Ok(None) => {}
            Err(e) => {
                let requests = session.client.requests_sent();
                return or_stopped_early(e, &input.rows, run, started, requests);
            }
        }
    }
    session.confirm(Direction::Deactivate, &counts, &to_write, dry_run).await?;
    let work = Work {
        plan,
        carried,
        dry_run,
        direction: Direction::Deactivate,
        not_found_note: partial,
        admin_console: Some(admin_console_path(&run.report)),
    };
    let (counts, interrupted, outcomes) = session.carry_out(work).await?;
    let page = crate::signoff::SignOff {
        ran_by: crate::session::who(&directory.users, &directory.api_user_id),
        input: Some((settings.input.display().to_string(), input.sha256.clone())),
        dry_run,
        ..crate::signoff::SignOff::of_run(run, "deactivate", &counts, &outcomes)
    };
    crate::session::write_signoff(run, &page)?;
    let exit = if tripped.is_some() { Exit::GuardTripped } else { counts.exit(interrupted) };
    Ok(session.summary_with(counts, exit, directory.total, &outcomes))
}

/// The plan's line (and the resume's) on the terminal.
fn announce(
    settings: &Settings,
    directory: &crate::model::Directory,
    counts: &crate::report::Counts,
    to_do: usize,
    carried: usize,
) {
    if settings.run.quiet {
        return;
    }
    let (host, total, active) = (&settings.run.connection.host, directory.total, directory.active);
    errln!("{host}: {total} users ({active} active); plan: {}", counts.one_line());
    if carried > 0 {
        errln!("resuming: {carried} rows carried over from the earlier report, {to_do} to do");
    }
}

/// The blast-radius guard, and the reviewed plan (`--plan`) unless the guard refuses it.
/// Returns why the guard refused, if it did.
fn guard(
    settings: &Settings,
    input: &Input,
    reviewed: Option<&[PlannedRow]>,
    to_write: usize,
    active: u64,
) -> Result<Option<String>, RunError> {
    let tripped = crate::guard::check(settings.max_deactivations, to_write as u64, active);
    if let Some(why) = &tripped {
        errln!("refused: {why}");
    }
    if let (Some(path), Some(reviewed)) = (&settings.plan, reviewed) {
        match &tripped {
            Some(_) => errln!("no plan written: a plan the guard refuses could not be applied"),
            None => write_plan(settings, input, reviewed, path)?,
        }
    }
    Ok(tripped)
}

/// The files a run reads before any request.
struct Inputs {
    input: Input,
    protect: Option<Input>,
    prior: Option<Vec<PriorRow>>,
}

/// The plan, what `--resume` carries over, and the rows as reviewed (`--plan`).
struct Planned {
    plan: Vec<PlannedRow>,
    carried: Vec<crate::model::Outcome>,
    reviewed: Option<Vec<PlannedRow>>,
}

/// Checks every file the run touches, then reads the list, the protect list and the report to
/// resume, before any request.
fn read_inputs(settings: &Settings) -> Result<Inputs, RunError> {
    let run = &settings.run;
    let inputs: Vec<&std::path::Path> =
        [Some(settings.input.as_path()), settings.protect.as_deref(), settings.resume.as_deref()]
            .into_iter()
            .flatten()
            .collect();
    let console = admin_console_path(&run.report);
    let mut outputs: Vec<(&std::path::Path, &str)> =
        settings.plan.iter().map(|p| (p.as_path(), "--plan")).collect();
    if !run.dry_run {
        outputs.push((console.as_path(), "the Admin Console list"));
    }
    run.check_files(&inputs, &outputs)?;
    let input = read_file(&settings.input, &settings.list)?;
    let side = settings.list.side_list();
    let protect = settings.protect.as_deref().map(|path| read_file(path, &side)).transpose()?;
    let prior = settings.resume.as_deref().map(read_prior).transpose()?;
    Ok(Inputs { input, protect, prior })
}

/// Pure: the plan for this listing, with what `--resume` carries over, and (for `--plan`) every
/// row as this listing decided it, before any carry-over.
fn plan_rows(
    settings: &Settings,
    input: &Input,
    protect: Option<&Input>,
    prior: Option<&[PriorRow]>,
    directory: &crate::model::Directory,
) -> Result<Planned, RunError> {
    let protect_list =
        settings.protect.as_deref().zip(protect).map(|(path, list)| (path, list.rows.as_slice()));
    let protection = Protection::resolve(settings.allow_admins, protect_list, directory)?;
    let timing = leaving_dates(&input.rows, &settings.timezone);
    let plan = build_plan(&input.rows, directory, &protection, &timing);
    let reviewed = settings.plan.as_ref().map(|_| plan.clone());
    let Resumed { plan, carried } = match (&settings.resume, prior) {
        (Some(path), Some(prior)) => carry_over(
            plan,
            prior,
            &path.display().to_string(),
            &settings.input.display().to_string(),
        )?,
        _ => Resumed { plan, carried: Vec::new() },
    };
    Ok(Planned { plan, carried, reviewed })
}

/// Writes the reviewed plan (`--dry-run --plan`): every row as decided from this listing,
/// sealed with its digest.
fn write_plan(
    settings: &Settings,
    input: &Input,
    plan: &[PlannedRow],
    path: &std::path::Path,
) -> Result<(), String> {
    use crate::planfile::{PlanFile, PlanInput, PlanOptions};
    let input = PlanInput {
        path: settings.input.display().to_string(),
        sha256: input.sha256.clone(),
        column: input.column.clone(),
        rows: plan.len(),
    };
    let options = PlanOptions {
        allow_admins: settings.allow_admins,
        protect: settings.protect.as_ref().map(|p| p.display().to_string()),
        max_deactivations: settings.max_deactivations.to_string(),
    };
    let file = PlanFile::new(
        &settings.run.connection.host,
        crate::clock::now_rfc3339(),
        input,
        options,
        plan,
    );
    let text = serde_json::to_string_pretty(&file).expect("a plan serialises") + "\n";
    crate::output::write_file(path, settings.run.force, |file| {
        std::io::Write::write_all(file, text.as_bytes())
    })
    .map_err(|e| format!("the plan: {e}"))?;
    if !settings.run.quiet {
        errln!(
            "plan: {} (review it, then run `wf-offboard apply {}`)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// When each row with a leaving date is deactivated: today (in `--timezone`) or earlier means
/// now, later means scheduled; a bad date makes the row invalid.
fn leaving_dates(rows: &[crate::input::InputRow], tz: &jiff::tz::TimeZone) -> crate::plan::Timing {
    let today = crate::dates::today(tz);
    rows.iter()
        .filter_map(|row| {
            row.date
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| (row.row, crate::dates::when(d, today, tz)))
        })
        .collect()
}
