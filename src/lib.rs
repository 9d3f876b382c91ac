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
pub mod exit;
pub mod rng;
pub mod sim;

use cli::{Cli, Command};
use exit::Exit;

/// Runs one command to completion and says how the process should exit.
pub async fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Sim(args) => sim::run_command(args).await,
        Command::Deactivate(_) | Command::Demo(_) => {
            eprintln!("error: not built yet");
            Exit::Fatal
        }
    }
}
