//! `wf-offboard handover`: each leaver's work to a successor, before they are deactivated.
//!
//! read the list (and the successors) → lock the report → sign in → list and match leavers and
//! successors → find what each leaver holds → plan a row per object → confirm → move and read
//! back → report. `--undo REPORT` reads the objects a report moved and puts back those that
//! still hold the successor. A dry run sends no mutating request.

mod list;
mod settings;
mod summary;
mod undo;
use list::*;
pub use settings::*;
pub use summary::*;
use undo::*;

use std::future::Future;
use std::time::Instant;

use crate::exit::RunError;
use crate::handover::moves::Move;
use crate::handover::record::{HandoverRow, HandoverWriter, read};
use crate::model::InputRow;
use crate::session::{Session, ask_number, bar, shows_progress};
use crate::workfront::{Client, Pacing};

/// Runs `handover` (or its `--undo`); `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(
    settings: &HandoverSettings,
    interrupt: impl Future<Output = ()> + Send,
) -> Result<HandoverSummary, RunError> {
    let fatal = RunError::Fatal;
    let started = Instant::now();
    let run = &settings.run;
    let (source, earlier) = read_inputs(settings)?;
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
    confirm(&mut session, &moves).await?;
    let (rows, interrupted) = carry(&mut session, planned.settled, moves).await?;
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

/// Checks every file, then reads the list (or the report to undo) and the report to resume.
fn read_inputs(settings: &HandoverSettings) -> Result<(Source, Vec<HandoverRow>), RunError> {
    let inputs: Vec<&std::path::Path> = [
        settings.input.as_ref().map(|(p, _)| p.as_path()),
        settings.undo.as_deref(),
        settings.resume.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    settings.run.check_files(&inputs, &[])?;
    let source = match (&settings.input, &settings.undo) {
        (Some((path, successors)), _) => Source::List(read_list(path, successors, &settings.list)?),
        (None, Some(path)) => Source::Undo(read(path)?),
        (None, None) => return Err(RunError::Fatal("nothing to hand over".into())),
    };
    let earlier = settings.resume.as_deref().map(read).transpose()?.unwrap_or_default();
    Ok((source, earlier))
}

/// Asks on the terminal before a real run moves anything (not with `--yes`); without a
/// terminal, refuses.
async fn confirm(session: &mut Session<'_>, moves: &[Move]) -> Result<(), RunError> {
    let run = session.run;
    if run.dry_run || moves.is_empty() || run.yes {
        return Ok(());
    }
    let host = &run.connection.host;
    if !crate::console::Console::stdin_is_terminal() {
        return Err(RunError::Fatal(format!(
            "refusing to move {} objects on {host} without confirmation: no terminal to ask on; pass --yes (run with --dry-run first)",
            moves.len()
        )));
    }
    let prompt = confirmation(host, moves);
    ask_number(prompt, moves.len(), std::pin::Pin::new(&mut session.interrupt)).await
}

/// Writes the settled rows, carries the moves out (each read back), and finishes the report in
/// input order. Returns its rows and whether Ctrl-C stopped the moves.
async fn carry(
    session: &mut Session<'_>,
    settled: Vec<HandoverRow>,
    moves: Vec<Move>,
) -> Result<(Vec<HandoverRow>, bool), RunError> {
    let run = session.run;
    let mut writer = HandoverWriter::create(&run.report, run.force)?;
    for mut row in settled {
        if row.finished_at.is_empty() {
            row.finished_at = crate::clock::now_rfc3339();
        }
        writer.write(row)?;
    }
    let progress = bar(
        shows_progress(run),
        "handing over",
        "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
    );
    progress.set_length(moves.len() as u64);
    let Session { ctx, interrupt, .. } = session;
    let interrupted = crate::handover::moves::run(
        &ctx.client,
        &ctx.pacing,
        moves,
        &mut writer,
        &progress,
        std::pin::Pin::new(interrupt),
    )
    .await?;
    progress.finish_and_clear();
    Ok((writer.finish()?, interrupted))
}
