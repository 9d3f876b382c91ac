//! Plan files: what a reviewed dry run decided, written so that `apply` executes exactly that.
//!
//! Format `wf-offboard-plan`, version 1 (JSON, documented in the README): the input's SHA-256,
//! the tenant host, when the plan was made, the options that shaped it, and per row the decision
//! with the user's ID and the state seen at listing time. `digest` is the SHA-256 of the plan's
//! canonical JSON without the digest itself, so a plan edited by hand no longer matches and is
//! refused as a whole. Pure: no I/O beyond the caller's bytes.

mod rows;
pub use rows::*;

use serde::{Deserialize, Serialize};

pub use crate::model::sha256_hex;
use crate::model::{InputRow, MatchedBy};
use crate::plan::PlannedRow;

/// The format's name and version.
pub const FORMAT: &str = "wf-offboard-plan";
pub const VERSION: u32 = 1;

/// A plan as written to disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    /// The tenant's host the plan was made against; `apply` refuses any other.
    pub tenant: String,
    pub input: PlanInput,
    pub options: PlanOptions,
    pub rows: Vec<PlanRow>,
    /// SHA-256 (hex) of this plan's canonical JSON with `digest` empty.
    #[serde(default)]
    pub digest: String,
}

/// Which input the plan was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    pub path: String,
    pub sha256: String,
    pub column: String,
    pub rows: usize,
}

/// The options that shaped the decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    pub allow_admins: bool,
    pub protect: Option<String>,
    pub max_deactivations: String,
}

impl PlanFile {
    /// A plan of `rows`, sealed with its digest.
    pub fn new(
        tenant: &str,
        created_at: String,
        input: PlanInput,
        options: PlanOptions,
        plan: &[PlannedRow],
    ) -> PlanFile {
        let rows = plan
            .iter()
            .map(|p| {
                let (decision, reason) = decision_label(&p.decision);
                PlanRow {
                    row: p.input.row,
                    input: p.input.value.clone(),
                    matched_by: p.matched_by.map(|m| m.label().to_string()),
                    decision: decision.into(),
                    reason,
                    user: p.user.as_deref().map(PlanUser::of),
                }
            })
            .collect();
        let mut file = PlanFile {
            format: FORMAT.into(),
            version: VERSION,
            created_at,
            tenant: tenant.into(),
            input,
            options,
            rows,
            digest: String::new(),
        };
        file.digest = file.compute_digest();
        file
    }

    /// Sets the digest for the plan as it is now. The digest is unkeyed, so anyone can do this:
    /// it catches accidents and hand edits, and [`PlanFile::parse`] still checks the content.
    pub fn seal(&mut self) {
        self.digest = self.compute_digest();
    }

    fn compute_digest(&self) -> String {
        let unsealed = PlanFile { digest: String::new(), ..self.clone() };
        sha256_hex(&serde_json::to_vec(&unsealed).expect("a plan serialises"))
    }

    /// Parses a plan and checks its format, version and digest.
    pub fn parse(text: &str, source: &str) -> Result<PlanFile, String> {
        let file: PlanFile = serde_json::from_str(text)
            .map_err(|e| format!("{source}: not a wf-offboard plan: {e}"))?;
        if file.format != FORMAT || file.version != VERSION {
            return Err(format!(
                "{source}: a {} plan version {}; this wf-offboard reads {FORMAT} version {VERSION}",
                file.format, file.version
            ));
        }
        if file.digest != file.compute_digest() {
            return Err(format!(
                "{source}: the plan was changed after it was made (its digest does not match): refusing all of it; make a new plan with --dry-run --plan"
            ));
        }
        file.check().map_err(|e| format!("{source}: not a valid plan: {e}"))?;
        Ok(file)
    }

    /// What the digest cannot promise (anyone can recompute it): a well-formed input digest,
    /// and a user with a valid ID on every row that writes.
    fn check(&self) -> Result<(), String> {
        let is_hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex(&self.input.sha256, 64) {
            return Err(format!("input.sha256 {:?} is not a SHA-256", self.input.sha256));
        }
        for row in &self.rows {
            let decision = decision_of(&row.decision, &row.reason)
                .map_err(|e| format!("plan row {}: {e}", row.row))?;
            let writes = decision.writes();
            match &row.user {
                Some(user) if !is_hex(&user.id, 32) => {
                    return Err(format!(
                        "plan row {}: user ID {:?} is not a Workfront ID",
                        row.row, user.id
                    ));
                }
                None if writes => {
                    return Err(format!(
                        "plan row {}: a {} row without its user",
                        row.row, row.decision
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The plan's rows as planned rows.
    pub fn planned_rows(&self) -> Result<Vec<PlannedRow>, String> {
        self.rows
            .iter()
            .map(|r| {
                Ok(PlannedRow {
                    input: InputRow { row: r.row, line: 0, value: r.input.clone(), date: None },
                    matched_by: r.matched_by.as_deref().and_then(MatchedBy::from_label),
                    user: r.user.as_ref().map(|u| Box::new(u.to_dir_user())),
                    decision: decision_of(&r.decision, &r.reason)
                        .map_err(|e| format!("plan row {}: {e}", r.row))?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DirUser;
    use crate::plan::Decision;

    fn user(id: &str) -> DirUser {
        DirUser {
            id: id.repeat(32),
            name: "Ada Lovelace".into(),
            username: "ada".into(),
            email: "ada@x".into(),
            is_active: true,
            is_admin: false,
            license_type: "F".into(),
            last_login: String::new(),
            scheduled: String::new(),
            access_level_id: String::new(),
            created: String::new(),
        }
    }

    fn sample() -> PlanFile {
        let rows = vec![
            PlannedRow {
                input: InputRow { row: 1, line: 2, value: "ada".into(), date: None },
                matched_by: Some(MatchedBy::Username),
                user: Some(Box::new(user("a"))),
                decision: Decision::Deactivate,
            },
            PlannedRow {
                input: InputRow { row: 2, line: 3, value: "x y".into(), date: None },
                matched_by: None,
                user: None,
                decision: Decision::Invalid("spaces".into()),
            },
            PlannedRow {
                input: InputRow { row: 3, line: 4, value: "Ada".into(), date: None },
                matched_by: Some(MatchedBy::Username),
                user: Some(Box::new(user("a"))),
                decision: Decision::Duplicate { first_row: 1 },
            },
        ];
        let input = PlanInput {
            path: "in.csv".into(),
            sha256: sha256_hex(b"x"),
            column: "user".into(),
            rows: 3,
        };
        let options =
            PlanOptions { allow_admins: false, protect: None, max_deactivations: "100".into() };
        PlanFile::new("acme.my.workfront.com", "t".into(), input, options, &rows)
    }

    #[test]
    fn a_plan_round_trips_and_an_edit_is_refused() {
        let plan = sample();
        let text = serde_json::to_string_pretty(&plan).unwrap();
        let back = PlanFile::parse(&text, "p.json").unwrap();
        assert_eq!(back, plan);
        let rows = back.planned_rows().unwrap();
        assert_eq!(rows[0].decision, Decision::Deactivate);
        assert_eq!(rows[2].decision, Decision::Duplicate { first_row: 1 });
        let edited = text.replace("\"ada@x\"", "\"eve@x\"");
        assert!(
            PlanFile::parse(&edited, "p.json").unwrap_err().contains("changed after it was made")
        );
        let newer = text.replace("\"version\": 1", "\"version\": 2");
        assert!(PlanFile::parse(&newer, "p.json").unwrap_err().contains("version 2"));
    }

    #[test]
    fn every_kind_of_drift_is_named() {
        let then = user("a");
        assert_eq!(drift(&then, Some(&then)), None);
        assert!(drift(&then, None).unwrap().contains("no longer exists"));
        let inactive = DirUser { is_active: false, ..then.clone() };
        assert!(drift(&then, Some(&inactive)).unwrap().contains("already inactive"));
        let admin = DirUser { is_admin: true, ..then.clone() };
        assert!(drift(&then, Some(&admin)).unwrap().contains("System Administrator"));
        let renamed = DirUser { username: "ada2".into(), ..then.clone() };
        assert_eq!(
            drift(&then, Some(&renamed)).unwrap(),
            "renamed since the plan: username was \"ada\", now \"ada2\""
        );
    }

    /// Every JSON pointer in `value`.
    fn pointers_of(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match value {
            serde_json::Value::Object(map) => {
                map.iter().for_each(|(k, v)| pointers_of(v, format!("{at}/{k}"), out))
            }
            serde_json::Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, v)| pointers_of(v, format!("{at}/{i}"), out))
            }
            _ => {}
        }
    }

    /// Mutated plans, re-sealed as anyone could: parsing and turning them into rows never
    /// panics, and whatever parses has a user with a valid ID on every writing row.
    #[test]
    fn mutated_plans_never_panic() {
        let mut rng = crate::rng::Rng::new(11);
        let base = serde_json::to_value(sample()).unwrap();
        let replacements = [
            serde_json::Value::Null,
            serde_json::json!(""),
            serde_json::json!("ab"),
            serde_json::json!(-1),
            serde_json::json!(u64::MAX),
            serde_json::json!("deactivate"),
            serde_json::json!("schedule"),
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!(true),
        ];
        let mut parsed = 0;
        for _ in 0..3_000 {
            let mut value = base.clone();
            for _ in 0..rng.below(3) + 1 {
                let mut pointers = Vec::new();
                pointers_of(&value, String::new(), &mut pointers);
                let pointer = rng.pick(&pointers).clone();
                let leaf = value.pointer_mut(&pointer).unwrap();
                *leaf = rng.pick(&replacements).clone();
            }
            let Ok(mut file) = serde_json::from_value::<PlanFile>(value) else { continue };
            file.seal();
            let text = serde_json::to_string(&file).unwrap();
            if let Ok(file) = PlanFile::parse(&text, "p.json") {
                parsed += 1;
                let rows = file.planned_rows().unwrap();
                assert!(
                    rows.iter()
                        .filter(|r| r.decision.writes())
                        .all(|r| r.user.as_ref().is_some_and(|u| u.id.len() == 32))
                );
            }
        }
        assert!(parsed > 100, "mutations that keep a valid plan are exercised too: {parsed}");
    }
}
