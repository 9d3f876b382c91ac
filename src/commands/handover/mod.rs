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
