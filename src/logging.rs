//! Seeing the requests: `-v`/`--verbose` (or `RUST_LOG`) logs every request on stderr, and
//! `--log-file PATH` writes the same as JSON lines, plus one line per row outcome.
//!
//! Events come from two places only: the client, one per HTTP request (method, path without
//! its query, status, latency; inside a `send` span carrying the attempt number), and the
//! collector, one per row. Neither ever holds a key, password, secret or token: credentials
//! travel in headers and form bodies, which are never logged.

use std::path::Path;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Set when requests are logged on stderr: the progress bar then stays hidden, so the two do
/// not draw over each other.
pub static ON_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Installs the logging the flags ask for; a no-op when neither asks (and no `RUST_LOG`).
pub fn init(verbose: bool, log_file: Option<&Path>) -> Result<(), String> {
    let from_env = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let to_stderr = (verbose || from_env.is_some()).then(|| {
        let filter = match &from_env {
            Some(spec) => EnvFilter::new(spec),
            None => EnvFilter::new("wf_offboard=info"),
        };
        let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(colour)
            .with_target(false)
            .compact()
            .with_filter(filter)
    });
    let to_file = match log_file {
        Some(path) => {
            let file = crate::output::create_journal(path, false)
                .map_err(|e| format!("--log-file: {e}"))?;
            let filter = EnvFilter::new("wf_offboard=info");
            Some(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::sync::Mutex::new(file))
                    .with_current_span(true)
                    .with_filter(filter),
            )
        }
        None => None,
    };
    if to_stderr.is_none() && to_file.is_none() {
        return Ok(());
    }
    ON_STDERR.store(to_stderr.is_some(), std::sync::atomic::Ordering::Relaxed);
    tracing_subscriber::registry()
        .with(to_stderr)
        .with(to_file)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))
}

use tracing_subscriber::Layer as _;
