//! wf-offboard: bulk-deactivate Adobe Workfront users from an HR list, safely.
//!
//! The pipeline, one module per stage:
//! - [`cli`] what the user typed → [`settings`] validated settings (no I/O after this point);
//! - [`input`] the CSV → rows with their row numbers;
//! - [`directory`] the full `USER/search` listing, paged, cross-checked and matched;
//! - [`plan`] pure: rows + directory → a decision per row; [`guard`] the blast-radius limit;
//!   [`resume`] what an earlier report ([`prior`]) shows done;
//! - [`execute`] async: decisions → outcomes, under concurrency and a rate limit, with retry;
//!   [`verify`] reads the changed users back;
//! - [`report`] outcomes → the results CSV and the closing summary;
//! - [`deactivate`] and [`reactivate`] wire the stages, sharing [`session`]; [`lock`] keeps
//!   one run per report;
//! - [`workfront`] the API client; [`sim`] the local Workfront everything is tested against;
//! - [`demo`] the end-to-end rehearsal; [`exit`] exit codes.

pub mod cli;
pub mod clock;
pub mod deactivate;
pub mod demo;
pub mod directory;
pub mod execute;
pub mod exit;
pub mod guard;
pub mod input;
pub mod lock;
pub mod plan;
pub mod prior;
pub mod reactivate;
pub mod report;
pub mod resume;
pub mod rng;
pub mod secret;
pub mod session;
pub mod settings;
pub mod sim;
pub mod suggest;
pub mod verify;
pub mod workfront;

use cli::{Cli, Command};
use exit::Exit;
use session::{Direction, RunSummary};

/// Runs one command to completion and says how the process should exit.
pub async fn run(cli: Cli) -> Exit {
    let env = |name: &str| std::env::var(name).ok();
    match cli.command {
        Command::Sim(args) => sim::run_command(args).await,
        Command::Deactivate(args) => match settings::Settings::from_args(&args, &env) {
            Ok(settings) => finish(&settings.run, Direction::Deactivate, deactivate::run(&settings, interrupted()).await),
            Err(message) => usage(&message),
        },
        Command::Reactivate(args) => match settings::ReactivateSettings::from_args(&args, &env) {
            Ok(settings) => finish(&settings.run, Direction::Reactivate, reactivate::run(&settings, interrupted()).await),
            Err(message) => usage(&message),
        },
        Command::Demo(args) => demo::run(args).await,
    }
}

fn usage(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Fatal
}

/// Prints a finished run's summary, or its error, and picks the exit code.
fn finish(run: &settings::RunSettings, direction: Direction, result: Result<RunSummary, (Exit, String)>) -> Exit {
    if let Some(path) = &run.summary_json {
        let command = match direction {
            Direction::Deactivate => "deactivate",
            Direction::Reactivate => "reactivate",
        };
        if let Err(e) = session::write_summary_json(path, command, run, &result) {
            eprintln!("error: {e}");
        }
    }
    match result {
        Ok(summary) => {
            session::print_summary(run, direction, &summary);
            summary.exit
        }
        Err((exit, message)) => {
            eprintln!("error: {message}");
            exit
        }
    }
}

/// Resolves on the first Ctrl-C or SIGTERM; a second one ends the process at once (every
/// finished row is already flushed to the report).
pub async fn interrupted() {
    signal().await;
    tokio::spawn(async {
        signal().await;
        eprintln!("interrupted again: exiting now; the report holds every finished row");
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
