//! The sign-in applications a simulated tenant may have registered: a Workfront OAuth2
//! machine-to-machine application and an Adobe Developer Console (IMS) credential. Plain data,
//! so the state can hold them without depending on the handlers that use them.

use std::time::Duration;

/// The OAuth2 application the simulated tenant has registered.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    /// The customer ID (`iss`).
    pub customer_id: String,
    /// The application's public key: DER `RSAPublicKey` (PKCS#1).
    pub public_key: Vec<u8>,
    /// How long an access token lives.
    pub session_ttl: Duration,
}

/// The Developer Console credential the simulated organisation has.
#[derive(Debug, Clone)]
pub struct ImsApp {
    pub client_id: String,
    pub client_secret: String,
    /// The IMS organisation ID the API expects in `x-gw-ims-org-id`.
    pub org_id: String,
    /// How long an access token lives.
    pub ttl: Duration,
    /// The technical account is a System Administrator of Workfront.
    pub admin: bool,
}
