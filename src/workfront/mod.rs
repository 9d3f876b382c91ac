//! The Workfront API client: one method per endpoint, the envelope, and one error type.
//!
//! The key travels only in the `apiKey` header (a session in the `SessionID` header), never in
//! a URL. Updates put `updates=` in the query string, the documented recipe: a PUT's form body
//! is silently ignored by Workfront. Sign-in credentials go in a POST form body, which Workfront
//! does read, so the password is never in a URL either.

mod adaptive;
mod error;
mod ims;
mod oauth;
mod objects;
mod retry;
mod users;

pub use adaptive::{AdaptiveLimit, Slot};
pub use error::ApiError;
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
    pub(super) async fn call(
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
            return Err(redirected(&response, status));
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| ApiError::transport(&e))?;
        envelope(&body, status, retry_after)
    }
}

/// A redirect, refused: Workfront's API does not redirect, so none is followed and no credential
/// goes to the other host.
fn redirected(response: &reqwest::Response, status: u16) -> ApiError {
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
    let target = Url::parse(location)
        .or_else(|_| response.url().join(location))
        .map(|u| u.host_str().unwrap_or("?").to_string())
        .unwrap_or_else(|_| "an unreadable Location".to_string());
    ApiError {
        status: Some(status),
        class: None,
        message: format!(
            "the server answered with a redirect to {target}; Workfront's API does not redirect, so it was not followed and no credential went there: check --base-url or --domain"
        ),
        retry_after: None,
        unreachable: false,
    }
}

/// Workfront's envelope: `{"data":…}` on success, `{"error":{"class","message"}}` on failure;
/// anything else is an error naming the status.
fn envelope(body: &[u8], status: u16, retry_after: Option<Duration>) -> Result<Value, ApiError> {
    let error = |class: Option<String>, message: String| ApiError {
        status: Some(status),
        class,
        message,
        retry_after,
        unreachable: false,
    };
    match serde_json::from_slice::<Value>(body).ok() {
        Some(Value::Object(mut map)) => {
            if let Some(err) = map.remove("error") {
                let class = err.get("class").and_then(Value::as_str).map(String::from);
                let message =
                    err.get("message").and_then(Value::as_str).unwrap_or("no message").to_string();
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
                reqwest::StatusCode::from_u16(status).map(|s| s.to_string()).unwrap_or_default()
            ),
        )),
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
