//! The handover report: one row per object (or per input row with nothing to move), written
//! and flushed as each finishes, rewritten in input order at the end, formula-safe, mode 0600,
//! the same safety as the deactivation report. Read back for `--undo` and `--resume`.

use std::path::Path;

use crate::model::{neutralise, unneutralise};
use crate::output::{Journal, JournalRow};

/// The report's columns, exactly.
pub const HEADER: [&str; 16] = [
    "row",
    "leaver_id",
    "leaver",
    "successor_id",
    "successor",
    "object_type",
    "object_id",
    "object_name",
    "field",
    "old_value",
    "new_value",
    "outcome",
    "http_status",
    "attempts",
    "error",
    "finished_at",
];

/// How one object (or row) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Moved {
    /// Moved, and read back holding the successor.
    Reassigned,
    /// A dry run: would be moved.
    WouldReassign,
    /// A kind the tool does not move: the error column links the object's page.
    LeftForManualAction,
    /// Not moved, or not confirmed: see the error column.
    Failed,
    /// Nothing to do: already moved, no longer the leaver's, or nothing held.
    Skipped,
}

impl Moved {
    pub const ALL: [Moved; 5] = [
        Moved::Reassigned,
        Moved::WouldReassign,
        Moved::LeftForManualAction,
        Moved::Failed,
        Moved::Skipped,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Moved::Reassigned => "reassigned",
            Moved::WouldReassign => "would_reassign",
            Moved::LeftForManualAction => "left_for_manual_action",
            Moved::Failed => "failed",
            Moved::Skipped => "skipped",
        }
    }

    pub fn from_label(label: &str) -> Option<Moved> {
        Moved::ALL.into_iter().find(|m| m.label() == label)
    }

    /// Does a row with this outcome need a person (exit code 1)?
    pub fn needs_attention(self) -> bool {
        matches!(self, Moved::LeftForManualAction | Moved::Failed)
    }
}

/// One row of the handover report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverRow {
    pub row: usize,
    pub leaver_id: String,
    pub leaver: String,
    pub successor_id: String,
    pub successor: String,
    pub object_type: String,
    pub object_id: String,
    pub object_name: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub outcome: Moved,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub error: String,
    pub finished_at: String,
}

impl HandoverRow {
    /// The cells, in [`HEADER`] order, formula-safe.
    pub fn cells(&self) -> [String; 16] {
        [
            self.row.to_string(),
            self.leaver_id.clone(),
            neutralise(&self.leaver),
            self.successor_id.clone(),
            neutralise(&self.successor),
            self.object_type.clone(),
            self.object_id.clone(),
            neutralise(&self.object_name),
            self.field.clone(),
            self.old_value.clone(),
            self.new_value.clone(),
            self.outcome.label().to_string(),
            self.http_status.map(|s| s.to_string()).unwrap_or_default(),
            self.attempts.to_string(),
            neutralise(&self.error),
            self.finished_at.clone(),
        ]
    }

    fn from_cells(cells: &csv::StringRecord, place: &str) -> Result<HandoverRow, String> {
        let cell = |i: usize| cells.get(i).unwrap_or("").to_string();
        let text = |i: usize| unneutralise(cells.get(i).unwrap_or("")).to_string();
        let outcome = Moved::from_label(&cell(11))
            .ok_or_else(|| format!("{place}: unknown outcome {:?}", cell(11)))?;
        Ok(HandoverRow {
            row: cell(0)
                .parse()
                .map_err(|_| format!("{place}: row {:?} is not a number", cell(0)))?,
            leaver_id: cell(1),
            leaver: text(2),
            successor_id: cell(3),
            successor: text(4),
            object_type: cell(5),
            object_id: cell(6),
            object_name: text(7),
            field: cell(8),
            old_value: cell(9),
            new_value: cell(10),
            outcome,
            http_status: cell(12).parse().ok(),
            attempts: cell(13).parse().unwrap_or(0),
            error: text(14),
            finished_at: cell(15),
        })
    }
}

/// Writes rows as they finish and rewrites them in input order (then by object) at the end
/// (see [`Journal`]).
pub struct HandoverWriter(Journal<HandoverRow>);

impl JournalRow for HandoverRow {
    fn write_to<W: std::io::Write>(&self, writer: &mut csv::Writer<W>) -> csv::Result<()> {
        writer.write_record(self.cells())
    }
}

impl HandoverWriter {
    /// Creates the report (new, mode 0600; an existing file only with `force`) with its header.
    pub fn create(path: &Path, force: bool) -> Result<HandoverWriter, String> {
        Journal::create(path, force, &HEADER, "the handover report").map(HandoverWriter)
    }

    /// Appends one row and flushes it to disk.
    pub fn write(&mut self, row: HandoverRow) -> Result<(), String> {
        self.0.write(row)
    }

    /// Rewrites the report in input order (then by object) and returns its rows.
    pub fn finish(self) -> Result<Vec<HandoverRow>, String> {
        let key = |r: &HandoverRow| (r.row, r.object_type.clone(), r.object_id.clone());
        self.0.finish(|a, b| key(a).cmp(&key(b)))
    }
}

/// Reads a handover report back; refuses any other CSV, naming the file.
pub fn read(path: &Path) -> Result<Vec<HandoverRow>, String> {
    let shown = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{shown}: {e}"))?;
    let mut records = reader.records();
    let header = records.next().transpose().map_err(|e| format!("{shown}: {e}"))?;
    if header.as_ref().is_none_or(|h| h.iter().collect::<Vec<_>>() != HEADER) {
        return Err(format!(
            "{shown}: not a handover report (its first line is not `{}`)",
            HEADER.join(",")
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = record.map_err(|e| format!("{shown}: {e}"))?;
        rows.push(HandoverRow::from_cells(&record, &format!("{shown}: line {}", i + 2))?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_the_round_trip_and_formulas_are_defused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("handover.csv");
        let row = HandoverRow {
            row: 3,
            leaver_id: "a".repeat(32),
            leaver: "=ada@x".into(),
            successor_id: "b".repeat(32),
            successor: "bo@x".into(),
            object_type: "TASK".into(),
            object_id: "c".repeat(32),
            object_name: "+SUM(A1)".into(),
            field: "assignedToID".into(),
            old_value: "a".repeat(32),
            new_value: "b".repeat(32),
            outcome: Moved::Reassigned,
            http_status: Some(200),
            attempts: 1,
            error: String::new(),
            finished_at: "2026-12-01T10:00:00Z".into(),
        };
        let mut writer = HandoverWriter::create(&path, false).unwrap();
        writer.write(row.clone()).unwrap();
        writer.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&HEADER.join(",")) && text.contains(",'+SUM(A1),"), "{text}");
        assert_eq!(read(&path).unwrap(), [row]);
        std::fs::write(&path, "row,input\n1,x\n").unwrap();
        assert!(read(&path).unwrap_err().contains("not a handover report"));
        assert!(Moved::Failed.needs_attention() && !Moved::Skipped.needs_attention());
    }
}
