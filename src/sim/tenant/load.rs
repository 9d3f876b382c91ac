//! A tenant from a CSV file (`wf-offboard sim --users-file`, see samples/tenant.csv).

use std::path::Path;

use super::{Tenant, TenantError, User, Work, parse_id};

impl Tenant {
    /// Loads a tenant from a CSV with the header
    /// `ID,firstName,lastName,username,emailAddr,isActive,isAdmin,licenseType,role`;
    /// `ID` may be blank (one is derived from the line), `role` is blank, `admin_email` or
    /// `api_user` (exactly one `api_user`).
    pub fn load_csv(path: &Path) -> Result<Tenant, TenantError> {
        let shown = path.display().to_string();
        let csv_err = |source| TenantError::Csv { path: shown.clone(), source };
        let mut reader =
            csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(csv_err)?;
        let mut users = Vec::new();
        let (mut admin_email_user, mut api_user) = (None, None);
        for record in reader.deserialize::<TenantRow>() {
            let row = record.map_err(csv_err)?;
            let line = users.len() as u64 + 2;
            let bad = |message: String| TenantError::Row { path: shown.clone(), line, message };
            let id = match row.id.as_deref() {
                None | Some("") => crate::rng::mix(line) as u128 | (u128::from(line) << 64),
                Some(text) => parse_id(text)
                    .ok_or_else(|| bad(format!("ID {text:?} is not 32 hex characters")))?,
            };
            let flag = |name: &str, text: &str| match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" | "" => Ok(false),
                _ => Err(bad(format!("{name} {text:?} is not true or false"))),
            };
            let count = |name: &str, text: &str| match text {
                "" => Ok(0),
                _ => {
                    text.parse::<u16>().map_err(|_| bad(format!("{name} {text:?} is not a count")))
                }
            };
            let license_type = match row.license_type.as_str() {
                "" => 'R',
                l @ ("F" | "C" | "R" | "X") => l.chars().next().expect("one char"),
                other => return Err(bad(format!("licenseType {other:?} is not F, C, R or X"))),
            };
            match row.role.as_deref().unwrap_or("") {
                "" => {}
                "admin_email" => admin_email_user = Some(id),
                "api_user" if api_user.is_some() => return Err(bad("a second api_user".into())),
                "api_user" => api_user = Some(id),
                other => return Err(bad(format!("role {other:?} is not admin_email or api_user"))),
            }
            users.push(User {
                id,
                first_name: row.first_name.into(),
                last_name: row.last_name.into(),
                username: row.username.into(),
                email: row.email.into(),
                is_active: flag("isActive", &row.is_active)?,
                is_admin: flag("isAdmin", &row.is_admin)?,
                license_type,
                last_login_days_ago: Some(3),
                work: Work {
                    open_tasks: count("openTasks", &row.open_tasks)?,
                    open_issues: count("openIssues", &row.open_issues)?,
                    open_projects: count("ownedProjects", &row.owned_projects)?,
                    ..Work::default()
                },
                scheduled: None,
                home_group: 0,
                access_level: None,
                created_days_ago: 0,
            });
        }
        let file_err = |message: String| TenantError::File { path: shown.clone(), message };
        let api_user = api_user.ok_or_else(|| file_err("no user has role api_user".into()))?;
        Tenant::from_users(users, admin_email_user, api_user).map_err(file_err)
    }
}

#[derive(serde::Deserialize)]
struct TenantRow {
    #[serde(rename = "ID")]
    id: Option<String>,
    #[serde(rename = "firstName")]
    first_name: String,
    #[serde(rename = "lastName")]
    last_name: String,
    username: String,
    #[serde(rename = "emailAddr")]
    email: String,
    #[serde(rename = "isActive")]
    is_active: String,
    #[serde(rename = "isAdmin", default)]
    is_admin: String,
    #[serde(rename = "licenseType", default)]
    license_type: String,
    #[serde(default)]
    role: Option<String>,
    #[serde(rename = "openTasks", default)]
    open_tasks: String,
    #[serde(rename = "openIssues", default)]
    open_issues: String,
    #[serde(rename = "ownedProjects", default)]
    owned_projects: String,
}
