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

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value, json};

use super::query::{BadQuery, Query, parse_fields, render_user};
use super::state::SimState;
use super::tenant::{User, parse_id};

/// The most objects one bulk update may carry.
pub const MAX_BULK: usize = 100;

/// What a request is, for routing and for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Search,
    Count,
    Get,
    Update,
    BulkUpdate,
    Login,
    ApiKey,
    /// The same four on tasks, issues, projects, reports, … (see [`super::objects`]).
    ObjectSearch,
    ObjectCount,
    ObjectGet,
    ObjectUpdate,
    Other,
}

impl Kind {
    /// The name used in `/__sim/stats`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Search => "search",
            Kind::Count => "count",
            Kind::Get => "get",
            Kind::Update => "update",
            Kind::BulkUpdate => "bulk_update",
            Kind::Login => "login",
            Kind::ApiKey => "api_key",
            Kind::ObjectSearch => "object_search",
            Kind::ObjectCount => "object_count",
            Kind::ObjectGet => "object_get",
            Kind::ObjectUpdate => "object_update",
            Kind::Other => "other",
        }
    }
}

/// One API request, parsed from the wire.
#[derive(Debug)]
pub struct ApiRequest {
    /// The effective method: a `method=` override, else the HTTP verb.
    pub method: Method,
    /// `USER`, `LOGIN`, … (upper-cased: object codes are case-insensitive).
    pub objcode: String,
    /// The path segment after the object code: `search`, `count`, an ID, or nothing.
    pub target: Option<String>,
    /// Query-string pairs, in order, repeats kept.
    pub query: Vec<(String, String)>,
    /// Form fields of a POST body (a PUT's form body is ignored, as on Workfront).
    pub form: Vec<(String, String)>,
    /// A JSON body, or why it did not parse.
    pub json: Option<Result<Value, String>>,
    pub headers: HeaderMap,
}

use super::reply::ok;
pub use super::reply::{Reply, error};

impl ApiRequest {
    /// Parses the path after `/attask/api/`, the verb, query, headers and body.
    pub fn parse(
        path: &str,
        method: &Method,
        raw_query: Option<&str>,
        headers: HeaderMap,
        body: &[u8],
    ) -> Result<ApiRequest, Reply> {
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let mut first = segments.next().unwrap_or("");
        if is_version(first) {
            first = segments.next().unwrap_or("");
        } else if first.starts_with(['v', 'V'])
            && first[1..].starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(error(
                StatusCode::NOT_FOUND,
                "NotFoundException",
                &format!("unknown API version {first}"),
            ));
        }
        let objcode = first.to_ascii_uppercase();
        let target = segments.next().map(str::to_string);
        let query: Vec<(String, String)> =
            raw_query.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut form = Vec::new();
        let mut json_body = None;
        if content_type.starts_with("application/json")
            || (content_type.is_empty() && body.first().is_some_and(|b| matches!(b, b'{' | b'[')))
        {
            json_body =
                Some(serde_json::from_slice(body).map_err(|e| format!("JSON parsing error: {e}")));
        } else if content_type.starts_with("application/x-www-form-urlencoded")
            && *method == Method::POST
        {
            form = serde_urlencoded::from_bytes(body).unwrap_or_default();
        }
        let override_method = query
            .iter()
            .chain(form.iter())
            .find(|(k, _)| k == "method")
            .map(|(_, v)| v.to_ascii_uppercase());
        let method = match override_method.as_deref() {
            Some(m @ ("GET" | "PUT" | "POST" | "DELETE")) => {
                Method::from_bytes(m.as_bytes()).expect("a valid verb")
            }
            _ => method.clone(),
        };
        Ok(ApiRequest { method, objcode, target, query, form, json: json_body, headers })
    }

    /// A parameter from the query string or, for POST, the form body.
    fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().chain(self.form.iter()).find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// All parameters: query string first, then form fields.
    pub fn params(&self) -> Vec<(String, String)> {
        self.query.iter().chain(self.form.iter()).cloned().collect()
    }

    /// Classifies the request for routing and statistics.
    pub fn kind(&self) -> Kind {
        let target = self.target.as_deref().map(str::to_ascii_lowercase);
        match (self.objcode.as_str(), target.as_deref(), &self.method) {
            ("LOGIN", _, _) => Kind::Login,
            ("USER", _, _) if self.param("action").is_some() => Kind::ApiKey,
            ("USER", Some("search"), &Method::GET) => Kind::Search,
            ("USER", Some("count"), &Method::GET) => Kind::Count,
            ("USER", _, &Method::GET) => Kind::Get,
            ("USER", Some(_), &Method::PUT) => Kind::Update,
            ("USER", None, &Method::PUT) => Kind::BulkUpdate,
            (code, Some(t), method) if super::object_api::is_object(code) => match (t, method) {
                ("search", &Method::GET) => Kind::ObjectSearch,
                ("count", &Method::GET) => Kind::ObjectCount,
                (_, &Method::GET) => Kind::ObjectGet,
                (_, &Method::PUT) => Kind::ObjectUpdate,
                _ => Kind::Other,
            },
            _ => Kind::Other,
        }
    }

    /// Does this request try to change something (the dry-run guarantee is checked on this)?
    /// A read of users by ID: `GET user?id=`, `user/<ID>`, or a search filtered by `ID`
    /// (other than the caller's own `$$USER.ID`).
    pub fn reads_by_id(&self) -> bool {
        match self.kind() {
            Kind::Get | Kind::ObjectGet => true,
            Kind::Search | Kind::ObjectSearch => {
                self.params().iter().any(|(k, v)| k == "ID" && v != "$$USER.ID")
            }
            _ => false,
        }
    }

    pub fn is_mutating(&self) -> bool {
        matches!(self.method, Method::PUT | Method::POST | Method::DELETE)
            && self.kind() != Kind::Login
    }

    /// Did a secret travel in the URL? `(api key, password or session)`.
    pub fn secrets_in_url(&self) -> (bool, bool) {
        let has = |key: &str| self.query.iter().any(|(k, _)| k.eq_ignore_ascii_case(key));
        (has("apiKey"), has("password") || has("sessionID"))
    }
}

fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix(['v', 'V']) else { return false };
    let mut parts = rest.split('.');
    let digits =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

fn bad(e: BadQuery) -> Reply {
    let class = if e.0.contains("limit") || e.0.contains("$$") {
        "IllegalArgumentException"
    } else {
        "InvalidParameterException"
    };
    error(StatusCode::UNPROCESSABLE_ENTITY, class, &e.0)
}

fn not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "NotFoundException",
        &format!("User with primary key value(s) \"{id}\" not found"),
    )
}

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

/// Checks an IMS access token (`Authorization: Bearer` with `x-gw-ims-org-id`): the caller is
/// the credential's technical account.
fn authenticate_bearer(state: &SimState, req: &ApiRequest, token: &str) -> Result<u128, Reply> {
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
fn authenticate(state: &SimState, req: &ApiRequest) -> Result<u128, Reply> {
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

fn check_password(state: &SimState, req: &ApiRequest) -> Result<(), Reply> {
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
fn legacy_refused(state: &SimState) -> Option<Reply> {
    (!state.credentials.legacy_login).then(|| {
        let message = "Logging in to Workfront through the API with a username and password is not available for organizations on the Adobe Business Platform.";
        error(StatusCode::UNAUTHORIZED, "AuthenticationException", message)
    })
}

fn login(state: &SimState, req: &ApiRequest) -> Reply {
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

fn api_key_action(state: &SimState, req: &ApiRequest) -> Reply {
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

/// The query as `caller` may run it: a caller who is not a System Administrator sees only its
/// home group (and itself).
fn query_for(
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
fn caller_role(state: &SimState, caller: u128) -> Option<(u32, bool)> {
    let tenant = state.tenant();
    tenant.index_of(caller).map(|i| (tenant.users[i].home_group, tenant.users[i].is_admin))
}

fn search(state: &SimState, req: &ApiRequest, caller: u128, seq: u64) -> Reply {
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

fn get(state: &SimState, req: &ApiRequest, caller: u128) -> Reply {
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

/// The changes a single update asks for: `updates` (query, POST form or JSON body) plus plain
/// field parameters.
pub(super) fn requested_changes(req: &ApiRequest) -> Result<Map<String, Value>, Reply> {
    let parse_err =
        |e: String| error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", &e);
    let mut changes = Map::new();
    if let Some(text) = req.param("updates") {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => changes.extend(map),
            Ok(_) => {
                return Err(parse_err("JSON parsing error: updates must be one object".into()));
            }
            Err(e) => return Err(parse_err(format!("JSON parsing error: {e}"))),
        }
    }
    match &req.json {
        Some(Ok(Value::Object(map))) => changes.extend(map.clone()),
        Some(Ok(_)) => {
            return Err(parse_err("JSON parsing error: the body must be one object".into()));
        }
        Some(Err(e)) => return Err(parse_err(e.clone())),
        None => {}
    }
    for (key, value) in req.query.iter().chain(req.form.iter()) {
        if super::query::Field::parse(key).is_some() && key != "ID" {
            changes.insert(key.clone(), Value::String(value.clone()));
        }
    }
    Ok(changes)
}

/// Checks every change against a user; returns the changed copy without storing it.
fn apply(
    user: &User,
    changes: &Map<String, Value>,
    admin_email_user: Option<u128>,
) -> Result<User, Reply> {
    let invalid =
        |m: String| error(StatusCode::UNPROCESSABLE_ENTITY, "InvalidParameterException", &m);
    let mut next = user.clone();
    for (key, value) in changes {
        match key.as_str() {
            "ID" | "objCode" => {}
            "isActive" => {
                next.is_active = match value {
                    Value::Bool(b) => *b,
                    Value::String(s) if s.eq_ignore_ascii_case("true") => true,
                    Value::String(s) if s.eq_ignore_ascii_case("false") => false,
                    other => {
                        return Err(invalid(format!(
                            "Invalid Parameter: isActive must be true or false, not {other}"
                        )));
                    }
                };
            }
            "firstName" | "lastName" | "emailAddr" => {
                let Some(text) = value.as_str() else {
                    return Err(invalid(format!("Invalid Parameter: {key} must be text")));
                };
                let slot = match key.as_str() {
                    "firstName" => &mut next.first_name,
                    "lastName" => &mut next.last_name,
                    _ => &mut next.email,
                };
                *slot = text.into();
            }
            "scheduledDeactivationDate" => {
                next.scheduled = match value {
                    Value::Null => None,
                    Value::String(text) if text.is_empty() => None,
                    Value::String(text) => match super::schedule::store_date(text) {
                        Some((stored, at)) => Some((stored.into(), at)),
                        None => {
                            return Err(invalid(format!(
                                "Invalid Parameter: scheduledDeactivationDate {text:?} is not a date"
                            )));
                        }
                    },
                    other => {
                        return Err(invalid(format!(
                            "Invalid Parameter: scheduledDeactivationDate must be a date, not {other}"
                        )));
                    }
                };
            }
            "accessLevelID" => {
                next.access_level = match value.as_str().and_then(parse_id) {
                    Some(level) => Some(level),
                    None => {
                        return Err(invalid(format!(
                            "Invalid Parameter: accessLevelID {value} is not an access level ID"
                        )));
                    }
                };
            }
            "isAdmin" | "name" | "username" | "licenseType" | "lastLoginDate" => {
                return Err(invalid(format!("Invalid Parameter: {key} is read-only here")));
            }
            other => {
                return Err(invalid(format!("Invalid Parameter: {other} is not a USER field")));
            }
        }
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

fn store(state: &SimState, tenant: &mut super::tenant::Tenant, index: usize, next: User) {
    if let Some((_, at)) = &next.scheduled
        && tenant.users[index].scheduled.as_ref().map(|(_, was)| was) != Some(at)
    {
        state.schedule(next.id, *at);
    }
    let id = next.id_hex();
    tenant.users[index] = next;
    *state.stats_mut().writes_per_user.entry(id).or_default() += 1;
}

fn update_one(state: &SimState, req: &ApiRequest, seq: u64) -> Reply {
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

fn update_bulk(state: &SimState, req: &ApiRequest) -> Reply {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_object_codes_parse() {
        let r = ApiRequest::parse(
            "v22.0/User/search",
            &Method::GET,
            Some("a=1"),
            HeaderMap::new(),
            b"",
        )
        .unwrap();
        assert_eq!((r.objcode.as_str(), r.kind()), ("USER", Kind::Search));
        let r = ApiRequest::parse("user/count", &Method::GET, None, HeaderMap::new(), b"").unwrap();
        assert_eq!(r.kind(), Kind::Count, "no version means Default");
        assert!(
            ApiRequest::parse("v22/user/search", &Method::GET, None, HeaderMap::new(), b"")
                .is_err()
        );
    }

    #[test]
    fn method_override_and_put_form_body() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
        let r = ApiRequest::parse(
            "v22.0/user/abc",
            &Method::PUT,
            None,
            headers.clone(),
            b"updates=%7B%7D",
        )
        .unwrap();
        assert!(r.form.is_empty(), "a PUT's form body is ignored");
        let r = ApiRequest::parse(
            "v22.0/user/abc",
            &Method::POST,
            None,
            headers,
            b"method=PUT&isActive=False",
        )
        .unwrap();
        assert_eq!((r.method.clone(), r.kind()), (Method::PUT, Kind::Update));
        assert!(r.is_mutating());
        let r = ApiRequest::parse(
            "v22.0/user/abc",
            &Method::GET,
            Some("method=put"),
            HeaderMap::new(),
            b"",
        )
        .unwrap();
        assert!(r.is_mutating(), "GET with method=put is a write");
    }
}
