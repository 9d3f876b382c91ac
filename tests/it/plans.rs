//! Reviewed plans: `deactivate --dry-run --plan`, then `apply`, with every kind of drift.

use std::collections::BTreeSet;

use crate::util::{
    api, calm, cli, deactivate, http, leavers, printed, put_inactive, read_report, start_sim, write,
};
use wf_offboard::sim::SimHandle;

async fn apply(
    sim: &SimHandle,
    base_url: &str,
    plan: &std::path::Path,
    report: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args: Vec<String> =
        vec!["apply".into(), plan.display().to_string(), "--base-url".into(), base_url.into()];
    args.extend(["--report".to_string(), report.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applied_plan_writes_exactly_what_was_reviewed_and_reports_drift() {
    let sim = start_sim(500, 51, calm()).await;
    let people = leavers(&sim, 8);
    let mut lines: Vec<String> = people.iter().map(|u| u.id_hex()).collect();
    lines.push("nobody@nowhere.example".into());
    lines.push(people[0].username.to_string());
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", &format!("user\n{}\n", lines.join("\n")));
    let plan = dir.path().join("plan.json");
    let p = |x: &std::path::Path| x.display().to_string();
    let output =
        deactivate(&sim, &input, &dir.path().join("dry.csv"), &["--dry-run", "--plan", &p(&plan)])
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let text = std::fs::read_to_string(&plan).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (json["format"].as_str(), json["version"].as_u64()),
        (Some("wf-offboard-plan"), Some(1))
    );
    assert_eq!(json["input"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(json["rows"].as_array().unwrap().len(), 10);
    assert_eq!(sim.stats().mutating_requests, 0);

    // Between review and execution: one user deactivated by hand, one renamed, one made an
    // administrator, one deleted.
    put_inactive(&sim, &people[1].id_hex()).await;
    let renamed = http()
        .put(api(&sim, &format!("user/{}", people[2].id_hex())))
        .header("apiKey", sim.api_key())
        .query(&[("updates", r#"{"emailAddr":"someone.else@acme.example"}"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    {
        let mut tenant = sim.state.tenant_mut();
        tenant.users.iter_mut().find(|u| u.id == people[3].id).unwrap().is_admin = true;
        tenant.users.retain(|u| u.id != people[4].id);
    }
    sim.state.reset_stats();

    let report = dir.path().join("applied.csv");
    let output = apply(&sim, &sim.base_url, &plan, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    let got: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str()).collect();
    assert_eq!(
        got,
        [
            "deactivated",
            "drifted",
            "drifted",
            "drifted",
            "drifted",
            "deactivated",
            "deactivated",
            "deactivated",
            "not_found",
            "duplicate"
        ]
    );
    assert!(rows[1]["error"].contains("already inactive"));
    assert!(rows[2]["error"].contains("renamed since the plan: email"));
    assert!(rows[3]["error"].contains("System Administrator"));
    assert!(rows[4]["error"].contains("no longer exists"));
    let written: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    let expected: BTreeSet<String> = [0, 5, 6, 7].iter().map(|&i| people[i].id_hex()).collect();
    assert_eq!(written, expected, "only the rows the plan still holds for were written");
    assert_eq!(
        sim.stats().by_kind.get("count").copied().unwrap_or(0),
        0,
        "apply lists nobody: it reads the planned users by ID"
    );
    assert!(
        sim.stats().by_kind.get("search").copied().unwrap_or(0) <= 3,
        "one read of the planned users, the caller, one read-back"
    );

    // A plan edited by hand is refused as a whole; so is a plan for another tenant.
    let tampered =
        write(dir.path(), "tampered.json", &text.replace(&people[5].id_hex(), &people[6].id_hex()));
    let output = apply(&sim, &sim.base_url, &tampered, &dir.path().join("t.csv"), &["--yes"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("changed after it was made"), "{}", printed(&output));
    let elsewhere = sim.base_url.replace("127.0.0.1", "localhost");
    let output = apply(&sim, &elsewhere, &plan, &dir.path().join("e.csv"), &["--yes"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("was made for 127.0.0.1, not localhost"),
        "{}",
        printed(&output)
    );
}
