//! wf-offboard: bulk-deactivate Adobe Workfront users from an HR list, safely.
//!
//! The pipeline, one module per stage:
//! - [`cli`] what the user typed → [`settings`] validated settings (no I/O after this point);
//! - [`input`] the CSV → rows with their row numbers;
//! - [`directory`] the full `USER/search` listing, paged, cross-checked and matched;
//! - [`plan`] pure: rows + directory → a decision per row;
//! - [`execute`] async: decisions → outcomes, under concurrency and a rate limit, with retry;
//! - [`report`] outcomes → the results CSV and the closing summary;
//! - [`workfront`] the API client; [`sim`] the local Workfront everything is tested against;
//! - [`demo`] the end-to-end rehearsal; [`exit`] exit codes.

pub mod cli;
pub mod clock;
pub mod deactivate;
pub mod demo;
pub mod directory;
pub mod execute;
pub mod exit;
pub mod input;
pub mod plan;
pub mod report;
pub mod rng;
pub mod secret;
pub mod settings;
pub mod sim;
pub mod workfront;

use cli::{Cli, Command};
use exit::Exit;

/// Runs one command to completion and says how the process should exit.
pub async fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Sim(args) => sim::run_command(args).await,
        Command::Deactivate(args) => {
            let settings = match settings::Settings::from_args(&args, &|name| std::env::var(name).ok()) {
                Ok(settings) => settings,
                Err(message) => {
                    eprintln!("error: {message}");
                    return Exit::Fatal;
                }
            };
            match deactivate::run(&settings, interrupted()).await {
                Ok(summary) => {
                    deactivate::print_summary(&settings, &summary);
                    summary.exit
                }
                Err((exit, message)) => {
                    eprintln!("error: {message}");
                    exit
                }
            }
        }
        Command::Demo(args) => demo::run(args).await,
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
