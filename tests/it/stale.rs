//! Licences reclaimed from stale accounts: `audit --inactive-days N` against a tenant whose
//! last logins are known, at two thresholds, with its exclusions and the licences it frees.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{calm, cli, printed, read_report, start_sim, users, write};

async fn stale_audit(
    sim: &wf_offboard::sim::SimHandle,
    dir: &std::path::Path,
    name: &str,
    extra: &[&str],
) -> (std::process::Output, std::path::PathBuf) {
    let report = dir.join(format!("{name}.csv"));
    let summary = dir.join(format!("{name}.json"));
    let mut args: Vec<String> = vec![
        "audit".into(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--report".into(),
        report.display().to_string(),
    ];
    args.extend(["--summary-json".into(), summary.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    (cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await, summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_accounts_at_two_thresholds_with_exclusions_and_licences_freed() {
    let sim = start_sim(600, 131, calm()).await;
    let tenant = sim.state.tenant().clone();
    let stale = |u: &wf_offboard::sim::User, days: u16| match u.last_login_days_ago {
        Some(ago) => ago > days,
        None => u.created_days_ago > days,
    };
    let protected = tenant
        .users
        .iter()
        .find(|u| u.is_active && !u.is_admin && stale(u, 300) && u.id != tenant.api_user)
        .unwrap()
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let keep = write(dir.path(), "keep.csv", &format!("id\n{}\n", protected.id_hex()));
    for days in [90u16, 300] {
        let expected: BTreeSet<String> = users(&sim)
            .iter()
            .filter(|u| {
                u.is_active
                    && !u.is_admin
                    && u.id != tenant.api_user
                    && u.id != protected.id
                    && stale(u, days)
            })
            .map(|u| u.id_hex())
            .collect();
        assert!(!expected.is_empty());
        let candidates = dir.path().join(format!("candidates-{days}.csv"));
        let (output, summary) = stale_audit(
            &sim,
            dir.path(),
            &format!("stale-{days}"),
            &[
                "--inactive-days",
                &days.to_string(),
                "--protect",
                &keep.display().to_string(),
                "--write-candidates",
                &candidates.display().to_string(),
            ],
        )
        .await;
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
        let rows = read_report(&dir.path().join(format!("stale-{days}.csv")));
        let got: BTreeSet<String> = rows.iter().map(|r| r["user_id"].clone()).collect();
        assert_eq!(
            got, expected,
            "exactly the stale active users, less the API user, the protected and the administrators"
        );
        assert!(
            rows.iter()
                .all(|r| r["outcome"] == "would_deactivate" && r["error"].starts_with("stale: ")),
            "{:?}",
            rows[0]
        );
        let written: BTreeSet<String> = std::fs::read_to_string(&candidates)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        assert_eq!(written, expected, "the candidates file is a deactivate input of exactly them");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        let mut freed: BTreeMap<String, u64> = BTreeMap::new();
        for u in users(&sim).iter().filter(|u| expected.contains(&u.id_hex())) {
            let name = match u.license_type {
                'F' => "Standard (F)",
                'C' => "Light (C)",
                'R' => "Contributor (R)",
                _ => "External (X)",
            };
            *freed.entry(name.to_string()).or_default() += 1;
        }
        let reported: BTreeMap<String, u64> =
            serde_json::from_value(json["licences_freed"].clone()).unwrap();
        assert_eq!(reported, freed, "licences freed per type");
    }
    assert_eq!(sim.stats().mutating_requests, 0, "an audit changes nothing");

    // Paid licences only, administrators allowed.
    let (output, _) = stale_audit(
        &sim,
        dir.path(),
        "paid",
        &["--inactive-days", "90", "--license-types", "F,C", "--allow-admins"],
    )
    .await;
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
    let rows = read_report(&dir.path().join("paid.csv"));
    let expected: BTreeSet<String> = users(&sim)
        .iter()
        .filter(|u| {
            u.is_active
                && u.id != tenant.api_user
                && ['F', 'C'].contains(&u.license_type)
                && stale(u, 90)
        })
        .map(|u| u.id_hex())
        .collect();
    let got: BTreeSet<String> = rows.iter().map(|r| r["user_id"].clone()).collect();
    assert_eq!(got, expected);
    assert!(
        users(&sim).iter().any(|u| u.is_admin && expected.contains(&u.id_hex())),
        "administrators come in with --allow-admins"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_and_a_threshold_together_mean_off_the_roster_and_stale() {
    let sim = start_sim(400, 132, calm()).await;
    let tenant = sim.state.tenant().clone();
    let stale = |u: &wf_offboard::sim::User| {
        u.last_login_days_ago.map_or(u.created_days_ago > 120, |ago| ago > 120)
    };
    let roster: Vec<String> =
        tenant.users.iter().filter(|u| u.is_active).step_by(2).map(|u| u.id_hex()).collect();
    let dir = tempfile::tempdir().unwrap();
    let roster_file = write(dir.path(), "roster.csv", &format!("id\n{}\n", roster.join("\n")));
    let (output, _) = stale_audit(
        &sim,
        dir.path(),
        "both",
        &["--roster", &roster_file.display().to_string(), "--inactive-days", "120"],
    )
    .await;
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
    let got: BTreeSet<String> = read_report(&dir.path().join("both.csv"))
        .into_iter()
        .map(|r| r["user_id"].clone())
        .collect();
    let expected: BTreeSet<String> = tenant
        .users
        .iter()
        .filter(|u| {
            u.is_active
                && !u.is_admin
                && u.id != tenant.api_user
                && stale(u)
                && !roster.contains(&u.id_hex())
        })
        .map(|u| u.id_hex())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_summary_lists_the_rows_that_need_a_person() {
    let faults = wf_offboard::sim::Faults {
        max_in_flight: 2,
        latency: std::time::Duration::from_millis(50),
        ..wf_offboard::sim::Faults::default()
    };
    let sim = start_sim(300, 133, faults).await;
    let people = crate::util::leavers(&sim, 8);
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<String> = people.iter().map(|p| p.id_hex()).collect();
    rows.push("no.such.person@acme.example".into());
    rows.push("Jane Doe".into());
    let input = write(dir.path(), "in.csv", &format!("user\n{}\n", rows.join("\n")));
    let output = crate::util::deactivate(
        &sim,
        &input,
        &dir.path().join("r.csv"),
        &["--yes", "--concurrency", "8"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let text = printed(&output);
    assert!(text.contains("needs a person (2 rows):"), "{text}");
    assert!(
        text.contains("row     9  no.such.person@acme.example  not_found: no user has this ID"),
        "{text}"
    );
    assert!(
        text.contains("row    10  Jane Doe  invalid: the identifier contains spaces"),
        "{text}"
    );
    assert!(text.contains("answers 429"), "the 429s met are counted: {text}");
}
