//! Workfront as it is in 2026: Adobe IMS Server-to-Server sign-in, an administrator's full view
//! checked first, password sign-in refused (and the legacy path's getApiKey), undo that restores
//! access levels, and the Admin Console list.

use std::time::Duration;

use wf_offboard::sim::{Credentials, Faults, ImsApp, SimHandle};

use crate::util::{
    calm, cli, deactivate, deactivate_args, id_list, is_active, leavers, printed, reactivate,
    read_report, start_legacy_sim, start_sim_with, users, write,
};

const SECRET: &str = "ims-secret-for-tests-0123456789";
const ORG: &str = "ABCDEF0123456789@AdobeOrg";

async fn ims_sim(users: usize, seed: u64, faults: Faults, ttl: Duration, admin: bool) -> SimHandle {
    let ims = ImsApp {
        client_id: "wfoffboardtests".into(),
        client_secret: SECRET.into(),
        org_id: ORG.into(),
        ttl,
        admin,
    };
    start_sim_with(users, seed, faults, Credentials { ims: Some(ims), ..Credentials::default() })
        .await
}

/// `deactivate` signed in with IMS (no API key in env).
async fn ims_deactivate(
    sim: &SimHandle,
    input: &std::path::Path,
    report: &std::path::Path,
    extra: &[&str],
    secret: &str,
) -> std::process::Output {
    let mut args = deactivate_args(sim, input, report, extra);
    args.extend(
        ["--ims-client-id", "wfoffboardtests", "--ims-org-id", ORG, "--ims-url", &sim.base_url]
            .map(String::from),
    );
    cli(args, vec![("WORKFRONT_IMS_CLIENT_SECRET", secret.to_string())]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ims_server_to_server_signs_in_renews_mid_run_and_keeps_every_secret() {
    // IMS says `expires_in` in whole seconds: 1 s here, for a token that lives 1.5 s.
    let faults = Faults { latency: Duration::from_millis(80), ..Faults::default() };
    let sim = ims_sim(400, 111, faults, Duration::from_millis(1500), true).await;
    let people = leavers(&sim, 40);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output =
        ims_deactivate(&sim, &input, &report, &["--yes", "--concurrency", "2"], SECRET).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let rows = read_report(&report);
    assert!(rows.iter().all(|r| r["outcome"] == "deactivated"), "no row lost across renewals");
    assert!(people.iter().all(|p| !is_active(&sim, &p.id_hex())));
    let stats = sim.stats();
    assert!(stats.ims_tokens >= 2, "the token was renewed mid-run: {}", stats.ims_tokens);
    assert_eq!(
        stats.unauthorized, 0,
        "every request carried a live Bearer token and the org header"
    );
    let mut everything = printed(&output);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        everything.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
    }
    assert!(!everything.contains(SECRET), "the client secret is in no output or file");
    for token in sim.state.ims_tokens() {
        assert!(!everything.contains(&token), "no token in any output or file");
    }
    assert!(!stats.api_key_in_url && !stats.secret_in_url);

    // A token revoked mid-run: one renewal on the 401, and the request goes through.
    let more: Vec<_> = leavers(&sim, 5);
    let input = id_list(dir.path(), "more.csv", &more);
    sim.state.revoke_ims_tokens();
    let output =
        ims_deactivate(&sim, &input, &dir.path().join("more-r.csv"), &["--yes"], SECRET).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));

    // A wrong secret: refused at sign-in, exit 2, nothing written.
    sim.state.reset_stats();
    let output =
        ims_deactivate(&sim, &input, &dir.path().join("wrong.csv"), &["--yes"], "not-the-secret")
            .await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("refused the credential")
            && !printed(&output).contains("not-the-secret"),
        "{}",
        printed(&output)
    );
    assert_eq!(sim.stats().mutating_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_is_not_an_administrator_is_refused_unless_a_partial_listing_is_allowed() {
    let sim = ims_sim(300, 112, calm(), Duration::from_secs(3600), false).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let output =
        ims_deactivate(&sim, &input, &dir.path().join("r.csv"), &["--dry-run"], SECRET).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert!(
        text.contains("is not a System Administrator") && text.contains("Admin Console"),
        "{text}"
    );
    assert!(text.contains("--allow-partial-directory"), "{text}");
    assert!(!dir.path().join("r.csv").exists());

    let report = dir.path().join("partial.csv");
    let output =
        ims_deactivate(&sim, &input, &report, &["--dry-run", "--allow-partial-directory"], SECRET)
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&report);
    assert!(
        rows.iter()
            .all(|r| r["outcome"] == "not_found"
                && r["error"].contains("the listing may be partial")),
        "{rows:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_sign_in_is_refused_with_what_to_use_and_the_legacy_path_reuses_the_key() {
    let sim = crate::util::start_sim(300, 113, calm()).await;
    let people = leavers(&sim, 1);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let args = deactivate_args(
        &sim,
        &input,
        &dir.path().join("r.csv"),
        &["--yes", "--username", &sim.api_username()],
    );
    let output = cli(args, vec![("WORKFRONT_PASSWORD", "pw-for-tests".into())]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert!(
        text.contains("--ims-client-id")
            && text.contains("--client-id")
            && text.contains("WORKFRONT_API_KEY"),
        "{text}"
    );

    let legacy = start_legacy_sim(300, 114, calm()).await;
    let people = leavers(&legacy, 2);
    for (i, person) in people.iter().enumerate() {
        if i == 1 {
            legacy.state.clear_api_key();
        }
        let input = id_list(dir.path(), &format!("l{i}.csv"), std::slice::from_ref(person));
        let args = deactivate_args(
            &legacy,
            &input,
            &dir.path().join(format!("l{i}-r.csv")),
            &["--yes", "--username", &legacy.api_username()],
        );
        let output = cli(args, vec![("WORKFRONT_PASSWORD", "pw-for-tests".into())]).await;
        assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
        let stats = legacy.stats();
        assert_eq!(
            (stats.api_keys_got, stats.api_keys_generated),
            (i as u64 + 1, i as u64),
            "getApiKey first; generate only without a key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactivate_gives_back_the_access_level_and_the_admin_console_list_is_written() {
    let sim = crate::util::start_sim(300, 115, calm()).await;
    let people = leavers(&sim, 3);
    let levels: Vec<Option<u128>> = people.iter().map(|p| p.access_level).collect();
    assert!(levels.iter().all(Option::is_some));
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let dry = dir.path().join("dry.csv");
    deactivate(&sim, &input, &dry, &["--dry-run"]).await;
    assert!(
        !wf_offboard::session::admin_console_path(&dry).exists(),
        "a dry run writes no Admin Console list"
    );
    let report = dir.path().join("r.csv");
    let output = deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let rows = read_report(&report);
    for (row, level) in rows.iter().zip(&levels) {
        assert_eq!(row["access_level_id"], format!("{:032x}", level.unwrap()));
        assert!(!row["license_type"].is_empty());
    }
    let cleared = users(&sim);
    assert!(
        people.iter().all(|p| cleared
            .iter()
            .find(|u| u.id == p.id)
            .unwrap()
            .access_level
            .is_none()),
        "deactivation cleared the levels"
    );
    let console = wf_offboard::session::admin_console_path(&report);
    let text = std::fs::read_to_string(&console).unwrap();
    let mut expected: Vec<String> = people.iter().map(|p| p.email.to_string()).collect();
    expected.sort();
    assert_eq!(text, format!("email\n{}\n", expected.join("\n")));
    assert!(printed(&output).contains("Admin Console"), "{}", printed(&output));

    let undo = dir.path().join("undo.csv");
    let output = reactivate(&sim, &report, &undo, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let now = users(&sim);
    for (person, level) in people.iter().zip(&levels) {
        let user = now.iter().find(|u| u.id == person.id).unwrap();
        assert!(user.is_active && user.access_level == *level, "the access level is back");
    }

    // A report from before the access level was kept: the simulator wants one to reactivate.
    deactivate(&sim, &input, &dir.path().join("again.csv"), &["--yes"]).await;
    let old: String = std::fs::read_to_string(dir.path().join("again.csv"))
        .unwrap()
        .lines()
        .map(|l| l.rsplitn(3, ',').nth(2).unwrap().to_string() + "\n")
        .collect();
    let old_report = write(dir.path(), "old.csv", &old);
    let output = reactivate(&sim, &old_report, &dir.path().join("old-undo.csv"), &["--yes"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let rows = read_report(&dir.path().join("old-undo.csv"));
    assert!(
        rows.iter().all(|r| r["outcome"] == "failed" && r["error"].contains("access level")),
        "{rows:?}"
    );
}
