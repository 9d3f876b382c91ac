//! wf-offboard: offboard Adobe Workfront users from an HR list, safely: audit what they hold,
//! hand it to successors, deactivate them, and account for every row.
//!
//! Module map (the README's "Layout" lists the same):
//! - Front: [`cli`] (clap definitions), `help` (what every `--help` ends with), [`settings`]
//!   (arguments, environment and profiles → validated settings; [`profile`]), `console`
//!   (printing that survives a closed pipe), `logging` (`--verbose`, `--log-file`).
//! - Shared nouns: [`model`] (input rows, users, the directory, identifiers, outcomes) and
//!   [`exit`] (exit codes, [`exit::RunError`], the outcome → exit rule).
//! - Stages: [`input`] (lists from CSV and spreadsheets) → [`directory`] (the full listing,
//!   matched; [`suggest`] did-you-mean) → [`plan`] (pure decisions; [`guard`], [`resume`] with
//!   [`prior`], [`planfile`]) → [`execute`] (writes under pacing, one collector) → [`verify`]
//!   (read-back) → [`report`] (the CSV, counts) and [`signoff`] (the HTML page).
//! - [`handover`]: what a leaver holds (the audit's checklist) and moving it to a successor.
//! - [`session`]: the one pipeline every signed-in command runs through (lock, sign-in,
//!   confirmation, carrying out, summary).
//! - [`commands`]: one file (or folder) per subcommand, each building its plan and handing it
//!   to the session: deactivate, reactivate, apply, audit, handover, check, demo.
//! - Edges: [`workfront`] (the API client, retries, pacing, OAuth2, IMS), [`output`] (the one
//!   safe file writer), [`lock`], [`clock`], [`dates`], [`rng`], [`secret`].
//! - [`sim`]: the local Workfront everything is tested against.

#[macro_use]
mod console;
pub use console::Captured;

pub mod cli;
mod clock;
mod commands;
use commands::{apply, audit, check, deactivate, demo, reactivate};
pub mod dates;
pub mod directory;
mod execute;
pub mod exit;
mod guard;
mod handover;
mod help;
mod input;
pub mod lock;
mod logging;
mod model;
mod output;
mod plan;
pub mod planfile;
mod prior;
mod profile;
mod report;
mod resume;
pub mod rng;
pub mod secret;
pub mod session;
mod settings;
mod signoff;
pub mod sim;
mod suggest;
mod verify;
pub mod workfront;

use cli::{Cli, Command};
use exit::Exit;
use session::{Direction, RunSummary};

/// Runs one command to completion and says how the process should exit.
pub async fn run(cli: Cli) -> Exit {
    run_with_env(cli, &|name: &str| std::env::var(name).ok()).await
}

/// [`run_with_env`] in-process with what it prints kept, not written (and no terminal): the
/// integration tests run commands this way when they need no signal.
pub async fn run_captured(
    cli: Cli,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> (Exit, console::Captured) {
    console::Console::capture(run_with_env(cli, env)).await
}

/// [`run`] with the environment given as a function: tests run commands in-process with an
/// environment of their own (oha's pattern), without touching the process's variables.
pub async fn run_with_env(cli: Cli, env: &(dyn Fn(&str) -> Option<String> + Sync)) -> Exit {
    if let Err(message) = logging::init(cli.verbose, cli.log_file.as_deref()) {
        return usage(&message);
    }
    match cli.command {
        Command::Check(args) => check::run(&args, env).await,
        Command::Completions(args) => completions(args.shell),
        Command::Man => man_page(),
        Command::Sim(args) => sim::run_command(args).await,
        Command::Deactivate(args) => match settings::Settings::from_args(&args, env) {
            Ok(settings) => finish(
                &settings.run,
                "deactivate",
                Direction::Deactivate,
                deactivate::run(&settings, interrupted()).await,
            ),
            Err(message) => usage(&message),
        },
        Command::Reactivate(args) => match settings::ReactivateSettings::from_args(&args, env) {
            Ok(settings) => finish(
                &settings.run,
                "reactivate",
                Direction::Reactivate,
                reactivate::run(&settings, interrupted()).await,
            ),
            Err(message) => usage(&message),
        },
        Command::Apply(args) => match settings::ApplySettings::from_args(&args, env) {
            Ok(settings) => finish(
                &settings.run,
                "apply",
                Direction::Deactivate,
                apply::run(&settings, interrupted()).await,
            ),
            Err(message) => usage(&message),
        },
        Command::Audit(args) => match settings::AuditSettings::from_args(&args, env) {
            Ok(settings) => finish_audit(&settings, audit::run(&settings, interrupted()).await),
            Err(message) => usage(&message),
        },
        Command::Handover(args) => {
            match commands::handover::HandoverSettings::from_args(&args, env) {
                Ok(settings) => commands::handover::finish(
                    &settings,
                    commands::handover::run(&settings, interrupted()).await,
                ),
                Err(message) => usage(&message),
            }
        }
        Command::Demo(args) => demo::run(args).await,
    }
}

/// `wf-offboard completions SHELL`: the completion script on stdout.
fn completions(shell: clap_complete::Shell) -> Exit {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "wf-offboard", &mut std::io::stdout());
    Exit::Success
}

/// `wf-offboard man`: the man page (roff) on stdout.
fn man_page() -> Exit {
    let command = <Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    match clap_mangen::Man::new(command).render(&mut page) {
        Ok(()) => {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &page);
            Exit::Success
        }
        Err(e) => usage(&format!("cannot render the man page: {e}")),
    }
}

/// Prints an audit's summary (its findings are printed as it ends), writes its JSON summary.
fn finish_audit(
    settings: &settings::AuditSettings,
    result: Result<audit::AuditSummary, exit::RunError>,
) -> Exit {
    let run = &settings.run;
    if let Some(path) = &run.summary_json {
        let basic = result.as_ref().map(|a| a.run.clone()).map_err(Clone::clone);
        let mut value =
            session::summary_json("audit", &run.connection.host, true, &run.report, &basic);
        if let Ok(found) = &result {
            value["licences_freed"] = serde_json::json!(found.licences_freed);
            value["users_with_open_work"] = found.with_open_work.into();
            value["users_with_work_to_hand_over"] = found.with_work_to_hand_over.into();
            if let Some(path) = &settings.objects {
                value["objects_file"] = path.display().to_string().into();
            }
            if settings.roster {
                value["roster_problems"] = found.roster_problems.into();
            }
            if settings.roster || settings.inactive_days.is_some() {
                value["candidates"] = found.run.counts.total().into();
            }
            if let Some(path) = &settings.write_candidates {
                value["candidates_file"] = path.display().to_string().into();
                value["candidates_written"] = found.candidates.into();
            }
        }
        if let Err(e) = session::write_summary_json(path, run.force, &value) {
            errln!("error: {e}");
        }
    }
    match result {
        Ok(found) => {
            session::print_summary(run, Direction::Deactivate, &found.run);
            if let Some(path) = &settings.write_candidates {
                outln!("candidates: {} ({} users)", path.display(), found.candidates);
            }
            found.run.exit
        }
        Err(error) => {
            errln!("error: {error}");
            Exit::from(&error)
        }
    }
}

fn usage(message: &str) -> Exit {
    errln!("error: {message}");
    Exit::Fatal
}

/// Prints a finished run's summary, or its error, and picks the exit code.
fn finish(
    run: &settings::RunSettings,
    command: &str,
    direction: Direction,
    result: Result<RunSummary, exit::RunError>,
) -> Exit {
    if let Some(path) = &run.summary_json {
        let value =
            session::summary_json(command, &run.connection.host, run.dry_run, &run.report, &result);
        if let Err(e) = session::write_summary_json(path, run.force, &value) {
            errln!("error: {e}");
        }
    }
    match result {
        Ok(summary) => {
            session::print_summary(run, direction, &summary);
            summary.exit
        }
        Err(error) => {
            errln!("error: {error}");
            Exit::from(&error)
        }
    }
}

/// Resolves on the first Ctrl-C or SIGTERM; a second one ends the process at once (every
/// finished row is already flushed to the report).
pub async fn interrupted() {
    signal().await;
    tokio::spawn(async {
        signal().await;
        errln!("interrupted again: exiting now; the report holds every finished row");
        std::process::exit(i32::from(Exit::Interrupted.code()));
    });
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
