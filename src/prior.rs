//! An earlier report, read back: what `--resume` carries over and what `reactivate` undoes.
//!
//! The report must be one of ours: the exact header, one row per row number, known outcomes.
//! Anything else is refused with the file and line, since guessing here would redo or undo the
//! wrong people.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::report::{BASE_HEADER, HEADER, OutcomeKind};

/// One row of an earlier report, its text kept as written (cells stay neutralised).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PriorRow {
    pub row: usize,
    pub input: String,
    pub matched_by: String,
    pub user_id: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub was_active: String,
    pub outcome: String,
    pub http_status: String,
    pub attempts: String,
    pub error: String,
    pub finished_at: String,
    /// The licence type and access level before the change (empty in reports that predate them).
    #[serde(default)]
    pub license_type: String,
    #[serde(default)]
    pub access_level_id: String,
}

impl PriorRow {
    /// The outcome, parsed (checked when the report is read; an unknown one, which
    /// [`read_prior`] never lets through, counts as `skipped`: nothing carried, nothing undone).
    pub fn kind(&self) -> OutcomeKind {
        OutcomeKind::from_label(&self.outcome).unwrap_or(OutcomeKind::Skipped)
    }
}

/// Reads a report written by wf-offboard.
pub fn read_prior(path: &Path) -> Result<Vec<PriorRow>, String> {
    let shown = path.display();
    let mut reader =
        csv::ReaderBuilder::new().from_path(path).map_err(|e| format!("{shown}: {e}"))?;
    let header = reader.headers().map_err(|e| format!("{shown}: {e}"))?.clone();
    let columns: Vec<&str> = header.iter().collect();
    if columns != HEADER && columns != BASE_HEADER {
        return Err(format!(
            "{shown}: not a wf-offboard report (its header is not `{}`)",
            HEADER.join(",")
        ));
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let records: Vec<csv::Result<PriorRow>> = reader.deserialize::<PriorRow>().collect();
    let last = records.len();
    for (i, record) in records.into_iter().enumerate() {
        let line = i + 2;
        let row = match record {
            Ok(row) => row,
            // A run killed while writing leaves at most its last line cut short: that row was not
            // finished, so it is planned again like any unreported row.
            Err(_) if i + 1 == last => break,
            Err(e) => return Err(format!("{shown}, line {line}: {e}")),
        };
        if OutcomeKind::from_label(&row.outcome).is_none() {
            return Err(format!("{shown}, line {line}: unknown outcome {:?}", row.outcome));
        }
        if !seen.insert(row.row) {
            return Err(format!("{shown}, line {line}: row {} appears twice", row.row));
        }
        if row.kind() == OutcomeKind::Deactivated && crate::model::classify(&row.user_id).is_err() {
            return Err(format!(
                "{shown}, line {line}: a deactivated row without a valid user_id ({:?})",
                row.user_id
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "row,input,matched_by,user_id,name,username,email,was_active,outcome,http_status,attempts,error,finished_at\n";

    fn read(text: &str) -> Result<Vec<PriorRow>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, text).unwrap();
        read_prior(&path)
    }

    #[test]
    fn our_reports_read_back() {
        let id = "a".repeat(32);
        let rows =
            read(&format!("{HEAD}1,ada,username,{id},Ada,ada,ada@x,true,deactivated,200,1,,t\n2,'=x,,,,,,,invalid,,0,why,t\n")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].kind(), rows[0].user_id.as_str()),
            (OutcomeKind::Deactivated, id.as_str())
        );
        assert_eq!((rows[1].kind(), rows[1].input.as_str()), (OutcomeKind::Invalid, "'=x"));
    }

    #[test]
    fn anything_else_is_refused_with_the_line() {
        assert!(read("row,input\n1,a\n").unwrap_err().contains("not a wf-offboard report"));
        assert!(
            read(&format!("{HEAD}1,a,,,,,,,exploded,,0,,t\n"))
                .unwrap_err()
                .contains("line 2: unknown outcome")
        );
        assert!(
            read(&format!("{HEAD}1,a,,,,,,,not_found,,0,,t\n1,b,,,,,,,not_found,,0,,t\n"))
                .unwrap_err()
                .contains("line 3: row 1 appears twice")
        );
        assert!(
            read(&format!("{HEAD}1,a,,,,,,,deactivated,200,1,,t\n"))
                .unwrap_err()
                .contains("without a valid user_id")
        );
        assert!(
            read(&format!("{HEAD}1,a,,,\n2,b,,,,,,,not_found,,0,,t\n"))
                .unwrap_err()
                .contains("line 2"),
            "a bad line inside is an error"
        );
    }

    #[test]
    fn a_last_line_cut_short_by_a_crash_is_left_to_be_redone() {
        let rows = read(&format!("{HEAD}1,a,,,,,,,not_found,,0,,t\n2,b,username,")).unwrap();
        assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [1]);
    }

    /// Mutated reports: reading them and resuming from them never panics.
    #[test]
    fn mutated_reports_never_panic() {
        use crate::input::InputRow;
        use crate::plan::{Decision, PlannedRow};
        let id = "a".repeat(32);
        let good = format!(
            "{HEAD}1,ada,username,{id},Ada,ada,ada@x,true,deactivated,200,1,read back: inactive,t\n2,'=x,,,,,,,invalid,,0,why,t\n"
        );
        let pieces = [
            ",",
            "\"",
            "\n",
            "\r",
            "'",
            "=",
            "0",
            "99999999999999999999",
            "deactivated",
            "-",
            "é",
            "",
        ];
        let mut rng = crate::rng::Rng::new(12);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut read_ok = 0;
        for _ in 0..2_000 {
            let mut text: Vec<char> = good.chars().collect();
            for _ in 0..rng.below(4) + 1 {
                let at = rng.below(text.len() as u64) as usize;
                let piece: Vec<char> = rng.pick(&pieces).chars().collect();
                if rng.chance(0.5) {
                    text.splice(at..at, piece);
                } else {
                    text.splice(at..(at + 1).min(text.len()), piece);
                }
            }
            std::fs::write(&path, text.iter().collect::<String>()).unwrap();
            let Ok(rows) = read_prior(&path) else { continue };
            read_ok += 1;
            let user = crate::directory::DirUser {
                id: id.clone(),
                name: String::new(),
                username: "ada".into(),
                email: String::new(),
                is_active: false,
                is_admin: false,
                license_type: String::new(),
                last_login: String::new(),
                scheduled: String::new(),
                access_level_id: String::new(),
                created: String::new(),
            };
            let plan = vec![PlannedRow {
                input: InputRow { row: 1, line: 2, value: "ada".into(), date: None },
                matched_by: None,
                user: Some(Box::new(user)),
                decision: Decision::AlreadyInactive,
            }];
            let _ = crate::resume::carry_over(plan, &rows, "r.csv", "in.csv");
            let _ = crate::plan::build_undo_plan(&rows, &Default::default());
        }
        assert!(read_ok > 50, "{read_ok}");
    }
}
