//! `wf-offboard deactivate`: the stages wired in order.
//!
//! settings → read the list (before any request) → sign in → list and match → plan →
//! confirm → execute → report. Everything before execution is read-only; a fatal error there
//! exits 2 with nothing written to Workfront.

use std::future::Future;
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::directory::{Wanted, fetch_directory};
use crate::execute::{Collector, run_jobs};
use crate::exit::Exit;
use crate::plan::{Decision, PlannedRow, build_plan};
use crate::report::{Counts, OutcomeKind, ReportWriter};
use crate::secret::Secret;
use crate::settings::{AuthSource, Settings};
use crate::workfront::{Auth, Client, Pacing, RetryPolicy};

/// What a finished run reports back (the demo and tests read it).
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub counts: Counts,
    pub exit: Exit,
    pub elapsed: Duration,
    pub users_listed: u64,
}

/// Runs `deactivate` with validated settings; `interrupt` resolves on Ctrl-C or SIGTERM.
pub async fn run(settings: &Settings, interrupt: impl Future<Output = ()>) -> Result<RunSummary, (Exit, String)> {
    let fatal = |message: String| (Exit::Fatal, message);
    let started = Instant::now();
    let source = settings.input.display().to_string();
    let file = std::fs::File::open(&settings.input).map_err(|e| fatal(format!("{source}: {e}")))?;
    let input = crate::input::read_rows(std::io::BufReader::new(file), &source, settings.column.as_deref()).map_err(fatal)?;
    let show = !settings.quiet && std::io::stderr().is_terminal();
    if !settings.quiet {
        eprintln!("{source}: {} rows, identifiers from {}", input.rows.len(), input.column);
    }
    let pacing = Pacing::new(settings.rate, settings.concurrency, RetryPolicy::default());
    let client = sign_in(settings, &pacing).await.map_err(fatal)?;

    tokio::pin!(interrupt);
    let listing = bar(show, "listing users", "{msg} [{bar:30}] {pos}/{len} ({per_sec}, ETA {eta})");
    let wanted = Wanted::from_rows(&input.rows);
    let directory = tokio::select! {
        listed = fetch_directory(&client, &wanted, &pacing, &listing) => listed.map_err(fatal)?,
        () = &mut interrupt => {
            listing.finish_and_clear();
            eprintln!("interrupted while listing users; nothing was changed");
            let counts = skip_all(&input.rows, &settings.report).map_err(fatal)?;
            return Ok(RunSummary { counts, exit: Exit::Interrupted, elapsed: started.elapsed(), users_listed: 0 });
        }
    };
    listing.finish_and_clear();
    let plan = build_plan(&input.rows, &directory);
    let to_deactivate: Vec<&PlannedRow> = plan.iter().filter(|p| p.decision == Decision::Deactivate).collect();
    if !settings.quiet {
        eprintln!(
            "{}: {} users ({} active); {} to deactivate",
            settings.connection.host,
            directory.total,
            directory.active,
            to_deactivate.len()
        );
    }
    if !settings.dry_run && !to_deactivate.is_empty() && !settings.yes {
        confirm(&settings.connection.host, &to_deactivate)?;
    }

    let report = ReportWriter::create(&settings.report).map_err(fatal)?;
    let verb = if settings.dry_run { "planning" } else { "deactivating" };
    let progress = bar(show, verb, "{msg:>12} [{bar:30}] {pos}/{len} ({per_sec}, ETA {eta})");
    progress.set_length(plan.len() as u64);
    let mut collector = Collector::new(report, progress);
    let interrupted = run_jobs(&client, plan, &pacing, settings.dry_run, &mut collector, interrupt).await;
    let (counts, _) = collector.finish().map_err(|e| (Exit::NeedsAttention, e))?;
    let exit = counts.exit(interrupted);
    Ok(RunSummary { counts, exit, elapsed: started.elapsed(), users_listed: directory.total })
}

/// Writes a report in which every row is `skipped`, for a run stopped before its plan existed.
fn skip_all(rows: &[crate::input::InputRow], path: &std::path::Path) -> Result<Counts, String> {
    let mut report = ReportWriter::create(path)?;
    let mut counts = Counts::default();
    for row in rows {
        let error = "not attempted: the run was interrupted while listing users".to_string();
        let finished_at = crate::clock::now_rfc3339();
        let outcome = crate::report::Outcome {
            row: row.row,
            input: row.value.clone(),
            matched_by: None,
            user: None,
            kind: OutcomeKind::Skipped,
            http_status: None,
            attempts: 0,
            error,
            finished_at,
        };
        counts.add(outcome.kind);
        report.write(outcome)?;
    }
    report.finish()?;
    Ok(counts)
}

/// Builds the client and signs in. A dry run signs in with `login` (a session), since
/// `generateApiKey` could create a key, and a dry run changes nothing.
async fn sign_in(settings: &Settings, pacing: &Pacing) -> Result<Client, String> {
    let client = Client::new(settings.connection.api_root.clone())?;
    let (username, password) = match &settings.auth {
        AuthSource::ApiKey(key) => return Ok(client.with_auth(Auth::ApiKey(key.clone()))),
        AuthSource::Password { username, password } => (username, password.clone()),
    };
    let password = match password {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            let typed = rpassword::prompt_password(format!("Workfront password for {username}: "))
                .map_err(|e| format!("cannot read the password: {e}"))?;
            Secret::new(typed)
        }
        None => return Err("no password: set env WORKFRONT_PASSWORD (there is no terminal to prompt on)".into()),
    };
    let attempted = if settings.dry_run {
        pacing.send(|| client.login(username, &password)).await.result.map(Auth::Session)
    } else {
        pacing.send(|| client.generate_api_key(username, &password)).await.result.map(Auth::ApiKey)
    };
    let auth = attempted.map_err(|e| format!("signing in to {} as {username} failed: {e}", settings.connection.host))?;
    Ok(client.with_auth(auth))
}

/// Asks on the terminal; without one, refuses (exit 2) unless `--yes` was given.
fn confirm(host: &str, rows: &[&PlannedRow]) -> Result<(), (Exit, String)> {
    let n = rows.len();
    if !std::io::stdin().is_terminal() {
        return Err((
            Exit::Fatal,
            format!(
                "refusing to deactivate {n} users on {host} without confirmation: no terminal to ask on; pass --yes (run with --dry-run first)"
            ),
        ));
    }
    let mut prompt = format!("\nAbout to DEACTIVATE {n} users on {host}:\n");
    for planned in rows.iter().take(10) {
        if let Some(u) = &planned.user {
            prompt.push_str(&format!("  row {:>5}  {}  <{}>\n", planned.input.row, u.name, u.username));
        }
    }
    if n > 10 {
        prompt.push_str(&format!("  … and {} more\n", n - 10));
    }
    prompt.push_str(&format!("Type {n} to proceed: "));
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| (Exit::Fatal, format!("cannot read the answer: {e}")))?;
    if answer.trim() == n.to_string() { Ok(()) } else { Err((Exit::Fatal, "not confirmed: nothing was changed".into())) }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`.
fn bar(show: bool, message: &'static str, template: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).expect("the template is valid").progress_chars("=> "));
    bar.set_message(message);
    bar
}

/// Prints the closing summary to stderr and the report path to stdout.
pub fn print_summary(settings: &Settings, summary: &RunSummary) {
    if !settings.quiet {
        let mode = if settings.dry_run { " (dry run: nothing was changed)" } else { "" };
        eprintln!("\n{} rows on {} in {:.1?}{mode}:", summary.counts.total(), settings.connection.host, summary.elapsed);
        eprint!("{}", summary.counts.summary());
        if summary.counts.get(OutcomeKind::Failed) > 0 {
            eprintln!("failed rows say why in the report's error column; run again to retry them");
        }
    }
    println!("report: {}", settings.report.display());
}
