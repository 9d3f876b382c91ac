//! Where the tenant is: `--base-url` or `--domain`, the API version, and the rule that plain
//! http is only for loopback.

use reqwest::Url;

use super::Connection;
use crate::cli::ConnectionArgs;
use crate::profile::Profile;

/// Builds the API root from `--base-url` or `--domain` and `--api-version`.
#[cfg(test)]
pub fn connection(args: &ConnectionArgs) -> Result<Connection, String> {
    connection_with(args, None)
}

/// The same, with a profile filling in what the flags leave out.
pub(super) fn connection_with(
    args: &ConnectionArgs,
    profile: Option<&Profile>,
) -> Result<Connection, String> {
    let from_profile = |f: fn(&Profile) -> &Option<String>| profile.and_then(|p| f(p).clone());
    let version = args
        .api_version
        .clone()
        .or_else(|| from_profile(|p| &p.api_version))
        .unwrap_or_else(|| "v22.0".into());
    let version = version.trim();
    let valid_version = version.strip_prefix('v').is_some_and(|rest| {
        let mut parts = rest.split('.');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
    });
    if !valid_version {
        return Err(format!("--api-version must look like v22.0, not {version:?}"));
    }
    let (base_url, domain) = match (&args.base_url, &args.domain) {
        (None, None) => (from_profile(|p| &p.base_url), from_profile(|p| &p.domain)),
        (url, domain) => (url.clone(), domain.clone()),
    };
    let base = match (&base_url, &domain) {
        (Some(url), _) => url.trim().to_string(),
        (None, Some(domain)) => {
            let domain = domain.trim();
            if domain.is_empty() || !domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(format!(
                    "--domain must be the first part of <domain>.my.workfront.com, not {domain:?} (use --base-url for other hosts)"
                ));
            }
            format!("https://{domain}.my.workfront.com")
        }
        (None, None) => {
            return Err("say which tenant: --base-url URL or --domain NAME (or env WORKFRONT_BASE_URL / WORKFRONT_DOMAIN)".into());
        }
    };
    if !base.contains("://") {
        let local = base.split([':', '/']).next().is_some_and(is_loopback);
        let suggestion = if local { format!("http://{base}") } else { format!("https://{base}") };
        return Err(format!("--base-url {base:?} has no scheme: write {suggestion}"));
    }
    let url = Url::parse(&base).map_err(|e| format!("--base-url {base:?} is not a URL: {e}"))?;
    let host =
        url.host_str().ok_or_else(|| format!("--base-url {base:?} has no host"))?.to_string();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(format!(
                "refusing plain http to {host}: the API key would cross the network unencrypted; use https (http is allowed only to loopback)"
            ));
        }
        other => return Err(format!("--base-url must be https://, not {other}://")),
    }
    if url.path().contains("/attask") || url.query().is_some() {
        return Err(format!(
            "--base-url is the tenant's address only, e.g. https://{host} (the tool adds /attask/api/{version}/)"
        ));
    }
    let mut root = url.clone();
    root.set_path(&format!("{}/attask/api/{version}/", url.path().trim_end_matches('/')));
    Ok(Connection { api_root: root, host })
}

/// Is `host` a loopback name or address (127.0.0.0/8, ::1, localhost)?
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
