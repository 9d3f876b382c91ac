//! OAuth2 machine-to-machine: `POST /integrations/oauth2/api/v1/jwt/exchange`.
//!
//! As `../shared/workfront-api.md` §10 describes: a URL-encoded body with `client_id`,
//! `client_secret` and `jwt_token`, an RS256 JWT signed with the application's private key whose
//! `iss` is the customer ID and `sub` the user who set up the key, with a short `exp`. The
//! simulator checks the signature against the configured public key, the claims and the client,
//! and answers `{"access_token": …, "token_type": "bearer", "expires_in": …}`. The token is a
//! session: it travels in the `sessionID` header and expires after `session_ttl`, after which
//! requests get 401 as an expired session would.
//!
//! Choices where the docs are silent: the answer is plain JSON (not in a `data` envelope); a
//! refused exchange is 401 with `{"error": …, "error_description": …}` as OAuth2 servers answer;
//! `exp` may be at most an hour ahead.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::state::SimState;

pub use super::apps::OAuthApp;

fn refused(description: &str) -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({ "error": "invalid_grant", "error_description": description }),
    )
}

/// Answers one exchange.
pub fn exchange(state: &SimState, form: &[(String, String)]) -> (StatusCode, Value) {
    let Some(app) = &state.credentials.oauth else {
        return (
            StatusCode::NOT_FOUND,
            json!({ "error": "not_found", "error_description": "no OAuth2 application is set up" }),
        );
    };
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if field("client_id") != Some(app.client_id.as_str())
        || field("client_secret") != Some(app.client_secret.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            json!({ "error": "invalid_client", "error_description": "unknown client or wrong secret" }),
        );
    }
    let Some(jwt) = field("jwt_token") else { return refused("no jwt_token") };
    let claims = match verify(jwt, &app.public_key) {
        Ok(claims) => claims,
        Err(why) => return refused(why),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    if exp <= now || exp > now + 3600 {
        return refused("the JWT is expired or its exp is more than an hour ahead");
    }
    if claims.get("iss").and_then(Value::as_str) != Some(app.customer_id.as_str()) {
        return refused("iss is not this customer's ID");
    }
    let api_user = format!("{:032x}", state.tenant().api_user);
    if !claims
        .get("sub")
        .and_then(Value::as_str)
        .is_some_and(|sub| sub.eq_ignore_ascii_case(&api_user))
    {
        return refused("sub is not the user who set up this application's key");
    }
    let token = format!(
        "{:016x}{:016x}",
        crate::rng::mix(state.next_sequence() ^ 0x0a07),
        crate::rng::mix(now ^ state.faults.seed)
    );
    state.sessions_mut().insert(token.clone(), Some(Instant::now() + app.session_ttl));
    state.stats_mut().token_exchanges += 1;
    (
        StatusCode::OK,
        json!({ "access_token": token, "token_type": "bearer", "expires_in": app.session_ttl.as_secs() }),
    )
}

/// Checks an RS256 JWT's signature; returns its claims.
fn verify(jwt: &str, public_key: &[u8]) -> Result<Value, &'static str> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the JWT does not have three parts");
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| "the JWT is not base64url");
    let header: Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| "the JWT header is not JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("the JWT is not signed with RS256");
    }
    let signed = &jwt[..jwt.len() - signature.len() - 1];
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        public_key,
    );
    key.verify(signed.as_bytes(), &decode(signature)?)
        .map_err(|_| "the JWT signature does not match the application's public key")?;
    serde_json::from_slice(&decode(claims)?).map_err(|_| "the JWT claims are not JSON")
}

/// A public key from PEM: `RSA PUBLIC KEY` (PKCS#1) as is, `PUBLIC KEY` (SubjectPublicKeyInfo)
/// unwrapped to the PKCS#1 key inside.
pub fn public_key_from_pem(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| format!("the public key is not PEM: {e}"))?;
    if pem.contains("BEGIN RSA PUBLIC KEY") {
        return Ok(der);
    }
    // SEQUENCE { SEQUENCE { algorithm }, BIT STRING { 0 unused bits, RSAPublicKey } }
    let outer = der_contents(&der, 0x30).ok_or("the public key is not DER")?;
    let algorithm_len = der_element_len(outer).ok_or("the public key is not DER")?;
    let bits =
        der_contents(&outer[algorithm_len..], 0x03).ok_or("the public key has no key bits")?;
    match bits.split_first() {
        Some((0, key)) => Ok(key.to_vec()),
        _ => Err("the public key's bits are malformed".into()),
    }
}

/// The contents of the DER element at the start of `der`, if it has tag `tag`.
fn der_contents(der: &[u8], tag: u8) -> Option<&[u8]> {
    let (header, len) = der_header(der)?;
    (der.first() == Some(&tag)).then(|| der.get(header..header + len))?
}

/// The whole length (header and contents) of the DER element at the start of `der`.
fn der_element_len(der: &[u8]) -> Option<usize> {
    der_header(der).map(|(header, len)| header + len)
}

/// (header length, contents length) of the DER element at the start of `der`.
fn der_header(der: &[u8]) -> Option<(usize, usize)> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    let len = der.get(2..2 + n)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some((2 + n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_short_and_long() {
        assert_eq!(der_header(&[0x30, 0x05]), Some((2, 5)));
        assert_eq!(der_header(&[0x30, 0x82, 0x01, 0x22]), Some((4, 0x122)));
        assert_eq!(der_contents(&[0x03, 0x02, 0x00, 0x07], 0x03), Some(&[0x00, 0x07][..]));
        assert_eq!(der_contents(&[0x03, 0x05, 0x00], 0x03), None, "short contents are refused");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(verify("a.b", &[]).is_err());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        assert_eq!(
            verify(&format!("{header}.e30.x"), &[]),
            Err("the JWT is not signed with RS256")
        );
    }
}
