//! Spreadsheet input: the fixtures in `tests/fixtures/` (xlsx, xls, ods) against their tenant.

use std::path::PathBuf;

use crate::util::{calm, deactivate, printed, read_report, start_sim};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_xls_and_ods_read_like_csv_with_sheet_row_numbers() {
    let sim = start_sim(300, 61, calm()).await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["leavers.xlsx", "leavers.xls", "leavers.ods"] {
        let report = dir.path().join(format!("{name}.csv"));
        let output = deactivate(&sim, &fixture(name), &report, &["--dry-run"]).await;
        assert_eq!(output.status.code(), Some(1), "{name}: {}", printed(&output));
        let opening = format!(
            "{} (sheet \"Leavers\"): 4 rows, identifiers from column B \"Email\"",
            fixture(name).display()
        );
        assert!(printed(&output).contains(&opening), "{name}: {}", printed(&output));
        assert!(
            printed(&output).contains("other sheets with data: \"Contractors\""),
            "{name}: {}",
            printed(&output)
        );
        let rows = read_report(&report);
        let got: Vec<(&str, &str)> =
            rows.iter().map(|r| (r["row"].as_str(), r["outcome"].as_str())).collect();
        assert_eq!(
            got,
            [
                ("2", "would_deactivate"),
                ("4", "would_deactivate"),
                ("5", "not_found"),
                ("7", "would_deactivate")
            ],
            "{name}"
        );
        assert_eq!(rows[3]["matched_by"], "id", "{name}");
        assert!(
            rows[2]["error"].contains("did you mean paula.lee@acme.example"),
            "{name}: {}",
            rows[2]["error"]
        );

        let contractors = dir.path().join(format!("{name}-contractors.csv"));
        let output = deactivate(
            &sim,
            &fixture(name),
            &contractors,
            &["--dry-run", "--sheet", "Contractors"],
        )
        .await;
        assert_eq!(output.status.code(), Some(0), "{name}: {}", printed(&output));
        let got: Vec<(String, String)> = read_report(&contractors)
            .into_iter()
            .map(|r| (r["row"].clone(), r["username"].clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("2".into(), "grace.kim@acme.example".into()),
                ("3".into(), "chen.kowalski@acme.example".into())
            ],
            "{name}"
        );

        let output = deactivate(
            &sim,
            &fixture(name),
            &dir.path().join("x.csv"),
            &["--dry-run", "--sheet", "Staff"],
        )
        .await;
        assert_eq!(output.status.code(), Some(2));
        assert!(
            printed(&output).contains("no sheet named \"Staff\" (it has: Leavers, Contractors)"),
            "{}",
            printed(&output)
        );
    }
    assert_eq!(sim.stats().mutating_requests, 0);
}
