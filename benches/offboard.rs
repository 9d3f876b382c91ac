//! `cargo bench`: wf-offboard at Workfront's limit, side by side with the ideal and with the
//! sequential script people write from Workfront's docs.
//!
//! The simulator runs in this process; every wf-offboard run is the release binary in a child
//! process, so its time, CPU and peak memory (from `wait4`) are its own. Every run is bounded:
//! a fixed tenant, a fixed list, and a child that ends by itself.
//!
//! Prints, in one run:
//! - throughput at latency 50 ms and a cap of 10 in flight, 2,000 rows: the ideal
//!   (`rows / (cap / latency)` plus the listing), wf-offboard at its defaults, with
//!   `--concurrency 32`, with `--batch-size 100`, and the sequential baseline;
//! - peak resident memory for tenants of 10,000, 100,000 and 1,000,000 users, 10,000 rows;
//! - CPU time per deactivation against a zero-latency simulator.
//!
//! `cargo bench -- throughput`, `-- memory` or `-- cpu` runs one part.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wf_offboard::sim::{self, Credentials, Faults, SimHandle, Tenant, User};

const LATENCY: Duration = Duration::from_millis(50);
const CAP: usize = 10;
const ROWS: usize = 2_000;
const TENANT: usize = 20_000;
const SEED: u64 = 7;

/// What one child run cost.
struct Run {
    wall: Duration,
    cpu: Duration,
    max_rss_kb: i64,
    exit: i32,
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let work = tempfile::tempdir().expect("temporary directory");
    println!(
        "wf-offboard benchmark ({} cores; simulator in-process, wf-offboard as a child process)\n",
        cores()
    );
    // `cargo bench -- memory cpu` runs only those parts; no name runs all four.
    let parts: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    if wanted("throughput") {
        runtime.block_on(throughput(work.path()));
    }
    if wanted("memory") {
        runtime.block_on(memory(work.path()));
    }
    if wanted("cpu") {
        runtime.block_on(cpu(work.path()));
    }
    if wanted("input") {
        runtime.block_on(large_input(work.path()));
    }
}

/// A 1,000,000-row list against a 20,000-user tenant, dry run: peak memory and time of reading,
/// matching, suggesting and reporting every row (the rows name nobody, so each needs a
/// did-you-mean lookup).
async fn large_input(dir: &Path) {
    const ROWS: usize = 1_000_000;
    let server = ExternalSim::start(20_000).await;
    let input = dir.join("million.csv");
    let mut text = String::with_capacity(ROWS * 34);
    text.push_str("email\n");
    for i in 0..ROWS {
        text.push_str(&format!(
            "person{i}.x{}@acme.example\n",
            wf_offboard::rng::mix(i as u64) % 100_000
        ));
    }
    std::fs::write(&input, text).expect("write the input");
    let run = offboard_at(
        &server.base_url,
        &server.api_key,
        &input,
        &dir.join("million-report.csv"),
        &["--dry-run", "--quiet"],
    )
    .await;
    println!(
        "Large input: {ROWS} rows, 20000-user tenant, dry run: {:.1} MB peak, {:.2}s, {:.2}s CPU (exit {})\n",
        run.max_rss_kb as f64 / 1024.0,
        run.wall.as_secs_f64(),
        run.cpu.as_secs_f64(),
        run.exit
    );
    server.stop();
}

/// The throughput table: ideal, defaults, --concurrency 32, --batch-size 100, sequential.
async fn throughput(dir: &Path) {
    let pages = TENANT.div_ceil(2000);
    // One round trip for count and the API user together, then the pages CAP at a time.
    let listing = LATENCY * (1 + pages.div_ceil(CAP)) as u32;
    let ideal =
        Duration::from_secs_f64(ROWS as f64 / (CAP as f64 / LATENCY.as_secs_f64())) + listing;
    println!(
        "Throughput: {ROWS} rows, {TENANT}-user tenant, latency {LATENCY:?}, cap {CAP} in flight"
    );
    println!(
        "  {:<34} {:>9} {:>9} {:>7} {:>8} {:>9}",
        "", "time", "vs ideal", "429s", "failed", "requests"
    );
    println!("  {:<34} {:>8.2}s {:>9.2}", "ideal at the server's limit", ideal.as_secs_f64(), 1.0);

    let mut results = Vec::new();
    for (name, extra) in [
        ("wf-offboard, defaults", &[][..]),
        ("wf-offboard --concurrency 32", &["--concurrency", "32"][..]),
        ("wf-offboard --batch-size 100", &["--batch-size", "100"][..]),
    ] {
        let (server, rows) = tenant_with_latency(LATENCY).await;
        let input = id_list(dir, "throughput.csv", &rows);
        let report = dir.join("throughput-report.csv");
        let mut args = vec!["--yes", "--quiet", "--force", "--max-deactivations", "100%"];
        args.extend_from_slice(extra);
        let run = offboard(&server, &input, &report, &args).await;
        let stats = server.stats();
        let failed = count_outcome(&report, "failed");
        let ratio = ideal.as_secs_f64() / run.wall.as_secs_f64();
        println!(
            "  {:<34} {:>8.2}s {:>9.2} {:>7} {:>8} {:>9}   (exit {})",
            name,
            run.wall.as_secs_f64(),
            ratio,
            stats.rejected_429,
            failed,
            stats.requests,
            run.exit
        );
        results.push(run.wall);
        server.stop().await;
    }

    let (server, rows) = tenant_with_latency(LATENCY).await;
    let started = Instant::now();
    let written = sequential_script(&server, &rows).await;
    let sequential = started.elapsed();
    let stats = server.stats();
    println!(
        "  {:<34} {:>8.2}s {:>9.2} {:>7} {:>8} {:>9}   ({written} deactivated)",
        "sequential script (list, then 1 by 1)",
        sequential.as_secs_f64(),
        ideal.as_secs_f64() / sequential.as_secs_f64(),
        stats.rejected_429,
        ROWS - written,
        stats.requests
    );
    server.stop().await;
    println!(
        "\n  --batch-size 100 is {:.1}x faster than --batch-size 1 (the defaults); the defaults are {:.1}x faster than the sequential script\n",
        results[0].as_secs_f64() / results[2].as_secs_f64(),
        sequential.as_secs_f64() / results[0].as_secs_f64()
    );
}

/// Peak memory of the client for growing tenants, 10,000 rows each. The simulator runs as its
/// own process here, so the client, forked from this small process, starts small: a child's
/// peak RSS counts what it inherited before `exec`.
async fn memory(dir: &Path) {
    println!(
        "Peak memory (max RSS of the wf-offboard process), 10,000 rows, zero latency, cap {CAP}:"
    );
    for users in [10_000, 100_000, 1_000_000] {
        let server = ExternalSim::start(users).await;
        let mut rows = server.leavers(10_000).await;
        let found = rows.len();
        rows.extend((found..10_000).map(|i| format!("left-{i}@nowhere.example")));
        let input = dir.join("memory.csv");
        std::fs::write(&input, format!("user\n{}\n", rows.join("\n"))).expect("write the input");
        let args =
            ["--yes", "--quiet", "--force", "--max-deactivations", "100%", "--rate", "20000"];
        let run = offboard_at(
            &server.base_url,
            &server.api_key,
            &input,
            &dir.join("memory-report.csv"),
            &args,
        )
        .await;
        println!(
            "  {:>9} users: {:>6.1} MB peak, {:>6.2}s, {found} deactivated, {} not found (exit {})",
            users,
            run.max_rss_kb as f64 / 1024.0,
            run.wall.as_secs_f64(),
            10_000 - found,
            run.exit
        );
        server.stop();
    }
    println!();
}

/// `wf-offboard sim` in a child process.
struct ExternalSim {
    child: std::process::Child,
    base_url: String,
    api_key: String,
}

impl ExternalSim {
    async fn start(users: usize) -> ExternalSim {
        let api_key = sim::default_api_key(SEED);
        let mut child = Command::new(env!("CARGO_BIN_EXE_wf-offboard"))
            .args([
                "sim",
                "--listen",
                "127.0.0.1:0",
                "--seed",
                &SEED.to_string(),
                "--users",
                &users.to_string(),
            ])
            .args(["--max-in-flight", &CAP.to_string(), "--api-key", &api_key])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let base_url = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(stdout).lines();
            let line = lines.find_map(|l| {
                l.ok().and_then(|l| l.strip_prefix("base URL:").map(|u| u.trim().to_string()))
            });
            // Keep reading so the simulator never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            line
        })
        .await
        .expect("join")
        .expect("the simulator prints its base URL");
        ExternalSim { child, base_url, api_key }
    }

    /// Up to `n` active users who are not administrators, by ID, from the control endpoint.
    async fn leavers(&self, n: usize) -> Vec<String> {
        let http = reqwest::Client::new();
        let mut ids = Vec::new();
        for first in (0..).step_by(2000) {
            let url = format!(
                "{}/__sim/users?isActive=true&isAdmin=false&$$LIMIT=2000&$$FIRST={first}",
                self.base_url
            );
            let page: serde_json::Value =
                http.get(url).send().await.expect("control endpoint").json().await.expect("json");
            let users = page["data"].as_array().cloned().unwrap_or_default();
            ids.extend(users.iter().filter_map(|u| u["ID"].as_str().map(String::from)));
            if users.len() < 2000 || ids.len() >= n {
                break;
            }
        }
        ids.truncate(n);
        ids
    }

    fn stop(self) {}
}

/// The simulator process never outlives the benchmark, even when a part of it panics.
impl Drop for ExternalSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time per deactivation: a real run minus a dry run of the same list, zero latency.
async fn cpu(dir: &Path) {
    const N: usize = 5_000;
    let tenant = Tenant::generate(TENANT, SEED).expect("tenant");
    let rows = leavers(&tenant, N);
    let server = start(tenant, Faults { max_in_flight: CAP, ..Faults::default() }).await;
    let input = id_list(dir, "cpu.csv", &rows);
    let fast = ["--quiet", "--max-deactivations", "100%", "--rate", "20000"];
    let dry =
        offboard(&server, &input, &dir.join("cpu-dry.csv"), &[&fast[..], &["--dry-run"]].concat())
            .await;
    let real =
        offboard(&server, &input, &dir.join("cpu-real.csv"), &[&fast[..], &["--yes"]].concat())
            .await;
    let per = real.cpu.saturating_sub(dry.cpu).as_secs_f64() / N as f64;
    println!(
        "CPU per deactivation (zero latency, cap {CAP}, --rate 20000, {N} rows, {TENANT}-user tenant):"
    );
    println!(
        "  real run {:.2}s CPU in {:.2}s, dry run {:.2}s CPU: {:.0} µs of CPU per deactivation ({:.0} deactivations/s)",
        real.cpu.as_secs_f64(),
        real.wall.as_secs_f64(),
        dry.cpu.as_secs_f64(),
        per * 1e6,
        N as f64 / real.wall.saturating_sub(dry.wall).as_secs_f64()
    );
    server.stop().await;
}

/// The procedure in Workfront's docs, as people script it: list every user page by page, then
/// one PUT at a time.
async fn sequential_script(server: &SimHandle, rows: &[User]) -> usize {
    let http = reqwest::Client::new();
    let api = format!("{}/attask/api/v22.0", server.base_url);
    let mut listed = std::collections::HashSet::new();
    let mut first = 0;
    loop {
        let page: serde_json::Value = http
            .get(format!("{api}/user/search"))
            .header("apiKey", server.api_key())
            .query(&[
                ("$$FIRST", first.to_string()),
                ("$$LIMIT", "2000".into()),
                ("ID_Sort", "asc".into()),
                ("fields", "ID".into()),
            ])
            .send()
            .await
            .expect("search")
            .json()
            .await
            .expect("json");
        let users = page["data"].as_array().cloned().unwrap_or_default();
        listed.extend(users.iter().filter_map(|u| u["ID"].as_str().map(String::from)));
        if users.len() < 2000 {
            break;
        }
        first += 2000;
    }
    let mut written = 0;
    for user in rows.iter().filter(|u| listed.contains(&u.id_hex())) {
        let answer = http
            .put(format!("{api}/user/{}", user.id_hex()))
            .header("apiKey", server.api_key())
            .query(&[("updates", r#"{"isActive":"false"}"#)])
            .send()
            .await
            .expect("put");
        written += usize::from(answer.status().is_success());
    }
    written
}

/// A fresh tenant with the simulator's latency and cap, and the rows to offboard from it.
async fn tenant_with_latency(latency: Duration) -> (SimHandle, Vec<User>) {
    let tenant = Tenant::generate(TENANT, SEED).expect("tenant");
    let rows = leavers(&tenant, ROWS);
    (start(tenant, Faults { max_in_flight: CAP, latency, ..Faults::default() }).await, rows)
}

async fn start(tenant: Tenant, faults: Faults) -> SimHandle {
    let credentials = Credentials {
        api_key: sim::default_api_key(SEED),
        password: sim::DEFAULT_PASSWORD.into(),
        oauth: None,
        ..Default::default()
    };
    sim::start("127.0.0.1:0", tenant, credentials, faults).await.expect("the simulator starts")
}

/// Active users who are not administrators, so no protection applies.
fn leavers(tenant: &Tenant, n: usize) -> Vec<User> {
    tenant
        .users
        .iter()
        .filter(|u| u.is_active && !u.is_admin && u.id != tenant.api_user)
        .take(n)
        .cloned()
        .collect()
}

fn id_list(dir: &Path, name: &str, rows: &[User]) -> PathBuf {
    let path = dir.join(name);
    let ids: Vec<String> = rows.iter().map(User::id_hex).collect();
    std::fs::write(&path, format!("id\n{}\n", ids.join("\n"))).expect("write the input");
    path
}

fn count_outcome(report: &Path, outcome: &str) -> usize {
    let mut reader = csv::Reader::from_path(report).expect("the report exists");
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "outcome")
        .expect("an outcome column");
    reader.records().filter(|r| r.as_ref().is_ok_and(|r| &r[column] == outcome)).count()
}

/// Runs `wf-offboard deactivate` as a child against an in-process simulator and measures it.
async fn offboard(server: &SimHandle, input: &Path, report: &Path, extra: &[&str]) -> Run {
    offboard_at(&server.base_url, server.api_key(), input, report, extra).await
}

/// Runs `wf-offboard deactivate` as a child and measures it (off the async workers, which
/// serve an in-process simulator meanwhile).
async fn offboard_at(
    base_url: &str,
    api_key: &str,
    input: &Path,
    report: &Path,
    extra: &[&str],
) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wf-offboard"));
    command
        .arg("deactivate")
        .arg(input)
        .args(["--base-url", base_url, "--report"])
        .arg(report)
        .args(extra)
        .env("WORKFRONT_API_KEY", api_key)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let child = command.spawn().expect("wf-offboard starts");
        wait_with_usage(child, started)
    })
    .await
    .expect("join")
}

/// Waits for the child with `wait4`, which returns that child's own CPU time and peak RSS.
fn wait_with_usage(child: std::process::Child, started: Instant) -> Run {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 failed");
    let wall = started.elapsed();
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let exit = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    Run {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
        exit,
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
