//! USER search, count, get and updates (one, or a bulk of up to 100), with Workfront's rules:
//! what a caller who is not a System Administrator may see, what may change, read-only fields.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::query::{Query, parse_fields, render_user};
use super::reply::{Reply, error, ok};
use super::request::{ApiRequest, MAX_BULK, bad, not_found, requested_changes};
use super::state::SimState;
use super::tenant::{User, parse_id};

/// The query as `caller` may run it: a caller who is not a System Administrator sees only its
/// home group (and itself).
pub(super) fn query_for(
    state: &SimState,
    req: &ApiRequest,
    caller: u128,
) -> Result<Query, super::query::BadQuery> {
    let mut query = Query::parse(&req.params(), caller)?;
    if let Some((group, false)) = caller_role(state, caller) {
        query.restrict_to(group, caller);
    }
    Ok(query)
}

/// The caller's home group and whether it is a System Administrator.
pub(super) fn caller_role(state: &SimState, caller: u128) -> Option<(u32, bool)> {
    let tenant = state.tenant();
    tenant.index_of(caller).map(|i| (tenant.users[i].home_group, tenant.users[i].is_admin))
}

pub(super) fn search(state: &SimState, req: &ApiRequest, caller: u128, seq: u64) -> Reply {
    let query = match query_for(state, req, caller) {
        Ok(q) => q,
        Err(e) => return bad(e),
    };
    let tenant = state.tenant();
    let rotation = crate::rng::mix(seq ^ state.faults.seed.rotate_left(17));
    let page: Vec<Value> =
        query.page(&tenant, rotation).into_iter().map(|u| query.render(u)).collect();
    ok(Value::Array(page))
}

pub(super) fn get(state: &SimState, req: &ApiRequest, caller: u128) -> Reply {
    let (fields, all) = match parse_fields(&req.params()) {
        Ok(f) => f,
        Err(e) => return bad(e),
    };
    let role = caller_role(state, caller);
    let tenant = state.tenant();
    // A user the caller may not see does not exist for it.
    let visible = |u: &&User| match role {
        Some((group, false)) => u.home_group == group || u.id == caller,
        _ => true,
    };
    let lookup = |text: &str| {
        parse_id(text).and_then(|id| tenant.index_of(id)).map(|i| &tenant.users[i]).filter(visible)
    };
    // `id=A,B` and `id=A&id=B` both name several users.
    let ids: Vec<String> = req
        .params()
        .into_iter()
        .filter(|(k, _)| k == "id")
        .flat_map(|(_, v)| v.split(',').map(|id| id.trim().to_string()).collect::<Vec<_>>())
        .collect();
    match (req.target.as_deref(), ids.as_slice()) {
        (Some(id), _) => match lookup(id) {
            Some(user) => ok(render_user(user, &fields, all)),
            None => not_found(id),
        },
        (None, []) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidParameterException",
            "GET USER needs an ID or id=",
        ),
        // One ID answers an object, like `user/<ID>`.
        (None, [id]) => match lookup(id) {
            Some(user) => ok(render_user(user, &fields, all)),
            None => not_found(id),
        },
        // Several answer an array; one that does not exist fails the whole request (the strict
        // reading of undocumented behaviour, so the client must not depend on the lenient one).
        (None, many) => match many.iter().find(|id| lookup(id).is_none()) {
            Some(missing) => not_found(missing),
            None => ok(Value::Array(
                many.iter()
                    .filter_map(|id| lookup(id))
                    .map(|u| render_user(u, &fields, all))
                    .collect(),
            )),
        },
    }
}

/// Checks every change against a user; returns the changed copy without storing it.
pub(super) fn apply(
    user: &User,
    changes: &Map<String, Value>,
    admin_email_user: Option<u128>,
) -> Result<User, Reply> {
    let mut next = user.clone();
    for (key, value) in changes {
        set_field(&mut next, key, value).map_err(invalid)?;
    }
    if user.is_active && !next.is_active && admin_email_user == Some(user.id) {
        let message = "Invalid Parameter: isActive. The Admin Email user (Setup > Customer Info) cannot be deactivated.";
        return Err(invalid(message.into()));
    }
    if user.is_active && !next.is_active && !changes.contains_key("accessLevelID") {
        // Deactivation frees the licence: the access level goes with it.
        next.access_level = None;
    }
    if !user.is_active && next.is_active && next.access_level.is_none() {
        let message =
            "Invalid Parameter: accessLevelID. Choose an access level to reactivate this user.";
        return Err(invalid(message.into()));
    }
    Ok(next)
}

fn invalid(message: String) -> Reply {
    error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", &message)
}

/// Sets one field of a user from an update, or says why Workfront would refuse it.
fn set_field(next: &mut User, key: &str, value: &Value) -> Result<(), String> {
    match key {
        "ID" | "objCode" => {}
        "isActive" => {
            next.is_active = match value {
                Value::Bool(b) => *b,
                Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                other => {
                    return Err(format!(
                        "Invalid Parameter: isActive must be true or false, not {other}"
                    ));
                }
            };
        }
        "firstName" | "lastName" | "emailAddr" => {
            let text = value.as_str().ok_or(format!("Invalid Parameter: {key} must be text"))?;
            let slot = match key {
                "firstName" => &mut next.first_name,
                "lastName" => &mut next.last_name,
                _ => &mut next.email,
            };
            *slot = text.into();
        }
        "scheduledDeactivationDate" => next.scheduled = scheduled(value)?,
        "accessLevelID" => {
            let level = value.as_str().and_then(parse_id).ok_or_else(|| {
                format!("Invalid Parameter: accessLevelID {value} is not an access level ID")
            })?;
            next.access_level = Some(level);
        }
        "isAdmin" | "name" | "username" | "licenseType" | "lastLoginDate" => {
            return Err(format!("Invalid Parameter: {key} is read-only here"));
        }
        other => return Err(format!("Invalid Parameter: {other} is not a USER field")),
    }
    Ok(())
}

/// `scheduledDeactivationDate` as stored: the date only, at 00:00 in the offset sent.
fn scheduled(value: &Value) -> Result<Option<(Box<str>, i64)>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.is_empty() => Ok(None),
        Value::String(text) => match super::schedule::store_date(text) {
            Some((stored, at)) => Ok(Some((stored.into(), at))),
            None => {
                Err(format!("Invalid Parameter: scheduledDeactivationDate {text:?} is not a date"))
            }
        },
        other => {
            Err(format!("Invalid Parameter: scheduledDeactivationDate must be a date, not {other}"))
        }
    }
}

pub(super) fn store(
    state: &SimState,
    tenant: &mut super::tenant::Tenant,
    index: usize,
    next: User,
) {
    if let Some((_, at)) = &next.scheduled
        && tenant.users[index].scheduled.as_ref().map(|(_, was)| was) != Some(at)
    {
        state.schedule(next.id, *at);
    }
    let id = next.id_hex();
    tenant.users[index] = next;
    *state.stats_mut().writes_per_user.entry(id).or_default() += 1;
}

pub(super) fn update_one(state: &SimState, req: &ApiRequest, seq: u64) -> Reply {
    let id_text = req.target.as_deref().unwrap_or("");
    let changes = match requested_changes(req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let (fields, all) = match parse_fields(&req.params()) {
        Ok(f) => f,
        Err(e) => return bad(e),
    };
    let mut tenant = state.tenant_mut();
    let Some(index) = parse_id(id_text).and_then(|id| tenant.index_of(id)) else {
        return not_found(id_text);
    };
    let next = match apply(&tenant.users[index], &changes, tenant.admin_email_user) {
        Ok(next) => next,
        Err(reply) => return reply,
    };
    let reply = ok(render_user(&next, &fields, all));
    if !changes.is_empty() && state.loses_write(seq) {
        state.stats_mut().lost_writes += 1;
    } else if !changes.is_empty() {
        store(state, &mut tenant, index, next);
    }
    reply
}

pub(super) fn update_bulk(state: &SimState, req: &ApiRequest) -> Reply {
    let invalid = |m: &str| error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", m);
    let parsed = match (req.param("updates"), &req.json) {
        (Some(text), _) => {
            serde_json::from_str::<Value>(text).map_err(|e| format!("JSON parsing error: {e}"))
        }
        (None, Some(body)) => body.clone(),
        (None, None) => return invalid("a bulk update needs updates=[...]"),
    };
    let items = match parsed {
        Ok(Value::Array(items)) => items,
        Ok(_) => return invalid("a bulk update needs a JSON array of objects with ID"),
        Err(e) => return invalid(&e),
    };
    if items.is_empty() || items.len() > MAX_BULK {
        return invalid(&format!(
            "Max Number of Batch Creates/Updates is {MAX_BULK} (got {})",
            items.len()
        ));
    }
    let atomic = req.param("atomic").is_some_and(|a| a.eq_ignore_ascii_case("true"));
    let (fields, all) = match parse_fields(&req.params()) {
        Ok(f) => f,
        Err(e) => return bad(e),
    };
    let mut tenant = state.tenant_mut();
    let mut staged = Vec::with_capacity(items.len());
    for item in &items {
        let Some(changes) = item.as_object() else {
            return invalid("each bulk item must be an object");
        };
        let id_text = changes.get("ID").and_then(Value::as_str).unwrap_or("");
        let checked = match parse_id(id_text).and_then(|id| tenant.index_of(id)) {
            None => Err(not_found(id_text)),
            Some(index) => apply(&tenant.users[index], changes, tenant.admin_email_user)
                .map(|next| (index, next)),
        };
        match (checked, atomic) {
            (Ok(step), true) => staged.push(step),
            (Ok((index, next)), false) => {
                staged.push((index, next.clone()));
                store(state, &mut tenant, index, next);
            }
            // Atomic: nothing was stored yet. Not atomic: what came before stays stored.
            (Err(reply), _) => return reply,
        }
    }
    if atomic {
        for (index, next) in staged {
            store(state, &mut tenant, index, next);
        }
        return ok(json!({ "success": true }));
    }
    ok(Value::Array(staged.iter().map(|(_, u)| render_user(u, &fields, all)).collect()))
}
