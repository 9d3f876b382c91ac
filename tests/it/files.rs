//! Secrets stay on the tenant and files are never clobbered: redirects are not followed, and
//! every output is checked against links, devices, inputs, other outputs and existing files.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::{calm, cli, deactivate, id_list, leavers, printed, start_sim, write};

/// A loopback server that answers every request with `status` and a Location on `target`.
async fn redirector(status: u16, target: String) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 16 * 1024];
            let _ = stream.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 {status} Redirect\r\nLocation: {target}/attask/api/v22.0/user/count\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (base, task)
}

/// A loopback server on another address that only counts what reaches it.
async fn thief() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let task = tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                .await;
        }
    });
    (base, seen, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_never_followed_so_credentials_never_leave_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", "email\na@acme.example\n");
    let (stolen_at, seen, thief_task) = thief().await;
    for status in [302, 307] {
        let (base, task) = redirector(status, stolen_at.clone()).await;
        for (sign_in, env) in [
            (vec![], vec![("WORKFRONT_API_KEY", "k".repeat(32))]),
            (
                vec!["--username".to_string(), "api@acme.example".to_string()],
                vec![("WORKFRONT_PASSWORD", "hunter2".to_string())],
            ),
        ] {
            let mut args: Vec<String> = vec![
                "deactivate".into(),
                input.display().to_string(),
                "--base-url".into(),
                base.clone(),
            ];
            args.extend([
                "--report".into(),
                dir.path().join(format!("r{status}-{}.csv", sign_in.len())).display().to_string(),
            ]);
            args.extend(sign_in);
            args.push("--yes".into());
            let output = cli(args, env).await;
            assert_eq!(output.status.code(), Some(2), "{status}: {}", printed(&output));
            assert!(
                printed(&output).contains("redirect to 127.0.0.2"),
                "{status}: {}",
                printed(&output)
            );
            assert!(
                !printed(&output).contains("hunter2")
                    && !printed(&output).contains(&"k".repeat(32))
            );
        }
        task.abort();
    }
    assert_eq!(seen.load(Ordering::SeqCst), 0, "the second server never received a request");
    thief_task.abort();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_devices_and_inputs_are_never_written_over() {
    let sim = start_sim(300, 101, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let protect = write(dir.path(), "keep.csv", &format!("id\n{}\n", people[1].id_hex()));
    let victim = write(dir.path(), "victim.txt", "precious\n");
    let fifo = dir.path().join("fifo");
    let c_path = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    // SAFETY: mkfifo reads a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let link = |name: &str, to: &Path| {
        let path = dir.path().join(name);
        std::os::unix::fs::symlink(to, &path).unwrap();
        path.display().to_string()
    };
    let report = dir.path().join("r.csv").display().to_string();
    let p = |path: &Path| path.display().to_string();
    let input_text = std::fs::read_to_string(&input).unwrap();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("report is a symlink", vec!["--report".into(), link("report-link.csv", &victim)]),
        (
            "summary is a symlink",
            vec![
                "--report".into(),
                report.clone(),
                "--summary-json".into(),
                link("s-link.json", &victim),
            ],
        ),
        (
            "plan is a symlink",
            vec![
                "--report".into(),
                report.clone(),
                "--dry-run".into(),
                "--plan".into(),
                link("p-link.json", &victim),
            ],
        ),
        (
            "lock is a symlink",
            vec!["--report".into(), dir.path().join("l.csv").display().to_string()],
        ),
        ("report is a FIFO", vec!["--report".into(), p(&fifo)]),
        ("report is a symlink to a FIFO", vec!["--report".into(), link("fifo-link.csv", &fifo)]),
        ("report is the input", vec!["--report".into(), p(&input)]),
        (
            "report is the input, by another name",
            vec!["--report".into(), format!("{}/./in.csv", dir.path().display())],
        ),
        (
            "summary is the input",
            vec!["--report".into(), report.clone(), "--summary-json".into(), p(&input)],
        ),
        (
            "plan is the input",
            vec!["--report".into(), report.clone(), "--dry-run".into(), "--plan".into(), p(&input)],
        ),
        (
            "report is the protect list",
            vec!["--report".into(), p(&protect), "--protect".into(), p(&protect)],
        ),
        (
            "plan is the report",
            vec![
                "--report".into(),
                report.clone(),
                "--dry-run".into(),
                "--plan".into(),
                format!("{}/./r.csv", dir.path().display()),
            ],
        ),
    ];
    std::os::unix::fs::symlink(&victim, dir.path().join("l.csv.lock")).unwrap();
    for (name, extra) in cases {
        let mut args: Vec<String> = vec![
            "deactivate".into(),
            p(&input),
            "--base-url".into(),
            sim.base_url.clone(),
            "--yes".into(),
        ];
        args.extend(extra);
        let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
        assert_eq!(output.status.code(), Some(2), "{name}: {}", printed(&output));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n", "{name}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), input_text, "{name}");
        assert_eq!(sim.stats().requests, 0, "{name}: refused before any request");
        assert!(!Path::new(&report).exists(), "{name}");
    }
    // --resume and --report naming one file by two spellings.
    let first = dir.path().join("first.csv");
    let output = deactivate(&sim, &input, &first, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let same = format!("{}/./first.csv", dir.path().display());
    let output =
        deactivate(&sim, &input, Path::new(&same), &["--yes", "--force", "--resume", &p(&first)])
            .await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(printed(&output).contains("same file as the input"), "{}", printed(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_report_is_replaced_only_with_force_and_every_file_is_0600() {
    let sim = start_sim(300, 102, calm()).await;
    let people = leavers(&sim, 2);
    let dir = tempfile::tempdir().unwrap();
    let input = id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("real.csv");
    let summary = dir.path().join("s.json");
    let output = deactivate(
        &sim,
        &input,
        &report,
        &["--yes", "--summary-json", &summary.display().to_string()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let real = std::fs::read_to_string(&report).unwrap();
    assert_eq!((mode(&report), mode(&summary)), (0o600, 0o600));

    let output = deactivate(&sim, &input, &report, &["--dry-run"]).await;
    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert!(
        printed(&output).contains("already exists") && printed(&output).contains("--force"),
        "{}",
        printed(&output)
    );
    assert_eq!(std::fs::read_to_string(&report).unwrap(), real, "the undo record is kept");
    // A report the user made private stays private when replaced.
    let output = deactivate(&sim, &input, &report, &["--dry-run", "--force"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert_ne!(std::fs::read_to_string(&report).unwrap(), real);
    assert_eq!(mode(&report), 0o600);

    let plan = dir.path().join("plan.json");
    deactivate(
        &sim,
        &input,
        &dir.path().join("dry.csv"),
        &["--dry-run", "--plan", &plan.display().to_string()],
    )
    .await;
    assert_eq!(mode(&plan), 0o600);
    let audit = dir.path().join("audit.csv");
    let candidates = dir.path().join("candidates.csv");
    let roster = id_list(dir.path(), "roster.csv", &people);
    let args = vec![
        "audit".into(),
        "--roster".into(),
        roster.display().to_string(),
        "--base-url".into(),
        sim.base_url.clone(),
        "--report".into(),
        audit.display().to_string(),
        "--write-candidates".into(),
        candidates.display().to_string(),
    ];
    let output = cli(args, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await;
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
    assert_eq!((mode(&audit), mode(&candidates)), (0o600, 0o600));
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.ends_with(".lock"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary or lock file is left: {leftovers:?}");
}
