//! Adobe IMS OAuth Server-to-Server sign-in, Adobe's path for scripts since API login ended.
//!
//! A Developer Console credential ("Adobe Workfront" API, OAuth Server-to-Server) gets an access
//! token with a form POST of `grant_type=client_credentials`, `client_id`, `client_secret` and
//! `scope` to `<ims-url>/ims/token/v3` (Adobe's IMS API reference); the answer's `expires_in` is
//! about a day. Every API request then carries `Authorization: Bearer <token>` and
//! `x-gw-ims-org-id: <org ID>`. A token is fetched again shortly before it expires, and once on
//! a 401; requests in flight share one renewal. The token is never written anywhere and never
//! put in a URL; only the tenant's API and the IMS host ever see it.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use reqwest::Url;
use serde_json::Value;

use super::ApiError;
use crate::secret::Secret;

/// Adobe's IMS host (North America, the one Adobe's examples use).
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com";
/// The scopes asked for when neither a flag nor a profile says: the ones an "Adobe Workfront"
/// Server-to-Server credential lists in the Developer Console.
pub const DEFAULT_IMS_SCOPES: &str = "openid,AdobeID";

/// What a Developer Console credential needs to sign in.
#[derive(Debug, Clone)]
pub struct ImsConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// The IMS organisation ID (`…@AdobeOrg`), sent as `x-gw-ims-org-id`.
    pub org_id: String,
    /// Comma-separated scopes.
    pub scopes: String,
    /// The IMS host, e.g. `https://ims-na1.adobelogin.com`.
    pub url: Url,
}

/// A token, its generation (how many renewals came before it) and when to renew it.
#[derive(Debug, Clone)]
struct Token {
    generation: u64,
    secret: Secret,
    renew_at: Instant,
}

/// A signed-in IMS session.
#[derive(Debug)]
pub struct ImsSession {
    config: ImsConfig,
    token: RwLock<Token>,
    fetching: tokio::sync::Mutex<()>,
}

fn ims_error(status: Option<u16>, message: String) -> ApiError {
    ApiError { status, class: None, message, retry_after: None, unreachable: false }
}

/// The token endpoint for an IMS host.
pub fn token_url(ims: &Url) -> Url {
    let mut url = ims.join("/ims/token/v3").unwrap_or_else(|_| ims.clone());
    url.set_query(None);
    url
}

/// One token request: the token and how long it lives.
async fn fetch(http: &reqwest::Client, config: &ImsConfig) -> Result<(Secret, Duration), ApiError> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.expose()),
        ("scope", config.scopes.as_str()),
    ];
    let url = token_url(&config.url);
    let host = url.host_str().unwrap_or("the IMS host").to_string();
    let response = http.post(url).form(&form).send().await.map_err(|e| {
        let mut message = format!("the IMS token request to {host} failed: {e}");
        if e.is_connect() {
            message.push_str(" (check --ims-url)");
        }
        ims_error(None, message)
    })?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        return Err(ims_error(
            Some(status),
            format!(
                "the IMS token request to {host} answered with a redirect; it was not followed"
            ),
        ));
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match body.get("access_token").and_then(Value::as_str) {
        Some(token) if status == 200 && !token.is_empty() => {
            let lifetime = body
                .get("expires_in")
                .and_then(Value::as_u64)
                .map_or(Duration::from_secs(3600), Duration::from_secs);
            Ok((Secret::new(token), lifetime))
        }
        _ => {
            let why = body
                .get("error_description")
                .or_else(|| body.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("no access_token in the answer");
            Err(ims_error(
                Some(status),
                format!(
                    "Adobe IMS ({host}) refused the credential: {why}: check --ims-client-id and WORKFRONT_IMS_CLIENT_SECRET"
                ),
            ))
        }
    }
}

/// When to renew a token that lives `lifetime`: a tenth of it (at most five minutes) early.
fn renew_at(lifetime: Duration) -> Instant {
    let margin = (lifetime / 10).min(Duration::from_secs(300));
    Instant::now() + lifetime.saturating_sub(margin)
}

impl ImsSession {
    /// Signs in: the first token.
    pub async fn start(http: &reqwest::Client, config: ImsConfig) -> Result<ImsSession, ApiError> {
        let (secret, lifetime) = fetch(http, &config).await?;
        let token = Token { generation: 0, secret, renew_at: renew_at(lifetime) };
        Ok(ImsSession { config, token: RwLock::new(token), fetching: tokio::sync::Mutex::new(()) })
    }

    /// The organisation ID for `x-gw-ims-org-id`.
    pub fn org_id(&self) -> &str {
        &self.config.org_id
    }

    fn token(&self) -> Token {
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A token to send now (renewed first if it is about to expire) and its generation.
    pub async fn current(&self, http: &reqwest::Client) -> Result<(u64, Secret), ApiError> {
        let token = self.token();
        if Instant::now() >= token.renew_at {
            self.renew(http, token.generation).await?;
            let token = self.token();
            return Ok((token.generation, token.secret));
        }
        Ok((token.generation, token.secret))
    }

    /// Fetches a new token after generation `generation` was refused or ran out. Requests that
    /// saw the same token wait for one renewal instead of each making their own.
    pub async fn renew(&self, http: &reqwest::Client, generation: u64) -> Result<(), ApiError> {
        let _one_at_a_time = self.fetching.lock().await;
        if self.token().generation != generation {
            return Ok(());
        }
        let (secret, lifetime) = fetch(http, &self.config).await?;
        *self.token.write().unwrap_or_else(|p| p.into_inner()) =
            Token { generation: generation + 1, secret, renew_at: renew_at(lifetime) };
        Ok(())
    }

    /// Tokens fetched after the first.
    pub fn renewals(&self) -> u64 {
        self.token().generation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_and_the_renewal_margin() {
        let url: Url = "https://ims-na1.adobelogin.com".parse().unwrap();
        assert_eq!(token_url(&url).as_str(), "https://ims-na1.adobelogin.com/ims/token/v3");
        let local: Url = "http://127.0.0.1:9/some/path?x=1".parse().unwrap();
        assert_eq!(token_url(&local).as_str(), "http://127.0.0.1:9/ims/token/v3");
        let day = renew_at(Duration::from_secs(86_399));
        assert!(
            day > Instant::now() + Duration::from_secs(86_000)
                && day < Instant::now() + Duration::from_secs(86_200)
        );
        assert!(
            renew_at(Duration::from_millis(1000)) < Instant::now() + Duration::from_millis(950)
        );
    }
}
