//! Running at Workfront's limit: adaptive concurrency against the cap, and bulk mode.

use std::time::Duration;

use wf_offboard::sim::Faults;

use crate::util::{
    deactivate, id_list, is_active, leavers, outcomes, printed, read_report, start_sim, users,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_32_against_a_cap_of_10_backs_off_and_finishes_every_row() {
    let faults =
        Faults { max_in_flight: 10, latency: Duration::from_millis(20), ..Faults::default() };
    let sim = start_sim(2_000, 31, faults).await;
    let people = leavers(&sim, 300);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--yes", "--concurrency", "32", "--max-deactivations", "300"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(outcomes(&report), vec!["deactivated"; 300]);
    let stats = sim.stats();
    assert!(stats.rejected_429 > 0, "the first burst went over the cap");
    assert!(
        stats.rejected_429 < 60,
        "the client backed off instead of hammering: {} 429s for 300 rows",
        stats.rejected_429
    );
    assert!(stats.max_in_flight <= 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_mode_isolates_the_user_workfront_refuses_and_deactivates_the_rest() {
    let sim =
        start_sim(1_000, 32, Faults { latency: Duration::from_millis(5), ..Faults::default() })
            .await;
    let admin_email = {
        let tenant = sim.state.tenant();
        let id = tenant.admin_email_user.expect("the tenant has an Admin Email user");
        tenant.users.iter().find(|u| u.id == id).unwrap().clone()
    };
    let mut people = leavers(&sim, 249);
    people.insert(137, admin_email.clone());
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--yes", "--batch-size", "100", "--allow-admins", "--max-deactivations", "250"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    assert_eq!(rows.len(), 250);
    for (i, row) in rows.iter().enumerate() {
        if i == 137 {
            assert_eq!(
                (row["outcome"].as_str(), row["http_status"].as_str()),
                ("failed", "422"),
                "{row:?}"
            );
            assert!(row["error"].contains("Admin Email"));
        } else {
            assert_eq!(row["outcome"], "deactivated", "row {}", i + 1);
            assert!(!is_active(&sim, &row["user_id"]));
        }
    }
    assert!(is_active(&sim, &admin_email.id_hex()));
    let stats = sim.stats();
    assert!(
        stats.mutating_requests <= 3 + 2 * 7,
        "3 batches plus one split path of halves: {}",
        stats.mutating_requests
    );
    assert_eq!(
        stats.by_kind.get("update").copied().unwrap_or(0),
        1,
        "only the isolated user was sent alone: {:?}",
        stats.by_kind
    );

    let output =
        deactivate(&sim, &input, &dir.path().join("x.csv"), &["--yes", "--batch-size", "101"])
            .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("--batch-size must be between 1 and 100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactivate_in_bulk_restores_every_user() {
    let sim = start_sim(500, 33, Faults::default()).await;
    let people = leavers(&sim, 120);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    deactivate(
        &sim,
        &input,
        &report,
        &["--yes", "--batch-size", "50", "--max-deactivations", "120"],
    )
    .await;
    assert_eq!(outcomes(&report), vec!["deactivated"; 120]);
    let undo = dir.path().join("undo.csv");
    let output =
        crate::util::reactivate(&sim, &report, &undo, &["--yes", "--batch-size", "50"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(outcomes(&undo), vec!["reactivated"; 120]);
    let active =
        users(&sim).iter().filter(|u| people.iter().any(|p| p.id == u.id) && u.is_active).count();
    assert_eq!(active, 120);
}
