//! One API request as parsed from the wire: the effective method (after `method=`), the object
//! code, the target, the parameters and body; what kind of request it is (for routing and the
//! statistics), and the error answers every handler shares.

use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::{Map, Value};

use super::query::BadQuery;

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
            (code, Some(t), method) if super::objects::ObjKind::parse(code).is_some() => {
                match (t, method) {
                    ("search", &Method::GET) => Kind::ObjectSearch,
                    ("count", &Method::GET) => Kind::ObjectCount,
                    (_, &Method::GET) => Kind::ObjectGet,
                    (_, &Method::PUT) => Kind::ObjectUpdate,
                    _ => Kind::Other,
                }
            }
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
