//! Golden files: today's report, plan, summary and handover report for a fixed tenant and list,
//! byte for byte once the moment and the temporary directory are masked. A refactor that
//! changes a file format fails here. `WF_OFFBOARD_BLESS=1 cargo test golden` rewrites them
//! (review the diff: scripts and spreadsheets read these files).

use std::path::{Path, PathBuf};

use crate::util::{calm, cli, printed, start_sim, users, write};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name)
}

/// The file with the moments, the run's directory, the tenant's port and the timings masked.
fn masked(path: &Path, dir: &Path, tenant: &str) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace(&dir.display().to_string(), "<DIR>")
        .replace(tenant, "<TENANT>");
    regex_lite(&text)
}

/// Masks RFC 3339 moments (`2026-12-01T09:41:00Z`), JSON timings and the plan's digest.
fn regex_lite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let is_moment = bytes.len() - i >= 20
            && bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && bytes[i + 10] == b'T'
            && bytes[i + 19] == b'Z';
        if is_moment {
            out.push_str("<MOMENT>");
            i += 20;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out.lines()
        .map(|line| match line.trim_start().split_once(':') {
            Some(("\"elapsed_seconds\"", _)) => "  \"elapsed_seconds\": <SECONDS>,".to_string(),
            // The plan's seal covers the moment and the path masked above.
            Some(("\"digest\"", _)) => "  \"digest\": <DIGEST>".to_string(),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("WF_OFFBOARD_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{name}: run with WF_OFFBOARD_BLESS=1 once"));
    assert_eq!(
        actual, expected,
        "{name} changed: if on purpose, WF_OFFBOARD_BLESS=1 and review the diff"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_plan_summary_and_handover_report_keep_their_format() {
    let sim = start_sim(300, 5, calm()).await;
    let tenant = users(&sim);
    let active: Vec<_> = tenant.iter().filter(|u| u.is_active && !u.is_admin).take(6).collect();
    let inactive = tenant.iter().find(|u| !u.is_active).unwrap();
    let rows = [
        active[0].username.to_string(),
        active[1].email.to_uppercase(),
        active[2].id_hex(),
        inactive.username.to_string(),
        "nobody@nowhere.example".to_string(),
        active[0].username.to_string(),
        "not an address".to_string(),
        format!("={}", active[3].username),
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "leavers.csv",
        &format!(
            "Login,Successor\n{}\n",
            rows.iter()
                .map(|r| format!("\"{r}\",{}", active[5].username))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    let p = |name: &str| dir.path().join(name).display().to_string();
    let key = vec![("WORKFRONT_API_KEY", sim.api_key().to_string())];
    let base = ["--base-url".to_string(), sim.base_url.clone()];
    let mut args: Vec<String> = ["deactivate", &p("leavers.csv"), "--column", "Login", "--dry-run"]
        .map(String::from)
        .to_vec();
    args.extend(
        [
            "--report",
            &p("report.csv"),
            "--plan",
            &p("plan.json"),
            "--summary-json",
            &p("summary.json"),
        ]
        .map(String::from),
    );
    args.extend(base.clone());
    let output = cli(args, key.clone()).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    check("dry-run-report.csv", &masked(&dir.path().join("report.csv"), dir.path(), &sim.base_url));
    check("plan.json", &masked(&dir.path().join("plan.json"), dir.path(), &sim.base_url));
    check(
        "dry-run-summary.json",
        &masked(&dir.path().join("summary.json"), dir.path(), &sim.base_url),
    );

    let mut args: Vec<String> =
        ["handover", &p("leavers.csv"), "--column", "Login", "--successor-column", "Successor"]
            .map(String::from)
            .to_vec();
    args.extend(["--dry-run", "--report", &p("handover.csv")].map(String::from));
    args.extend(base);
    let output = cli(args, key).await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    check(
        "handover-dry-run.csv",
        &masked(&dir.path().join("handover.csv"), dir.path(), &sim.base_url),
    );
    assert!(input.exists());
}
