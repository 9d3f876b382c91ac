//! The stages `deactivate` and `reactivate` share: sign in, confirm, carry out the plan (writes,
//! read-after-write check, report), and the closing summary.

use std::future::Future;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::execute::{Collector, run_jobs, settled_outcome};
use crate::exit::Exit;
use crate::plan::PlannedRow;
use crate::report::{Counts, Outcome, OutcomeKind, ReportWriter};
use crate::secret::Secret;
use crate::settings::{AuthSource, RunSettings};
use crate::workfront::{Auth, Client, Pacing};

/// What a finished run reports back (the demo and tests read it).
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub counts: Counts,
    pub exit: Exit,
    pub elapsed: Duration,
    pub users_listed: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// What the closing summary lists beyond the counts.
    pub notes: Notes,
}

/// The rows that need a person, and what the run met on the way.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    /// Up to [`ATTENTION_SHOWN`] rows: `row 7  paual.lee@acme.example  not_found: did you mean …`.
    pub attention: Vec<String>,
    /// Rows that need a person, in all.
    pub needing_attention: usize,
    /// Attempts beyond the first, over all rows.
    pub retries: u64,
    /// 429s the run met.
    pub throttled: u64,
}

/// How many rows that need a person the terminal summary lists; the rest are in the report.
pub const ATTENTION_SHOWN: usize = 20;

impl Notes {
    /// The notes for a finished run's outcomes (in row order).
    pub fn of(outcomes: &[Outcome], pacing: &Pacing) -> Notes {
        let needing: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind.needs_attention()).collect();
        let attention = needing
            .iter()
            .take(ATTENTION_SHOWN)
            .map(|o| {
                let input: String = o.input.chars().take(40).collect();
                format!("row {:>5}  {input}  {}: {}", o.row, o.kind.label(), o.error)
            })
            .collect();
        let retries = outcomes.iter().map(|o| u64::from(o.attempts.saturating_sub(1))).sum();
        Notes {
            attention,
            needing_attention: needing.len(),
            retries,
            throttled: pacing.gate.throttled(),
        }
    }
}

/// Which way a run changes users, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Deactivate,
    Reactivate,
}

impl Direction {
    fn verb(self) -> &'static str {
        match self {
            Direction::Deactivate => "deactivate",
            Direction::Reactivate => "reactivate",
        }
    }
}

/// Why a run stopped before it had a plan.
#[derive(Debug)]
pub enum Stopped {
    Fatal(String),
    /// Ctrl-C or SIGTERM while signing in or listing.
    Interrupted,
}

/// The password for `--username` sign-in, asked on the terminal now if env has none. Called
/// before any lock or request, and before Ctrl-C is caught: Ctrl-C at the prompt simply ends
/// the process, with nothing started.
pub fn ask_password(run: &RunSettings) -> Result<Option<Secret>, String> {
    let AuthSource::Password { username, password } = &run.auth else { return Ok(None) };
    match password {
        Some(p) => Ok(Some(p.clone())),
        None if std::io::stdin().is_terminal() => {
            let typed = rpassword::prompt_password(format!("Workfront password for {username}: "))
                .map_err(|e| format!("cannot read the password: {e}"))?;
            Ok(Some(Secret::new(typed)))
        }
        None => {
            Err("no password: set env WORKFRONT_PASSWORD (there is no terminal to prompt on)"
                .into())
        }
    }
}

/// Signs in, unless `interrupt` fires first.
pub async fn sign_in_or_stop(
    run: &RunSettings,
    pacing: &Pacing,
    password: Option<Secret>,
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<Client, Stopped> {
    let opened = async {
        let client = sign_in(run, pacing, password).await?;
        Ok::<_, String>(client)
    };
    tokio::select! {
        opened = opened => opened.map_err(Stopped::Fatal),
        () = interrupt => {
            pacing.cancelled.store(true, std::sync::atomic::Ordering::SeqCst);
            Err(Stopped::Interrupted)
        }
    }
}

pub use crate::directory::refused;

/// Builds the client and signs in. A dry run signs in with `login` (a session), since
/// `generateApiKey` could create a key, and a dry run changes nothing. `password` comes from
/// [`ask_password`].
pub async fn sign_in(
    run: &RunSettings,
    pacing: &Pacing,
    password: Option<Secret>,
) -> Result<Client, String> {
    let client = Client::new(run.connection.api_root.clone())?;
    let username = match &run.auth {
        AuthSource::ApiKey(key) => return Ok(client.with_auth(Auth::ApiKey(key.clone()))),
        AuthSource::OAuth(config) => {
            let host = &run.connection.host;
            return client
                .with_oauth(config.clone())
                .await
                .map_err(|e| format!("signing in to {host} with OAuth2 failed: {e}"));
        }
        AuthSource::Ims(config) => {
            return client
                .with_ims(config.clone())
                .await
                .map_err(|e| format!("signing in with Adobe IMS failed: {e}"));
        }
        AuthSource::Password { username, .. } => username,
    };
    let Some(password) = password else {
        return Err(
            "no password: set env WORKFRONT_PASSWORD (there is no terminal to prompt on)".into()
        );
    };
    let attempted = if run.dry_run {
        pacing.send(|| client.login(username, &password)).await.result.map(Auth::Session)
    } else {
        pacing
            .send(|| client.existing_or_new_api_key(username, &password))
            .await
            .result
            .map(Auth::ApiKey)
    };
    let auth = attempted.map_err(|e| {
        format!(
            "signing in to {} as {username} failed: {e}\npassword sign-in through the API is gone on tenants on the Adobe Business Platform (all of them since 2026): sign in with an Adobe Developer Console credential (--ims-client-id, see the README), a Workfront OAuth2 application (--client-id), or an API key from Setup > System > Customer Info (env WORKFRONT_API_KEY)",
            run.connection.host
        )
    })?;
    Ok(client.with_auth(auth))
}

/// The counts per outcome the plan would end with in a dry run, carried rows included.
pub fn plan_counts(plan: &[PlannedRow], carried: &[Outcome]) -> Counts {
    let mut counts = Counts::default();
    for planned in plan {
        if let Some(outcome) = settled_outcome(planned, true) {
            counts.add(outcome.kind);
        }
    }
    for outcome in carried {
        counts.add(outcome.kind);
    }
    counts
}

/// Asks on the terminal, showing the tenant, the plan's counts and the first names; the user
/// types the number of users to go on. Without a terminal, refuses (exit 2): pass `--yes`.
/// Ctrl-C at the prompt stops at once: nothing is sent after it (exit 130).
pub async fn confirm(
    host: &str,
    direction: Direction,
    counts: &Counts,
    rows: &[&PlannedRow],
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<(), (Exit, String)> {
    let n = rows.len();
    let verb = direction.verb();
    if !std::io::stdin().is_terminal() {
        return Err((
            Exit::Fatal,
            format!(
                "refusing to {verb} {n} users on {host} without confirmation: no terminal to ask on; pass --yes (run with --dry-run first)"
            ),
        ));
    }
    let mut prompt = format!(
        "\nTenant: {host}\nPlan:   {}\n\nAbout to {} {n} users:\n",
        counts.one_line(),
        verb.to_uppercase()
    );
    for planned in rows.iter().take(10) {
        if let Some(u) = &planned.user {
            prompt.push_str(&format!(
                "  row {:>5}  {}  <{}>\n",
                planned.input.row, u.name, u.username
            ));
        }
    }
    if n > 10 {
        prompt.push_str(&format!("  … and {} more\n", n - 10));
    }
    prompt.push_str(&format!("Type {n} to {verb} them, anything else to stop: "));
    ask_number(prompt, n, interrupt).await
}

/// Shows `prompt` on the terminal and goes on only if the person types `n`. Ctrl-C at the prompt
/// stops at once (exit 130); anything else typed stops with nothing changed (exit 2).
pub async fn ask_number(
    prompt: String,
    n: usize,
    interrupt: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Result<(), (Exit, String)> {
    err!("{prompt}");
    // A plain thread, not the runtime's blocking pool: if Ctrl-C wins, the process ends without
    // waiting for a read that may never return.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer).map(|_| answer);
        let _ = tx.send(read);
    });
    let answer = tokio::select! {
        answer = rx => answer.map_err(|_| (Exit::Fatal, "cannot read the answer".to_string()))?,
        () = interrupt => return Err((Exit::Interrupted, "not confirmed: nothing was changed".into())),
    };
    let answer = answer.map_err(|e| (Exit::Fatal, format!("cannot read the answer: {e}")))?;
    if answer.trim() == n.to_string() {
        Ok(())
    } else {
        Err((Exit::Fatal, "not confirmed: nothing was changed".into()))
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`. `{prefix}`
/// is `what`, `{rate}` the items per second.
pub fn bar(show: bool, what: &'static str, template: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(template)
        .expect("the template is valid")
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        })
        .progress_chars("=> ");
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(style);
    bar.set_prefix(what);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Should progress be drawn?
pub fn shows_progress(run: &RunSettings) -> bool {
    !run.quiet
        && std::io::stderr().is_terminal()
        && !crate::logging::ON_STDERR.load(std::sync::atomic::Ordering::Relaxed)
}

/// What to carry out.
#[derive(Debug)]
pub struct Work {
    /// Rows to decide now (writes among them).
    pub plan: Vec<PlannedRow>,
    /// Rows already finished by an earlier run (`--resume`).
    pub carried: Vec<Outcome>,
    /// Send no write.
    pub dry_run: bool,
    pub direction: Direction,
    /// Added to every `not_found` row's error (a partial listing).
    pub not_found_note: Option<String>,
    /// After a real run, where to write the deactivated users for the Admin Console.
    pub admin_console: Option<std::path::PathBuf>,
}

/// `<report>-admin-console.csv` beside the report: the deactivated users in a form the Adobe
/// Admin Console's bulk "remove users" upload takes, since deactivating in Workfront leaves the
/// person in the Workfront product profile.
pub fn admin_console_path(report: &std::path::Path) -> std::path::PathBuf {
    let stem = report.file_stem().unwrap_or_default().to_string_lossy();
    report.with_file_name(format!("{stem}-admin-console.csv"))
}

/// Writes the Admin Console list: a header `email`, then one deactivated user's email a line
/// (Adobe's own template could not be confirmed from its docs; see the README).
fn write_admin_console(
    path: &std::path::Path,
    force: bool,
    outcomes: &[Outcome],
) -> Result<usize, String> {
    let mut emails: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.kind == OutcomeKind::Deactivated)
        .filter_map(|o| o.user.as_ref().map(|u| u.email.as_str()))
        .filter(|e| !e.is_empty())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    crate::output::write_file(path, force, |file| {
        let mut writer = csv::Writer::from_writer(&mut *file);
        writer.write_record(["email"])?;
        for email in &emails {
            writer.write_record([crate::report::neutralise(email)])?;
        }
        writer.flush()
    })
    .map_err(|e| format!("the Admin Console list: {e}"))?;
    Ok(emails.len())
}

/// Carries out a plan: records the carried rows, runs the writes (none in a dry run), reads
/// the changed users back, and finishes the report. Returns the counts and whether the run was
/// interrupted.
pub async fn carry_out(
    run: &RunSettings,
    client: &Client,
    pacing: &Pacing,
    work: Work,
    interrupt: impl Future<Output = ()>,
) -> Result<(Counts, bool, Vec<Outcome>), (Exit, String)> {
    let Work { plan, carried, dry_run, direction, not_found_note, admin_console } = work;
    let report = ReportWriter::create(&run.report, run.force).map_err(|e| (Exit::Fatal, e))?;
    let verb = match (dry_run, direction) {
        (true, _) => "planning",
        (false, Direction::Deactivate) => "deactivating",
        (false, Direction::Reactivate) => "reactivating",
    };
    // Fits 80 columns: the message takes what is left of the line and is cut there.
    let progress = bar(
        shows_progress(run),
        verb,
        "{prefix:>12} [{bar:20}] {pos}/{len} ({rate}, ETA {eta}) {wide_msg}",
    );
    let mut collector = Collector::new(report, progress);
    collector.not_found_note = not_found_note;
    if !run.quiet && !std::io::stderr().is_terminal() {
        collector.plain = Some(crate::execute::Plain::new(verb));
    }
    for outcome in carried {
        collector.record_settled(outcome);
    }
    let ran =
        run_jobs(client, plan, pacing, dry_run, run.batch_size, &mut collector, interrupt).await;
    let (counts, outcomes) = collector.finish().map_err(|e| (Exit::NeedsAttention, e))?;
    if let Some(path) =
        admin_console.filter(|_| !dry_run && counts.get(OutcomeKind::Deactivated) > 0)
    {
        match write_admin_console(&path, run.force, &outcomes) {
            Ok(n) if !run.quiet => errln!(
                "admin console: {} ({n} users): upload it in the Adobe Admin Console (Users > Bulk operations > Remove users) to take them out of the Workfront product profile, which deactivating in Workfront does not",
                path.display()
            ),
            Ok(_) => {}
            Err(e) => errln!("warning: {e}"),
        }
    }
    if !run.quiet && ran.not_kept > 0 {
        errln!(
            "read-after-write check: {} of {} changed users did not keep the change; see the report",
            ran.not_kept,
            ran.read_back
        );
    }
    if ran.unconfirmed > 0 {
        errln!(
            "warning: {} of {} written rows could not be read back; they end failed (could not confirm): run again to check them",
            ran.unconfirmed,
            ran.read_back
        );
    }
    let interrupted = ran.interrupted;
    Ok((counts, interrupted, outcomes))
}

/// The summary of a run stopped by Ctrl-C before its plan existed (while signing in or
/// listing): every row is reported `skipped`, nothing was changed.
pub fn stopped_early(
    rows: &[crate::input::InputRow],
    run: &RunSettings,
    started: std::time::Instant,
    during: &str,
    requests: u64,
) -> Result<RunSummary, (Exit, String)> {
    errln!("interrupted while {during}; nothing was changed");
    let mut report = ReportWriter::create(&run.report, run.force).map_err(|e| (Exit::Fatal, e))?;
    let mut counts = Counts::default();
    for row in rows {
        let outcome = Outcome {
            row: row.row,
            input: row.value.clone(),
            matched_by: None,
            user: None,
            kind: OutcomeKind::Skipped,
            http_status: None,
            attempts: 0,
            error: format!("not attempted: the run was interrupted while {during}"),
            finished_at: crate::clock::now_rfc3339(),
        };
        counts.add(outcome.kind);
        report.write(outcome).map_err(|e| (Exit::Fatal, e))?;
    }
    report.finish().map_err(|e| (Exit::Fatal, e))?;
    Ok(RunSummary {
        counts,
        exit: Exit::Interrupted,
        elapsed: started.elapsed(),
        users_listed: 0,
        requests,
        notes: Notes::default(),
    })
}

/// Writes the sign-off page (`--html`) if asked for, and says where it is.
pub fn write_signoff(run: &RunSettings, page: &crate::signoff::SignOff<'_>) -> Result<(), String> {
    let Some(path) = &run.html else { return Ok(()) };
    let html = crate::signoff::render(page);
    crate::output::write_file(path, run.force, |file| {
        std::io::Write::write_all(file, html.as_bytes())
    })
    .map_err(|e| format!("the sign-off page: {e}"))?;
    if !run.quiet {
        errln!("sign-off page: {}", path.display());
    }
    Ok(())
}

/// "Name <username>" for the user with `id` among `users`, or the ID.
pub fn who(users: &[crate::directory::DirUser], id: &str) -> String {
    users
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| format!("user {id}"), |u| format!("{} <{}>", u.name, u.username))
}

/// Writes a machine-readable summary (`--summary-json`).
pub fn write_summary_json(
    path: &std::path::Path,
    force: bool,
    value: &serde_json::Value,
) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).expect("a JSON value serialises") + "\n";
    crate::output::write_file(path, force, |file| std::io::Write::write_all(file, text.as_bytes()))
        .map_err(|e| format!("the summary: {e}"))
}

/// The summary as JSON (format version 1): what ran, against which tenant, the counts per
/// outcome, timings, requests sent and the report, or the error that stopped it.
pub fn summary_json(
    command: &str,
    tenant: &str,
    dry_run: bool,
    report: &std::path::Path,
    result: &Result<RunSummary, (Exit, String)>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "version": 1,
        "command": command,
        "tenant": tenant,
        "dry_run": dry_run,
    });
    match result {
        Ok(summary) => {
            let outcomes: serde_json::Map<String, serde_json::Value> = summary
                .counts
                .0
                .iter()
                .map(|(kind, n)| (kind.label().to_string(), serde_json::Value::from(*n)))
                .collect();
            value["exit_code"] = summary.exit.code().into();
            value["report"] = report.display().to_string().into();
            value["rows"] = summary.counts.total().into();
            value["outcomes"] = outcomes.into();
            value["users_listed"] = summary.users_listed.into();
            value["requests_sent"] = summary.requests.into();
            value["elapsed_seconds"] = summary.elapsed.as_secs_f64().into();
        }
        Err((exit, message)) => {
            value["exit_code"] = exit.code().into();
            value["error"] = message.clone().into();
        }
    }
    value
}

/// Prints the closing summary to stderr and the report path to stdout.
pub fn print_summary(run: &RunSettings, direction: Direction, summary: &RunSummary) {
    if !run.quiet {
        let mode = match summary.exit {
            Exit::GuardTripped => " (refused by --max-deactivations: nothing was changed)",
            _ if run.dry_run => " (dry run: nothing was changed)",
            _ => "",
        };
        errln!(
            "\n{} rows on {} in {:.1?}{mode}:",
            summary.counts.total(),
            run.connection.host,
            summary.elapsed
        );
        err!("{}", summary.counts.summary());
        if !summary.notes.attention.is_empty() {
            errln!("\nneeds a person ({} rows):", summary.notes.needing_attention);
            for line in &summary.notes.attention {
                errln!("  {line}");
            }
            if summary.notes.needing_attention > summary.notes.attention.len() {
                errln!(
                    "  … and {} more in the report",
                    summary.notes.needing_attention - summary.notes.attention.len()
                );
            }
        }
        if summary.notes.retries > 0 || summary.notes.throttled > 0 {
            errln!(
                "met on the way: {} retries, {} answers 429 (Too many concurrent API requests)",
                summary.notes.retries,
                summary.notes.throttled
            );
        }
        if summary.counts.get(OutcomeKind::Failed) > 0 {
            errln!("failed rows say why in the report's error column; run again to retry them");
        }
        match (summary.exit, direction) {
            (Exit::Interrupted, Direction::Deactivate) => {
                errln!(
                    "to finish, run the same command again with --resume {}",
                    run.report.display()
                );
            }
            (Exit::Interrupted, Direction::Reactivate) => {
                errln!(
                    "to finish, run the same reactivate again: users already reactivated end already_active"
                );
            }
            _ => {}
        }
    }
    outln!("report: {}", run.report.display());
}
