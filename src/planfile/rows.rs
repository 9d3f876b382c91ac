//! One planned row as the plan file writes it, read back into a decision, and the drift check
//! `apply` makes against the user as listed now.

use serde::{Deserialize, Serialize};

use crate::model::DirUser;
use crate::plan::Decision;

/// One row: its decision and, for a matched row, the user as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub row: usize,
    pub input: String,
    pub matched_by: Option<String>,
    /// `deactivate`, `already_inactive`, `not_found`, `ambiguous`, `duplicate`, `invalid` or
    /// `protected`.
    pub decision: String,
    /// Why, for the decisions that have a reason.
    #[serde(default)]
    pub reason: String,
    pub user: Option<PlanUser>,
}

/// A user as seen at listing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanUser {
    pub id: String,
    pub name: String,
    pub username: String,
    pub email: String,
    pub is_active: bool,
    pub is_admin: bool,
    pub license_type: String,
}

impl PlanUser {
    pub(super) fn of(user: &DirUser) -> Self {
        PlanUser {
            id: user.id.clone(),
            name: user.name.clone(),
            username: user.username.clone(),
            email: user.email.clone(),
            is_active: user.is_active,
            is_admin: user.is_admin,
            license_type: user.license_type.clone(),
        }
    }

    pub(super) fn to_dir_user(&self) -> DirUser {
        DirUser {
            id: self.id.to_ascii_lowercase(),
            name: self.name.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            is_active: self.is_active,
            is_admin: self.is_admin,
            license_type: self.license_type.clone(),
            last_login: String::new(),
            scheduled: String::new(),
            access_level_id: String::new(),
            created: String::new(),
        }
    }
}

pub(super) fn decision_label(decision: &Decision) -> (&'static str, String) {
    match decision {
        Decision::Deactivate => ("deactivate", String::new()),
        Decision::AlreadyInactive => ("already_inactive", String::new()),
        Decision::NotFound(near) => ("not_found", near.join(" ")),
        Decision::Ambiguous(why) => ("ambiguous", why.clone()),
        Decision::Duplicate { first_row } => ("duplicate", first_row.to_string()),
        Decision::Invalid(why) => ("invalid", why.clone()),
        Decision::Protected(why) => ("protected", why.clone()),
        Decision::Drifted(why) => ("drifted", why.clone()),
        Decision::Schedule { date, at } => ("schedule", format!("{date} {at}")),
        Decision::Reactivate => ("reactivate", String::new()),
        Decision::AlreadyActive => ("already_active", String::new()),
    }
}

pub(super) fn decision_of(label: &str, reason: &str) -> Result<Decision, String> {
    Ok(match label {
        "deactivate" => Decision::Deactivate,
        "already_inactive" => Decision::AlreadyInactive,
        "not_found" => Decision::NotFound(reason.split_whitespace().map(String::from).collect()),
        "ambiguous" => Decision::Ambiguous(reason.into()),
        "duplicate" => Decision::Duplicate {
            first_row: reason
                .parse()
                .map_err(|_| format!("duplicate row {reason:?} is not a row"))?,
        },
        "invalid" => Decision::Invalid(reason.into()),
        "protected" => Decision::Protected(reason.into()),
        "schedule" => match reason.split_once(' ') {
            Some((date, at)) => Decision::Schedule { date: date.into(), at: at.into() },
            None => return Err(format!("a schedule without its date ({reason:?})")),
        },
        other => return Err(format!("unknown decision {other:?}")),
    })
}

/// How a planned user changed since the plan, or `None` if the plan still holds for them.
/// `now` is the user read back by ID (`None`: gone).
pub fn drift(planned: &DirUser, now: Option<&DirUser>) -> Option<String> {
    let Some(now) = now else { return Some("the user no longer exists".into()) };
    if !now.is_active {
        return Some("the user is already inactive now".into());
    }
    if now.is_admin && !planned.is_admin {
        return Some("the user became a System Administrator since the plan".into());
    }
    for (what, then, today) in [
        ("username", &planned.username, &now.username),
        ("email", &planned.email, &now.email),
        ("name", &planned.name, &now.name),
    ] {
        if then != today {
            return Some(format!("renamed since the plan: {what} was {then:?}, now {today:?}"));
        }
    }
    None
}
