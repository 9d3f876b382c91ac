//! Tenant profiles: resolution from the config file, precedence of flags, secrets kept out.

use crate::util::{calm, cli, id_list, leavers, outcomes, printed, start_sim, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_supplies_the_tenant_key_and_limits_and_flags_override_it() {
    let sim = start_sim(300, 71, calm()).await;
    let people = leavers(&sim, 3);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let config = write(
        dir.path(),
        "config.toml",
        &format!(
            "[profiles.rehearsal]\nbase_url = \"{}\"\napi_key_env = \"REHEARSAL_KEY\"\nconcurrency = 3\nmax_deactivations = \"2\"\n\n[profiles.broken]\nbase_url = \"http://127.0.0.1:9\"\napi_key_env = \"REHEARSAL_KEY\"\n",
            sim.base_url
        ),
    );
    let env = |extra: &[(&'static str, String)]| {
        let mut env = vec![
            ("WF_OFFBOARD_CONFIG", config.display().to_string()),
            ("REHEARSAL_KEY", sim.api_key().to_string()),
        ];
        env.extend(extra.iter().cloned());
        env
    };
    let report = dir.path().join("r.csv");
    let run = |extra: Vec<&str>, vars: Vec<(&'static str, String)>| {
        let mut args = vec![
            "deactivate".to_string(),
            input.display().to_string(),
            "--report".into(),
            report.display().to_string(),
            "--force".into(),
        ];
        args.extend(extra.into_iter().map(String::from));
        cli(args, vars)
    };

    let output = run(vec!["--profile", "rehearsal", "--yes"], env(&[])).await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "the profile's max_deactivations applies: {}",
        printed(&output)
    );
    let output = run(vec!["--yes"], env(&[("WF_OFFBOARD_PROFILE", "rehearsal".into())])).await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "env WF_OFFBOARD_PROFILE chooses it too: {}",
        printed(&output)
    );
    assert_eq!(sim.stats().mutating_requests, 0);

    let output =
        run(vec!["--profile", "rehearsal", "--yes", "--max-deactivations", "3"], env(&[])).await;
    assert_eq!(output.status.code(), Some(0), "a flag overrides the profile: {}", printed(&output));
    assert_eq!(outcomes(&report), ["deactivated"; 3]);
    assert!(sim.stats().max_in_flight <= 3, "the profile's concurrency applies");

    let output =
        run(vec!["--profile", "broken", "--base-url", &sim.base_url, "--dry-run"], env(&[])).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "--base-url overrides the profile's: {}",
        printed(&output)
    );

    let output = run(
        vec!["--profile", "rehearsal", "--dry-run"],
        vec![("WF_OFFBOARD_CONFIG", config.display().to_string())],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("env REHEARSAL_KEY, which is not set"),
        "{}",
        printed(&output)
    );

    let output = run(vec!["--profile", "production", "--dry-run"], env(&[])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("no profile named \"production\" (profiles: broken, rehearsal)"),
        "{}",
        printed(&output)
    );

    let leaky = write(
        dir.path(),
        "leaky.toml",
        &format!(
            "[profiles.rehearsal]\nbase_url = \"{}\"\napi_key = \"{}\"\n",
            sim.base_url,
            sim.api_key()
        ),
    );
    let output = run(
        vec!["--profile", "rehearsal", "--dry-run"],
        vec![("WF_OFFBOARD_CONFIG", leaky.display().to_string())],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("holds a secret (api_key)"), "{}", printed(&output));
    assert!(!printed(&output).contains(sim.api_key()), "the refused secret is not echoed");
}
