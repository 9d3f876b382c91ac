//! Helpers shared by the integration tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use wf_offboard::sim::{self, Credentials, Faults, SimHandle, Tenant};

/// A simulator on 127.0.0.1:0 with a generated tenant.
pub async fn start_sim(users: usize, seed: u64, faults: Faults) -> SimHandle {
    start_sim_with(users, seed, faults, Credentials::default()).await
}

/// A simulator that still accepts password sign-in (`--legacy-login`), as tenants did before
/// the Adobe Business Platform.
pub async fn start_legacy_sim(users: usize, seed: u64, faults: Faults) -> SimHandle {
    start_sim_with(
        users,
        seed,
        faults,
        Credentials { legacy_login: true, ..Credentials::default() },
    )
    .await
}

/// A simulator with `extra` credentials (IMS, legacy login) besides the key and password.
pub async fn start_sim_with(
    users: usize,
    seed: u64,
    faults: Faults,
    extra: Credentials,
) -> SimHandle {
    let tenant = Tenant::generate(users, seed).expect("tenant");
    let credentials = Credentials {
        api_key: sim::default_api_key(seed),
        password: "pw-for-tests".into(),
        ..extra
    };
    sim::start("127.0.0.1:0", tenant, credentials, faults).await.expect("simulator starts")
}

/// Faults with only a seed: no latency, no errors, Workfront's cap of 10.
pub fn calm() -> Faults {
    Faults::default()
}

/// `<base>/attask/api/v22.0/<path>`.
pub fn api(sim: &SimHandle, path: &str) -> String {
    format!("{}/attask/api/v22.0/{path}", sim.base_url)
}

/// A plain HTTP client for poking the simulator directly.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

/// GET with the API key header; returns status and JSON.
pub async fn get_json(sim: &SimHandle, path: &str) -> (u16, serde_json::Value) {
    let response =
        http().get(api(sim, path)).header("apiKey", sim.api_key()).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// Every user of the tenant as the simulator holds them, by ID.
pub fn users(sim: &SimHandle) -> Vec<wf_offboard::sim::User> {
    sim.state.tenant().users.clone()
}

/// Is this user (by lower-case hex ID) active in the simulator?
pub fn is_active(sim: &SimHandle, id: &str) -> bool {
    let tenant = sim.state.tenant();
    tenant.users.iter().find(|u| u.id_hex() == id).map(|u| u.is_active).expect("user exists")
}

/// Writes a file in `dir`.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

/// The wf-offboard binary with a hermetic environment: nothing from the developer's or CI's
/// shell (no key, tenant, profile, IMS credential or RUST_LOG), only `PATH` and `HOME`.
pub fn command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wf-offboard"));
    command.env_clear();
    for keep in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    command
}

/// Runs the wf-offboard binary with `args` and extra environment, off the async workers.
pub async fn cli(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    if let Some(output) = in_process_if_safe(&args, &env).await {
        return output;
    }
    tokio::task::spawn_blocking(move || {
        command()
            .args(&args)
            .envs(env)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("join")
}

/// Variables clap reads from the process itself (`env = …` on a flag), and the logging's: a run
/// that needs them, or a test process that has them set, starts the binary instead.
const READ_BY_CLAP: [&str; 9] = [
    "WORKFRONT_BASE_URL",
    "WORKFRONT_DOMAIN",
    "WORKFRONT_API_VERSION",
    "WF_OFFBOARD_PROFILE",
    "WORKFRONT_IMS_CLIENT_ID",
    "WORKFRONT_IMS_ORG_ID",
    "WORKFRONT_IMS_SCOPES",
    "WORKFRONT_IMS_URL",
    "RUST_LOG",
];

/// Runs the command in-process, captured (oha's pattern: no binary to start), when nothing in
/// it needs a process of its own: a run command, no logging flags (the subscriber is global),
/// no variable clap would read, arguments that parse. `None`: start the binary.
async fn in_process_if_safe(args: &[String], env: &[(&'static str, String)]) -> Option<Output> {
    use clap::Parser as _;
    use std::os::unix::process::ExitStatusExt as _;
    let runs = ["deactivate", "reactivate", "apply", "audit", "handover", "check"];
    let logging = args.iter().any(|a| a == "-v" || a == "--verbose" || a.starts_with("--log-file"));
    let clap_env = env.iter().any(|(k, _)| READ_BY_CLAP.contains(k))
        || READ_BY_CLAP.iter().any(|k| std::env::var_os(k).is_some());
    if !args.first().is_some_and(|a| runs.contains(&a.as_str())) || logging || clap_env {
        return None;
    }
    let all = std::iter::once("wf-offboard".to_string()).chain(args.iter().cloned());
    let cli = wf_offboard::cli::Cli::try_parse_from(all).ok()?;
    let mut vars: HashMap<&str, String> = env.iter().cloned().collect();
    for keep in ["PATH", "HOME"] {
        if let Ok(value) = std::env::var(keep) {
            vars.entry(keep).or_insert(value);
        }
    }
    let lookup = move |name: &str| vars.get(name).cloned();
    let (exit, printed) = wf_offboard::run_captured(cli, &lookup).await;
    let status = std::process::ExitStatus::from_raw(i32::from(exit.code()) << 8);
    Some(Output { status, stdout: printed.out, stderr: printed.err })
}

/// The arguments `deactivate INPUT --base-url … --report …` plus `extra`.
pub fn deactivate_args(
    sim: &SimHandle,
    input: &Path,
    report: &Path,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "deactivate".into(),
        input.display().to_string(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--report".into(),
        report.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs `deactivate` to completion with the simulator's key in env.
pub async fn deactivate(sim: &SimHandle, input: &Path, report: &Path, extra: &[&str]) -> Output {
    cli(
        deactivate_args(sim, input, report, extra),
        vec![("WORKFRONT_API_KEY", sim.api_key().to_string())],
    )
    .await
}

/// Starts `deactivate` in the background (key in env, no stdin, stderr discarded), for tests
/// that signal it mid-run.
pub fn spawn_deactivate(
    sim: &SimHandle,
    input: &Path,
    report: &Path,
    extra: &[&str],
) -> std::process::Child {
    command()
        .args(deactivate_args(sim, input, report, extra))
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts")
}

/// Sends SIGINT (what Ctrl-C sends) to a child process.
pub async fn send_sigint(child: &std::process::Child) {
    send_signal(child, "INT").await;
}

/// Sends a signal (`INT`, `TERM`) to a child process.
pub async fn send_signal(child: &std::process::Child, signal: &str) {
    let (pid, flag) = (child.id().to_string(), format!("-{signal}"));
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("kill").args([&flag, &pid]).status().expect("kill runs")
    })
    .await
    .expect("join");
    assert!(status.success(), "kill -{signal} failed");
}

/// The report as a list of column → value maps.
pub fn read_report(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("report exists");
    reader.deserialize().map(|r| r.expect("report row")).collect()
}

/// The report's outcome column, in row order.
pub fn outcomes(path: &Path) -> Vec<String> {
    read_report(path).into_iter().map(|r| r["outcome"].clone()).collect()
}

/// Everything the process printed.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `PUT user/<id>?updates={"isActive":false}` with the key, as the documented recipe does.
pub async fn put_inactive(sim: &SimHandle, id: &str) -> reqwest::Response {
    put_active(sim, id, false).await
}

/// `PUT user/<id>?updates={"isActive":<active>}` with the key: what an administrator (or
/// another integration) does by hand.
pub async fn put_active(sim: &SimHandle, id: &str, active: bool) -> reqwest::Response {
    // Reactivating asks for an access level again, as the UI does: the one the licence comes with.
    let level = users(sim)
        .iter()
        .find(|u| u.id_hex() == id)
        .map(|u| sim::access_level_for(u.license_type, u.is_admin))
        .unwrap_or(0);
    let updates = if active {
        format!(r#"{{"isActive":true,"accessLevelID":"{level:032x}"}}"#)
    } else {
        r#"{"isActive":false}"#.to_string()
    };
    http()
        .put(api(sim, &format!("user/{id}")))
        .header("apiKey", sim.api_key())
        .query(&[("updates", updates)])
        .send()
        .await
        .expect("request")
}

/// `n` active users who are not administrators (so no protection applies), in tenant order.
pub fn leavers(sim: &SimHandle, n: usize) -> Vec<wf_offboard::sim::User> {
    users(sim).into_iter().filter(|u| u.is_active && !u.is_admin).take(n).collect()
}

/// An input file `id` + one user ID per line.
pub fn id_list(dir: &Path, name: &str, people: &[wf_offboard::sim::User]) -> PathBuf {
    let ids: Vec<String> = people.iter().map(|u| u.id_hex()).collect();
    write(dir, name, &format!("id\n{}\n", ids.join("\n")))
}

/// Runs `reactivate FROM --base-url … --report …` plus `extra`, with the key in env.
pub async fn reactivate(sim: &SimHandle, from: &Path, report: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec![
        "reactivate".into(),
        from.display().to_string(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--report".into(),
        report.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await
}

/// Runs a command in this process through the library's `run_captured` (oha's pattern): no
/// binary to start, the environment given here only, what it prints captured.
pub async fn in_process(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    in_process_if_safe(&args, &env).await.expect("a run that can go in-process")
}
