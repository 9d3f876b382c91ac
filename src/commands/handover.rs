//! `wf-offboard handover`: each leaver's work to a successor, before they are deactivated.
//!
//! read the list (and the successors) → lock the report → sign in → list and match leavers and
//! successors → find what each leaver holds → plan a row per object → confirm → move and read
//! back → report. `--undo REPORT` reads the objects a report moved and puts back those that
//! still hold the successor. A dry run sends no mutating request.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};

use crate::cli::HandoverArgs;
use crate::directory::{CallerCheck, Wanted, fetch_directory};
use crate::exit::{Exit, RunError};
use crate::handover::moves::Move;
use crate::handover::plan::{Leaver, pair, rows_for};
use crate::handover::record::{HandoverRow, HandoverWriter, Moved, read};
use crate::handover::{Found, Kind, find, web_address};
use crate::input::{ColumnSpec, Input, ReadOptions, read_file};
use crate::model::InputRow;
use crate::plan::{Protection, build_plan};
use crate::session::{Session, ask_number, bar, shows_progress};
use crate::settings::RunSettings;
use crate::workfront::{Client, IDS_PER_GET, Pacing};

/// Who takes over.
#[derive(Debug, Clone)]
pub enum Successors {
    /// Each row's successor is in this column.
    Column(ColumnSpec),
    /// One successor for every row.
    To(String),
}

/// Validated settings for `handover`.
#[derive(Debug, Clone)]
pub struct HandoverSettings {
    pub run: RunSettings,
    /// The list and who takes over; `None` with `--undo`.
    pub input: Option<(PathBuf, Successors)>,
    pub list: ReadOptions,
    pub kinds: Vec<Kind>,
    pub undo: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    pub allow_partial_directory: bool,
}

impl HandoverSettings {
    /// Validates `handover`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &HandoverArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let run = RunSettings::from_args(
            &args.connection,
            &args.run,
            ("handover", "handover-dry-run"),
            env,
        )?;
        if run.html.is_some() {
            return Err(
                "--html is not available for handover: the handover report is the record".into()
            );
        }
        if run.batch_size != 1 {
            return Err("--batch-size is not available for handover: each object is moved and read back on its own".into());
        }
        let successors = match (&args.successor_column, &args.to) {
            (Some(column), None) => Some(Successors::Column(ColumnSpec::parse(column)?)),
            (None, Some(to)) if !to.trim().is_empty() => {
                Some(Successors::To(to.trim().to_string()))
            }
            (None, Some(_)) => return Err("--to needs a username, email or ID".into()),
            _ => None,
        };
        let input = match (&args.input, successors, &args.undo) {
            (Some(path), Some(successors), None) => Some((path.clone(), successors)),
            (None, _, Some(_)) => None,
            (Some(_), None, None) => {
                return Err("say who takes over: --successor-column NAME or --to USER".into());
            }
            _ => return Err(
                "say what to hand over: INPUT with --successor-column or --to, or --undo REPORT"
                    .into(),
            ),
        };
        Ok(HandoverSettings {
            run,
            input,
            list: crate::settings::read_options(&args.list, None)?,
            kinds: args.include.as_deref().map_or(Ok(Kind::ALL.to_vec()), Kind::parse_list)?,
            undo: args.undo.clone(),
            resume: args.resume.clone(),
            allow_partial_directory: args.allow_partial_directory,
        })
    }
}

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

/// Runs `handover` (or its `--undo`); `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &HandoverSettings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<HandoverSummary, RunError> {
    let fatal = RunError::Fatal;
    let started = Instant::now();
    let run = &settings.run;
    let inputs: Vec<&std::path::Path> = [
        settings.input.as_ref().map(|(p, _)| p.as_path()),
        settings.undo.as_deref(),
        settings.resume.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    run.check_files(&inputs, &[]).map_err(fatal)?;
    let source = match (&settings.input, &settings.undo) {
        (Some((path, successors)), _) => {
            Source::List(read_list(path, successors, &settings.list).map_err(fatal)?)
        }
        (None, Some(path)) => Source::Undo(read(path).map_err(fatal)?),
        (None, None) => return Err(fatal("nothing to hand over".into())),
    };
    let earlier =
        settings.resume.as_deref().map(read).transpose().map_err(fatal)?.unwrap_or_default();
    let mut session = Session::open(run, started, interrupt).await?;
    let planned = session
        .race("finding what the leavers hold", |ctx| {
            plan(settings, &ctx.client, &ctx.pacing, source, earlier)
        })
        .await?
        .map_err(fatal)?;
    let moves: Vec<Move> = planned.moves;
    if !run.quiet {
        errln!(
            "{}: {} leavers; {}",
            run.connection.host,
            planned.leavers,
            plan_line(&planned.settled, &moves, run.dry_run)
        );
    }
    if !run.dry_run && !moves.is_empty() && !run.yes {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            let n = moves.len();
            let message = format!(
                "refusing to move {n} objects on {} without confirmation: no terminal to ask on; pass --yes (run with --dry-run first)",
                run.connection.host
            );
            return Err(fatal(message));
        }
        let prompt = confirmation(&run.connection.host, &moves);
        ask_number(prompt, moves.len(), std::pin::Pin::new(&mut session.interrupt)).await?;
    }
    let mut writer = HandoverWriter::create(&run.report, run.force).map_err(fatal)?;
    for mut row in planned.settled {
        if row.finished_at.is_empty() {
            row.finished_at = crate::clock::now_rfc3339();
        }
        writer.write(row).map_err(fatal)?;
    }
    let progress = bar(
        shows_progress(run),
        "handing over",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    progress.set_length(moves.len() as u64);
    let interrupted = crate::handover::moves::run(
        &session.ctx.client,
        &session.ctx.pacing,
        moves,
        &mut writer,
        &progress,
        std::pin::Pin::new(&mut session.interrupt),
    )
    .await
    .map_err(fatal)?;
    progress.finish_and_clear();
    let rows = writer.finish().map_err(fatal)?;
    Ok(summarise(&rows, planned.leavers, interrupted, started, session.client.requests_sent()))
}

/// What the run works from.
enum Source {
    List(Vec<(InputRow, InputRow)>),
    Undo(Vec<HandoverRow>),
}

/// The plan: rows already settled (written as they are) and the moves to carry out.
struct Planned {
    settled: Vec<HandoverRow>,
    moves: Vec<Move>,
    leavers: usize,
}

/// Reads the list; the successors come from a second read of the same file (by the same rules,
/// so the rows pair up by number), or `--to` for every row.
fn read_list(
    path: &std::path::Path,
    successors: &Successors,
    options: &ReadOptions,
) -> Result<Vec<(InputRow, InputRow)>, String> {
    let leavers: Input = read_file(path, options)?;
    let shown = path.display();
    let successor_rows: Vec<InputRow> = match successors {
        Successors::To(user) => leavers
            .rows
            .iter()
            .map(|r| InputRow { value: user.clone(), date: None, ..r.clone() })
            .collect(),
        Successors::Column(column) => {
            let named =
                ReadOptions { column: Some(column.clone()), date_column: None, ..options.clone() };
            let read = read_file(path, &named).map_err(|e| format!("--successor-column: {e}"))?;
            if read.rows.len() != leavers.rows.len()
                || read.rows.iter().zip(&leavers.rows).any(|(a, b)| a.row != b.row)
            {
                return Err(format!(
                    "{shown}: the successor column {} and the leaver column {} do not read as the same rows; pass both as '#N' positions",
                    read.column, leavers.column
                ));
            }
            read.rows
        }
    };
    Ok(leavers.rows.into_iter().zip(successor_rows).collect())
}

async fn plan(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    source: Source,
    earlier: Vec<HandoverRow>,
) -> Result<Planned, String> {
    match source {
        Source::List(rows) => plan_list(settings, client, pacing, rows, earlier).await,
        Source::Undo(rows) => plan_undo(settings, client, pacing, rows).await,
    }
}

/// Matches leavers and successors, finds what each leaver holds, and plans a row per object.
async fn plan_list(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    rows: Vec<(InputRow, InputRow)>,
    earlier: Vec<HandoverRow>,
) -> Result<Planned, String> {
    let run = &settings.run;
    let (leaver_rows, successor_rows): (Vec<InputRow>, Vec<InputRow>) = rows.into_iter().unzip();
    let mut wanted = Wanted::from_rows(&leaver_rows);
    wanted.add_rows(&successor_rows);
    let listing = bar(
        shows_progress(run),
        "listing users",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    let check = CallerCheck {
        allow_partial: settings.allow_partial_directory,
        credential: &run.credential,
    };
    let (directory, _partial) = fetch_directory(client, &wanted, pacing, &listing, check).await?;
    listing.finish_and_clear();
    let none = (Protection::default(), Default::default());
    let leavers = pair(
        &build_plan(&leaver_rows, &directory, &none.0, &none.1),
        &build_plan(&successor_rows, &directory, &none.0, &none.1),
    );
    let found = find_all(settings, client, pacing, &leavers).await;
    let web = web_address(&run.connection.api_root);
    let carried: Vec<HandoverRow> =
        earlier.into_iter().filter(|r| r.outcome == Moved::Reassigned).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut settled, mut moves) = (Vec::new(), Vec::new());
    for (leaver, found) in leavers.iter().zip(found) {
        let rows = match found {
            Ok(found) => rows_for(leaver, &found, &web, run.dry_run),
            Err(why) => {
                let row = crate::handover::plan::draft(leaver);
                vec![(
                    HandoverRow {
                        outcome: Moved::Failed,
                        error: format!("could not list what the leaver holds: {why}"),
                        ..row
                    },
                    false,
                )]
            }
        };
        for (row, to_move) in rows {
            seen.insert(row.object_id.clone());
            match Kind::of_objcode(&row.object_type) {
                Some(kind) if to_move => moves.push(Move { kind, row }),
                _ => settled.push(row),
            }
        }
    }
    settled.extend(carried.into_iter().filter(|r| !seen.contains(&r.object_id)));
    Ok(Planned { settled, moves, leavers: leavers.iter().filter(|l| l.user.is_some()).count() })
}

/// Lists what every matched leaver holds, concurrently under the pacing.
async fn find_all(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    leavers: &[Leaver],
) -> Vec<Result<Vec<Found>, String>> {
    let progress = bar(
        shows_progress(&settings.run),
        "finding work",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    progress.set_length(leavers.len() as u64);
    let kinds = &settings.kinds;
    let mut found: Vec<(usize, Result<Vec<Found>, String>)> =
        stream::iter(leavers.iter().enumerate())
            .map(|(i, leaver)| {
                let progress = &progress;
                async move {
                    let listed = match (&leaver.user, &leaver.problem) {
                        (Some(user), None) => find::list_all(client, pacing, &user.id, kinds).await,
                        _ => Ok(Vec::new()),
                    };
                    progress.inc(1);
                    (i, listed)
                }
            })
            .buffer_unordered(pacing.concurrency.max(1))
            .collect()
            .await;
    progress.finish_and_clear();
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, f)| f).collect()
}

/// Plans an undo: every `reassigned` row whose object still holds the successor goes back.
async fn plan_undo(
    settings: &HandoverSettings,
    client: &Client,
    pacing: &Pacing,
    rows: Vec<HandoverRow>,
) -> Result<Planned, String> {
    let rows: Vec<HandoverRow> =
        rows.into_iter().filter(|r| r.outcome == Moved::Reassigned).collect();
    let mut holders: HashMap<String, String> = HashMap::new();
    let mut by_kind: BTreeMap<Kind, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        let kind = Kind::of_objcode(&row.object_type)
            .ok_or_else(|| format!("unknown object type {:?}", row.object_type))?;
        by_kind.entry(kind).or_default().push(&row.object_id);
    }
    for (kind, ids) in &by_kind {
        let fields = format!("name,{}", kind.field());
        for chunk in ids.chunks(IDS_PER_GET) {
            let answer =
                pacing.send(|| client.objects_by_id(kind.objcode(), chunk, &fields)).await.result;
            for value in answer
                .map_err(|e| format!("reading the objects back: {}/search: {e}", kind.objcode()))?
            {
                let object = find::parse(*kind, &value)?;
                holders.insert(object.id, object.holder);
            }
        }
    }
    let (mut settled, mut moves) = (Vec::new(), Vec::new());
    let leavers: HashSet<&str> = rows.iter().map(|r| r.leaver_id.as_str()).collect();
    let count = leavers.len();
    for row in &rows {
        let mut back = HandoverRow {
            old_value: row.new_value.clone(),
            new_value: row.old_value.clone(),
            http_status: None,
            attempts: 0,
            error: String::new(),
            finished_at: String::new(),
            ..row.clone()
        };
        match holders.get(&row.object_id) {
            Some(now) if *now == row.new_value && settings.run.dry_run => {
                settled.push(HandoverRow { outcome: Moved::WouldReassign, ..back })
            }
            Some(now) if *now == row.new_value => {
                let kind = Kind::of_objcode(&row.object_type).expect("checked above");
                moves.push(Move { kind, row: back });
            }
            Some(now) if *now == row.old_value => {
                back.outcome = Moved::Skipped;
                back.error = "already back with the leaver".into();
                settled.push(back);
            }
            Some(now) => {
                back.outcome = Moved::Skipped;
                back.error =
                    format!("now held by {now}, not the successor it was given: left as is");
                settled.push(back);
            }
            None => {
                back.outcome = Moved::Failed;
                back.error = "the object no longer exists".into();
                settled.push(back);
            }
        }
    }
    Ok(Planned { settled, moves, leavers: count })
}

/// `3 objects to move, 1 left for manual action, …`.
fn plan_line(settled: &[HandoverRow], moves: &[Move], dry_run: bool) -> String {
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
fn confirmation(host: &str, moves: &[Move]) -> String {
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
fn summarise(
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
        let mut value = serde_json::json!({ "version": 1, "command": "handover", "tenant": run.connection.host, "dry_run": run.dry_run });
        match &result {
            Ok(summary) => {
                let labelled: BTreeMap<&str, usize> =
                    summary.counts.iter().map(|(m, n)| (m.label(), *n)).collect();
                value["exit_code"] = summary.exit.code().into();
                value["report"] = run.report.display().to_string().into();
                value["rows"] = summary.counts.values().sum::<usize>().into();
                value["outcomes"] = serde_json::json!(labelled);
                value["objects_found"] = serde_json::json!(summary.found);
                value["objects_moved"] = serde_json::json!(summary.moved);
                value["leavers"] = summary.leavers.into();
                value["requests_sent"] = summary.requests.into();
                value["elapsed_seconds"] = summary.elapsed.as_secs_f64().into();
            }
            Err(error) => {
                value["exit_code"] = Exit::from(error).code().into();
                value["error"] = error.to_string().into();
            }
        }
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
