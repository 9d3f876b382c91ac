//! Tenant profiles: named tenants in a TOML file in the platform's config directory, chosen
//! with `--profile NAME` (env `WF_OFFBOARD_PROFILE`). Flags and their env vars override a
//! profile; a profile overrides the built-in defaults.
//!
//! Secrets never live in the file: a profile names the env var or the file that holds the key
//! (`api_key_env`, `api_key_file`), or a username whose password comes from
//! `WORKFRONT_PASSWORD` or a prompt. A key, password or client secret written into the file is
//! refused with a clear error, so one cannot slip in unnoticed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One named tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub base_url: Option<String>,
    pub domain: Option<String>,
    pub api_version: Option<String>,
    /// The env var holding this tenant's API key.
    pub api_key_env: Option<String>,
    /// A file holding this tenant's API key (must not be readable by others).
    pub api_key_file: Option<PathBuf>,
    /// Sign in as this user instead (password from env WORKFRONT_PASSWORD or a prompt).
    pub username: Option<String>,
    /// OAuth2 instead: the application's client ID (secret from env WORKFRONT_CLIENT_SECRET),
    /// its private key file, the customer ID and the user ID.
    pub client_id: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub customer_id: Option<String>,
    pub user_id: Option<String>,
    /// Adobe IMS Server-to-Server instead: the credential's client ID (secret from env
    /// WORKFRONT_IMS_CLIENT_SECRET), the organisation ID, the scopes and the IMS host.
    pub ims_client_id: Option<String>,
    pub ims_org_id: Option<String>,
    pub ims_scopes: Option<String>,
    pub ims_url: Option<String>,
    pub rate: Option<u32>,
    pub concurrency: Option<usize>,
    /// `N` or `P%`, as `--max-deactivations` takes it.
    pub max_deactivations: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Keys that would put a secret in the file.
const SECRET_KEYS: &[&str] =
    &["api_key", "apikey", "key", "password", "client_secret", "secret", "token", "private_key"];

/// Where the config file is: env `WF_OFFBOARD_CONFIG`, else `wf-offboard/config.toml` in the
/// platform's config directory (`$XDG_CONFIG_HOME` or `~/.config` on Linux,
/// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = env("WF_OFFBOARD_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = if cfg!(windows) {
        env("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|home| Path::new(&home).join("Library/Application Support"))
    } else {
        env("XDG_CONFIG_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))
    };
    base.map(|dir| dir.join("wf-offboard").join("config.toml"))
}

/// Parses a config file's text and returns the profile `name`.
pub fn parse_profile(text: &str, source: &str, name: &str) -> Result<Profile, String> {
    let raw: toml::Table = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
    if let Some(toml::Value::Table(profiles)) = raw.get("profiles") {
        for (profile, value) in profiles {
            let Some(table) = value.as_table() else { continue };
            if let Some(key) =
                table.keys().find(|k| SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            {
                return Err(format!(
                    "{source}: profile {profile:?} holds a secret ({key}): keep secrets out of the config; name the env var (api_key_env) or the key file (api_key_file) instead"
                ));
            }
        }
    }
    let file: ConfigFile = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
    let profile = file.profiles.get(name).cloned().ok_or_else(|| {
        let listed = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        format!("{source}: no profile named {name:?} (profiles: {listed})")
    })?;
    if profile.base_url.is_some() && profile.domain.is_some() {
        return Err(format!("{source}: profile {name:?} sets both base_url and domain; keep one"));
    }
    let auths = [
        profile.api_key_env.is_some(),
        profile.api_key_file.is_some(),
        profile.username.is_some(),
        profile.client_id.is_some(),
    ];
    if auths.iter().filter(|set| **set).count() > 1 {
        return Err(format!(
            "{source}: profile {name:?} sets more than one of api_key_env, api_key_file, username and client_id; keep one"
        ));
    }
    Ok(profile)
}

/// The profile the user asked for (`--profile` or env `WF_OFFBOARD_PROFILE`), if any.
pub fn load(
    name: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Profile>, String> {
    let Some(name) = name.filter(|n| !n.is_empty()) else { return Ok(None) };
    let path = config_path(env)
        .ok_or("no config directory: set env WF_OFFBOARD_CONFIG to the config file")?;
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("--profile {name}: cannot read {source}: {e}"))?;
    parse_profile(&text, &source, name).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[profiles.acme]
domain = "acme"
api_version = "v21.0"
api_key_env = "ACME_WORKFRONT_KEY"
rate = 50
concurrency = 6
max_deactivations = "5%"

[profiles.sandbox]
base_url = "https://acme.preview.workfront.com"
api_key_file = "/secure/sandbox.key"

[profiles.oauth]
domain = "acme"
client_id = "abc"
private_key_file = "/secure/app.pem"
customer_id = "cust"
user_id = "0123456789abcdef0123456789abcdef"
"#;

    #[test]
    fn profiles_are_read_by_name() {
        let acme = parse_profile(CONFIG, "c.toml", "acme").unwrap();
        assert_eq!(acme.domain.as_deref(), Some("acme"));
        assert_eq!(
            (acme.rate, acme.concurrency, acme.max_deactivations.as_deref()),
            (Some(50), Some(6), Some("5%"))
        );
        let sandbox = parse_profile(CONFIG, "c.toml", "sandbox").unwrap();
        assert_eq!(sandbox.api_key_file.as_deref(), Some(Path::new("/secure/sandbox.key")));
        assert!(
            parse_profile(CONFIG, "c.toml", "prod")
                .unwrap_err()
                .contains("no profile named \"prod\" (profiles: acme, oauth, sandbox)")
        );
        let oauth = parse_profile(CONFIG, "c.toml", "oauth").unwrap();
        assert_eq!(
            (oauth.client_id.as_deref(), oauth.customer_id.as_deref()),
            (Some("abc"), Some("cust"))
        );
    }

    #[test]
    fn secrets_and_mistakes_in_the_file_are_refused() {
        let secret = "[profiles.acme]\ndomain = \"acme\"\napi_key = \"abc123\"\n";
        let err = parse_profile(secret, "c.toml", "acme").unwrap_err();
        assert!(err.contains("holds a secret (api_key)") && !err.contains("abc123"), "{err}");
        let password = "[profiles.x]\npassword = \"hunter2\"\n";
        assert!(
            parse_profile(password, "c.toml", "other").unwrap_err().contains("holds a secret"),
            "any profile with a secret is refused"
        );
        assert!(
            parse_profile("[profiles.acme]\ndomian = \"acme\"\n", "c.toml", "acme")
                .unwrap_err()
                .contains("domian")
        );
        let both = "[profiles.acme]\ndomain = \"acme\"\nbase_url = \"https://x\"\n";
        assert!(
            parse_profile(both, "c.toml", "acme").unwrap_err().contains("both base_url and domain")
        );
    }

    #[test]
    fn the_config_file_is_found_in_the_platform_directory() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            config_path(&env(&[("WF_OFFBOARD_CONFIG", "/x/c.toml"), ("HOME", "/home/a")])),
            Some(PathBuf::from("/x/c.toml"))
        );
        if cfg!(target_os = "linux") {
            assert_eq!(
                config_path(&env(&[("HOME", "/home/a")])),
                Some(PathBuf::from("/home/a/.config/wf-offboard/config.toml"))
            );
            assert_eq!(
                config_path(&env(&[("XDG_CONFIG_HOME", "/cfg"), ("HOME", "/home/a")])),
                Some(PathBuf::from("/cfg/wf-offboard/config.toml"))
            );
        }
    }
}
