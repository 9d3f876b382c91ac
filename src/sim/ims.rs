//! Adobe IMS OAuth Server-to-Server: `POST /ims/token/v3` on the simulator's own address.
//!
//! As Adobe's Developer Console reference describes: a URL-encoded body with
//! `grant_type=client_credentials`, `client_id`, `client_secret` and `scope` answers
//! `{"access_token": …, "token_type": "bearer", "expires_in": <seconds>}`. The token then travels
//! to the Workfront API as `Authorization: Bearer <token>` with `x-gw-ims-org-id: <org ID>`, and
//! acts as the credential's technical account, a Workfront user who is a Contributor (not a
//! System Administrator) unless an Admin Console administrator made it an admin of the product
//! profile (`--ims-admin`).
//!
//! Choices where Adobe's docs are silent: a refused request is 400 `{"error":
//! "invalid_client"}` (a wrong secret) or 400 `invalid_request` (a missing field); the token
//! expires after `ttl` (a day on the real service, milliseconds in tests).

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::state::SimState;

/// Answers one token request.
pub fn token(state: &SimState, form: &[(String, String)]) -> (StatusCode, Value) {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let bad = |error: &str, description: &str| {
        (StatusCode::BAD_REQUEST, json!({ "error": error, "error_description": description }))
    };
    let Some(app) = &state.credentials.ims else {
        return bad("invalid_client", "no such client");
    };
    if field("grant_type") != Some("client_credentials") {
        return bad("unsupported_grant_type", "grant_type must be client_credentials");
    }
    let (Some(client_id), Some(secret)) = (field("client_id"), field("client_secret")) else {
        return bad("invalid_request", "client_id and client_secret are required");
    };
    if field("scope").is_none_or(str::is_empty) {
        return bad("invalid_scope", "scope is required");
    }
    if client_id != app.client_id || secret != app.client_secret {
        return bad("invalid_client", "invalid client_id or client_secret");
    }
    let token = format!(
        "eyIMS.{:032x}",
        u128::from(crate::rng::mix(state.next_sequence() ^ state.faults.seed)) << 64 | 0x1e5
    );
    state.bearers_mut().insert(token.clone(), Instant::now() + app.ttl);
    state.stats_mut().ims_tokens += 1;
    (
        StatusCode::OK,
        json!({ "access_token": token, "token_type": "bearer", "expires_in": app.ttl.as_secs().max(1) }),
    )
}
