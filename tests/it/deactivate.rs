//! `wf-offboard deactivate` end to end: the binary against the in-process simulator.

use std::collections::HashMap;
use std::time::Duration;

use wf_offboard::sim::Faults;

use crate::util::{
    calm, cli, deactivate, deactivate_args, is_active, outcomes, printed, read_report, send_sigint,
    send_signal, spawn_deactivate, start_sim, users, write,
};

const SAMPLE: &str = include_str!("../../samples/offboarding.csv");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_dry_run_then_real_run_account_for_every_row() {
    let sim = start_sim(5_000, 42, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "leavers.csv", SAMPLE);
    let dry = dir.path().join("dry.csv");
    let output = deactivate(&sim, &input, &dry, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0, "a dry run sends no mutating request");
    let expected_dry = [
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "would_deactivate",
        "already_inactive",
        "ambiguous",
        "protected",
        "protected",
        "not_found",
        "duplicate",
        "not_found",
        "invalid",
    ];
    assert_eq!(outcomes(&dry), expected_dry);
    let rows = read_report(&dry);
    assert_eq!(
        rows.iter().map(|r| r["row"].parse::<usize>().unwrap()).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<_>>()
    );
    let matched: Vec<&str> = rows.iter().take(12).map(|r| r["matched_by"].as_str()).collect();
    assert!(matched.contains(&"username") && matched.contains(&"email") && matched.contains(&"id"));
    assert_eq!(rows[17]["error"], "same user as row 3");
    assert!(rows[14]["error"].contains("System Administrator"), "admins are protected by default");

    let real = dir.path().join("real.csv");
    let output = deactivate(&sim, &input, &real, &["--yes", "--allow-admins"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let got = outcomes(&real);
    let want: Vec<&str> = expected_dry
        .iter()
        .map(|o| if *o == "would_deactivate" { "deactivated" } else { o })
        .collect();
    assert_eq!(got[..14], want[..14]);
    assert_eq!(
        got[14], "failed",
        "with --allow-admins, the Admin Email user is refused by Workfront"
    );
    assert_eq!(read_report(&real)[14]["attempts"], "1", "a refusal is not retried");
    assert!(read_report(&real)[14]["error"].contains("Admin Email"));
    assert_eq!(read_report(&real)[14]["http_status"], "422");
    for row in read_report(&real).iter().filter(|r| r["outcome"] == "deactivated") {
        assert!(!is_active(&sim, &row["user_id"]), "{} is inactive on the server", row["username"]);
    }
    assert_eq!(
        sim.stats().writes_per_user.values().sum::<u64>(),
        12,
        "exactly the twelve users were written"
    );

    let again = dir.path().join("again.csv");
    deactivate(&sim, &input, &again, &["--yes", "--allow-admins"]).await;
    let repeated = outcomes(&again);
    assert_eq!(
        repeated.iter().filter(|o| *o == "already_inactive").count(),
        13,
        "a re-run writes nobody twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_forms_delimiters_bom_and_headerless_input() {
    let sim = start_sim(300, 3, calm()).await;
    let people: Vec<_> =
        users(&sim).into_iter().filter(|u| u.is_active && !u.is_admin).take(2).collect();
    let (a, b) = (&people[0], &people[1]);
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("semicolon.csv", format!("Name;E-mail Address\nA;{}\n\nB;{}\n", a.email, b.email)),
        ("tab.csv", format!("login\tdept\n{}\tx\n{}\ty\n", a.username, b.username)),
        (
            "bom.csv",
            format!("\u{feff}User ID,Name\n{},A\n{},B\n", a.id_hex().to_uppercase(), b.id_hex()),
        ),
        ("headerless.csv", format!("{}\n{}\n", a.username.to_uppercase(), b.email)),
        ("column.csv", format!("Who,Mailbox\nA,{}\nB,{}\n", a.email, b.email)),
    ];
    for (name, content) in files {
        let input = write(dir.path(), name, &content);
        let report = dir.path().join(format!("{name}.report.csv"));
        let extra: &[&str] = if name == "column.csv" {
            &["--dry-run", "--column", "mailbox"]
        } else {
            &["--dry-run"]
        };
        let output = deactivate(&sim, &input, &report, extra).await;
        assert_eq!(output.status.code(), Some(0), "{name}: {}", printed(&output));
        assert_eq!(outcomes(&report), ["would_deactivate", "would_deactivate"], "{name}");
        let ids: Vec<String> =
            read_report(&report).into_iter().map(|r| r["user_id"].clone()).collect();
        assert_eq!(ids, [a.id_hex(), b.id_hex()], "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_pages_find_every_target_including_the_last_page() {
    let sim = start_sim(9_500, 4, calm()).await;
    let all = users(&sim);
    let targets: Vec<String> = all
        .iter()
        .rev()
        .filter(|u| u.is_active && !u.is_admin)
        .step_by(97)
        .take(40)
        .map(|u| u.email.to_string())
        .collect();
    assert_eq!(all.last().map(|u| u.is_active), Some(true), "the very last user by ID is active");
    let mut content = String::from("email\n");
    content.push_str(&format!("{}\n", all.last().unwrap().id_hex()));
    for t in &targets {
        content.push_str(&format!("{t}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "many.csv", &content);
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    let got = outcomes(&report);
    assert_eq!(got.len(), 41);
    assert!(
        got.iter().all(|o| o == "deactivated" || o == "duplicate"),
        "{got:?}\n{}",
        printed(&output)
    );
    assert!(!is_active(&sim, &all.last().unwrap().id_hex()), "a target on the last page was found");
    assert!(sim.stats().by_kind["search"] >= 5, "the listing paged through 5 pages of 2000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_errors_and_dropped_connections_are_retried_until_every_target_is_done() {
    let faults = Faults {
        max_in_flight: 4,
        latency: Duration::from_millis(5),
        jitter: Duration::from_millis(5),
        error_rate: 0.15,
        drop_rate: 0.05,
        seed: 3,
        ..Faults::default()
    };
    let sim = start_sim(2_500, 5, faults).await;
    let targets: Vec<String> = users(&sim)
        .iter()
        .filter(|u| u.is_active && !u.is_admin)
        .take(60)
        .map(|u| u.id_hex())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "t.csv", &format!("id\n{}\n", targets.join("\n")));
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes", "--concurrency", "12"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(outcomes(&report).iter().all(|o| o == "deactivated"));
    assert!(targets.iter().all(|id| !is_active(&sim, id)));
    let stats = sim.stats();
    assert!(
        stats.rejected_429 > 0 && stats.injected_errors > 0 && stats.dropped_connections > 0,
        "{stats:?}"
    );
    let attempts: u32 =
        read_report(&report).iter().map(|r| r["attempts"].parse::<u32>().unwrap()).sum();
    assert!(attempts > 60, "retries are recorded per row");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_and_password_never_appear_in_urls_output_or_report() {
    let sim = crate::util::start_legacy_sim(400, 6, calm()).await;
    let target = users(&sim).into_iter().find(|u| u.is_active && !u.is_admin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "k.csv", &format!("username\n{}\nnobody\n", target.username));
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--dry-run"]).await;
    let everything = format!("{}{}", printed(&output), std::fs::read_to_string(&report).unwrap());
    assert!(!everything.contains(sim.api_key()));

    let password = "pw-for-tests";
    let username = sim.api_username();
    let base = |dry: bool, report: &std::path::Path| {
        deactivate_args(
            &sim,
            &input,
            report,
            &["--username", &username, if dry { "--dry-run" } else { "--yes" }],
        )
    };
    let dry_report = dir.path().join("dry-user.csv");
    let output = cli(base(true, &dry_report), vec![("WORKFRONT_PASSWORD", password.into())]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0, "a dry run signs in without generating a key");
    let real_report = dir.path().join("real-user.csv");
    let output =
        cli(base(false, &real_report), vec![("WORKFRONT_PASSWORD", password.into())]).await;
    assert_eq!(outcomes(&real_report), ["deactivated", "not_found"], "{}", printed(&output));
    for file in [&dry_report, &real_report] {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains(password) && !text.contains(sim.api_key()));
    }
    assert!(!printed(&output).contains(password) && !printed(&output).contains(sim.api_key()));
    let stats = sim.stats();
    assert!(!stats.api_key_in_url && !stats.secret_in_url, "{stats:?}");
    let wrong =
        cli(base(true, &dir.path().join("x.csv")), vec![("WORKFRONT_PASSWORD", "wrong".into())])
            .await;
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        !printed(&wrong).contains("wrong\n") && printed(&wrong).contains("AuthenticationException")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_before_any_request() {
    let sim = start_sim(100, 7, calm()).await;
    let someone = users(&sim).into_iter().find(|u| u.is_active && !u.is_admin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.csv", &format!("email\n{}\n", someone.email));
    let report = dir.path().join("r.csv");

    let malformed = write(dir.path(), "bad.csv", "email,name\na@x,A\nb@x,B,C\n");
    let output = deactivate(&sim, &malformed, &report, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("bad.csv: line 3"), "{}", printed(&output));

    let output = deactivate(&sim, &good, &report, &[]).await;
    assert_eq!(output.status.code(), Some(2), "no terminal and no --yes: refuse");
    assert!(printed(&output).contains("--yes"));
    assert!(is_active(&sim, &someone.id_hex()));

    let no_key = cli(
        vec![
            "deactivate".into(),
            good.display().to_string(),
            "--base-url".into(),
            sim.base_url.clone(),
            "--dry-run".into(),
        ],
        vec![],
    )
    .await;
    assert_eq!(no_key.status.code(), Some(2));
    assert!(printed(&no_key).contains("WORKFRONT_API_KEY"));

    let http = cli(
        vec![
            "deactivate".into(),
            good.display().to_string(),
            "--base-url".into(),
            "http://acme.my.workfront.com".into(),
            "--dry-run".into(),
        ],
        vec![("WORKFRONT_API_KEY", "k".into())],
    )
    .await;
    assert_eq!(http.status.code(), Some(2));
    assert!(printed(&http).contains("plain http"));

    let wrong_key = cli(
        vec![
            "deactivate".into(),
            good.display().to_string(),
            "--base-url".into(),
            sim.base_url.clone(),
            "--dry-run".into(),
        ],
        vec![("WORKFRONT_API_KEY", "not-the-key".into())],
    )
    .await;
    assert_eq!(wrong_key.status.code(), Some(2));
    assert!(printed(&wrong_key).contains("401"));
    assert_eq!(sim.stats().mutating_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formulas_are_neutralised_and_clean_runs_exit_0() {
    let sim = start_sim(100, 8, calm()).await;
    let someone = users(&sim).into_iter().find(|u| u.is_active && !u.is_admin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "f.csv", "email\n=HYPERLINK(\"http://x\")\n@SUM(A1)\n");
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(1));
    let inputs: Vec<String> =
        read_report(&report).into_iter().map(|r| r["input"].clone()).collect();
    assert_eq!(inputs, ["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"]);

    let clean = write(
        dir.path(),
        "clean.csv",
        &format!("email\n{}\n{}\n", someone.email, someone.username),
    );
    let output = deactivate(&sim, &clean, &report, &["--yes", "--force"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let got: HashMap<String, String> = read_report(&report)
        .into_iter()
        .map(|r| (r["row"].clone(), r["outcome"].clone()))
        .collect();
    assert_eq!(got["1"], "deactivated");
    assert_eq!(got["2"], "duplicate");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("report: {}", report.display()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_run_exits_130_with_every_row_in_the_report() {
    let faults =
        Faults { max_in_flight: 10, latency: Duration::from_millis(250), ..Faults::default() };
    let sim = start_sim(500, 9, faults).await;
    let targets: Vec<String> = users(&sim)
        .iter()
        .filter(|u| u.is_active && !u.is_admin)
        .take(40)
        .map(|u| u.id_hex())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "slow.csv", &format!("id\n{}\n", targets.join("\n")));
    let report = dir.path().join("r.csv");
    let mut child = spawn_deactivate(&sim, &input, &report, &["--yes", "--concurrency", "2"]);
    // Wait until some deactivations have landed, then interrupt.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sim.stats().writes_per_user.len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    send_sigint(&child).await;
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), Some(130));
    let got = outcomes(&report);
    assert_eq!(got.len(), 40, "every row is accounted for");
    let done = got.iter().filter(|o| *o == "deactivated").count();
    let skipped = got.iter().filter(|o| *o == "skipped").count();
    assert_eq!(done + skipped, 40, "{got:?}");
    assert!(done >= 3 && skipped > 0, "{done} done, {skipped} skipped");
    assert_eq!(
        done,
        sim.stats().writes_per_user.len(),
        "the report matches what the server stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_listing_writes_every_row_as_skipped() {
    let faults = Faults { latency: Duration::from_secs(3), ..Faults::default() };
    let sim = start_sim(100, 10, faults).await;
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "l.csv", "email\na@x.example\nb@x.example\n");
    let report = dir.path().join("r.csv");
    let child = spawn_deactivate(&sim, &input, &report, &["--yes"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sim.stats().requests == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send_signal(&child, "TERM").await;
    let output =
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert_eq!(outcomes(&report), ["skipped", "skipped"]);
    assert_eq!(sim.stats().mutating_requests, 0);
}
