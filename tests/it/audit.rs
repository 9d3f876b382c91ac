//! `wf-offboard audit`: counts checked against the simulator's tenant, roster mode, and the
//! machine-readable summaries.

use std::collections::{BTreeSet, HashMap};

use crate::util::{
    calm, cli, deactivate, leavers, printed, reactivate, read_report, start_sim, users, write,
};
use wf_offboard::sim::SimHandle;

async fn audit(sim: &SimHandle, args: &[&str]) -> std::process::Output {
    let mut all: Vec<String> = vec!["audit".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(["--base-url".to_string(), sim.base_url.clone()]);
    cli(all, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary written"))
        .expect("summary is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_reports_licences_logins_and_open_work_as_the_tenant_holds_them() {
    let sim = start_sim(1_500, 41, calm()).await;
    let people = leavers(&sim, 30);
    let inactive = users(&sim).into_iter().find(|u| !u.is_active).unwrap();
    let mut lines: Vec<String> = people.iter().map(|u| u.username.to_string()).collect();
    lines.push(inactive.username.to_string());
    let typo = format!("x{}", &people[0].username[1..]);
    lines.push(typo.clone());
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", &format!("username\n{}\n", lines.join("\n")));
    let report = dir.path().join("audit.csv");
    let summary = dir.path().join("audit.json");
    let p = |x: &std::path::Path| x.display().to_string();
    let output =
        audit(&sim, &[&p(&input), "--report", &p(&report), "--summary-json", &p(&summary)]).await;
    assert_eq!(output.status.code(), Some(1), "the typo needs attention: {}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0, "an audit writes nothing");

    let rows = read_report(&report);
    assert_eq!(rows.len(), 32);
    let tenant: HashMap<String, wf_offboard::sim::User> =
        users(&sim).into_iter().map(|u| (u.id_hex(), u)).collect();
    let mut holders = 0;
    for row in rows.iter().filter(|r| !r["user_id"].is_empty()) {
        let user = &tenant[&row["user_id"]];
        assert_eq!(row["license_type"], user.license_type.to_string());
        assert_eq!(row["is_admin"], user.is_admin.to_string());
        assert_eq!(row["open_tasks"], user.work.open_tasks.to_string(), "{}", row["username"]);
        assert_eq!(row["open_issues"], user.work.open_issues.to_string());
        assert_eq!(row["owned_projects"], user.work.open_projects.to_string());
        assert!(!row["last_login"].is_empty() || user.last_login_days_ago.is_none());
        let open = user.work.open_tasks + user.work.open_issues + user.work.open_projects;
        holders += usize::from(row["outcome"] == "would_deactivate" && open > 0);
    }
    assert!(holders > 0, "the generated tenant gives some leavers open work");
    assert_eq!(rows[30]["outcome"], "already_inactive");
    assert_eq!(rows[31]["outcome"], "not_found");
    assert!(
        rows[31]["error"].contains(&format!("did you mean {}", people[0].username.to_lowercase())),
        "{}",
        rows[31]["error"]
    );

    let summary = json(&summary);
    assert_eq!(summary["command"], "audit");
    assert_eq!(summary["rows"], 32);
    assert_eq!(summary["outcomes"]["would_deactivate"], 30);
    assert_eq!(summary["users_with_open_work"], holders);
    let freed: u64 =
        summary["licences_freed"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(freed, 30);
    assert_eq!(summary["report"], p(&report));
    assert!(summary["requests_sent"].as_u64().unwrap() >= 3 * 31, "three counts per matched user");
    assert!(
        printed(&output).contains("licences freed")
            && printed(&output).contains("still hold open work")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_audit_lists_exactly_the_active_users_not_on_it_and_feeds_deactivate() {
    let sim = start_sim(400, 42, calm()).await;
    let all = users(&sim);
    let api_user = sim.state.tenant().api_user;
    let leaving = leavers(&sim, 40);
    let leaving: Vec<_> = leaving.into_iter().skip(30).collect();
    let leaving_ids: BTreeSet<String> = leaving.iter().map(|u| u.id_hex()).collect();
    // The roster: everyone else, by ID, username or email in turn (a name only where it means
    // one person: the tenant has shared mailboxes and usernames that are others' emails), plus
    // a typo.
    let mut names: HashMap<String, usize> = HashMap::new();
    for user in &all {
        for name in BTreeSet::from([user.username.to_lowercase(), user.email.to_lowercase()]) {
            *names.entry(name).or_default() += 1;
        }
    }
    let unique = |name: &str| names[&name.to_lowercase()] == 1;
    let mut roster = vec!["who".to_string()];
    for (i, user) in all.iter().filter(|u| !leaving_ids.contains(&u.id_hex())).enumerate() {
        roster.push(match i % 3 {
            1 if unique(&user.username) => user.username.to_string(),
            2 if unique(&user.email) => user.email.to_string(),
            _ => user.id_hex(),
        });
    }
    roster.push("nobody.at.all@acme.example".into());
    let dir = tempfile::tempdir().unwrap();
    let roster_file = write(dir.path(), "staff.csv", &format!("{}\n", roster.join("\n")));
    let report = dir.path().join("roster-audit.csv");
    let candidates = dir.path().join("candidates.csv");
    let summary = dir.path().join("roster.json");
    let p = |x: &std::path::Path| x.display().to_string();
    let args = [
        "--roster",
        &p(&roster_file),
        "--report",
        &p(&report),
        "--write-candidates",
        &p(&candidates),
        "--summary-json",
        &p(&summary),
        "--column",
        "who",
    ];
    let output = audit(&sim, &args).await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "the roster's typo needs attention: {}",
        printed(&output)
    );
    assert!(printed(&output).contains("nobody.at.all@acme.example"));
    let audited: BTreeSet<String> =
        read_report(&report).into_iter().map(|r| r["user_id"].clone()).collect();
    assert_eq!(audited, leaving_ids, "exactly the active users on no roster row");
    let mut reader = csv::Reader::from_path(&candidates).unwrap();
    let written: BTreeSet<String> = reader.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(written, leaving_ids);
    let summary = json(&summary);
    assert_eq!(
        (summary["roster_problems"].as_u64(), summary["candidates_written"].as_u64()),
        (Some(1), Some(10))
    );
    assert_eq!(sim.stats().mutating_requests, 0);
    assert!(all.iter().any(|u| u.id == api_user));

    // Reviewed, then executed from the same data.
    let done = dir.path().join("done.csv");
    let summary = dir.path().join("done.json");
    let output =
        deactivate(&sim, &candidates, &done, &["--yes", "--summary-json", &p(&summary)]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let written: BTreeSet<String> = sim.stats().writes_per_user.keys().cloned().collect();
    assert_eq!(written, leaving_ids);
    let summary = json(&summary);
    assert_eq!(
        (summary["command"].as_str(), summary["outcomes"]["deactivated"].as_u64()),
        (Some("deactivate"), Some(10))
    );
    assert_eq!(summary["exit_code"], 0);

    let undo_summary = dir.path().join("undo.json");
    let output = reactivate(
        &sim,
        &done,
        &dir.path().join("undo.csv"),
        &["--yes", "--summary-json", &p(&undo_summary)],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let undo = json(&undo_summary);
    assert_eq!(
        (undo["command"].as_str(), undo["outcomes"]["reactivated"].as_u64()),
        (Some("reactivate"), Some(10))
    );
}
