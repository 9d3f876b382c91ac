//! `TASK/count`, `OPTASK/count` and `PROJ/count`: the open work an audit asks about.
//!
//! Only what the audit needs is simulated, in Workfront's syntax: the user filter
//! (`assignedToID` for tasks and issues, `ownerID` for projects) and a `status` filter with
//! `status_Mod` `eq` (the default), `ne`, `in` or `notin`, repeated `status` values allowed.
//! Each user's work sits in two status buckets (see [`super::tenant::Work`]). Any other filter
//! is refused with 422 rather than silently ignored, so a client filter the simulator does not
//! understand fails loudly.

use serde_json::json;

use super::reply::{Reply, error};
use super::tenant::{Tenant, Work, parse_id};
use axum::http::StatusCode;

/// The object codes counted here.
pub fn is_work(objcode: &str) -> bool {
    matches!(objcode, "TASK" | "OPTASK" | "PROJ")
}

/// Answers `GET <TASK|OPTASK|PROJ>/count?…`.
pub fn count(tenant: &Tenant, objcode: &str, params: &[(String, String)]) -> Reply {
    let invalid = |m: String| error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", &m);
    let user_field = if objcode == "PROJ" { "ownerID" } else { "assignedToID" };
    let mut user = None;
    let mut statuses: Vec<&str> = Vec::new();
    let mut modifier = "eq";
    for (key, value) in params {
        match key.as_str() {
            k if k == user_field => match parse_id(value) {
                Some(id) => user = Some(id),
                None => return invalid(format!("Invalid Parameter: {user_field} {value:?} is not an ID")),
            },
            "status" => statuses.extend(value.split(',').map(str::trim)),
            "status_Mod" => modifier = value.as_str(),
            "fields" | "method" | "apiKey" => {}
            other => return invalid(format!("Invalid Parameter: {other} is not simulated for {objcode}/count")),
        }
    }
    if !matches!(modifier, "eq" | "ne" | "in" | "notin") {
        return invalid(format!("Invalid Parameter: status_Mod {modifier:?} is not simulated"));
    }
    let keeps = |status: &str| {
        let listed = statuses.iter().any(|s| s.eq_ignore_ascii_case(status));
        statuses.is_empty() || if matches!(modifier, "eq" | "in") { listed } else { !listed }
    };
    let buckets = |w: &Work| -> [(&str, u16); 2] {
        match objcode {
            "TASK" => [("INP", w.open_tasks), ("CPL", w.done_tasks)],
            "OPTASK" => [("INP", w.open_issues), ("CLS", w.closed_issues)],
            _ => [("CUR", w.open_projects), ("CPL", w.done_projects)],
        }
    };
    let total: u64 = tenant
        .users
        .iter()
        .filter(|u| user.is_none_or(|id| u.id == id))
        .flat_map(|u| buckets(&u.work))
        .filter(|(status, _)| keeps(status))
        .map(|(_, n)| u64::from(n))
        .sum();
    (StatusCode::OK, json!({ "data": { "count": total } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn counts_follow_the_user_and_status_filters() {
        let mut tenant = Tenant::generate(50, 3).unwrap();
        tenant.users[10].work = Work { open_tasks: 4, done_tasks: 9, open_issues: 2, closed_issues: 1, open_projects: 1, done_projects: 5 };
        let id = tenant.users[10].id_hex();
        let n = |objcode: &str, pairs: &[(&str, &str)]| count(&tenant, objcode, &params(pairs)).1["data"]["count"].as_u64().unwrap();
        assert_eq!(n("TASK", &[("assignedToID", &id), ("status", "CPL"), ("status_Mod", "ne")]), 4);
        assert_eq!(n("TASK", &[("assignedToID", &id), ("status", "CPL")]), 9);
        assert_eq!(n("TASK", &[("assignedToID", &id)]), 13);
        assert_eq!(n("OPTASK", &[("assignedToID", &id), ("status", "CLS"), ("status_Mod", "ne")]), 2);
        assert_eq!(n("PROJ", &[("ownerID", &id), ("status", "CPL"), ("status", "DED"), ("status", "REJ"), ("status_Mod", "notin")]), 1);
        assert_eq!(n("PROJ", &[("ownerID", &id), ("status", "CUR"), ("status_Mod", "in")]), 1);
        assert_eq!(count(&tenant, "TASK", &params(&[("projectID", &id)])).0, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
