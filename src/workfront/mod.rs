//! The Workfront API client: one method per endpoint, the envelope, and one error type.
//!
//! The key travels only in the `apiKey` header (a session in the `SessionID` header), never in
//! a URL. Updates put `updates=` in the query string, the documented recipe: a PUT's form body
//! is silently ignored by Workfront. Sign-in credentials go in a POST form body, which Workfront
//! does read, so the password is never in a URL either.

mod adaptive;
mod ims;
mod oauth;
mod objects;
mod retry;

pub use adaptive::{AdaptiveLimit, Slot};
pub use ims::{DEFAULT_IMS_SCOPES, DEFAULT_IMS_URL, ImsConfig, ImsSession};
pub use oauth::{OAuthConfig, OAuthSession, exchange_url, signed_jwt};
pub use retry::{Attempted, Pacing, RetryPolicy};

use std::time::Duration;

use reqwest::{Method, Url};
use serde_json::Value;

use crate::secret::Secret;

/// The fields every listing asks for; Workfront returns only `ID`, `name`, `objCode` otherwise.
pub const USER_FIELDS: &str = "ID,name,username,emailAddr,isActive,isAdmin,licenseType,lastLoginDate,scheduledDeactivationDate,accessLevelID,entryDate";

/// How the client authenticates each request.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `apiKey` header.
    ApiKey(Secret),
    /// `SessionID` header (from `login`).
    Session(Secret),
    /// An OAuth2 access token in the `sessionID` header, exchanged again when it expires.
    OAuth(std::sync::Arc<OAuthSession>),
    /// An Adobe IMS access token as `Authorization: Bearer`, with `x-gw-ims-org-id`.
    Ims(std::sync::Arc<ImsSession>),
}

/// The per-request credential when it is a token that may be renewed.
enum Token<'a> {
    SessionId(&'a Secret),
    Bearer(&'a Secret, &'a str),
}

/// Why a request failed, in the terms the retry loop and the report need.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ApiError {
    /// The HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// Workfront's exception class, when the body had one.
    pub class: Option<String>,
    /// Workfront's message, or what went wrong on the way.
    pub message: String,
    /// The server's Retry-After, if it sent one.
    pub retry_after: Option<Duration>,
    /// The host could not be reached at all (refused, no such host, not TLS, a request that
    /// could not be built): before the server ever answered, worth only a second quick try.
    pub unreachable: bool,
}

impl ApiError {
    fn transport(e: &reqwest::Error) -> Self {
        let place = e
            .url()
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or("?"),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        let host = e.url().and_then(|u| u.host_str()).unwrap_or("the host").to_string();
        let mut chain = String::new();
        let mut refused = false;
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            chain = inner.to_string();
            if let Some(io) = inner.downcast_ref::<std::io::Error>() {
                refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
            }
            refused |= chain.contains("Connection refused");
            source = inner.source();
        }
        let unreachable = |message: String| ApiError {
            status: None,
            class: None,
            message,
            retry_after: None,
            unreachable: true,
        };
        if e.is_builder() {
            return unreachable(format!(
                "the request could not be built ({chain}): check the credentials and --base-url"
            ));
        }
        if e.is_connect() {
            let lower = format!("{e} {chain}").to_lowercase();
            if refused {
                return unreachable(format!(
                    "nothing is listening at {place} (connection refused)"
                ));
            }
            if lower.contains("dns")
                || lower.contains("lookup")
                || lower.contains("name or service not known")
            {
                return unreachable(format!("no such host {host}: check --domain or --base-url"));
            }
            if lower.contains("tls")
                || lower.contains("corrupt message")
                || lower.contains("invalidcontenttype")
                || lower.contains("handshake")
            {
                return unreachable(format!(
                    "the server at {place} does not speak TLS ({chain}): use http:// only for a local simulator"
                ));
            }
        }
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "connection closed without an answer"
        };
        let message = if chain.is_empty() { kind.to_string() } else { format!("{kind}: {chain}") };
        ApiError { status: None, class: None, message, retry_after: None, unreachable: false }
    }

    /// Worth trying again: throttling, server trouble or a lost connection.
    pub fn is_transient(&self) -> bool {
        matches!(self.status, None | Some(429 | 500 | 502 | 503 | 504))
    }

    /// The key or session was refused.
    pub fn is_auth(&self) -> bool {
        self.status == Some(401)
    }

    fn describe(&self) -> String {
        let short_class = self.class.as_deref().map(|c| c.rsplit('.').next().unwrap_or(c));
        match (self.status, short_class) {
            (Some(s), Some(c)) => format!("HTTP {s} {c}: {}", self.message),
            (Some(s), None) => format!("HTTP {s}: {}", self.message),
            (None, _) => self.message.clone(),
        }
    }
}

/// A client for one tenant's API root.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    root: Url,
    auth: Option<Auth>,
    /// HTTP requests sent by this client and its clones, retries included.
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Installs ring as rustls's crypto provider once per process (reqwest is built without one).
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    /// A client for `root` (`…/attask/api/v22.0/`), not yet authenticated.
    pub fn new(root: Url) -> Result<Client, String> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .user_agent(concat!("wf-offboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(128)
            // Workfront's API does not redirect; following one would re-send the key, a
            // password or a client secret to wherever the Location header points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client { http, root, auth: None, sent: Default::default() })
    }

    /// The same client, authenticating with `auth`.
    pub fn with_auth(mut self, auth: Auth) -> Client {
        self.auth = Some(auth);
        self
    }

    /// OAuth2 exchanges or IMS tokens fetched after the first (tokens that expired mid-run),
    /// if signed in so.
    pub fn oauth_renewals(&self) -> Option<u64> {
        match &self.auth {
            Some(Auth::OAuth(session)) => Some(session.renewals()),
            Some(Auth::Ims(session)) => Some(session.renewals()),
            _ => None,
        }
    }

    /// How the client signs its requests, for messages.
    pub fn sign_in_method(&self) -> &'static str {
        match &self.auth {
            Some(Auth::ApiKey(_)) => "API key",
            Some(Auth::Session(_)) => "session (username and password, legacy)",
            Some(Auth::OAuth(_)) => "Workfront OAuth2 (JWT)",
            Some(Auth::Ims(_)) => "Adobe IMS Server-to-Server",
            None => "none",
        }
    }

    /// Signs in with an Adobe Developer Console credential: the first IMS token.
    pub async fn with_ims(self, config: ImsConfig) -> Result<Client, ApiError> {
        let session = ImsSession::start(&self.http, config).await?;
        Ok(self.with_auth(Auth::Ims(std::sync::Arc::new(session))))
    }

    /// HTTP requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Signs in with OAuth2: the first JWT exchange.
    pub async fn with_oauth(self, config: OAuthConfig) -> Result<Client, ApiError> {
        let session = OAuthSession::start(&self.http, &self.root, config).await?;
        Ok(self.with_auth(Auth::OAuth(std::sync::Arc::new(session))))
    }

    /// Sends one request and unwraps the `{"data": …}` envelope. With OAuth2, a 401 (the access
    /// token expired) gets one new exchange and the same request again: a 401 means the request
    /// was not carried out, so nothing is lost or done twice.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Result<Value, ApiError> {
        match &self.auth {
            Some(Auth::OAuth(session)) => {
                let (generation, token) = session.current();
                match self
                    .call_once(method.clone(), path, query, form, Some(Token::SessionId(&token)))
                    .await
                {
                    Err(e) if e.is_auth() => {
                        session.renew(&self.http, generation).await?;
                        self.call_once(
                            method,
                            path,
                            query,
                            form,
                            Some(Token::SessionId(&session.current().1)),
                        )
                        .await
                    }
                    answered => answered,
                }
            }
            Some(Auth::Ims(session)) => {
                let (generation, token) = session.current(&self.http).await?;
                let org = session.org_id();
                match self
                    .call_once(method.clone(), path, query, form, Some(Token::Bearer(&token, org)))
                    .await
                {
                    Err(e) if e.is_auth() => {
                        session.renew(&self.http, generation).await?;
                        let (_, token) = session.current(&self.http).await?;
                        self.call_once(method, path, query, form, Some(Token::Bearer(&token, org)))
                            .await
                    }
                    answered => answered,
                }
            }
            _ => self.call_once(method, path, query, form, None).await,
        }
    }

    /// One HTTP request; `session` is the OAuth2 access token to send, if that is the auth.
    async fn call_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
        token: Option<Token<'_>>,
    ) -> Result<Value, ApiError> {
        let url = self.root.join(path).map_err(|e| ApiError {
            status: None,
            class: None,
            message: format!("bad path {path}: {e}"),
            retry_after: None,
            unreachable: false,
        })?;
        let method_name = method.to_string();
        let mut request = self.http.request(method, url).query(query);
        match (&self.auth, token) {
            (_, Some(Token::SessionId(token))) => {
                request = request.header("sessionID", token.expose())
            }
            (_, Some(Token::Bearer(token, org))) => {
                request = request
                    .header("authorization", format!("Bearer {}", token.expose()))
                    .header("x-gw-ims-org-id", org);
            }
            (Some(Auth::ApiKey(key)), None) => request = request.header("apiKey", key.expose()),
            (Some(Auth::Session(session)), None) => {
                request = request.header("SessionID", session.expose())
            }
            _ => {}
        }
        if let Some(form) = form {
            request = request.form(form);
        }
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let started = std::time::Instant::now();
        // The path only: the query holds no secret, but it holds people's emails.
        let sent = request.send().await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                let error = ApiError::transport(&e);
                tracing::info!(target: "wf_offboard::request", method = %method_name, path, status = 0u16, latency_ms, error = %error.message, "request");
                return Err(error);
            }
        };
        let status = response.status().as_u16();
        tracing::info!(target: "wf_offboard::request", method = %method_name, path, status, latency_ms, "request");
        if response.status().is_redirection() {
            let location =
                response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
            let target = Url::parse(location)
                .or_else(|_| response.url().join(location))
                .map(|u| u.host_str().unwrap_or("?").to_string())
                .unwrap_or_else(|_| "an unreadable Location".to_string());
            return Err(ApiError {
                status: Some(status),
                class: None,
                message: format!(
                    "the server answered with a redirect to {target}; Workfront's API does not redirect, so it was not followed and no credential went there: check --base-url or --domain"
                ),
                retry_after: None,
                unreachable: false,
            });
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| ApiError::transport(&e))?;
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let error = |class: Option<String>, message: String| ApiError {
            status: Some(status),
            class,
            message,
            retry_after,
            unreachable: false,
        };
        match parsed {
            Some(Value::Object(mut map)) => {
                if let Some(err) = map.remove("error") {
                    let class = err.get("class").and_then(Value::as_str).map(String::from);
                    let message = err
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("no message")
                        .to_string();
                    return Err(error(class, message));
                }
                match map.remove("data") {
                    Some(data) if (200..300).contains(&status) => Ok(data),
                    _ => Err(error(None, "the answer had no data".into())),
                }
            }
            _ if (200..300).contains(&status) => {
                Err(error(None, "the answer was not Workfront JSON".into()))
            }
            _ => Err(error(
                None,
                format!(
                    "{} answer",
                    reqwest::StatusCode::from_u16(status)
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                ),
            )),
        }
    }

    /// `POST user?action=<action>` (`getApiKey` or `generateApiKey`) with the credentials in the
    /// form body; `None` when Workfront answers that the user has no key.
    async fn api_key_action(
        &self,
        action: &str,
        username: &str,
        password: &Secret,
    ) -> Result<Option<Secret>, ApiError> {
        let form = [
            ("action", action),
            ("method", "PUT"),
            ("username", username),
            ("password", password.expose()),
        ];
        let data = self.call(Method::POST, "user", &[], Some(&form)).await?;
        Ok(data.get("result").and_then(Value::as_str).filter(|k| !k.is_empty()).map(Secret::new))
    }

    /// The user's API key: the existing one (`getApiKey`), or, only when there is none, a new
    /// one (`generateApiKey`, which on a real tenant replaces the key the user's other
    /// integrations use), as Workfront's own clients do.
    pub async fn existing_or_new_api_key(
        &self,
        username: &str,
        password: &Secret,
    ) -> Result<Secret, ApiError> {
        if let Some(key) = self.api_key_action("getApiKey", username, password).await? {
            return Ok(key);
        }
        let no_key = || ApiError {
            status: Some(200),
            class: None,
            message: "generateApiKey returned no key".into(),
            retry_after: None,
            unreachable: false,
        };
        self.api_key_action("generateApiKey", username, password).await?.ok_or_else(no_key)
    }

    /// `POST login` with the credentials in the form body; returns a session ID. Used by dry
    /// runs, which must not create or change anything (a key is a change).
    pub async fn login(&self, username: &str, password: &Secret) -> Result<Secret, ApiError> {
        let form = [("username", username), ("password", password.expose())];
        let data = self.call(Method::POST, "login", &[], Some(&form)).await?;
        match data.get("sessionID").and_then(Value::as_str) {
            Some(session) if !session.is_empty() => Ok(Secret::new(session)),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: "login returned no session".into(),
                retry_after: None,
                unreachable: false,
            }),
        }
    }

    /// `GET user/count`: how many users (active and inactive) the tenant has.
    pub async fn count_users(&self) -> Result<u64, ApiError> {
        let data = self.call(Method::GET, "user/count", &[], None).await?;
        data.get("count").and_then(Value::as_u64).ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: "count answer had no count".into(),
            retry_after: None,
            unreachable: false,
        })
    }

    /// One page of `GET user/search`, sorted by ID so pages tile the directory exactly.
    pub async fn search_users(&self, first: usize, limit: usize) -> Result<Vec<Value>, ApiError> {
        let (first, limit) = (first.to_string(), limit.to_string());
        let query = [
            ("$$FIRST", first.as_str()),
            ("$$LIMIT", limit.as_str()),
            ("ID_Sort", "asc"),
            ("fields", USER_FIELDS),
        ];
        match self.call(Method::GET, "user/search", &query, None).await? {
            Value::Array(users) => Ok(users),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: "search answer was not a list".into(),
                retry_after: None,
                unreachable: false,
            }),
        }
    }

    /// `GET <objcode>/count?<filters>`: how many objects match.
    pub async fn count(&self, objcode: &str, filters: &[(&str, &str)]) -> Result<u64, ApiError> {
        let data = self.call(Method::GET, &format!("{objcode}/count"), filters, None).await?;
        data.get("count").and_then(Value::as_u64).ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: format!("{objcode}/count answered no count"),
            retry_after: None,
            unreachable: false,
        })
    }

    /// The user the credential signs in as (`ID=$$USER.ID`), with [`USER_FIELDS`].
    pub async fn caller(&self) -> Result<Value, ApiError> {
        let data = self
            .call(Method::GET, "user/search", &[("ID", "$$USER.ID"), ("fields", USER_FIELDS)], None)
            .await?;
        data.get(0).cloned().ok_or_else(|| ApiError {
            status: Some(200),
            class: None,
            message: "could not tell which user the credential signs in as".into(),
            retry_after: None,
            unreachable: false,
        })
    }

    /// The ID of the user the key belongs to (`ID=$$USER.ID`).
    pub async fn current_user_id(&self) -> Result<String, ApiError> {
        let data = self
            .call(Method::GET, "user/search", &[("ID", "$$USER.ID"), ("fields", "ID")], None)
            .await?;
        data.get(0)
            .and_then(|u| u.get("ID"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| ApiError {
                status: Some(200),
                class: None,
                message: "could not tell which user the key belongs to".into(),
                retry_after: None,
                unreachable: false,
            })
    }

    /// `PUT user/<ID>?updates={"isActive":"false"}` (or `"true"` to reactivate); returns the
    /// user as Workfront now has it.
    /// A reactivation gives the user `access_level` back (Workfront clears it on deactivation
    /// and asks for one again, as the UI does).
    pub async fn set_active(
        &self,
        id: &str,
        active: bool,
        access_level: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut updates = serde_json::json!({ "isActive": if active { "true" } else { "false" } });
        if let Some(level) = access_level.filter(|_| active) {
            updates["accessLevelID"] = level.into();
        }
        let updates = updates.to_string();
        let query = [("updates", updates.as_str()), ("fields", "isActive,accessLevelID")];
        self.call(Method::PUT, &format!("user/{id}"), &query, None).await
    }

    /// `PUT user/<ID>?updates={"scheduledDeactivationDate":"<at>"}`: Workfront deactivates the
    /// user at that moment. Returns the user as Workfront now has it.
    pub async fn schedule_deactivation(&self, id: &str, at: &str) -> Result<Value, ApiError> {
        let updates = serde_json::json!({ "scheduledDeactivationDate": at }).to_string();
        let query =
            [("updates", updates.as_str()), ("fields", "isActive,scheduledDeactivationDate")];
        self.call(Method::PUT, &format!("user/{id}"), &query, None).await
    }

    /// One bulk update of `isActive` for these users, all or nothing (`atomic=true`): Workfront
    /// answers `{"success":true}` or an error, and rolls everything back on an error. Sent as a
    /// POST with `method=PUT` and the fields in the form body (which Workfront reads on POST), so
    /// a hundred IDs never make an over-long URL.
    pub async fn set_active_bulk(
        &self,
        users: &[(String, Option<String>)],
        active: bool,
    ) -> Result<(), ApiError> {
        let items: Vec<Value> = users
            .iter()
            .map(|(id, level)| {
                let mut item = serde_json::json!({ "ID": id, "isActive": if active { "true" } else { "false" } });
                if let Some(level) = level.as_ref().filter(|_| active) {
                    item["accessLevelID"] = level.as_str().into();
                }
                item
            })
            .collect();
        let updates = Value::Array(items).to_string();
        let form = [("method", "PUT"), ("updates", updates.as_str()), ("atomic", "true")];
        let data = self.call(Method::POST, "user", &[], Some(&form)).await?;
        match data.get("success") {
            Some(Value::Bool(true)) => Ok(()),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: format!("the bulk update answered {data}"),
                retry_after: None,
                unreachable: false,
            }),
        }
    }

    /// `GET user/search?ID=A&ID=B&…&ID_Mod=in`: the users with these IDs that exist, always as
    /// a list (at most [`IDS_PER_GET`]). Search, unlike `GET user?id=A,B`, never fails the whole
    /// request for one deleted ID and never answers a single object.
    pub async fn users_by_id(&self, ids: &[String]) -> Result<Vec<Value>, ApiError> {
        let limit = ids.len().max(1).to_string();
        let mut query: Vec<(&str, &str)> = ids.iter().map(|id| ("ID", id.as_str())).collect();
        query.extend([("ID_Mod", "in"), ("fields", USER_FIELDS), ("$$LIMIT", limit.as_str())]);
        match self.call(Method::GET, "user/search", &query, None).await? {
            Value::Array(users) => Ok(users),
            _ => Err(ApiError {
                status: Some(200),
                class: None,
                message: "search answer was not a list".into(),
                retry_after: None,
                unreachable: false,
            }),
        }
    }
}

/// Workfront's most objects in one bulk update ("Max Number of Batch Creates/Updates is 100").
pub const MAX_BATCH: usize = 100;

/// IDs per read by ID: 100 `ID=<GUID>` pairs keep the URL near 4 kB, well under Workfront's
/// 8,892 bytes.
pub const IDS_PER_GET: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_auth_errors_are_told_apart() {
        let e = |status| ApiError {
            status,
            class: None,
            message: String::new(),
            retry_after: None,
            unreachable: false,
        };
        assert!(
            e(Some(429)).is_transient() && e(Some(502)).is_transient() && e(None).is_transient()
        );
        assert!(!e(Some(422)).is_transient() && !e(Some(404)).is_transient());
        assert!(e(Some(401)).is_auth());
    }

    #[test]
    fn errors_name_status_class_and_message() {
        let e = ApiError {
            status: Some(404),
            class: Some("com.attask.common.NotFoundException".into()),
            message: "gone".into(),
            retry_after: None,
            unreachable: false,
        };
        assert_eq!(e.to_string(), "HTTP 404 NotFoundException: gone");
    }
}
