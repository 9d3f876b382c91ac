//! The safety guards end to end: blast radius, protected accounts, interruption and resume,
//! undo, the read-after-write check, the report lock, and secrets.

use std::collections::BTreeSet;
use std::time::Duration;

use wf_offboard::lock::{RunLock, lock_path};
use wf_offboard::sim::Faults;

use crate::util::{
    calm, cli, deactivate, deactivate_args, id_list, is_active, leavers, outcomes, printed,
    put_active, reactivate, read_report, send_sigint, spawn_deactivate, start_sim, users, write,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blast_radius_guard_refuses_the_whole_run_with_exit_3_and_no_write() {
    let sim = start_sim(1_000, 21, calm()).await;
    let people = leavers(&sim, 101);
    let dir = tempfile::tempdir().unwrap();
    let six = id_list(dir.path(), "six.csv", &people[..6]);
    let report = dir.path().join("r.csv");

    let output = deactivate(&sim, &six, &report, &["--yes", "--max-deactivations", "5"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", printed(&output));
    assert!(
        printed(&output)
            .contains("would deactivate 6 users, more than --max-deactivations allows: 5"),
        "{}",
        printed(&output)
    );
    assert_eq!(outcomes(&report), ["would_deactivate"; 6], "the dry-run style report is written");
    assert_eq!(sim.stats().mutating_requests, 0, "nothing at all is written");

    let active = users(&sim).iter().filter(|u| u.is_active).count();
    assert!(active * 5 / 1000 < 6, "0.5% of {active} active users is below 6");
    let output =
        deactivate(&sim, &six, &report, &["--yes", "--force", "--max-deactivations", "0.5%"]).await;
    assert_eq!(output.status.code(), Some(3), "{}", printed(&output));
    assert!(
        printed(&output).contains(&format!("0.5% of {active} active users")),
        "{}",
        printed(&output)
    );

    let hundred_and_one = id_list(dir.path(), "many.csv", &people);
    let output = deactivate(&sim, &hundred_and_one, &report, &["--yes", "--force"]).await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "the default limit is 100 users: {}",
        printed(&output)
    );
    let output = deactivate(&sim, &hundred_and_one, &report, &["--dry-run", "--force"]).await;
    assert_eq!(output.status.code(), Some(3), "a dry run says the real run would be refused");
    assert_eq!(sim.stats().mutating_requests, 0);

    let output =
        deactivate(&sim, &six, &report, &["--yes", "--force", "--max-deactivations", "6"]).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "at the limit the run goes ahead: {}",
        printed(&output)
    );
    assert_eq!(outcomes(&report), ["deactivated"; 6]);
    let output =
        deactivate(&sim, &six, &dir.path().join("bad.csv"), &["--max-deactivations", "lots"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("--max-deactivations takes a number"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_the_api_user_and_a_protect_list_are_never_deactivated() {
    let sim = start_sim(600, 22, calm()).await;
    let all = users(&sim);
    let (api_user_id, admin_email) = {
        let tenant = sim.state.tenant();
        (tenant.api_user, tenant.admin_email_user)
    };
    let admin = all
        .iter()
        .find(|u| u.is_admin && u.is_active && u.id != api_user_id && Some(u.id) != admin_email)
        .unwrap();
    let people = leavers(&sim, 4);
    let api_user = sim.api_username();
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.csv",
        &format!(
            "user\n{}\n{}\n{}\n{}\n{}\n{}\n",
            admin.username,
            api_user,
            people[0].username,
            people[1].email,
            people[2].id_hex(),
            people[3].username
        ),
    );
    // The protect list names people 0..3 by each identifier form, with its own header.
    let protect = write(
        dir.path(),
        "keep.csv",
        &format!(
            "Name;Login\nA;{}\nB;{}\nC;{}\n",
            people[0].email,
            people[1].username,
            people[2].id_hex().to_uppercase()
        ),
    );
    let report = dir.path().join("r.csv");
    let output =
        deactivate(&sim, &input, &report, &["--yes", "--protect", &protect.display().to_string()])
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    let got: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str()).collect();
    assert_eq!(
        got,
        ["protected", "protected", "protected", "protected", "protected", "deactivated"]
    );
    assert!(
        rows[0]["error"].contains("System Administrator")
            && rows[0]["error"].contains("--allow-admins")
    );
    assert!(rows[1]["error"].contains("API user"));
    for (row, line) in [(2, 1), (3, 2), (4, 3)] {
        assert!(
            rows[row]["error"].contains(&format!("keep.csv (row {line}")),
            "{}",
            rows[row]["error"]
        );
    }
    assert_eq!(
        sim.stats().writes_per_user.keys().cloned().collect::<Vec<_>>(),
        [people[3].id_hex()]
    );

    let output =
        deactivate(&sim, &input, &dir.path().join("r2.csv"), &["--yes", "--allow-admins"]).await;
    assert_eq!(outcomes(&dir.path().join("r2.csv"))[0], "deactivated", "{}", printed(&output));
    assert!(!is_active(&sim, &admin.id_hex()));
    let api_user_hex = all.iter().find(|u| u.id == api_user_id).unwrap().id_hex();
    assert!(is_active(&sim, &api_user_hex), "the API user is protected even with --allow-admins");

    let bad_protect = write(dir.path(), "bad-keep.csv", "user\nok@x.example\nJane Doe\n");
    let output = deactivate(
        &sim,
        &input,
        &dir.path().join("r3.csv"),
        &["--dry-run", "--protect", &bad_protect.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("bad-keep.csv, line 3 (row 2): \"Jane Doe\""),
        "{}",
        printed(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_resumes_exactly_the_remaining_rows() {
    let faults =
        Faults { max_in_flight: 10, latency: Duration::from_millis(200), ..Faults::default() };
    let sim = start_sim(500, 23, faults).await;
    let people = leavers(&sim, 30);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "slow.csv", &people);
    let first = dir.path().join("first.csv");
    let mut child = spawn_deactivate(&sim, &input, &first, &["--yes", "--concurrency", "2"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sim.stats().writes_per_user.len() < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    send_sigint(&child).await;
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!lock_path(&first).exists(), "the lock is released");
    let rows = read_report(&first);
    assert_eq!(rows.len(), 30, "every row is accounted for");
    let done: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["outcome"] == "deactivated")
        .map(|r| r["user_id"].clone())
        .collect();
    let skipped = rows.iter().filter(|r| r["outcome"] == "skipped").count();
    assert!(!done.is_empty() && skipped > 0 && done.len() + skipped == 30, "{done:?} {skipped}");
    let written_first: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    assert_eq!(done, written_first, "the report matches what the server stored");

    sim.state.reset_stats();
    let second = dir.path().join("second.csv");
    let output =
        deactivate(&sim, &input, &second, &["--yes", "--resume", &first.display().to_string()])
            .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(outcomes(&second), ["deactivated"; 30], "the new report is complete");
    let written_second: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    let all: BTreeSet<String> = people.iter().map(|u| u.id_hex()).collect();
    assert_eq!(
        written_second,
        all.difference(&done).cloned().collect(),
        "exactly the remaining rows were written"
    );
    assert!(sim.stats().writes_per_user.values().all(|n| *n == 1));
    let carried = read_report(&second)
        .into_iter()
        .filter(|r| r["error"].contains("carried over from"))
        .count();
    assert_eq!(carried, done.len());

    let other = write(dir.path(), "other.csv", "id\nsomeone@x.example\n");
    let output = deactivate(
        &sim,
        &other,
        &dir.path().join("x.csv"),
        &["--dry-run", "--resume", &first.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "a report of another input is refused");
    assert!(printed(&output).contains("not a report of this input"), "{}", printed(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_exits_at_once_and_the_report_keeps_every_finished_row() {
    let faults =
        Faults { max_in_flight: 10, latency: Duration::from_millis(600), ..Faults::default() };
    let sim = start_sim(200, 28, faults).await;
    let people = leavers(&sim, 12);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let mut child = spawn_deactivate(&sim, &input, &report, &["--yes", "--concurrency", "2"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    // Wait until the first rows are written, read back and in the report, then press Ctrl-C twice.
    let in_report =
        || std::fs::read_to_string(&report).unwrap_or_default().contains(",deactivated,");
    while !in_report() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send_sigint(&child).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let pressed = std::time::Instant::now();
    send_sigint(&child).await;
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        pressed.elapsed() < Duration::from_millis(450),
        "it did not wait for the requests in flight"
    );
    let rows = read_report(&report);
    let recorded: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["outcome"] == "deactivated")
        .map(|r| r["user_id"].clone())
        .collect();
    let stored: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    assert!(!recorded.is_empty() && recorded.is_subset(&stored), "{recorded:?} ⊆ {stored:?}");
    // The killed run's lock is gone with it: the resume can start at once.
    let output =
        deactivate(&sim, &input, &report, &["--yes", "--resume", &report.display().to_string()])
            .await;
    assert_eq!(output.status.code(), Some(2), "the new report must have another name");
    let finished = dir.path().join("finished.csv");
    let output =
        deactivate(&sim, &input, &finished, &["--yes", "--resume", &report.display().to_string()])
            .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(sim.stats().writes_per_user.values().all(|n| *n == 1), "nobody was written twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactivate_restores_exactly_the_deactivated_users() {
    let sim = start_sim(400, 24, calm()).await;
    let people = leavers(&sim, 8);
    let inactive = users(&sim).into_iter().find(|u| !u.is_active).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut list: Vec<String> = people.iter().map(|u| u.username.to_string()).collect();
    list.push(inactive.username.to_string());
    list.push("nobody@nowhere.example".into());
    let input = write(dir.path(), "in.csv", &format!("username\n{}\n", list.join("\n")));
    let report = dir.path().join("r.csv");
    deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(outcomes(&report)[..8], ["deactivated"; 8]);
    // Someone reactivates one of them by hand before the undo.
    assert_eq!(put_active(&sim, &people[7].id_hex(), true).await.status(), 200);

    let before = sim.stats().mutating_requests;
    let dry = dir.path().join("undo-dry.csv");
    let output = reactivate(&sim, &report, &dry, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let mut want = vec!["would_reactivate"; 7];
    want.push("already_active");
    assert_eq!(outcomes(&dry), want);
    assert_eq!(sim.stats().mutating_requests, before, "an undo's dry run writes nothing");

    let output = reactivate(&sim, &report, &dir.path().join("refused.csv"), &[]).await;
    assert_eq!(output.status.code(), Some(2), "no terminal and no --yes: refuse");

    sim.state.reset_stats();
    let undo = dir.path().join("undo.csv");
    let output = reactivate(&sim, &report, &undo, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let rows = read_report(&undo);
    let mut want = vec!["reactivated"; 7];
    want.push("already_active");
    assert_eq!(rows.iter().map(|r| r["outcome"].as_str()).collect::<Vec<_>>(), want);
    assert_eq!(
        rows.iter().map(|r| r["row"].as_str()).collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5", "6", "7", "8"]
    );
    for person in &people {
        assert!(is_active(&sim, &person.id_hex()), "{} is active again", person.username);
    }
    assert!(!is_active(&sim, &inactive.id_hex()), "a user who was already inactive stays inactive");
    let written: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    assert_eq!(
        written,
        people[..7].iter().map(|u| u.id_hex()).collect(),
        "exactly the deactivated users were written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_after_write_check_catches_writes_the_server_lost() {
    let faults = Faults { lost_write_rate: 0.3, seed: 25, ..Faults::default() };
    let sim = start_sim(800, 25, faults).await;
    let people = leavers(&sim, 40);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let lost = sim.stats().lost_writes;
    assert!(lost > 0, "the fault fired");
    let rows = read_report(&report);
    let failed: BTreeSet<String> =
        rows.iter().filter(|r| r["outcome"] == "failed").map(|r| r["user_id"].clone()).collect();
    let still_active: BTreeSet<String> =
        people.iter().map(|u| u.id_hex()).filter(|id| is_active(&sim, id)).collect();
    assert_eq!(failed, still_active, "exactly the users the server did not change are failed");
    assert_eq!(failed.len() as u64, lost);
    for row in rows.iter().filter(|r| r["outcome"] == "failed") {
        assert!(row["error"].contains("still active"), "{}", row["error"]);
    }
    assert!(printed(&output).contains("did not keep the change"));

    // Running again finishes the job: the lost ones are written again.
    let again = dir.path().join("again.csv");
    let output = deactivate(&sim, &input, &again, &["--yes"]).await;
    let got = outcomes(&again);
    let deactivated = got.iter().filter(|o| *o == "deactivated").count()
        + got.iter().filter(|o| *o == "failed").count();
    assert_eq!(deactivated, failed.len(), "{}", printed(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_report_is_refused_while_the_first_holds_it() {
    let sim = start_sim(100, 26, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let held = RunLock::acquire(&report).unwrap();
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("another wf-offboard run is writing"),
        "{}",
        printed(&output)
    );
    assert_eq!(sim.stats().requests, 0, "refused before any request");
    assert!(!report.exists(), "the holder's report is not touched");
    drop(held);
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(!lock_path(&report).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_file_must_be_private_and_the_key_never_shows() {
    use std::os::unix::fs::PermissionsExt;
    let sim =
        start_sim(200, 27, Faults { lost_write_rate: 0.5, seed: 27, ..Faults::default() }).await;
    let people = leavers(&sim, 6);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let key_file = write(dir.path(), "key", &format!("{}\n", sim.api_key()));
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = dir.path().join("r.csv");
    let with_file = |extra: &[&str]| {
        let mut args = deactivate_args(
            &sim,
            &input,
            &report,
            &["--api-key-file", &key_file.display().to_string()],
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        cli(args, vec![])
    };
    let output = with_file(&["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("readable by others") && printed(&output).contains("chmod 600"),
        "{}",
        printed(&output)
    );
    assert!(!printed(&output).contains(sim.api_key()));

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = with_file(&["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "lost writes end failed: {}", printed(&output));
    let undo = dir.path().join("undo.csv");
    let undone = reactivate(&sim, &report, &undo, &["--yes"]).await;
    for text in [
        printed(&output),
        printed(&undone),
        std::fs::read_to_string(&report).unwrap(),
        std::fs::read_to_string(&undo).unwrap(),
    ] {
        assert!(!text.contains(sim.api_key()), "the key leaked: {text}");
    }
    let stats = sim.stats();
    assert!(!stats.api_key_in_url && !stats.secret_in_url);
}
