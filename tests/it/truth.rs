//! Every outcome is the server's truth: faults in the read-back, lost answers, kill -9 and
//! resume, deleted users, a plan applied by its own API user, signals, hostile plan files,
//! closed pipes and unreachable hosts. Each test compares the report with the server's state.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use wf_offboard::sim::{Faults, SimHandle};

use crate::util::{
    calm, cli, deactivate, deactivate_args, id_list, is_active, leavers, printed, reactivate,
    read_report, send_sigint, start_sim, write,
};

/// The user IDs the report shows with `outcome`.
fn ids_with(report: &std::path::Path, outcome: &str) -> BTreeSet<String> {
    read_report(report)
        .into_iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| r["user_id"].clone())
        .collect()
}

/// Of `people`, the IDs the server shows inactive.
fn inactive(sim: &SimHandle, people: &[wf_offboard::sim::User]) -> BTreeSet<String> {
    people.iter().map(|u| u.id_hex()).filter(|id| !is_active(sim, id)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_cannot_be_read_back_are_never_reported_done() {
    let faults =
        Faults { read_error_rate: 1.0, lost_write_rate: 0.2, seed: 81, ..Faults::default() };
    let sim = start_sim(600, 81, faults).await;
    let people = leavers(&sim, 30);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let summary = dir.path().join("s.json");
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--yes", "--summary-json", &summary.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    assert_eq!(rows.len(), 30);
    assert!(
        rows.iter().all(|r| r["outcome"] == "failed" && r["error"].contains("could not confirm")),
        "{rows:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(json["exit_code"], 1);
    assert!(printed(&output).contains("could not be read back"), "{}", printed(&output));
    assert!(
        sim.stats().lost_writes > 0 && !inactive(&sim, &people).is_empty(),
        "some users stayed active, none is reported done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_whose_answer_was_lost_is_reported_as_the_server_shows_it_and_undone() {
    // (A write whose every answer is lost ends `deactivated` "the answer was lost": `verify`'s
    // unit test; eight dropped attempts take too long for an integration test.)
    let faults =
        Faults { lost_answer_rate: 0.3, lost_write_rate: 0.1, seed: 84, ..Faults::default() };
    let sim = start_sim(600, 82, faults).await;
    let people = leavers(&sim, 40);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    assert!(sim.stats().lost_answers > 0 && sim.stats().lost_writes > 0, "both faults fired");
    let deactivated = ids_with(&report, "deactivated");
    assert_eq!(
        deactivated,
        inactive(&sim, &people),
        "the report's deactivated rows are exactly the inactive users"
    );
    let failed = ids_with(&report, "failed");
    let all: BTreeSet<String> = people.iter().map(|u| u.id_hex()).collect();
    assert_eq!(failed, &all - &deactivated, "every other row is failed");
    let rows = read_report(&report);
    // A lost answer is retried; the retry finds the change stored and the read-back confirms it.
    assert!(rows.iter().any(|r| r["outcome"] == "deactivated" && r["attempts"] != "1"), "{rows:?}");
    assert!(
        rows.iter()
            .filter(|r| r["outcome"] == "deactivated")
            .all(|r| r["error"].contains("read back: inactive"))
    );

    // The undo reactivates every user the server shows deactivated, lost answers included.
    let undo = dir.path().join("undo.csv");
    let output = reactivate(&sim, &report, &undo, &["--yes"]).await;
    let undone = ids_with(&undo, "reactivated");
    assert_eq!(
        undone.len() + ids_with(&undo, "failed").len(),
        deactivated.len(),
        "{}",
        printed(&output)
    );
    for id in &undone {
        assert!(is_active(&sim, id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_kill_9_writes_again_every_deactivation_that_was_never_confirmed() {
    let faults = Faults {
        latency: Duration::from_millis(100),
        lost_write_rate: 0.3,
        seed: 83,
        ..Faults::default()
    };
    let sim = start_sim(400, 83, faults).await;
    let people = leavers(&sim, 30);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let first = dir.path().join("first.csv");
    let mut child = crate::util::command()
        .args(deactivate_args(&sim, &input, &first, &["--yes", "--concurrency", "2"]))
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.stats().writes_per_user.len() < 8 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no cleanup at all.
    child.wait().unwrap();

    // An older report written before the check existed: `deactivated` rows never confirmed,
    // some of them for users whose write was lost.
    let mut legacy = String::from(
        "row,input,matched_by,user_id,name,username,email,was_active,outcome,http_status,attempts,error,finished_at\n",
    );
    for (i, p) in people.iter().enumerate().take(10) {
        legacy.push_str(&format!(
            "{},{},id,{},,,,true,deactivated,200,1,,t\n",
            i + 1,
            p.id_hex(),
            p.id_hex()
        ));
    }
    let legacy_report = write(dir.path(), "legacy.csv", &legacy);

    for earlier in [&first, &legacy_report] {
        let finished =
            dir.path().join(format!("finished-{}", earlier.file_name().unwrap().to_string_lossy()));
        for attempt in 0..4 {
            let output = deactivate(
                &sim,
                &input,
                &finished,
                &["--yes", "--resume", &earlier.display().to_string()],
            )
            .await;
            if output.status.code() == Some(0) {
                break;
            }
            assert!(attempt < 3, "lost writes are retried on each resume: {}", printed(&output));
            let console = wf_offboard::session::admin_console_path(&finished);
            for path in [&finished, &console] {
                let _ = std::fs::remove_file(path);
            }
            let retried = dir.path().join(format!("retry-{attempt}.csv"));
            let output = deactivate(&sim, &input, &retried, &["--yes"]).await;
            assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
        }
        let rows = read_report(&finished);
        assert!(
            rows.iter()
                .all(|r| ["deactivated", "already_inactive"].contains(&r["outcome"].as_str())),
            "{rows:?}"
        );
    }
    assert_eq!(inactive(&sim, &people).len(), 30, "every leaver ends inactive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_user_is_drifted_not_a_crash_and_one_id_reads_as_an_object() {
    let sim = start_sim(300, 84, calm()).await;
    let people = leavers(&sim, 3);
    let missing = people[2].id_hex();
    let (status, one) =
        crate::util::get_json(&sim, &format!("user?id={}&fields=isActive", people[0].id_hex()))
            .await;
    assert_eq!(
        (status, one["data"]["ID"].as_str()),
        (200, Some(people[0].id_hex().as_str())),
        "one ID answers an object"
    );
    sim.state.tenant_mut().users.retain(|u| u.id != people[2].id);
    let (status, body) =
        crate::util::get_json(&sim, &format!("user?id={},{missing}", people[0].id_hex())).await;
    assert_eq!(status, 404, "several IDs with a missing one fail as a whole: {body}");

    // A report that deactivated all three; the third is deleted since.
    let dir = tempfile::tempdir().unwrap();
    let mut earlier = String::from(
        "row,input,matched_by,user_id,name,username,email,was_active,outcome,http_status,attempts,error,finished_at\n",
    );
    for (i, p) in people.iter().enumerate() {
        earlier.push_str(&format!(
            "{},{},id,{},,,,true,deactivated,200,1,read back: inactive,t\n",
            i + 1,
            p.id_hex(),
            p.id_hex()
        ));
    }
    let earlier = write(dir.path(), "earlier.csv", &earlier);
    for p in &people[..2] {
        crate::util::put_inactive(&sim, &p.id_hex()).await;
    }
    let dry = dir.path().join("dry.csv");
    let output = reactivate(&sim, &earlier, &dry, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let got: Vec<String> = read_report(&dry).into_iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(got, ["would_reactivate", "would_reactivate", "not_found"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refuses_to_deactivate_the_api_user_or_an_administrator_it_meets_at_apply_time() {
    let sim = start_sim(300, 85, calm()).await;
    let people = leavers(&sim, 4);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let plan = dir.path().join("plan.json");
    let output = deactivate(
        &sim,
        &input,
        &dir.path().join("dry.csv"),
        &["--dry-run", "--plan", &plan.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    {
        let mut tenant = sim.state.tenant_mut();
        tenant.api_user = people[0].id; // the key now belongs to a planned user, an administrator
        tenant.users.iter_mut().find(|u| u.id == people[0].id).unwrap().is_admin = true;
        tenant.users.iter_mut().find(|u| u.id == people[1].id).unwrap().is_admin = true;
    }
    let report = dir.path().join("applied.csv");
    let args = vec![
        "apply".to_string(),
        plan.display().to_string(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--report".into(),
        report.display().to_string(),
        "--yes".into(),
    ];
    let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    assert_eq!((rows[0]["outcome"].as_str(), rows[1]["outcome"].as_str()), ("drifted", "drifted"));
    assert!(rows[0]["error"].contains("API user"), "{}", rows[0]["error"]);
    assert!(rows[1]["error"].contains("System Administrator"), "{}", rows[1]["error"]);
    assert!(is_active(&sim, &people[0].id_hex()) && is_active(&sim, &people[1].id_hex()));
    assert!(!is_active(&sim, &people[2].id_hex()) && !is_active(&sim, &people[3].id_hex()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plan_files_are_refused_without_a_panic() {
    let sim = start_sim(300, 86, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let plan = dir.path().join("plan.json");
    deactivate(
        &sim,
        &input,
        &dir.path().join("dry.csv"),
        &["--dry-run", "--plan", &plan.display().to_string()],
    )
    .await;
    let good: wf_offboard::planfile::PlanFile =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let mut short = good.clone();
    short.input.sha256 = "ab".into();
    let mut no_user = good.clone();
    no_user.rows[0].user = None;
    let mut bad_id = good.clone();
    bad_id.rows[1].user.as_mut().unwrap().id = "../../etc".into();
    for (name, mut forged, expected) in [
        ("short", short, "is not a SHA-256"),
        ("no-user", no_user, "without its user"),
        ("bad-id", bad_id, "is not a Workfront ID"),
    ] {
        forged.seal();
        let path =
            write(dir.path(), &format!("{name}.json"), &serde_json::to_string(&forged).unwrap());
        let args = vec![
            "apply".into(),
            path.display().to_string(),
            "--base-url".into(),
            sim.base_url.clone(),
            "--yes".into(),
        ];
        let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
        assert_eq!(output.status.code(), Some(2), "{name}: {}", printed(&output));
        assert!(printed(&output).contains(expected), "{name}: {}", printed(&output));
    }
    assert_eq!(sim.stats().mutating_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_is_not_a_panic() {
    let sim = start_sim(300, 87, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let mut child = crate::util::command()
        .args(deactivate_args(&sim, &input, &dir.path().join("r.csv"), &["--dry-run"]))
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`: the reader is gone before anything is printed
    let output =
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_hosts_fail_fast_and_say_what_they_mean() {
    let sim = start_sim(300, 88, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", "email\na@acme.example\n");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // bound, then freed
    let https_to_plain = sim.base_url.replace("http://", "https://");
    for (base, expected) in [
        (format!("http://{closed}"), format!("nothing is listening at {closed}")),
        (
            "https://acmee.invalid".to_string(),
            "no such host acmee.invalid: check --domain".to_string(),
        ),
        (https_to_plain, "does not speak TLS".to_string()),
    ] {
        let started = Instant::now();
        let args = vec![
            "deactivate".into(),
            input.display().to_string(),
            "--base-url".into(),
            base.clone(),
            "--dry-run".into(),
            "--report".into(),
            dir.path().join("r.csv").display().to_string(),
        ];
        let output = cli(args, vec![("WORKFRONT_API_KEY", "k".repeat(32))]).await;
        assert_eq!(output.status.code(), Some(2), "{base}: {}", printed(&output));
        assert!(printed(&output).contains(&expected), "{base}: {}", printed(&output));
        assert!(started.elapsed() < Duration::from_secs(4), "{base}: {:?}", started.elapsed());
    }
    let args = vec![
        "deactivate".into(),
        input.display().to_string(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--dry-run".into(),
    ];
    let output = cli(args, vec![("WORKFRONT_API_KEY", "abc\u{7}def".into())]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("cannot be sent in a header"), "{}", printed(&output));
    assert_eq!(sim.stats().requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_the_read_back_ends_unchecked_rows_could_not_confirm() {
    // Long enough that the read-back is surely in flight when the signal lands, even on a busy
    // machine.
    let faults = Faults { latency: Duration::from_millis(1500), seed: 89, ..Faults::default() };
    let sim = start_sim(300, 89, faults).await;
    let people = leavers(&sim, 5);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let log = std::fs::File::create(dir.path().join("stderr.txt")).unwrap();
    let mut child = crate::util::command()
        .args(deactivate_args(&sim, &input, &report, &["--yes"]))
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let searches = || sim.stats().by_kind.get("search").copied().unwrap_or(0);
    // The listing searches twice ($$USER.ID and one page); the third search is the read-back.
    while (sim.stats().writes_per_user.len() < 5 || searches() < 3) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    send_sigint(&child).await; // the read-back is in flight
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "{}",
        std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap()
    );
    let rows = read_report(&report);
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter().all(|r| r["outcome"] == "failed" && r["error"].contains("could not confirm")),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_signing_in_skips_every_row_and_releases_the_lock() {
    let faults = Faults { latency: Duration::from_millis(1500), seed: 90, ..Faults::default() };
    let sim = crate::util::start_legacy_sim(300, 90, faults).await;
    let people = leavers(&sim, 3);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let args =
        deactivate_args(&sim, &input, &report, &["--dry-run", "--username", &sim.api_username()]);
    let mut child = crate::util::command()
        .args(&args)
        .env_remove("WORKFRONT_API_KEY")
        .env("WORKFRONT_PASSWORD", "pw-for-tests")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sim.stats().requests == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    send_sigint(&child).await; // the login request is in flight
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), Some(130));
    let got: Vec<String> = read_report(&report).into_iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(got, ["skipped"; 3]);
    assert!(wf_offboard::lock::RunLock::acquire(&report).is_ok(), "the lock was released");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_at_the_confirmation_prompt_sends_nothing() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let sim = start_sim(300, 91, calm()).await;
    let people = leavers(&sim, 3);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new file descriptors into the given integers; the others may be null.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "a pseudo-terminal");
    // SAFETY: both descriptors were just opened by openpty and are owned here alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let log_path = dir.path().join("stderr.txt");
    let mut child = crate::util::command()
        .args(deactivate_args(&sim, &input, &dir.path().join("r.csv"), &[]))
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::from(slave))
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    while !log().contains("Type 3 to deactivate them") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send_sigint(&child).await;
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    drop(master);
    assert_eq!(status.code(), Some(130), "{}", log());
    assert!(log().contains("not confirmed: nothing was changed"), "{}", log());
    assert_eq!(sim.stats().mutating_requests, 0);
    assert!(people.iter().all(|p| is_active(&sim, &p.id_hex())));
}
