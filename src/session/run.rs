//! [`Session`]: the one pipeline every command that signs in runs through.
//!
//! open (password prompt → lock → pacing → sign-in, which Ctrl-C stops) → whatever the command
//! reads, raced against Ctrl-C ([`Session::race`]) → confirm → carry out (writes, read-back,
//! report) → summary. The commands only build their plans; the lock, the client, the pacing, the
//! cancellation and the mapping of errors to exit codes live here and in [`crate::exit`].

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use futures::FutureExt;
use futures::future::Fuse;

use super::{
    Direction, Notes, RunSummary, Stopped, Work, ask_password, bar, carry_out, confirm,
    shows_progress, sign_in_or_stop,
};
use crate::directory::{CallerCheck, Wanted, fetch_directory};
use crate::exit::{Exit, RunError};
use crate::lock::RunLock;
use crate::model::{Directory, InputRow, Outcome};
use crate::plan::PlannedRow;
use crate::report::Counts;
use crate::settings::RunSettings;
use crate::workfront::{Client, Pacing, RetryPolicy};

/// Ctrl-C or SIGTERM, once; after it fired it stays pending, so it can be raced again safely.
pub type Interrupt<'a> = Fuse<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>;

/// What a command reads while the session is open.
pub struct Ctx<'a> {
    pub run: &'a RunSettings,
    pub client: Client,
    pub pacing: Pacing,
    pub started: Instant,
}

/// A signed-in run: holds the report's lock until it is dropped.
pub struct Session<'a> {
    pub ctx: Ctx<'a>,
    pub interrupt: Interrupt<'a>,
    _lock: RunLock,
}

impl<'a> std::ops::Deref for Session<'a> {
    type Target = Ctx<'a>;

    fn deref(&self) -> &Ctx<'a> {
        &self.ctx
    }
}

impl<'a> Session<'a> {
    /// Asks for a password if one is needed (before anything starts), takes the report's lock,
    /// and signs in. Ctrl-C while signing in ends with [`RunError::Stopped`].
    pub async fn open(
        run: &'a RunSettings,
        started: Instant,
        interrupt: impl Future<Output = ()> + Send + 'a,
    ) -> Result<Session<'a>, RunError> {
        let password = ask_password(run)?;
        let lock = RunLock::acquire(&run.report)?;
        let pacing = Pacing::new(run.rate, run.concurrency, RetryPolicy::default());
        let boxed: Pin<Box<dyn Future<Output = ()> + Send + 'a>> = Box::pin(interrupt);
        let mut interrupt: Interrupt<'a> = boxed.fuse();
        let client = match sign_in_or_stop(run, &pacing, password, Pin::new(&mut interrupt)).await {
            Ok(client) => client,
            Err(Stopped::Fatal(message)) => return Err(RunError::Fatal(message)),
            Err(Stopped::Interrupted) => {
                return Err(RunError::Stopped { during: "signing in".into() });
            }
        };
        Ok(Session { ctx: Ctx { run, client, pacing, started }, interrupt, _lock: lock })
    }

    /// Runs `work` (which reads through the session) unless Ctrl-C comes first; then stops the
    /// pacing and ends with [`RunError::Stopped`] naming `during`.
    pub async fn race<'s, T, F, Fut>(&'s mut self, during: &str, work: F) -> Result<T, RunError>
    where
        F: FnOnce(&'s Ctx<'a>) -> Fut,
        Fut: Future<Output = T> + 's,
    {
        let Session { ctx, interrupt, .. } = self;
        let cancelled = ctx.pacing.cancelled.clone();
        let work = work(ctx);
        tokio::select! {
            done = work => Ok(done),
            () = interrupt => {
                cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
                Err(RunError::Stopped { during: during.to_string() })
            }
        }
    }

    /// Lists the directory for `wanted` with a progress bar (Ctrl-C stops it).
    pub async fn list(
        &mut self,
        wanted: &Wanted,
        allow_partial: bool,
    ) -> Result<(Directory, Option<String>), RunError> {
        let listing = bar(
            shows_progress(self.run),
            "listing users",
            "{prefix} [{bar:30}] {pos}/{len} ({rate}, ETA {eta}) {msg}",
        );
        let listed = self
            .race("listing users", |ctx| {
                let check = CallerCheck { allow_partial, credential: &ctx.run.credential };
                fetch_directory(&ctx.client, wanted, &ctx.pacing, &listing, check)
            })
            .await;
        listing.finish_and_clear();
        Ok(listed??)
    }

    /// Asks on the terminal before a real run changes anyone (not with `--yes`, not for a dry
    /// run, not when nothing would change).
    pub async fn confirm(
        &mut self,
        direction: Direction,
        counts: &Counts,
        to_write: &[&PlannedRow],
        dry_run: bool,
    ) -> Result<(), RunError> {
        if dry_run || to_write.is_empty() || self.run.yes {
            return Ok(());
        }
        let host = &self.ctx.run.connection.host;
        confirm(host, direction, counts, to_write, Pin::new(&mut self.interrupt)).await
    }

    /// Carries the plan out (see [`carry_out`]): the counts, whether Ctrl-C stopped it, and the
    /// outcomes in row order.
    pub async fn carry_out(
        &mut self,
        work: Work,
    ) -> Result<(Counts, bool, Vec<Outcome>), RunError> {
        let Session { ctx, interrupt, .. } = self;
        carry_out(ctx.run, &ctx.client, &ctx.pacing, work, interrupt).await
    }

    /// The summary of a finished run: its exit code follows the counts (130 if interrupted).
    pub fn summary(
        &self,
        counts: Counts,
        interrupted: bool,
        users_listed: u64,
        outcomes: &[Outcome],
    ) -> RunSummary {
        let exit = counts.exit(interrupted);
        self.summary_with(counts, exit, users_listed, outcomes)
    }

    /// The same, with an exit code the command decided (the guard's 3, an audit's findings).
    pub fn summary_with(
        &self,
        counts: Counts,
        exit: Exit,
        users_listed: u64,
        outcomes: &[Outcome],
    ) -> RunSummary {
        RunSummary {
            counts,
            exit,
            elapsed: self.started.elapsed(),
            users_listed,
            requests: self.client.requests_sent(),
            notes: Notes::of(outcomes, &self.pacing),
        }
    }
}

/// For the commands whose every input row must be in the report even when Ctrl-C stops the run
/// before its plan: an interruption becomes a report of `skipped` rows (exit 130); any other
/// error passes through.
pub fn or_stopped_early(
    error: RunError,
    rows: &[InputRow],
    run: &RunSettings,
    started: Instant,
    requests: u64,
) -> Result<RunSummary, RunError> {
    match error {
        RunError::Stopped { during } => super::stopped_early(rows, run, started, &during, requests),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Credentials, Faults, Tenant};

    /// `deactivate`'s settings against `base`, with `key` as the environment's API key.
    fn settings(base: &str, key: &str, report: &std::path::Path) -> crate::settings::Settings {
        let args = ["wf-offboard", "deactivate", "in.csv", "--base-url", base, "--report"];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(report.display().to_string());
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
        let crate::cli::Command::Deactivate(args) = cli.command else { unreachable!() };
        let env = |name: &str| (name == "WORKFRONT_API_KEY").then(|| key.to_string());
        crate::settings::Settings::from_args(&args, &env).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_holds_the_lock_lists_and_stops_what_it_races_on_ctrl_c() {
        let key = "s".repeat(32);
        let credentials = Credentials { api_key: key.clone(), ..Credentials::default() };
        let tenant = Tenant::generate(40, 3).unwrap();
        let sim =
            crate::sim::start("127.0.0.1:0", tenant, credentials, Faults::default()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let settings = settings(&sim.base_url, &key, &dir.path().join("r.csv"));
        let (ctrl_c, pressed) = tokio::sync::oneshot::channel::<()>();
        let interrupt = async move {
            let _ = pressed.await;
        };
        let mut session = Session::open(&settings.run, Instant::now(), interrupt).await.unwrap();
        let other = Session::open(&settings.run, Instant::now(), std::future::pending()).await;
        assert!(matches!(other, Err(RunError::Fatal(_))), "one run per report");

        let (directory, partial) = session.list(&Wanted::default(), false).await.unwrap();
        assert_eq!((directory.total, partial), (40, None));
        assert!(session.client.requests_sent() > 0);

        ctrl_c.send(()).unwrap();
        let stopped = session.race("counting open work", |_| std::future::pending::<()>()).await;
        assert_eq!(stopped, Err(RunError::Stopped { during: "counting open work".into() }));
        assert!(session.pacing.cancelled.load(std::sync::atomic::Ordering::SeqCst), "retries stop");
        let summary = session.summary(Counts::default(), true, directory.total, &[]);
        assert_eq!((summary.exit, summary.users_listed), (Exit::Interrupted, 40));
    }
}
