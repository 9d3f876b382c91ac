//! Outcomes → the results CSV and the closing summary.
//!
//! Every row is written and flushed the moment its outcome is known, so a crash keeps every
//! finished row; when the run ends the file is rewritten in input order (through a temporary
//! file and a rename, so it is never half-written). Text cells that a spreadsheet would run as a
//! formula (`=`, `+`, `-`, `@`, tab, CR first) are prefixed with `'`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::exit::Exit;
pub use crate::model::{
    CONFIRMED_ACTIVE, CONFIRMED_INACTIVE, Outcome, OutcomeKind, neutralise, unneutralise,
};
use crate::model::{DirUser, MatchedBy};
use crate::output::{Journal, JournalRow};

/// One report row, typed: the columns of [`HEADER`] in order. Text a spreadsheet could run as
/// a formula is neutralised when the record is made; the CSV writer serialises it as it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportRecord {
    pub row: usize,
    pub input: String,
    pub matched_by: &'static str,
    pub user_id: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub was_active: &'static str,
    pub outcome: &'static str,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub error: String,
    pub finished_at: String,
    pub license_type: String,
    pub access_level_id: String,
}

impl ReportRecord {
    /// The record of one outcome.
    pub fn of(o: &Outcome) -> ReportRecord {
        let user = o.user.as_deref();
        let text = |f: fn(&DirUser) -> &str| neutralise(user.map_or("", f));
        ReportRecord {
            row: o.row,
            input: neutralise(&o.input),
            matched_by: o.matched_by.map_or("", MatchedBy::label),
            user_id: user.map_or("", |u| u.id.as_str()).to_string(),
            name: text(|u| &u.name),
            username: text(|u| &u.username),
            email: text(|u| &u.email),
            was_active: user.map_or("", |u| if u.is_active { "true" } else { "false" }),
            outcome: o.kind.label(),
            http_status: o.http_status,
            attempts: o.attempts,
            error: neutralise(&o.error),
            finished_at: o.finished_at.clone(),
            license_type: text(|u| &u.license_type),
            access_level_id: text(|u| &u.access_level_id),
        }
    }

    /// The first 13 cells, in [`BASE_HEADER`] order (the audit CSV adds its own columns).
    pub fn base_cells(&self) -> Vec<String> {
        vec![
            self.row.to_string(),
            self.input.clone(),
            self.matched_by.to_string(),
            self.user_id.clone(),
            self.name.clone(),
            self.username.clone(),
            self.email.clone(),
            self.was_active.to_string(),
            self.outcome.to_string(),
            self.http_status.map(|s| s.to_string()).unwrap_or_default(),
            self.attempts.to_string(),
            self.error.clone(),
            self.finished_at.clone(),
        ]
    }
}

/// The first 13 cells of an outcome's row, in [`BASE_HEADER`] order.
pub fn base_record(o: &Outcome) -> Vec<String> {
    ReportRecord::of(o).base_cells()
}

/// Writes outcomes as they arrive and rewrites them in input order at the end (see
/// [`Journal`]).
pub struct ReportWriter(Journal<Outcome>);

impl JournalRow for Outcome {
    fn write_to<W: Write>(&self, writer: &mut csv::Writer<W>) -> csv::Result<()> {
        writer.serialize(ReportRecord::of(self))
    }
}

impl ReportWriter {
    /// Creates the report (new, mode 0600; an existing one only with `force`) and writes its
    /// header. It is the run's journal: every row is flushed to it as it finishes.
    pub fn create(path: &Path, force: bool) -> Result<ReportWriter, String> {
        Journal::create(path, force, &HEADER, "the report").map(ReportWriter)
    }

    /// Appends one row and flushes it to disk.
    pub fn write(&mut self, outcome: Outcome) -> Result<(), String> {
        self.0.write(outcome)
    }

    /// Rewrites the report in input order and returns the outcomes.
    pub fn finish(self) -> Result<Vec<Outcome>, String> {
        self.0.finish(|a, b| a.row.cmp(&b.row))
    }
}

/// The report's header, exactly: the 13 columns reports always had, then the user's licence
/// type and access level as listed before the change (so an undo can restore the access level).
pub const HEADER: [&str; 15] = [
    "row",
    "input",
    "matched_by",
    "user_id",
    "name",
    "username",
    "email",
    "was_active",
    "outcome",
    "http_status",
    "attempts",
    "error",
    "finished_at",
    "license_type",
    "access_level_id",
];

/// The first 13 columns: reports written before the licence and access level were kept have
/// only these, and the audit CSV starts with them.
pub const BASE_HEADER: &[&str] = HEADER.as_slice().split_at(13).0;

/// Counts per outcome.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<OutcomeKind, usize>);

impl Counts {
    /// Adds one outcome.
    pub fn add(&mut self, kind: OutcomeKind) {
        *self.0.entry(kind).or_default() += 1;
    }

    /// How many rows had `kind`.
    pub fn get(&self, kind: OutcomeKind) -> usize {
        self.0.get(&kind).copied().unwrap_or(0)
    }

    /// All rows.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// The exit code these outcomes call for.
    pub fn exit(&self, interrupted: bool) -> Exit {
        Exit::of_rows(self.0.iter().any(|(k, n)| *n > 0 && k.needs_attention()), interrupted)
    }

    /// The closing summary, one line per outcome that occurred.
    pub fn summary(&self) -> String {
        let width = self.0.keys().map(|k| k.label().len()).max().unwrap_or(0);
        self.0
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("  {:width$}  {n}\n", k.label()))
            .collect()
    }

    /// The counts on one line: `12 would_deactivate, 1 not_found`.
    pub fn one_line(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {}", k.label()))
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(row: usize, kind: OutcomeKind, input: &str) -> Outcome {
        Outcome {
            row,
            input: input.into(),
            matched_by: None,
            user: None,
            kind,
            http_status: None,
            attempts: 0,
            error: String::new(),
            finished_at: "t".into(),
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for c in ["+1", "-1", "@SUM", "\tx"] {
            assert!(neutralise(c).starts_with('\''), "{c}");
        }
        assert_eq!(neutralise("ada@x"), "ada@x");
        for c in ["=1", "ada", "'quoted"] {
            assert_eq!(unneutralise(&neutralise(c)), c);
        }
    }

    #[test]
    fn report_is_flushed_per_row_and_sorted_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut w = ReportWriter::create(&path, false).unwrap();
        w.write(outcome(2, OutcomeKind::NotFound, "=b")).unwrap();
        let partial = std::fs::read_to_string(&path).unwrap();
        assert_eq!(partial.lines().count(), 2, "the row is on disk before the run ends");
        w.write(outcome(1, OutcomeKind::Deactivated, "a")).unwrap();
        w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "row,input,matched_by,user_id,name,username,email,was_active,outcome,http_status,attempts,error,finished_at,license_type,access_level_id"
        );
        assert!(lines[1].starts_with("1,a,") && lines[2].starts_with("2,'=b,"));
    }

    #[test]
    fn exit_codes_follow_the_outcomes() {
        let mut c = Counts::default();
        for k in [
            OutcomeKind::Deactivated,
            OutcomeKind::WouldDeactivate,
            OutcomeKind::AlreadyInactive,
            OutcomeKind::Duplicate,
        ] {
            c.add(k);
        }
        assert_eq!(c.exit(false), Exit::Success);
        assert_eq!(c.exit(true), Exit::Interrupted);
        for k in [
            OutcomeKind::NotFound,
            OutcomeKind::Ambiguous,
            OutcomeKind::Invalid,
            OutcomeKind::Protected,
            OutcomeKind::Failed,
            OutcomeKind::Skipped,
        ] {
            let mut c = c.clone();
            c.add(k);
            assert_eq!(c.exit(false), Exit::NeedsAttention, "{k:?}");
        }
    }
}
