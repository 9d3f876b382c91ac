//! `wf-offboard demo`: the main job, rehearsed end to end on a fresh machine.
//!
//! Starts the simulator in-process with the tenant `samples/offboarding.csv` was written for
//! (5,000 users, seed 42, latency, Workfront's concurrency cap and a few injected faults), runs
//! a dry run and then a real run of the sample, and prints both summaries, what the server saw
//! and where the reports are.

use std::path::Path;
use std::time::Duration;

use crate::cli::{
    ConnectionArgs, DeactivateArgs, DemoArgs, ListArgs, PacingArgs, ProtectionArgs, ReactivateArgs,
    RunArgs,
};
use crate::exit::Exit;
use crate::session::{self, Direction, RunSummary};
use crate::settings::ReactivateSettings;
use crate::settings::Settings;
use crate::sim::Stats;
use crate::sim::{self, Credentials, Faults, Tenant};
use crate::{deactivate, reactivate};

/// The sample the demo runs, built into the binary so the demo works from any directory.
pub const SAMPLE: &str = include_str!("../../samples/offboarding.csv");
/// The tenant the sample was written for.
pub const DEMO_USERS: usize = 5_000;
/// The seed of that tenant.
pub const DEMO_SEED: u64 = 42;

/// Runs the demo.
pub async fn run(args: DemoArgs) -> Exit {
    match rehearse(&args).await {
        Ok(()) => Exit::Success,
        Err(message) => {
            errln!("error: {message}");
            Exit::Fatal
        }
    }
}

async fn rehearse(args: &DemoArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let input = args.out.join("offboarding.csv");
    std::fs::write(&input, SAMPLE).map_err(|e| format!("{}: {e}", input.display()))?;
    let server = start_simulator(args).await?;
    errln!(
        "simulator: {DEMO_USERS} users at {} (latency {}ms ± {}ms, 6 requests in flight at most while the tool sends up to 10, 12% 5xx, 3% dropped connections: expect retries and a 429 or two)\n",
        server.base_url,
        args.latency_ms,
        args.latency_ms / 2
    );

    let mut runs = Vec::new();
    for (dry_run, name) in [(true, "dry-run-report.csv"), (false, "report.csv")] {
        let title =
            if dry_run { "1. dry run: what would happen" } else { "2. real run: deactivate" };
        errln!("== {title} ==");
        let settings = demo_settings(
            &server.base_url,
            server.api_key(),
            &input,
            &args.out.join(name),
            dry_run,
        )?;
        let before = server.stats();
        let summary =
            deactivate::run(&settings, crate::interrupted()).await.map_err(|e| e.to_string())?;
        session::print_summary(&settings.run, Direction::Deactivate, &summary);
        errln!("{}", server_saw(&before, &server.stats()));
        runs.push(summary);
    }
    undo_dry_run(&server, args).await?;
    explain(&runs, &args.out);
    server.stop().await;
    Ok(())
}

/// What the simulator saw between two snapshots of its statistics.
fn server_saw(before: &Stats, after: &Stats) -> String {
    let failed = (after.injected_errors - before.injected_errors)
        + (after.dropped_connections - before.dropped_connections)
        + (after.rejected_429 - before.rejected_429);
    let retries = if failed > 0 {
        format!("; each of those {failed} was retried with backoff, so no row was lost to them")
    } else {
        String::new()
    };
    format!(
        "server saw {} requests ({} mutating, {} answered 5xx, {} dropped, {} refused 429, at most {} in flight){retries}\n",
        after.requests - before.requests,
        after.mutating_requests - before.mutating_requests,
        after.injected_errors - before.injected_errors,
        after.dropped_connections - before.dropped_connections,
        after.rejected_429 - before.rejected_429,
        after.max_in_flight,
    )
}

fn connection_args(base_url: &str) -> ConnectionArgs {
    ConnectionArgs { base_url: Some(base_url.into()), ..ConnectionArgs::default() }
}

fn demo_settings(
    base_url: &str,
    key: &str,
    input: &Path,
    report: &Path,
    dry_run: bool,
) -> Result<Settings, String> {
    let args = DeactivateArgs {
        input: input.to_path_buf(),
        connection: connection_args(base_url),
        list: ListArgs::default(),
        run: RunArgs {
            dry_run,
            report: Some(report.to_path_buf()),
            pacing: PacingArgs::default(),
            batch_size: 1,
            yes: true,
            quiet: false,
            summary_json: None,
            // The demo's own directory: each rehearsal replaces the last one's files.
            force: true,
            html: Some(report.with_extension("html")),
        },
        max_deactivations: None,
        protection: ProtectionArgs::default(),
        resume: None,
        allow_partial_directory: false,
        plan: None,
        date_column: None,
        timezone: None,
    };
    let key = key.to_string();
    Settings::from_args(&args, &move |name| (name == "WORKFRONT_API_KEY").then(|| key.clone()))
}

fn explain(runs: &[RunSummary], out: &Path) {
    errln!(
        "The sample deliberately holds rows that need a person: a typo (not_found), a shared mailbox"
    );
    errln!("(ambiguous), a name instead of a login (invalid), the API user itself and a System");
    errln!(
        "Administrator (protected; administrators need --allow-admins, and this one is the tenant's"
    );
    errln!(
        "Admin Email user, which Workfront refuses to deactivate anyway). Every row is in the reports"
    );
    errln!(
        "under {}/; a run exits 1 when any row needs attention. `wf-offboard reactivate REPORT`",
        out.display()
    );
    errln!("undoes a run (step 3 showed its dry run); see the README's Safety section.");
    if let [dry, real] = runs {
        errln!("dry run exit code {}, real run exit code {}", dry.exit.code(), real.exit.code());
    }
}

/// The demo's tenant, with faults that really fire with its seed: a tighter cap than the
/// client's 10 in flight (so some 429s), and 5xx answers and dropped connections now and then
/// (so some retries).
async fn start_simulator(args: &DemoArgs) -> Result<sim::SimHandle, String> {
    let tenant = Tenant::generate(DEMO_USERS, DEMO_SEED).map_err(|e| e.to_string())?;
    let latency = Duration::from_millis(args.latency_ms);
    let faults = Faults {
        max_in_flight: 6,
        latency,
        jitter: latency / 2,
        error_rate: 0.12,
        drop_rate: 0.03,
        seed: DEMO_SEED,
        ..Faults::default()
    };
    let credentials = Credentials {
        api_key: sim::default_api_key(DEMO_SEED),
        password: sim::DEFAULT_PASSWORD.into(),
        oauth: None,
        ..Default::default()
    };
    sim::start("127.0.0.1:0", tenant, credentials, faults)
        .await
        .map_err(|e| format!("cannot start the simulator: {e}"))
}

/// Step 3: the dry run of the undo (`reactivate` of the real run's report).
async fn undo_dry_run(server: &sim::SimHandle, args: &DemoArgs) -> Result<(), String> {
    errln!("== 3. undo, dry run: what `reactivate` would put back ==");
    let connection = connection_args(&server.base_url);
    let undo = ReactivateArgs {
        from_report: args.out.join("report.csv"),
        connection,
        run: RunArgs {
            dry_run: true,
            report: Some(args.out.join("undo-dry-run-report.csv")),
            pacing: PacingArgs::default(),
            batch_size: 1,
            yes: true,
            quiet: false,
            summary_json: None,
            // The demo's own directory: each rehearsal replaces the last one's files.
            force: true,
            html: None,
        },
    };
    let key = server.api_key().to_string();
    let settings = ReactivateSettings::from_args(&undo, &move |name| {
        (name == "WORKFRONT_API_KEY").then(|| key.clone())
    })?;
    let before = server.stats();
    let summary =
        reactivate::run(&settings, crate::interrupted()).await.map_err(|e| e.to_string())?;
    session::print_summary(&settings.run, Direction::Reactivate, &summary);
    errln!("{}", server_saw(&before, &server.stats()));
    Ok(())
}
