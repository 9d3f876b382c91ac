//! USER fields: which exist, how each is rendered (`fields=`), and the values filters compare.

use serde_json::{Map, Value};

use super::super::tenant::User;
use super::BadQuery;

/// A USER field the simulator knows, by its case-sensitive API name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Name,
    ObjCode,
    FirstName,
    LastName,
    Username,
    EmailAddr,
    IsActive,
    IsAdmin,
    LicenseType,
    LastLoginDate,
    ScheduledDeactivationDate,
    HomeGroupID,
    AccessLevelID,
    EntryDate,
}

pub(super) const ALL_FIELDS: &[(&str, Field)] = &[
    ("ID", Field::Id),
    ("name", Field::Name),
    ("objCode", Field::ObjCode),
    ("firstName", Field::FirstName),
    ("lastName", Field::LastName),
    ("username", Field::Username),
    ("emailAddr", Field::EmailAddr),
    ("isActive", Field::IsActive),
    ("isAdmin", Field::IsAdmin),
    ("licenseType", Field::LicenseType),
    ("lastLoginDate", Field::LastLoginDate),
    ("scheduledDeactivationDate", Field::ScheduledDeactivationDate),
    ("homeGroupID", Field::HomeGroupID),
    ("accessLevelID", Field::AccessLevelID),
    ("entryDate", Field::EntryDate),
];

/// A field's value, borrowed where it can be.
#[derive(Debug, PartialEq, PartialOrd)]
pub(super) enum FieldValue {
    Null,
    Bool(bool),
    Text(String),
}

impl Field {
    /// Looks a field up by its exact API name.
    pub fn parse(name: &str) -> Option<Field> {
        ALL_FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub(super) fn api_name(self) -> &'static str {
        ALL_FIELDS.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).expect("every field is listed")
    }

    pub(super) fn value(self, user: &User) -> FieldValue {
        match self {
            Field::Id => FieldValue::Text(user.id_hex()),
            Field::Name => FieldValue::Text(user.name()),
            Field::ObjCode => FieldValue::Text("USER".into()),
            Field::FirstName => FieldValue::Text(user.first_name.to_string()),
            Field::LastName => FieldValue::Text(user.last_name.to_string()),
            Field::Username => FieldValue::Text(user.username.to_string()),
            Field::EmailAddr => FieldValue::Text(user.email.to_string()),
            Field::IsActive => FieldValue::Bool(user.is_active),
            Field::IsAdmin => FieldValue::Bool(user.is_admin),
            Field::LicenseType => FieldValue::Text(user.license_type.to_string()),
            Field::ScheduledDeactivationDate => match &user.scheduled {
                None => FieldValue::Null,
                Some((text, _)) => FieldValue::Text(text.to_string()),
            },
            Field::HomeGroupID => FieldValue::Text(format!(
                "{:032x}",
                0x6_0000_0000_u128 | u128::from(user.home_group)
            )),
            Field::AccessLevelID => match user.access_level {
                None => FieldValue::Null,
                Some(level) => FieldValue::Text(format!("{level:032x}")),
            },
            Field::EntryDate => FieldValue::Text(login_date(user.created_days_ago)),
            Field::LastLoginDate => match user.last_login_days_ago {
                None => FieldValue::Null,
                Some(days) => FieldValue::Text(login_date(days)),
            },
        }
    }
}

/// Workfront's date format, counted back from a fixed reference day so output is repeatable.
pub(super) fn login_date(days_ago: u16) -> String {
    let (y, m, d) = crate::clock::civil_from_days(crate::clock::today_days() - i64::from(days_ago));
    format!("{y:04}-{m:02}-{d:02}T09:00:00:000-0700")
}

/// Renders a user with the default fields plus `fields` (or every field).
pub fn render_user(user: &User, fields: &[Field], all: bool) -> Value {
    let mut map = Map::new();
    let defaults = [Field::Id, Field::Name, Field::ObjCode];
    let chosen: Vec<Field> = if all {
        ALL_FIELDS.iter().map(|(_, f)| *f).collect()
    } else {
        defaults.iter().chain(fields).copied().collect()
    };
    for field in chosen {
        let value = match field.value(user) {
            FieldValue::Null => Value::Null,
            FieldValue::Bool(b) => Value::Bool(b),
            FieldValue::Text(t) => Value::String(t),
        };
        map.insert(field.api_name().to_string(), value);
    }
    Value::Object(map)
}

/// Parses a `fields=` list for endpoints other than search.
pub fn parse_fields(params: &[(String, String)]) -> Result<(Vec<Field>, bool), BadQuery> {
    let mut fields = Vec::new();
    let mut all = false;
    for (_, value) in params.iter().filter(|(k, _)| k == "fields") {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "*" {
                all = true;
            } else {
                fields.push(known_field(name)?);
            }
        }
    }
    Ok((fields, all))
}

pub(super) fn known_field(name: &str) -> Result<Field, BadQuery> {
    Field::parse(name)
        .ok_or_else(|| BadQuery(format!("Invalid Parameter: field {name:?} is not a USER field")))
}

pub(super) fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
