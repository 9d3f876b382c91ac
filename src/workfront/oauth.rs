//! OAuth2 machine-to-machine sign-in: an RS256 JWT exchanged for an access token, which then
//! travels as the `sessionID` header, and is exchanged again when it expires mid-run.
//!
//! Per `../shared/workfront-api.md` §10: the JWT's `iss` is the customer ID, `sub` the user who
//! set up the key, `exp` a few minutes ahead; the exchange is a URL-encoded POST of
//! `client_id`, `client_secret` and `jwt_token` to `/integrations/oauth2/api/v1/jwt/exchange`,
//! answering JSON with `access_token`. Signing uses ring (already rustls's crypto), with the
//! private key in PEM, PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).

use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::Url;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

use super::ApiError;
use crate::secret::Secret;

/// How long a signed JWT is valid: the exchange happens at once.
const JWT_LIFETIME: Duration = Duration::from_secs(300);

/// What an OAuth2 machine-to-machine application needs to sign in.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// The private key, PEM.
    pub private_key: Secret,
    /// The customer ID from the application's details (`iss`).
    pub customer_id: String,
    /// The ID of the user who set up the key (`sub`).
    pub user_id: String,
}

/// A signed-in OAuth2 session: the current access token and how many times it was exchanged.
#[derive(Debug)]
pub struct OAuthSession {
    config: OAuthConfig,
    url: Url,
    token: RwLock<(u64, Secret)>,
    exchanging: tokio::sync::Mutex<()>,
}

fn exchange_error(status: Option<u16>, message: String) -> ApiError {
    ApiError { status, class: None, message, retry_after: None, unreachable: false }
}

/// The DER inside a PEM block.
fn pem_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    STANDARD.decode(body).map_err(|_| "the private key file is not PEM".to_string())
}

/// Signs the JWT for an exchange at `now` (seconds since the epoch).
pub fn signed_jwt(config: &OAuthConfig, now: u64) -> Result<String, String> {
    let der = pem_der(config.private_key.expose())?;
    let pair = RsaKeyPair::from_pkcs8(&der)
        .or_else(|_| RsaKeyPair::from_der(&der))
        .map_err(|e| format!("the private key is not an RSA key ring can use ({e})"))?;
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "RS256", "typ": "JWT" }).to_string());
    let claims = json!({ "iss": config.customer_id, "sub": config.user_id, "iat": now, "exp": now + JWT_LIFETIME.as_secs() });
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|_| "signing the JWT failed".to_string())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The exchange endpoint beside an API root (`…/attask/api/v22.0/`).
pub fn exchange_url(api_root: &Url) -> Url {
    let mut url = api_root
        .join("../../../integrations/oauth2/api/v1/jwt/exchange")
        .unwrap_or_else(|_| api_root.clone());
    url.set_query(None);
    url
}

/// One exchange: a fresh JWT for an access token.
async fn exchange(
    http: &reqwest::Client,
    url: &Url,
    config: &OAuthConfig,
) -> Result<Secret, ApiError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let jwt = signed_jwt(config, now).map_err(|e| exchange_error(None, e))?;
    let form = [
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.expose()),
        ("jwt_token", jwt.as_str()),
    ];
    let response = http
        .post(url.clone())
        .form(&form)
        .send()
        .await
        .map_err(|e| exchange_error(None, format!("the OAuth2 exchange failed: {e}")))?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        // The client follows no redirect: the secret and JWT went to the tenant only.
        let location =
            response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
        let target = Url::parse(location)
            .ok()
            .and_then(|u| u.host_str().map(String::from))
            .unwrap_or_else(|| location.to_string());
        return Err(exchange_error(
            Some(status),
            format!(
                "the OAuth2 exchange answered with a redirect to {target}; it was not followed"
            ),
        ));
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match body.get("access_token").and_then(Value::as_str) {
        Some(token) if status == 200 && !token.is_empty() => Ok(Secret::new(token)),
        _ => {
            let why = body
                .get("error_description")
                .or_else(|| body.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("no access_token in the answer");
            Err(exchange_error(Some(status), format!("the OAuth2 exchange was refused: {why}")))
        }
    }
}

impl OAuthSession {
    /// Signs in: the first exchange.
    pub async fn start(
        http: &reqwest::Client,
        api_root: &Url,
        config: OAuthConfig,
    ) -> Result<OAuthSession, ApiError> {
        let url = exchange_url(api_root);
        let token = exchange(http, &url, &config).await?;
        Ok(OAuthSession {
            config,
            url,
            token: RwLock::new((0, token)),
            exchanging: tokio::sync::Mutex::new(()),
        })
    }

    /// The current token and its generation.
    pub fn current(&self) -> (u64, Secret) {
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Exchanges again after a 401 seen with token `generation`. Requests that saw the same
    /// expired token wait for one exchange instead of each making their own.
    pub async fn renew(&self, http: &reqwest::Client, generation: u64) -> Result<(), ApiError> {
        let _one_at_a_time = self.exchanging.lock().await;
        if self.current().0 != generation {
            return Ok(());
        }
        let token = exchange(http, &self.url, &self.config).await?;
        *self.token.write().unwrap_or_else(|p| p.into_inner()) = (generation + 1, token);
        Ok(())
    }

    /// Exchanges so far after the first.
    pub fn renewals(&self) -> u64 {
        self.current().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exchange_sits_beside_the_api_root() {
        let root: Url = "https://acme.my.workfront.com/attask/api/v22.0/".parse().unwrap();
        assert_eq!(
            exchange_url(&root).as_str(),
            "https://acme.my.workfront.com/integrations/oauth2/api/v1/jwt/exchange"
        );
        let proxied: Url = "http://127.0.0.1:9/wf/attask/api/v22.0/".parse().unwrap();
        assert_eq!(
            exchange_url(&proxied).as_str(),
            "http://127.0.0.1:9/wf/integrations/oauth2/api/v1/jwt/exchange"
        );
    }

    #[test]
    fn a_key_that_is_not_pem_or_not_rsa_is_a_clear_error() {
        let config = |pem: &str| OAuthConfig {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            private_key: Secret::new(pem),
            customer_id: "i".into(),
            user_id: "u".into(),
        };
        assert!(signed_jwt(&config("not a key"), 0).unwrap_err().contains("not PEM"));
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(b"garbage")
        );
        assert!(signed_jwt(&config(&pem), 0).unwrap_err().contains("not an RSA key"));
    }
}
