//! How to sign in: the credential from flags, a profile or the environment, and where it came
//! from (for messages); key and secret files that others can read are refused.

use std::path::Path;

use reqwest::Url;

use super::AuthSource;
use super::connection::is_loopback;
use crate::cli::ConnectionArgs;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::workfront::{DEFAULT_IMS_SCOPES, DEFAULT_IMS_URL, ImsConfig, OAuthConfig};

/// Where the credential [`auth`] picks comes from, in the same order of precedence.
pub fn credential_source(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let from = |flag: bool, env_name: &str| match (flag, env(env_name)) {
        (true, Some(_)) => format!("env {env_name}"),
        _ => "the command line".to_string(),
    };
    let profile_name = || env("WF_OFFBOARD_PROFILE").or(args.profile.clone()).unwrap_or_default();
    if let Some(id) = &args.ims_client_id {
        return format!(
            "the Adobe IMS credential {id} (client ID from {}, secret from env WORKFRONT_IMS_CLIENT_SECRET)",
            from(true, "WORKFRONT_IMS_CLIENT_ID")
        );
    }
    if let Some(id) = &args.client_id {
        return format!(
            "the Workfront OAuth2 application {id} (secret from env WORKFRONT_CLIENT_SECRET)"
        );
    }
    if let Some(user) = &args.username {
        return format!("--username {user} (password from env WORKFRONT_PASSWORD or the prompt)");
    }
    if let Some(path) = &args.api_key_file {
        return format!("--api-key-file {}", path.display());
    }
    if let Some(p) = profile {
        let name = profile_name();
        if let Some(id) = &p.ims_client_id {
            return format!(
                "profile {name}: the Adobe IMS credential {id} (secret from env WORKFRONT_IMS_CLIENT_SECRET)"
            );
        }
        if let Some(id) = &p.client_id {
            return format!(
                "profile {name}: the Workfront OAuth2 application {id} (secret from env WORKFRONT_CLIENT_SECRET)"
            );
        }
        if let Some(user) = &p.username {
            return format!("profile {name}: username {user}");
        }
        if let Some(path) = &p.api_key_file {
            return format!("profile {name}: api_key_file {}", path.display());
        }
        if let Some(var) = &p.api_key_env {
            return format!("profile {name}: env {var}");
        }
    }
    "env WORKFRONT_API_KEY".to_string()
}

/// The credentials, refused at once when an API key could never be sent in a header (a space,
/// a control character, a non-ASCII character): retrying that would only look like a network
/// problem.
pub(super) fn auth(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthSource, String> {
    let source = auth_source(args, profile, env)?;
    if let AuthSource::ApiKey(key) = &source
        && key.expose().bytes().any(|b| !(0x21..=0x7e).contains(&b))
    {
        return Err("the API key contains a space, a control or a non-ASCII character, so it cannot be sent in a header: check it (nothing was sent)".into());
    }
    Ok(source)
}

/// The credentials: `--username` or `--api-key-file`, else the profile's, else env
/// `WORKFRONT_API_KEY`.
fn auth_source(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthSource, String> {
    let password = || env("WORKFRONT_PASSWORD").map(Secret::new).filter(|p| !p.is_empty());
    if let Some(client_id) =
        args.ims_client_id.as_ref().or(profile.and_then(|p| p.ims_client_id.as_ref()))
    {
        return ims(args, profile, client_id, env).map(AuthSource::Ims);
    }
    if let Some(client_id) = &args.client_id {
        return oauth(args, None, client_id, env).map(AuthSource::OAuth);
    }
    if let Some(username) = &args.username {
        return Ok(AuthSource::Password {
            username: username.trim().to_string(),
            password: password(),
        });
    }
    if let Some(path) = &args.api_key_file {
        return read_key_file(path).map(AuthSource::ApiKey);
    }
    if let Some(profile) = profile {
        if let Some(client_id) = &profile.client_id {
            return oauth(args, Some(profile), client_id, env).map(AuthSource::OAuth);
        }
        if let Some(username) = &profile.username {
            return Ok(AuthSource::Password {
                username: username.trim().to_string(),
                password: password(),
            });
        }
        if let Some(path) = &profile.api_key_file {
            return read_key_file(path).map(AuthSource::ApiKey);
        }
        if let Some(var) = &profile.api_key_env {
            return match env(var).map(Secret::new) {
                Some(key) if !key.is_empty() => Ok(AuthSource::ApiKey(key)),
                _ => Err(format!("the profile's API key is in env {var}, which is not set")),
            };
        }
    }
    match env("WORKFRONT_API_KEY").map(Secret::new) {
        Some(key) if !key.is_empty() => Ok(AuthSource::ApiKey(key)),
        _ => Err("no credentials: set env WORKFRONT_API_KEY, or pass --api-key-file PATH or --username USER".into()),
    }
}

/// The OAuth2 settings: the flags, the secret from env WORKFRONT_CLIENT_SECRET, the key file.
/// Flags override the profile's values one by one.
fn oauth(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
    client_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<OAuthConfig, String> {
    let missing = |flag: &str| format!("--client-id needs {flag}");
    let text = |flag: &Option<String>, from: fn(&Profile) -> &Option<String>| {
        flag.clone().or_else(|| profile.and_then(|p| from(p).clone()))
    };
    let client_secret =
        env("WORKFRONT_CLIENT_SECRET")
            .map(Secret::new)
            .filter(|s| !s.is_empty())
            .ok_or("--client-id needs the client secret in env WORKFRONT_CLIENT_SECRET")?;
    let path = args
        .private_key_file
        .as_ref()
        .or(profile.and_then(|p| p.private_key_file.as_ref()))
        .ok_or_else(|| missing("--private-key-file"))?;
    Ok(OAuthConfig {
        client_id: client_id.trim().to_string(),
        client_secret,
        private_key: read_secret_file(path, "private key")?,
        customer_id: text(&args.customer_id, |p| &p.customer_id)
            .ok_or_else(|| missing("--customer-id"))?,
        user_id: text(&args.user_id, |p| &p.user_id).ok_or_else(|| missing("--user-id"))?,
    })
}

/// The Adobe IMS settings: flags (or their env), else the profile's; the secret from env
/// WORKFRONT_IMS_CLIENT_SECRET only.
fn ims(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
    client_id: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ImsConfig, String> {
    let text = |flag: &Option<String>, from: fn(&Profile) -> &Option<String>| {
        flag.clone()
            .or_else(|| profile.and_then(|p| from(p).clone()))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let client_secret = env("WORKFRONT_IMS_CLIENT_SECRET")
        .map(Secret::new)
        .filter(|s| !s.is_empty())
        .ok_or("--ims-client-id needs the client secret in env WORKFRONT_IMS_CLIENT_SECRET (from the credential's page in the Adobe Developer Console)")?;
    let org_id = text(&args.ims_org_id, |p| &p.ims_org_id)
        .ok_or("--ims-client-id needs --ims-org-id (or env WORKFRONT_IMS_ORG_ID): the organisation ID ending in @AdobeOrg, on the credential's page")?;
    let url_text =
        text(&args.ims_url, |p| &p.ims_url).unwrap_or_else(|| DEFAULT_IMS_URL.to_string());
    let url = Url::parse(&url_text).map_err(|e| {
        format!("--ims-url {url_text:?}: {e} (write it as https://ims-na1.adobelogin.com)")
    })?;
    match url.scheme() {
        "https" => {}
        "http" if url.host_str().is_some_and(is_loopback) => {}
        _ => {
            return Err(format!(
                "--ims-url {url_text}: use https (plain http only to a local simulator on loopback)"
            ));
        }
    }
    Ok(ImsConfig {
        client_id: client_id.trim().to_string(),
        client_secret,
        org_id,
        scopes: text(&args.ims_scopes, |p| &p.ims_scopes)
            .unwrap_or_else(|| DEFAULT_IMS_SCOPES.to_string()),
        url,
    })
}

/// Reads an API key file, refusing one that others can read (as ssh does with private keys).
pub(super) fn read_key_file(path: &Path) -> Result<Secret, String> {
    read_secret_file(path, "API key")
}

/// Reads a file holding a secret (`what`), refusing one that others can read.
fn read_secret_file(path: &Path, what: &str) -> Result<Secret, String> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{shown}: the {what} file is readable by others (mode {:o}); run `chmod 600 {shown}`",
                mode & 0o777
            ));
        }
    }
    let key = Secret::new(std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?);
    if key.is_empty() {
        return Err(format!("{shown}: the {what} file is empty"));
    }
    Ok(key)
}
