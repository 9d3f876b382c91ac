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
use serde_json::{Value, json};

use super::query::BadQuery;
use super::signin::{api_key_action, authenticate, login};
use super::state::SimState;
use super::users::{get, query_for, search, update_bulk, update_one};

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
    pub(super) fn param(&self, key: &str) -> Option<&str> {
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

pub(super) fn bad(e: BadQuery) -> Reply {
    let class = if e.0.contains("limit") || e.0.contains("$$") {
        "IllegalArgumentException"
    } else {
        "InvalidParameterException"
    };
    error(StatusCode::UNPROCESSABLE_ENTITY, class, &e.0)
}

pub(super) fn not_found(id: &str) -> Reply {
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
