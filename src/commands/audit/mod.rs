//! `wf-offboard audit`: the read-only review before a reorganisation.
//!
//! The same listing and plan as a dry run (it sends no mutating request), plus, for every
//! matched user, what a person must know before deactivating them: licence type, whether they
//! are an administrator, their last login, and the open work they still hold (`TASK/count`,
//! `OPTASK/count`, `PROJ/count`, fetched concurrently under the run's limiter). Workfront's docs
//! ask for that work to be reassigned first.
//!
//! With `--roster`, the list is the people who STAY: the audit covers every active user on no
//! roster row (the candidates), and `--write-candidates` writes them as an input for
//! `deactivate`, so a reorganisation is reviewed and then executed from the same data. A roster
//! row that matches nobody (or several people) is reported: its person would otherwise show up
//! as a candidate.

mod work;
mod write;
pub use work::*;
use write::*;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::time::Instant;

use futures::{StreamExt, stream};

use crate::directory::{DirUser, Wanted};
use crate::execute::settled_outcome;
use crate::exit::{Exit, RunError};
use crate::handover::Found;
use crate::input::{Input, read_file};
use crate::plan::{Decision, PlannedRow, Protection, build_plan, plan_candidates};
use crate::report::{Counts, Outcome, OutcomeKind};
use crate::session::{RunSummary, Session, bar, shows_progress};
use crate::settings::AuditSettings;

/// The audit's columns after the report's.
pub const EXTRA_COLUMNS: [&str; 11] = [
    "license_type",
    "is_admin",
    "last_login",
    "open_tasks",
    "open_issues",
    "owned_projects",
    "run_as_reports",
    "owned_templates",
    "approval_steps",
    "queue_routes",
    "timesheet_approvals",
];

/// The `--objects` CSV's columns.
pub const OBJECT_COLUMNS: [&str; 8] =
    ["row", "leaver_id", "leaver", "object_type", "object_id", "object_name", "relation", "url"];

/// What an audit found, beyond a run's summary.
#[derive(Debug, Clone)]
pub struct AuditSummary {
    pub run: RunSummary,
    /// Licences the `would_deactivate` users hold, by licence type.
    pub licences_freed: BTreeMap<String, usize>,
    /// `would_deactivate` users who still hold open work.
    pub with_open_work: usize,
    /// Matched users who hold anything on the handover checklist.
    pub with_work_to_hand_over: usize,
    /// Roster rows that match nobody or several people (roster mode).
    pub roster_problems: usize,
    /// Candidates written by `--write-candidates`.
    pub candidates: usize,
}

/// Runs `audit`; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &AuditSettings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<AuditSummary, RunError> {
    let fatal = RunError::Fatal;
    let started = Instant::now();
    let run = &settings.run;
    let (list, protect) = read_lists(settings)?;
    let rows = list.as_ref().map_or(&[][..], |l| l.rows.as_slice());
    if let (false, Some(list), Some(path)) = (run.quiet, &list, &settings.list) {
        let what = if settings.roster { "roster (the people who stay)" } else { "rows" };
        errln!("{}", list.describe(&path.display().to_string(), what));
    }
    let no_audit = |e: RunError| match e {
        RunError::Stopped { during } => {
            RunError::Interrupted(format!("interrupted while {during}; no audit was written"))
        }
        other => other,
    };
    let mut session = Session::open(run, started, interrupt).await.map_err(no_audit)?;
    let mut wanted = Wanted::from_rows(rows);
    wanted.others = settings.roster || settings.inactive_days.is_some();
    if let Some(protect) = &protect {
        wanted.add_rows(&protect.rows);
    }
    let (directory, partial) =
        session.list(&wanted, settings.allow_partial_directory).await.map_err(no_audit)?;
    let AuditPlan { plan, roster_problems, outcomes } =
        plan_audit(settings, rows, protect.as_ref(), &directory, partial.as_deref())?;
    let (work, objects, interrupted) = read_work(&mut session, &outcomes, settings).await;
    let candidates = write_outputs(settings, &plan, &outcomes, &work, &objects)?;
    let to_hand_over = work.values().filter(|w| w.as_ref().is_ok_and(OpenWork::anything)).count();
    let mut counts = Counts::default();
    for outcome in &outcomes {
        counts.add(outcome.kind);
    }
    let (licences_freed, holders, unknown) = findings(&outcomes, &work);
    let page = crate::signoff::SignOff {
        ran_by: crate::session::who(&directory.users, &directory.api_user_id),
        input: settings
            .list
            .as_ref()
            .zip(list.as_ref())
            .map(|(path, list)| (path.display().to_string(), list.sha256.clone())),
        dry_run: true,
        audit: Some((&licences_freed, holders.len())),
        ..crate::signoff::SignOff::of_run(run, "audit", &counts, &outcomes)
    };
    crate::session::write_signoff(run, &page).map_err(fatal)?;
    if !run.quiet {
        print_findings(&licences_freed, &holders, &roster_problems, unknown);
    }
    let mut exit = counts.exit(interrupted);
    if exit == Exit::Success && (!roster_problems.is_empty() || unknown > 0) {
        exit = Exit::NeedsAttention;
    }
    let run_summary = session.summary_with(counts, exit, directory.total, &outcomes);
    Ok(AuditSummary {
        run: run_summary,
        licences_freed,
        with_open_work: holders.len(),
        with_work_to_hand_over: to_hand_over,
        roster_problems: roster_problems.len(),
        candidates,
    })
}

/// The audited plan: the list's rows, or with `--roster` / `--inactive-days` the candidates
/// (with the roster rows that match nobody or several people, and why each stale user is).
fn select(
    settings: &AuditSettings,
    listed: Vec<PlannedRow>,
    directory: &crate::model::Directory,
    protection: &Protection,
) -> (Vec<PlannedRow>, Vec<PlannedRow>, HashMap<String, String>) {
    let mut stale_reasons = HashMap::new();
    if !settings.roster && settings.inactive_days.is_none() {
        return (listed, Vec::new(), stale_reasons);
    }
    let problems: Vec<PlannedRow> = listed
        .into_iter()
        .filter(|p| {
            matches!(
                p.decision,
                Decision::NotFound(_) | Decision::Ambiguous(_) | Decision::Invalid(_)
            )
        })
        .collect();
    let mut candidates: Vec<DirUser> = directory.others.clone();
    if let Some(days) = settings.inactive_days {
        let today = crate::clock::today_days();
        candidates.retain(|user| match stale_reason(user, days, today) {
            Some(reason) => {
                stale_reasons.insert(user.id.clone(), reason);
                true
            }
            None => false,
        });
        // Left out, not listed: who is never a candidate for a stale-account sweep.
        candidates.retain(|u| {
            !protection.listed.contains_key(&u.id) && (settings.allow_admins || !u.is_admin)
        });
        if let Some(types) = &settings.license_types {
            candidates.retain(|u| types.contains(&u.license_type));
        }
    }
    (plan_candidates(&candidates, &directory.api_user_id, protection), problems, stale_reasons)
}

/// Every row as a dry run settles it, with why a stale user is stale and, for a partial
/// listing, the note on every `not_found`.
fn settle(
    plan: &[PlannedRow],
    stale: &HashMap<String, String>,
    partial: Option<&str>,
) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = plan.iter().filter_map(|p| settled_outcome(p, true)).collect();
    for outcome in &mut outcomes {
        if let Some(reason) = outcome.user.as_ref().and_then(|u| stale.get(&u.id)) {
            outcome.error = reason.clone();
        }
    }
    if let Some(note) = partial {
        for outcome in outcomes.iter_mut().filter(|o| o.kind == OutcomeKind::NotFound) {
            outcome.error = format!("{}; {note}", outcome.error);
        }
    }
    outcomes
}

/// What every matched user holds (counted, or listed with `--objects`), concurrently under the
/// session's pacing; Ctrl-C stops new reads. Returns the work and objects by outcome index, and
/// whether the run was interrupted.
async fn read_work(
    session: &mut Session<'_>,
    outcomes: &[Outcome],
    settings: &AuditSettings,
) -> (BTreeMap<usize, Result<OpenWork, String>>, BTreeMap<usize, Vec<Found>>, bool) {
    let run = &settings.run;
    let progress = bar(
        shows_progress(run),
        "auditing",
        "{prefix:>12} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    progress.set_length(outcomes.len() as u64);
    let mut counted = stream::iter(
        outcomes.iter().enumerate().filter_map(|(i, o)| o.user.as_ref().map(|u| (i, u.id.clone()))),
    )
    .map(|(i, id)| {
        let (client, pacing) = (&session.ctx.client, &session.ctx.pacing);
        let list = settings.objects.is_some();
        async move { (i, count_open_work(client, pacing, &id, list).await) }
    })
    .buffer_unordered(run.concurrency);
    let mut work: BTreeMap<usize, Result<OpenWork, String>> = BTreeMap::new();
    let mut objects: BTreeMap<usize, Vec<Found>> = BTreeMap::new();
    let mut interrupted = false;
    loop {
        tokio::select! {
            next = counted.next() => match next {
                Some((i, counts)) => {
                    let counts = counts.map(|(counts, found)| {
                        objects.insert(i, found);
                        counts
                    });
                    work.insert(i, counts);
                    progress.inc(1);
                }
                None => break,
            },
            () = &mut session.interrupt, if !interrupted => {
                interrupted = true;
                session.ctx.pacing.cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
    drop(counted);
    progress.finish_and_clear();
    (work, objects, interrupted)
}

/// The licences deactivating would free, the would-be-deactivated users who still hold open
/// work, and how many users' work could not be read.
fn findings<'o>(
    outcomes: &'o [Outcome],
    work: &BTreeMap<usize, Result<OpenWork, String>>,
) -> (BTreeMap<String, usize>, Vec<(&'o DirUser, OpenWork)>, usize) {
    let mut licences_freed = BTreeMap::new();
    for user in outcomes
        .iter()
        .filter(|o| o.kind == OutcomeKind::WouldDeactivate)
        .filter_map(|o| o.user.as_ref())
    {
        *licences_freed.entry(licence_name(&user.license_type)).or_default() += 1;
    }
    let holders: Vec<(&DirUser, OpenWork)> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == OutcomeKind::WouldDeactivate)
        .filter_map(|(i, o)| Some((&**o.user.as_ref()?, *work.get(&i)?.as_ref().ok()?)))
        .filter(|(_, w)| w.any())
        .collect();
    let unknown = work.values().filter(|w| w.is_err()).count();
    (licences_freed, holders, unknown)
}

/// Checks every file the audit touches, then reads the list (or roster) and the protect list,
/// before any request.
fn read_lists(settings: &AuditSettings) -> Result<(Option<Input>, Option<Input>), RunError> {
    let run = &settings.run;
    let inputs: Vec<&Path> =
        [settings.list.as_deref(), settings.protect.as_deref()].into_iter().flatten().collect();
    let mut outputs: Vec<(&Path, &str)> =
        settings.write_candidates.iter().map(|p| (p.as_path(), "--write-candidates")).collect();
    outputs.extend(settings.objects.iter().map(|p| (p.as_path(), "--objects")));
    run.check_files(&inputs, &outputs)?;
    let list =
        settings.list.as_deref().map(|path| read_file(path, &settings.list_options)).transpose()?;
    let side = settings.list_options.side_list();
    let protect = settings.protect.as_deref().map(|path| read_file(path, &side)).transpose()?;
    Ok((list, protect))
}

/// The audited rows, the roster rows that need a look, and how a dry run settles each row.
struct AuditPlan {
    plan: Vec<PlannedRow>,
    roster_problems: Vec<PlannedRow>,
    outcomes: Vec<Outcome>,
}

/// Pure: the audited rows (or candidates) and how a dry run settles each.
fn plan_audit(
    settings: &AuditSettings,
    rows: &[crate::model::InputRow],
    protect: Option<&Input>,
    directory: &crate::model::Directory,
    partial: Option<&str>,
) -> Result<AuditPlan, RunError> {
    let protect_list =
        settings.protect.as_deref().zip(protect).map(|(path, list)| (path, list.rows.as_slice()));
    let protection = Protection::resolve(settings.allow_admins, protect_list, directory)?;
    let listed = build_plan(rows, directory, &protection, &Default::default());
    let (plan, roster_problems, stale) = select(settings, listed, directory, &protection);
    let outcomes = settle(&plan, &stale, partial);
    Ok(AuditPlan { plan, roster_problems, outcomes })
}

/// Writes the audit CSV, `--objects` and `--write-candidates`; returns the candidates written.
fn write_outputs(
    settings: &AuditSettings,
    plan: &[PlannedRow],
    outcomes: &[Outcome],
    work: &BTreeMap<usize, Result<OpenWork, String>>,
    objects: &BTreeMap<usize, Vec<Found>>,
) -> Result<usize, RunError> {
    let run = &settings.run;
    write_audit(&run.report, run.force, outcomes, work)?;
    if let Some(path) = &settings.objects {
        let web = crate::handover::web_address(&run.connection.api_root);
        write_objects(path, run.force, outcomes, objects, &web)?;
    }
    Ok(match &settings.write_candidates {
        Some(path) => write_candidates(path, run.force, plan)?,
        None => 0,
    })
}
