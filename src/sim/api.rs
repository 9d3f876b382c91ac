//! The Workfront API's behaviour for one request, after limits and faults have been applied.
//!
//! Choices where `../shared/workfront-api.md` is unsure, picked to look like documented
//! behaviour and to keep the traps real:
//! - Error classes: 401 `com.attask.common.AuthenticationException`; 404
//!   `com.attask.common.NotFoundException` with `User with primary key value(s) "<id>" not
//!   found`; 422 `com.attask.common.InvalidParameterException` (or `IllegalArgumentException`
//!   for paging), with the full NODE error shape (`title`, `msgKey`, `attributes`, `code`).
//! - The `apiKey` is read from the header or the query string only; in a form body it is not an
//!   authentication (WFT's report). A PUT's form body is ignored entirely: the update answers 200
//!   and changes nothing (Workfront/workfront-api #80, #100). A POST's form fields are read.
//! - `isActive` accepts `true`/`false` as JSON booleans or strings in any case (`"False"` from
//!   python-workfront included).
//! - Bulk updates without `atomic=true` apply items in order and stop at the first failure,
//!   keeping what was applied (WFT: no rollback). With `atomic=true` nothing is applied unless
//!   every item is valid, and success answers `{"data":{"success":true}}`.
//! - The Admin Email user cannot be deactivated: 422, nothing changes. A request made with the
//!   key of a user who has been deactivated is refused with 401, so a client that deactivates its
//!   own API user locks itself out, as it would on a real tenant.
//! - `generateApiKey` returns the existing key rather than rotating it, so rehearsals never
//!   invalidate another integration's key.

use axum::http::StatusCode;
use serde_json::json;

use super::reply::{Reply, error, ok};
use super::request::{ApiRequest, Kind, bad};
use super::signin::{api_key_action, authenticate, login};
use super::state::SimState;
use super::users::{get, query_for, search, update_bulk, update_one};

/// Answers one request; `seq` is its sequence number (unstable order, lost writes).
pub fn handle(state: &SimState, req: &ApiRequest, seq: u64) -> Reply {
    match req.kind() {
        Kind::Login => return login(state, req),
        Kind::ApiKey => return api_key_action(state, req),
        _ => {}
    }
    let object = super::object_api::is_object(&req.objcode);
    if req.objcode != "USER" && !object {
        let message = format!("object code {} is not simulated", req.objcode);
        return error(StatusCode::NOT_FOUND, "NotFoundException", &message);
    }
    state.deactivate_due();
    let caller = match authenticate(state, req) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    if object {
        return super::object_api::handle(state, &req.objcode, req, seq);
    }
    match req.kind() {
        Kind::Search => search(state, req, caller, seq),
        Kind::Count => match query_for(state, req, caller) {
            Ok(q) => ok(json!({ "count": q.count(&state.tenant()) })),
            Err(e) => bad(e),
        },
        Kind::Get => get(state, req, caller),
        Kind::Update => update_one(state, req, seq),
        Kind::BulkUpdate => update_bulk(state, req),
        _ => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidParameterException",
            &format!("{} on USER is not supported here", req.method),
        ),
    }
}
