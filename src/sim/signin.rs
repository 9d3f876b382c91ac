//! Who is calling: the API key (header or query), an IMS Bearer token with its organisation,
//! an OAuth2 or login session; and the legacy `login` and API-key actions.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::reply::{Reply, error, ok};
use super::request::ApiRequest;
use super::state::SimState;

/// Checks an IMS access token (`Authorization: Bearer` with `x-gw-ims-org-id`): the caller is
/// the credential's technical account.
pub(super) fn authenticate_bearer(
    state: &SimState,
    req: &ApiRequest,
    token: &str,
) -> Result<u128, Reply> {
    let refused =
        |message: &str| Err(error(StatusCode::UNAUTHORIZED, "AuthenticationException", message));
    let (Some(app), Some(account)) = (&state.credentials.ims, state.technical_account) else {
        return refused("You are not currently logged in");
    };
    let expires = state.bearers_mut().get(token).copied();
    let Some(expires) = expires else { return refused("You are not currently logged in") };
    if expires <= std::time::Instant::now() {
        state.stats_mut().expired_bearers += 1;
        return refused("The access token has expired");
    }
    let org = req.headers.get("x-gw-ims-org-id").and_then(|v| v.to_str().ok());
    if org != Some(app.org_id.as_str()) {
        return refused("The x-gw-ims-org-id header does not name this organization");
    }
    Ok(account)
}

/// Checks the `apiKey` header or parameter, or a session; returns the caller's user ID.
pub(super) fn authenticate(state: &SimState, req: &ApiRequest) -> Result<u128, Reply> {
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(token) = header("authorization").and_then(|v| v.strip_prefix("Bearer ")) {
        return authenticate_bearer(state, req, token.trim());
    }
    let query = |name: &str| req.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let key = header("apiKey").or_else(|| query("apiKey"));
    let session = header("SessionID").or_else(|| query("sessionID"));
    let session_state = session.map(|s| state.sessions_mut().get(s).copied());
    if let Some(Some(Some(expires))) = session_state
        && expires <= std::time::Instant::now()
    {
        state.stats_mut().expired_sessions += 1;
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationException",
            "Your session has expired",
        ));
    }
    let authentic = key.is_some_and(|k| k == state.credentials.api_key)
        || matches!(session_state, Some(Some(_)));
    if !authentic {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationException",
            "You are not currently logged in",
        ));
    }
    let tenant = state.tenant();
    let api_user = tenant.api_user;
    match tenant.index_of(api_user) {
        Some(i) if tenant.users[i].is_active => Ok(api_user),
        _ => Err(error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationException",
            "The user this key belongs to is not active",
        )),
    }
}

pub(super) fn check_password(state: &SimState, req: &ApiRequest) -> Result<(), Reply> {
    let tenant = state.tenant();
    let api_user = &tenant.users[tenant.index_of(tenant.api_user).expect("the API user exists")];
    let username_ok =
        req.param("username").is_some_and(|u| u.eq_ignore_ascii_case(&api_user.username));
    if username_ok
        && req.param("password") == Some(state.credentials.password.as_str())
        && api_user.is_active
    {
        Ok(())
    } else {
        let message = "That username/password combination wasn't quite right. Please try again.";
        Err(error(StatusCode::UNAUTHORIZED, "AuthenticationException", message))
    }
}

/// Password sign-in is gone on every organisation on the Adobe Business Platform.
pub(super) fn legacy_refused(state: &SimState) -> Option<Reply> {
    (!state.credentials.legacy_login).then(|| {
        let message = "Logging in to Workfront through the API with a username and password is not available for organizations on the Adobe Business Platform.";
        error(StatusCode::UNAUTHORIZED, "AuthenticationException", message)
    })
}

pub(super) fn login(state: &SimState, req: &ApiRequest) -> Reply {
    if let Some(reply) = legacy_refused(state) {
        return reply;
    }
    if let Err(reply) = check_password(state, req) {
        return reply;
    }
    let tenant = state.tenant();
    let session = format!(
        "{:032x}",
        u128::from(crate::rng::mix(state.next_sequence() ^ state.faults.seed)) << 64 | 0x5e55
    );
    state.sessions_mut().insert(session.clone(), None);
    ok(
        json!({ "sessionID": session, "userID": format!("{:032x}", tenant.api_user), "versionInformation": {"currentAPIVersion": "22.0"} }),
    )
}

pub(super) fn api_key_action(state: &SimState, req: &ApiRequest) -> Reply {
    let action = req.param("action").unwrap_or("");
    if req.method != Method::PUT {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidParameterException",
            &format!("action {action} needs method=put"),
        );
    }
    if let Some(reply) = legacy_refused(state) {
        return reply;
    }
    if let Err(reply) = check_password(state, req) {
        return reply;
    }
    let has_key = &state.has_api_key;
    match action {
        // The existing key, or "" when the user has none.
        "getApiKey" => {
            state.stats_mut().api_keys_got += 1;
            let key = if has_key.load(std::sync::atomic::Ordering::SeqCst) {
                state.credentials.api_key.as_str()
            } else {
                ""
            };
            ok(json!({ "result": key }))
        }
        // A key is made (on a real tenant, this rotates it, breaking the user's other scripts).
        "generateApiKey" => {
            state.stats_mut().api_keys_generated += 1;
            has_key.store(true, std::sync::atomic::Ordering::SeqCst);
            ok(json!({ "result": state.credentials.api_key }))
        }
        other => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "InvalidParameterException",
            &format!("unknown action {other}"),
        ),
    }
}
