//! A tool administrators enjoy: help, completions, the man page, `check`, request logs, plain
//! progress without a terminal, and errors that say what to do.

use std::time::Duration;

use clap::CommandFactory;
use wf_offboard::sim::{Credentials, Faults, ImsApp};

use crate::util::{
    calm, cli, deactivate_args, id_list, leavers, printed, start_sim, start_sim_with, write,
};

#[test]
fn the_command_line_is_consistent_and_every_help_teaches() {
    wf_offboard::cli::Cli::command().debug_assert();
    let mut command = wf_offboard::cli::Cli::command();
    for name in ["deactivate", "reactivate", "apply", "audit", "check", "handover"] {
        let help = command.find_subcommand_mut(name).unwrap().render_long_help().to_string();
        assert!(help.contains("Example"), "{name}: {help}");
        assert!(help.contains("Exit codes") || help.contains("exit codes"), "{name}");
    }
    let deactivate =
        command.find_subcommand_mut("deactivate").unwrap().render_long_help().to_string();
    for heading in [
        "Connection:",
        "Sign-in:",
        "Input:",
        "Safety:",
        "Pacing:",
        "Output:",
        "Environment:",
        "WORKFRONT_API_KEY",
    ] {
        assert!(deactivate.contains(heading), "{heading}");
    }
    let audit = command.find_subcommand_mut("audit").unwrap().render_long_help().to_string();
    assert!(!audit.contains("Allow deactivating"), "texts fit the command they appear in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_the_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = cli(vec!["completions".into(), shell.into()], vec![]).await;
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("wf-offboard") && text.contains("deactivate"), "{shell}");
    }
    let output = cli(vec!["man".into()], vec![]).await;
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH") && page.contains("wf\\-offboard"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_who_you_are_and_whether_a_run_can_go() {
    let sim = start_sim(300, 121, calm()).await;
    let output = cli(
        vec!["check".into(), "--base-url".into(), sim.base_url.clone()],
        vec![("WORKFRONT_API_KEY", sim.api_key().to_string())],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let text = printed(&output);
    for expected in [
        "tenant:",
        "v22.0",
        "sign-in:       API key",
        "credential:    env WORKFRONT_API_KEY",
        "(System Administrator)",
        "users:         300",
        "ready:         yes",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(!text.contains(sim.api_key()));
    assert_eq!(sim.stats().mutating_requests, 0);

    let output = cli(
        vec!["check".into(), "--base-url".into(), sim.base_url.clone()],
        vec![("WORKFRONT_API_KEY", "wrong-key".into())],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let text = printed(&output);
    assert!(text.contains("Workfront refused the API key from env WORKFRONT_API_KEY"), "{text}");

    let ims = ImsApp {
        client_id: "checkclient".into(),
        client_secret: "s3cret".into(),
        org_id: "O@AdobeOrg".into(),
        ttl: Duration::from_secs(60),
        admin: false,
    };
    let sim =
        start_sim_with(300, 122, calm(), Credentials { ims: Some(ims), ..Credentials::default() })
            .await;
    let args = [
        "check",
        "--base-url",
        &sim.base_url,
        "--ims-client-id",
        "checkclient",
        "--ims-org-id",
        "O@AdobeOrg",
        "--ims-url",
        &sim.base_url,
    ];
    let output = cli(
        args.iter().map(|s| s.to_string()).collect(),
        vec![("WORKFRONT_IMS_CLIENT_SECRET", "s3cret".into())],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    let text = printed(&output);
    assert!(
        text.contains("Adobe IMS Server-to-Server")
            && text.contains("NOT a System Administrator")
            && text.contains("Admin Console"),
        "{text}"
    );
    assert!(!text.contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_and_the_log_file_show_every_request_and_row_and_no_secret() {
    let sim = start_sim(300, 123, calm()).await;
    let people = leavers(&sim, 3);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let log = dir.path().join("run.log");
    let args = deactivate_args(
        &sim,
        &input,
        &dir.path().join("r.csv"),
        &["--yes", "-v", "--log-file", &log.display().to_string()],
    );
    let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("method=PUT")
            && stderr.contains("status=200")
            && stderr.contains("latency_ms"),
        "{stderr}"
    );
    assert!(stderr.contains("attempt=1"), "{stderr}");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    let requests = lines.iter().filter(|l| l["target"] == "wf_offboard::request").count() as u64;
    assert_eq!(requests, sim.stats().requests, "one line per request the server saw");
    let rows = lines.iter().filter(|l| l["target"] == "wf_offboard::row").count();
    assert_eq!(rows, 3, "one line per row");
    assert!(!text.contains(sim.api_key()) && !stderr.contains(sim.api_key()), "never the key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_progress_is_a_plain_line_every_few_seconds() {
    let faults = Faults { latency: Duration::from_millis(400), ..Faults::default() };
    let sim = start_sim(300, 124, faults).await;
    let people = leavers(&sim, 30);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let args =
        deactivate_args(&sim, &input, &dir.path().join("r.csv"), &["--yes", "--concurrency", "2"]);
    let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("deactivating: "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains("/30, ") && line.contains("/s, ETA") && line.contains("limit "),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", "email\na@acme.example\n");
    let args = vec![
        "deactivate".into(),
        input.display().to_string(),
        "--base-url".into(),
        "127.0.0.1:8080".into(),
        "--dry-run".into(),
    ];
    let output = cli(args, vec![("WORKFRONT_API_KEY", "k".into())]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("has no scheme: write http://127.0.0.1:8080"),
        "{}",
        printed(&output)
    );
    let args = vec![
        "deactivate".into(),
        input.display().to_string(),
        "--base-url".into(),
        "acme.my.workfront.com".into(),
        "--dry-run".into(),
    ];
    let output = cli(args, vec![("WORKFRONT_API_KEY", "k".into())]).await;
    assert!(
        printed(&output).contains("write https://acme.my.workfront.com"),
        "{}",
        printed(&output)
    );

    let sim = start_sim(300, 125, calm()).await;
    let key_file = write(dir.path(), "key.txt", "not-the-key\n");
    std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .unwrap();
    let args = deactivate_args(
        &sim,
        &input,
        &dir.path().join("r.csv"),
        &["--dry-run", "--api-key-file", &key_file.display().to_string()],
    );
    let output = cli(args, vec![]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output)
            .contains(&format!("refused the API key from --api-key-file {}", key_file.display())),
        "{}",
        printed(&output)
    );
}
