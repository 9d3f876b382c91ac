//! The handover: the audit's checklist and `--objects`, `wf-offboard handover` (dry run, real
//! run, successors who cannot take over, `--to`, `--include`, faults, Ctrl-C and `--resume`,
//! `--undo`), each checked against what the simulator holds.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::util::{
    calm, command, http, in_process, leavers, printed, read_report, send_sigint, start_sim, users,
    write,
};
use wf_offboard::sim::{Faults, SimHandle};

const KINDS: [(&str, &str, &str); 8] = [
    ("TASK", "open_tasks", "assignedToID"),
    ("OPTASK", "open_issues", "assignedToID"),
    ("PROJ", "owned_projects", "ownerID"),
    ("PTLSEC", "run_as_reports", "runAsUserID"),
    ("TMPL", "owned_templates", "ownerID"),
    ("SPAPVR", "approval_steps", "userID"),
    ("RRUL", "queue_routes", "defaultAssignedToID"),
    ("TSPRO", "timesheet_approvals", "approverID"),
];

/// What the simulator says `user` holds, open work only: object code → IDs.
async fn held(sim: &SimHandle, user: &str) -> HashMap<String, BTreeSet<String>> {
    let url = format!("{}/__sim/objects?holder={user}", sim.base_url);
    let answer: serde_json::Value = http().get(url).send().await.unwrap().json().await.unwrap();
    let mut by_kind: HashMap<String, BTreeSet<String>> = HashMap::new();
    for object in answer["data"].as_array().unwrap() {
        let finished = matches!(object["status"].as_str(), Some("CPL" | "CLS" | "DED" | "REJ"));
        if !finished {
            by_kind
                .entry(object["objCode"].as_str().unwrap().into())
                .or_default()
                .insert(object["ID"].as_str().unwrap().into());
        }
    }
    by_kind
}

/// Who the object's user field points at, as the simulator holds it.
async fn holder(sim: &SimHandle, id: &str) -> String {
    let answer: serde_json::Value = http()
        .get(format!("{}/__sim/objects/{id}", sim.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = answer["data"]["objCode"].as_str().unwrap();
    let field = KINDS.iter().find(|k| k.0 == code).unwrap().2;
    answer["data"][field].as_str().unwrap().to_string()
}

/// Runs a command in-process against `sim` (`--quiet`: the rows are in the files).
async fn run(sim: &SimHandle, args: &[String]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--base-url".to_string(), sim.base_url.clone()]);
    if !all.iter().any(|a| a == "--quiet") {
        all.push("--quiet".into());
    }
    in_process(all, vec![("WORKFRONT_API_KEY", sim.api_key().to_string())]).await
}

fn s(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A list of `n` leavers, each with the next active user after the leavers as successor.
fn list(sim: &SimHandle, dir: &Path, n: usize) -> (std::path::PathBuf, Vec<(String, String)>) {
    let people = leavers(sim, n * 2);
    let pairs: Vec<(String, String)> =
        people[..n].iter().zip(&people[n..]).map(|(l, s)| (l.id_hex(), s.id_hex())).collect();
    let rows: Vec<String> = people[..n]
        .iter()
        .zip(&people[n..])
        .map(|(l, s)| format!("{},{}", l.username, s.email))
        .collect();
    (write(dir, "leavers.csv", &format!("Login,Successor\n{}\n", rows.join("\n"))), pairs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_counts_and_lists_every_kind_a_leaver_holds() {
    let sim = start_sim(2_000, 17, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let people = leavers(&sim, 150);
    let ids: Vec<String> = people.iter().map(|u| u.id_hex()).collect();
    let input = write(dir.path(), "in.csv", &format!("id\n{}\n", ids.join("\n")));
    let (report, objects) = (dir.path().join("audit.csv"), dir.path().join("objects.csv"));
    let output = run(
        &sim,
        &s(&["audit", &p(&input), "--report", &p(&report), "--objects", &p(&objects), "--quiet"]),
    )
    .await;
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0, "an audit writes nothing");
    let header = std::fs::read_to_string(&report).unwrap().lines().next().unwrap().to_string();
    assert!(
        header.ends_with(
            "open_tasks,open_issues,owned_projects,run_as_reports,owned_templates,approval_steps,queue_routes,timesheet_approvals"
        )
    );
    let listed = read_report(&objects);
    let mut seen_kinds = BTreeSet::new();
    for row in read_report(&report) {
        let held = held(&sim, &row["user_id"]).await;
        for (code, column, field) in KINDS {
            let ids = held.get(code).cloned().unwrap_or_default();
            assert_eq!(row[column], ids.len().to_string(), "{column} of {}", row["user_id"]);
            let rows: BTreeSet<String> = listed
                .iter()
                .filter(|o| o["leaver_id"] == row["user_id"] && o["object_type"] == code)
                .map(|o| {
                    assert_eq!(o["relation"], field);
                    assert_eq!(
                        o["url"],
                        format!("{}/{}/view?ID={}", sim.base_url, ui(code), o["object_id"])
                    );
                    assert_eq!(o["row"], row["row"]);
                    o["object_id"].clone()
                })
                .collect();
            assert_eq!(rows, ids, "--objects lists exactly what {} holds", row["user_id"]);
            if !ids.is_empty() {
                seen_kinds.insert(code);
            }
        }
    }
    assert_eq!(
        seen_kinds.len(),
        8,
        "150 leavers of a generated tenant hold every kind: {seen_kinds:?}"
    );
}

fn ui(code: &str) -> &'static str {
    match code {
        "TASK" => "task",
        "OPTASK" => "issue",
        "PROJ" => "project",
        "PTLSEC" => "report",
        "TMPL" => "template",
        "SPAPVR" => "stepapprover",
        "RRUL" => "routingrule",
        _ => "timesheetprofile",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_moves_what_it_can_reads_it_back_and_undo_puts_it_back() {
    let sim = start_sim(2_000, 23, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let (input, pairs) = list(&sim, dir.path(), 60);
    let before: Vec<HashMap<String, BTreeSet<String>>> =
        futures::future::join_all(pairs.iter().map(|(l, _)| held(&sim, l))).await;

    let dry = dir.path().join("dry.csv");
    let args = s(&[
        "handover",
        &p(&input),
        "--successor-column",
        "Successor",
        "--dry-run",
        "--report",
        &p(&dry),
    ]);
    let output = run(&sim, &args).await;
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", printed(&output));
    assert_eq!(sim.stats().mutating_requests, 0, "a dry run sends no mutating request");
    let header = std::fs::read_to_string(&dry).unwrap().lines().next().unwrap().to_string();
    assert_eq!(
        header,
        "row,leaver_id,leaver,successor_id,successor,object_type,object_id,object_name,field,old_value,new_value,outcome,http_status,attempts,error,finished_at"
    );
    let dry_rows = read_report(&dry);
    assert!(dry_rows.iter().any(|r| r["outcome"] == "would_reassign"));

    let real = dir.path().join("real.csv");
    let output = run(
        &sim,
        &s(&[
            "handover",
            &p(&input),
            "--successor-column",
            "Successor",
            "--yes",
            "--report",
            &p(&real),
        ]),
    )
    .await;
    let rows = read_report(&real);
    let manual = rows.iter().filter(|r| r["outcome"] == "left_for_manual_action").count();
    assert_eq!(output.status.code(), Some(if manual > 0 { 1 } else { 0 }), "{}", printed(&output));
    assert_eq!(rows.len(), dry_rows.len(), "the dry run listed every object the real run met");
    let mut moved_kinds = BTreeSet::new();
    for ((leaver, successor), held_before) in pairs.iter().zip(&before) {
        let after = held(&sim, leaver).await;
        for (code, _, field) in KINDS {
            let ids = held_before.get(code).cloned().unwrap_or_default();
            for id in &ids {
                let row = rows
                    .iter()
                    .find(|r| &r["object_id"] == id)
                    .unwrap_or_else(|| panic!("{code} {id} has a row"));
                assert_eq!(
                    (&row["leaver_id"], &row["field"], &row["old_value"]),
                    (leaver, &field.to_string(), leaver)
                );
                if ["SPAPVR", "RRUL", "TSPRO"].contains(&code) {
                    assert_eq!(row["outcome"], "left_for_manual_action");
                    assert!(
                        row["error"].contains(&format!(
                            "{}/{}/view?ID={id}",
                            sim.base_url,
                            ui(code)
                        )),
                        "{}",
                        row["error"]
                    );
                    assert_eq!(&holder(&sim, id).await, leaver);
                } else {
                    assert_eq!(
                        (row["outcome"].as_str(), &row["new_value"]),
                        ("reassigned", successor),
                        "{code} {id}"
                    );
                    assert_eq!(
                        &holder(&sim, id).await,
                        successor,
                        "the server shows the successor"
                    );
                    moved_kinds.insert(code);
                }
            }
            if !["SPAPVR", "RRUL", "TSPRO"].contains(&code) {
                assert!(
                    after.get(code).is_none_or(BTreeSet::is_empty),
                    "{leaver} holds no {code} any more"
                );
            }
        }
    }
    assert_eq!(moved_kinds.len(), 5, "every movable kind was met and moved: {moved_kinds:?}");

    let undo = dir.path().join("undo.csv");
    let output =
        run(&sim, &s(&["handover", "--undo", &p(&real), "--yes", "--report", &p(&undo)])).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let undone = read_report(&undo);
    assert_eq!(undone.len(), rows.iter().filter(|r| r["outcome"] == "reassigned").count());
    for row in &undone {
        assert_eq!(row["outcome"], "reassigned");
        assert_eq!(holder(&sim, &row["object_id"]).await, row["leaver_id"], "back with the leaver");
    }
    let again = dir.path().join("again.csv");
    let output =
        run(&sim, &s(&["handover", "--undo", &p(&real), "--yes", "--report", &p(&again)])).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    assert!(
        read_report(&again).iter().all(|r| r["outcome"] == "skipped"),
        "a second undo changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successors_who_cannot_take_over_fail_their_rows_and_to_with_include_narrows() {
    let sim = start_sim(1_500, 29, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let tenant = users(&sim);
    let workers: Vec<_> =
        leavers(&sim, 40).into_iter().filter(|u| u.work.open_tasks > 0).take(5).collect();
    let inactive = tenant.iter().find(|u| !u.is_active).unwrap();
    // Two users share one mailbox in every generated tenant: a successor named by it is ambiguous.
    let shared = tenant
        .iter()
        .map(|u| &u.email)
        .find(|e| tenant.iter().filter(|u| &u.email == *e).count() > 1)
        .unwrap();
    let fine = leavers(&sim, 200).pop().unwrap();
    let rows = [
        format!("{},{}", workers[0].username, inactive.username),
        format!("{},nobody@nowhere.example", workers[1].username),
        format!("{},{}", workers[2].username, workers[3].username),
        format!("{},{}", workers[3].username, shared),
        format!("{},{}", workers[4].username, workers[4].username),
    ];
    let input = write(dir.path(), "in.csv", &format!("user,successor\n{}\n", rows.join("\n")));
    let report = dir.path().join("r.csv");
    let output = run(
        &sim,
        &s(&[
            "handover",
            &p(&input),
            "--successor-column",
            "successor",
            "--yes",
            "--report",
            &p(&report),
        ]),
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", printed(&output));
    let shown: Vec<String> = read_report(&report)
        .iter()
        .map(|r| format!("{} {} {} {}", r["row"], r["object_type"], r["outcome"], r["error"]))
        .collect();
    assert_eq!(
        sim.stats().by_kind.get("object_update"),
        None,
        "no successor could take over: nothing moved: {shown:#?}"
    );
    let errors: Vec<(String, String)> =
        read_report(&report).into_iter().map(|r| (r["row"].clone(), r["error"].clone())).collect();
    let error_of =
        |row: &str| errors.iter().find(|(r, _)| r == row).map(|(_, e)| e.clone()).unwrap();
    assert!(error_of("1").contains("is inactive"), "{errors:?}");
    assert!(error_of("2").contains("not found"));
    assert!(error_of("3").contains("is also leaving (row 4)"));
    assert!(error_of("4").contains("ambiguous"));
    assert!(error_of("5").contains("is the leaver"));
    assert!(
        read_report(&report)
            .iter()
            .all(|r| r["outcome"] == "failed" || r["outcome"] == "left_for_manual_action")
    );

    let to = dir.path().join("to.csv");
    let only = write(
        dir.path(),
        "only.csv",
        &format!("user\n{}\n{}\n", workers[0].username, workers[1].username),
    );
    let output = run(
        &sim,
        &s(&[
            "handover",
            &p(&only),
            "--to",
            &fine.username,
            "--include",
            "tasks",
            "--yes",
            "--report",
            &p(&to),
            "--summary-json",
            &p(&dir.path().join("to.json")),
        ]),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let moved = read_report(&to);
    let tasks = usize::from(workers[0].work.open_tasks + workers[1].work.open_tasks);
    assert_eq!(moved.len(), tasks);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("to.json")).unwrap())
            .unwrap();
    assert_eq!(
        (summary["command"].as_str(), summary["exit_code"].as_u64()),
        (Some("handover"), Some(0))
    );
    assert_eq!(summary["objects_moved"]["TASK"].as_u64(), Some(tasks as u64));
    assert_eq!(summary["outcomes"]["reassigned"].as_u64(), Some(tasks as u64));
    assert_eq!(summary["leavers"].as_u64(), Some(2));
    assert!(moved.iter().all(|r| r["object_type"] == "TASK"
        && r["outcome"] == "reassigned"
        && r["new_value"] == fine.id_hex()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_the_report_says_what_the_server_holds() {
    let faults = Faults {
        lost_write_rate: 0.2,
        lost_answer_rate: 0.2,
        error_rate: 0.05,
        read_error_rate: 0.1,
        seed: 5,
        ..Faults::default()
    };
    let sim = start_sim(2_000, 31, faults).await;
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = list(&sim, dir.path(), 40);
    let report = dir.path().join("r.csv");
    let output = run(
        &sim,
        &s(&[
            "handover",
            &p(&input),
            "--successor-column",
            "Successor",
            "--include",
            "tasks,issues,projects,reports,templates",
            "--yes",
            "--report",
            &p(&report),
        ]),
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "lost writes leave rows failed: {}",
        printed(&output)
    );
    let stats = sim.stats();
    assert!(stats.lost_writes > 0 && stats.lost_answers > 0, "{stats:?}");
    let rows = read_report(&report);
    assert!(
        rows.iter().any(|r| r["outcome"] == "failed")
            && rows.iter().any(|r| r["outcome"] == "reassigned")
    );
    for row in rows.iter().filter(|r| !r["object_id"].is_empty()) {
        let now = holder(&sim, &row["object_id"]).await;
        match row["outcome"].as_str() {
            "reassigned" => assert_eq!(now, row["new_value"], "{row:?}"),
            "failed" if row["error"].starts_with("could not confirm") => {}
            "failed" => assert_ne!(
                now, row["new_value"],
                "a failed row is not held by the successor: {row:?}"
            ),
            other => panic!("unexpected outcome {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_handover_resumes_and_every_object_ends_moved() {
    let sim = start_sim(
        2_000,
        37,
        Faults { latency: std::time::Duration::from_millis(40), ..Faults::default() },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (input, pairs) = list(&sim, dir.path(), 40);
    let first = dir.path().join("first.csv");
    let mut args = s(&[
        "handover",
        &p(&input),
        "--successor-column",
        "Successor",
        "--include",
        "tasks",
        "--yes",
        "--concurrency",
        "2",
    ]);
    args.extend(s(&["--report", &p(&first), "--base-url", &sim.base_url]));
    let child = command()
        .args(&args)
        .env("WORKFRONT_API_KEY", sim.api_key())
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while sim.stats().by_kind.get("object_update").copied().unwrap_or(0) < 5
        && started.elapsed().as_secs() < 60
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    send_sigint(&child).await;
    let status =
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(status.status.code(), Some(130), "{}", printed(&status));
    let earlier = read_report(&first);
    let done = earlier.iter().filter(|r| r["outcome"] == "reassigned").count();
    assert!(
        done >= 5 && earlier.iter().any(|r| r["outcome"] == "skipped"),
        "some moved, the rest skipped: {done}"
    );

    let second = dir.path().join("second.csv");
    let resume = s(&[
        "handover",
        &p(&input),
        "--successor-column",
        "Successor",
        "--include",
        "tasks",
        "--yes",
        "--resume",
        &p(&first),
        "--report",
        &p(&second),
    ]);
    let output = run(&sim, &resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let rows = read_report(&second);
    let tasks: usize = pairs
        .iter()
        .map(|(l, _)| {
            users(&sim).iter().find(|u| &u.id_hex() == l).unwrap().work.open_tasks as usize
        })
        .sum();
    assert_eq!(
        rows.iter().filter(|r| r["outcome"] == "reassigned").count(),
        tasks,
        "carried and new rows account for every task"
    );
    for (leaver, successor) in &pairs {
        assert!(held(&sim, leaver).await.get("TASK").is_none_or(BTreeSet::is_empty));
        assert!(
            rows.iter()
                .filter(|r| &r["leaver_id"] == leaver && !r["object_id"].is_empty())
                .all(|r| &r["new_value"] == successor)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_deactivation_says_how_many_leavers_still_hold_work_and_goes_on() {
    let sim = start_sim(1_500, 43, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    let people: Vec<_> =
        leavers(&sim, 30).into_iter().filter(|u| u.work.open_tasks > 0).take(3).collect();
    let input = crate::util::id_list(dir.path(), "in.csv", &people);
    let report = dir.path().join("r.csv");
    let output = crate::util::deactivate(&sim, &input, &report, &["--yes"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", printed(&output));
    let text = printed(&output);
    let tasks: u16 = people.iter().map(|u| u.work.open_tasks).sum();
    assert!(
        text.contains(&format!(
            "3 of 3 leavers still hold open work or run-as reports ({tasks} open tasks"
        )),
        "{text}"
    );
    assert!(text.contains("wf-offboard handover"));
    let dry = dir.path().join("dry.csv");
    let output = crate::util::deactivate(&sim, &input, &dry, &["--dry-run"]).await;
    assert!(!printed(&output).contains("still hold open work"), "counts only before a real run");
}
