//! OAuth2 machine-to-machine sign-in against the simulator's JWT exchange, with a key pair
//! made in the test (by `openssl`, which `.ci/run` installs when it is missing).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wf_offboard::sim::{self, Credentials, Faults, OAuthApp, SimHandle, Tenant};

use crate::util::{cli, id_list, leavers, outcomes, printed};

const SECRET: &str = "client-secret-for-tests";

/// A fresh 2048-bit RSA key pair: the private key file (mode 600) and the public key PEM.
fn key_pair(dir: &Path, name: &str) -> (PathBuf, String) {
    let private = dir.join(format!("{name}.pem"));
    let made = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
        .arg(&private)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let public = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .output()
        .expect("openssl runs");
    assert!(public.status.success());
    (private, String::from_utf8(public.stdout).unwrap())
}

async fn start(public_pem: &str, ttl: Duration, latency: Duration) -> SimHandle {
    let app = OAuthApp {
        client_id: "wf-offboard-tests".into(),
        client_secret: SECRET.into(),
        customer_id: "cust-77".into(),
        public_key: sim::public_key_from_pem(public_pem).expect("a public key"),
        session_ttl: ttl,
    };
    let credentials = Credentials {
        api_key: sim::default_api_key(81),
        password: "pw".into(),
        oauth: Some(app),
        ..Default::default()
    };
    let faults = Faults { latency, ..Faults::default() };
    sim::start("127.0.0.1:0", Tenant::generate(300, 81).unwrap(), credentials, faults)
        .await
        .unwrap()
}

fn oauth_args(sim: &SimHandle, input: &Path, report: &Path, key: &Path) -> Vec<String> {
    let api_user = format!("{:032x}", sim.state.tenant().api_user);
    [
        "deactivate",
        &input.display().to_string(),
        "--base-url",
        &sim.base_url,
        "--report",
        &report.display().to_string(),
        "--client-id",
        "wf-offboard-tests",
        "--private-key-file",
        &key.display().to_string(),
        "--customer-id",
        "cust-77",
        "--user-id",
        &api_user,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_signs_in_and_exchanges_again_when_the_session_expires_mid_run() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = key_pair(dir.path(), "app");
    let sim = start(&public, Duration::from_millis(300), Duration::from_millis(40)).await;
    let people = leavers(&sim, 24);
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let mut args = oauth_args(&sim, &input, &report, &key);
    args.extend(["--yes".into(), "--concurrency".into(), "2".into()]);
    let output = cli(args, vec![("WORKFRONT_CLIENT_SECRET", SECRET.into())]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_eq!(outcomes(&report), vec!["deactivated"; 24]);
    let stats = sim.stats();
    assert!(
        stats.expired_sessions > 0 && stats.token_exchanges >= 2,
        "the session expired mid-run and was renewed: {stats:?}"
    );
    assert_eq!(stats.writes_per_user.len(), 24);
    assert!(stats.writes_per_user.values().all(|n| *n == 1), "no row was lost or repeated");
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_line = key_text.lines().nth(1).unwrap();
    for text in [printed(&output), std::fs::read_to_string(&report).unwrap()] {
        assert!(!text.contains(SECRET) && !text.contains(key_line), "a secret leaked: {text}");
    }
    assert!(!stats.api_key_in_url && !stats.secret_in_url);

    // The same application from a profile: only the secret stays in the environment.
    let api_user = format!("{:032x}", sim.state.tenant().api_user);
    let config = dir.path().join("config.toml");
    let profile = format!(
        "[profiles.app]\nbase_url = \"{}\"\nclient_id = \"wf-offboard-tests\"\nprivate_key_file = \"{}\"\ncustomer_id = \"cust-77\"\nuser_id = \"{api_user}\"\n",
        sim.base_url,
        key.display()
    );
    std::fs::write(&config, profile).unwrap();
    let args = [
        "deactivate",
        &input.display().to_string(),
        "--profile",
        "app",
        "--dry-run",
        "--report",
        &dir.path().join("p.csv").display().to_string(),
    ];
    let output = cli(
        args.iter().map(|s| s.to_string()).collect(),
        vec![
            ("WF_OFFBOARD_CONFIG", config.display().to_string()),
            ("WORKFRONT_CLIENT_SECRET", SECRET.into()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_a_missing_secret_and_a_readable_key_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = key_pair(dir.path(), "registered");
    let (other, _) = key_pair(dir.path(), "other");
    let sim = start(&public, Duration::from_secs(60), Duration::ZERO).await;
    let input = id_list(dir.path(), "in.csv", &leavers(&sim, 2));
    let report = dir.path().join("r.csv");
    let mut args = oauth_args(&sim, &input, &report, &other);
    args.push("--yes".into());
    let output = cli(args.clone(), vec![("WORKFRONT_CLIENT_SECRET", SECRET.into())]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(printed(&output).contains("signature does not match"), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0);

    let output = cli(args.clone(), vec![]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(printed(&output).contains("WORKFRONT_CLIENT_SECRET"), "{}", printed(&output));

    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = cli(args, vec![("WORKFRONT_CLIENT_SECRET", SECRET.into())]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        printed(&output).contains("private key file is readable by others"),
        "{}",
        printed(&output)
    );
}
