//! The shared nouns every stage speaks: an input row, a user as listed and the directory, an
//! identifier and how it matched, an outcome. They live here, not in the stage that first made
//! them, so no stage imports another stage's types (and the modules form no import cycle).

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// One non-blank data row of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRow {
    /// CSV: 1-based data row number (the header and blank lines are not counted);
    /// spreadsheet: the sheet's row number.
    pub row: usize,
    /// The line (or sheet row) where the row starts, for error messages.
    pub line: u64,
    /// The trimmed identifier cell (may be empty: that row is then `invalid`).
    pub value: String,
    /// The trimmed leaving-date cell, when the list has a date column.
    pub date: Option<String>,
}

/// A user as listed, with the fields the plan and report need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirUser {
    /// Lower-case GUID.
    pub id: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub is_active: bool,
    pub is_admin: bool,
    pub license_type: String,
    /// `lastLoginDate` as Workfront wrote it; empty if never.
    pub last_login: String,
    /// `scheduledDeactivationDate` as Workfront wrote it; empty if none.
    pub scheduled: String,
    /// `accessLevelID` (lower case); empty if none. Kept in the report so an undo can give the
    /// user their access level back: reactivating needs one.
    pub access_level_id: String,
    /// `entryDate` as Workfront wrote it: when the user was created; empty if unknown.
    pub created: String,
}

/// The users that matter for this input, and facts about the whole tenant.
#[derive(Debug, Clone)]
pub struct Directory {
    /// Users some input row may refer to, plus the API user.
    pub users: Vec<DirUser>,
    /// All users, active or not.
    pub total: u64,
    /// Active users.
    pub active: u64,
    /// The user the key belongs to.
    pub api_user_id: String,
    /// For input usernames or emails (lower-cased): the closest names in the tenant.
    pub suggestions: HashMap<String, Vec<String>>,
    /// With [`Wanted::others`]: the active users no input row refers to (a roster's leavers),
    /// the API user excepted.
    pub others: Vec<DirUser>,
}

/// What an input value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// A Workfront GUID, lower-cased.
    Id(String),
    /// A username or email, lower-cased for case-insensitive matching.
    Name(String),
}

/// Classifies a trimmed input value, or says why it cannot identify anyone.
pub fn classify(value: &str) -> Result<Identifier, String> {
    if value.is_empty() {
        return Err("the identifier cell is empty".into());
    }
    if value.chars().any(char::is_control) {
        return Err("the identifier contains control characters".into());
    }
    if value.chars().any(char::is_whitespace) {
        return Err(
            "the identifier contains spaces: give a username, email address or user ID, not a name"
                .into(),
        );
    }
    if value.chars().count() > 255 {
        return Err("the identifier is longer than 255 characters".into());
    }
    if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Identifier::Id(value.to_ascii_lowercase()));
    }
    Ok(Identifier::Name(value.to_lowercase()))
}

/// Which field matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Id,
    Username,
    Email,
}

impl MatchedBy {
    /// The report's `matched_by` value.
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::Id => "id",
            MatchedBy::Username => "username",
            MatchedBy::Email => "email",
        }
    }

    /// The value a report's `matched_by` label names.
    pub fn from_label(label: &str) -> Option<MatchedBy> {
        [MatchedBy::Id, MatchedBy::Username, MatchedBy::Email]
            .into_iter()
            .find(|m| m.label() == label)
    }
}

/// The `error` cell of a `deactivated` row that reading the user back confirmed: `--resume`
/// carries over only rows that say so.
pub const CONFIRMED_INACTIVE: &str = "read back: inactive";
/// The `error` cell of a `reactivated` row that reading the user back confirmed.
pub const CONFIRMED_ACTIVE: &str = "read back: active";

/// The outcome of one row, as the report's `outcome` column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeKind {
    Deactivated,
    WouldDeactivate,
    AlreadyInactive,
    Duplicate,
    NotFound,
    Ambiguous,
    Invalid,
    Protected,
    Failed,
    Skipped,
    Reactivated,
    WouldReactivate,
    AlreadyActive,
    Drifted,
    Scheduled,
    WouldSchedule,
}

/// Every outcome, for parsing labels back.
const ALL: [OutcomeKind; 16] = [
    OutcomeKind::Deactivated,
    OutcomeKind::WouldDeactivate,
    OutcomeKind::AlreadyInactive,
    OutcomeKind::Duplicate,
    OutcomeKind::NotFound,
    OutcomeKind::Ambiguous,
    OutcomeKind::Invalid,
    OutcomeKind::Protected,
    OutcomeKind::Failed,
    OutcomeKind::Skipped,
    OutcomeKind::Reactivated,
    OutcomeKind::WouldReactivate,
    OutcomeKind::AlreadyActive,
    OutcomeKind::Drifted,
    OutcomeKind::Scheduled,
    OutcomeKind::WouldSchedule,
];

impl OutcomeKind {
    /// The report's spelling.
    pub fn label(self) -> &'static str {
        match self {
            OutcomeKind::Deactivated => "deactivated",
            OutcomeKind::WouldDeactivate => "would_deactivate",
            OutcomeKind::AlreadyInactive => "already_inactive",
            OutcomeKind::Duplicate => "duplicate",
            OutcomeKind::NotFound => "not_found",
            OutcomeKind::Ambiguous => "ambiguous",
            OutcomeKind::Invalid => "invalid",
            OutcomeKind::Protected => "protected",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Skipped => "skipped",
            OutcomeKind::Reactivated => "reactivated",
            OutcomeKind::WouldReactivate => "would_reactivate",
            OutcomeKind::AlreadyActive => "already_active",
            OutcomeKind::Drifted => "drifted",
            OutcomeKind::Scheduled => "scheduled",
            OutcomeKind::WouldSchedule => "would_schedule",
        }
    }

    /// The outcome a report's label names.
    pub fn from_label(label: &str) -> Option<OutcomeKind> {
        ALL.into_iter().find(|k| k.label() == label)
    }

    /// Is the row done, so that `--resume` carries it over instead of trying again?
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            OutcomeKind::Deactivated | OutcomeKind::AlreadyInactive | OutcomeKind::Scheduled
        )
    }

    /// Does a row with this outcome need a person to look at it (exit code 1)?
    pub fn needs_attention(self) -> bool {
        !matches!(
            self,
            OutcomeKind::Deactivated
                | OutcomeKind::WouldDeactivate
                | OutcomeKind::AlreadyInactive
                | OutcomeKind::Duplicate
                | OutcomeKind::Reactivated
                | OutcomeKind::WouldReactivate
                | OutcomeKind::AlreadyActive
                | OutcomeKind::Scheduled
                | OutcomeKind::WouldSchedule
        )
    }
}

/// One finished row.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub row: usize,
    pub input: String,
    pub matched_by: Option<MatchedBy>,
    pub user: Option<Box<DirUser>>,
    pub kind: OutcomeKind,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub error: String,
    pub finished_at: String,
}

/// Makes a cell safe to open in a spreadsheet.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// Undoes [`neutralise`], for a cell read back from a report.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
