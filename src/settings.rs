//! What the user typed plus the environment, turned into validated settings.
//!
//! Every usage error is found here, before any file is read or any request is sent. The
//! environment is passed in as a function so tests need not touch the process's variables.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use reqwest::Url;

use crate::cli::{
    ApplyArgs, AuditArgs, ConnectionArgs, DeactivateArgs, ListArgs, ReactivateArgs, RunArgs,
};
use crate::guard::Limit;
use crate::input::{ColumnSpec, ReadOptions, TextEncoding};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::workfront::{DEFAULT_IMS_SCOPES, DEFAULT_IMS_URL, ImsConfig, OAuthConfig};

/// Where the tenant is.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `https://acme.my.workfront.com/attask/api/v22.0/`.
    pub api_root: Url,
    /// The host, shown in confirmations and summaries.
    pub host: String,
}

/// How to authenticate.
#[derive(Debug, Clone)]
pub enum AuthSource {
    /// An API key from env WORKFRONT_API_KEY or --api-key-file.
    ApiKey(Secret),
    /// Sign in as a user; the password is prompted for when env WORKFRONT_PASSWORD is unset.
    Password { username: String, password: Option<Secret> },
    /// OAuth2 machine to machine: a signed JWT exchanged for an access token.
    OAuth(OAuthConfig),
    /// Adobe IMS Server-to-Server: a client-credentials token, sent as a Bearer token.
    Ims(ImsConfig),
}

/// Validated settings every run that changes users shares.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub connection: Connection,
    pub auth: AuthSource,
    pub dry_run: bool,
    pub report: PathBuf,
    pub concurrency: usize,
    pub rate: NonZeroU32,
    /// Users per update request (1: one PUT per user; more: bulk updates).
    pub batch_size: usize,
    pub yes: bool,
    pub quiet: bool,
    pub summary_json: Option<PathBuf>,
    /// `--force`: existing output files may be replaced.
    pub force: bool,
    /// Where the credential came from, for messages: `env WORKFRONT_API_KEY`, `--api-key-file
    /// key.txt`, `profile prod (api_key_env ACME_KEY)`, ….
    pub credential: String,
    /// `--html`: the sign-off page.
    pub html: Option<PathBuf>,
    /// The profile the run started from (`--profile`), if any; it holds no secret.
    pub profile: Option<Profile>,
}

impl RunSettings {
    /// Checks every file the run writes (the report, the summary, and `more`) against the
    /// files it reads, before anything is read or sent: see [`crate::output`].
    pub fn check_files(&self, inputs: &[&Path], more: &[(&Path, &str)]) -> Result<(), String> {
        let mut files = crate::output::Files::new(self.force);
        for input in inputs {
            files.input(input);
        }
        files.output(&self.report, "--report")?;
        files
            .output(&crate::lock::lock_path(&self.report), "the report's lock file")
            .map(drop)
            .or_else(|e| {
                // A lock file left by a run that ended is ours to reuse; only links and devices are refused.
                if e.contains("already exists") { Ok(()) } else { Err(e) }
            })?;
        if let Some(summary) = &self.summary_json {
            files.output(summary, "--summary-json")?;
        }
        if let Some(html) = &self.html {
            files.output(html, "--html")?;
        }
        for (path, what) in more {
            files.output(path, what)?;
        }
        Ok(())
    }

    /// Validates the connection and run options; `kind` names the default report file
    /// (real run, dry run).
    pub fn from_args(
        connection_args: &ConnectionArgs,
        args: &RunArgs,
        kind: (&str, &str),
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let profile = crate::profile::load(connection_args.profile.as_deref(), env)?;
        let connection = connection_with(connection_args, profile.as_ref())?;
        let auth = auth(connection_args, profile.as_ref(), env)?;
        let concurrency = args
            .pacing
            .concurrency
            .or(profile.as_ref().and_then(|p| p.concurrency))
            .unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 || concurrency > 100 {
            return Err(format!("--concurrency must be between 1 and 100, not {concurrency}"));
        }
        let rate =
            args.pacing.rate.or(profile.as_ref().and_then(|p| p.rate)).unwrap_or(DEFAULT_RATE);
        let rate = NonZeroU32::new(rate).ok_or("--rate must be at least 1 request per second")?;
        if args.batch_size == 0 || args.batch_size > crate::workfront::MAX_BATCH {
            return Err(format!(
                "--batch-size must be between 1 and {} (Workfront's limit for one bulk update), not {}",
                crate::workfront::MAX_BATCH,
                args.batch_size
            ));
        }
        let report = args.report.clone().unwrap_or_else(|| default_report_path(kind, args.dry_run));
        Ok(RunSettings {
            connection,
            auth,
            dry_run: args.dry_run,
            report,
            concurrency,
            rate,
            batch_size: args.batch_size,
            yes: args.yes,
            quiet: args.quiet,
            summary_json: args.summary_json.clone(),
            force: args.force,
            credential: credential_source(connection_args, profile.as_ref(), env),
            html: args.html.clone(),
            profile,
        })
    }
}

/// Requests in flight when neither a flag nor a profile says: Workfront's documented cap.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Requests per second when neither a flag nor a profile says.
pub const DEFAULT_RATE: u32 = 300;

/// Validated settings for `deactivate`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub run: RunSettings,
    pub input: PathBuf,
    /// How to read the input (and, for its encoding, the protect list).
    pub list: ReadOptions,
    /// The blast-radius guard.
    pub max_deactivations: Limit,
    pub allow_admins: bool,
    pub protect: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    /// Write the dry run's plan here.
    pub plan: Option<PathBuf>,
    /// What "today" is, and when a scheduled day ends.
    pub timezone: jiff::tz::TimeZone,
    /// Go on with a caller who is not a System Administrator.
    pub allow_partial_directory: bool,
}

impl Settings {
    /// Validates `deactivate`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &DeactivateArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, String> {
        let run = RunSettings::from_args(&args.connection, &args.run, ("report", "dry-run"), env)?;
        let from_profile = run.profile.as_ref().and_then(|p| p.max_deactivations.as_ref());
        let max_deactivations = match args.max_deactivations.as_ref().or(from_profile) {
            Some(text) => Limit::parse(text)?,
            None => Limit::default(),
        };
        Ok(Settings {
            run,
            input: args.input.clone(),
            list: read_options(&args.list, args.date_column.as_deref())?,
            max_deactivations,
            allow_admins: args.protection.allow_admins,
            protect: args.protection.protect.clone(),
            resume: args.resume.clone(),
            plan: args.plan.clone(),
            timezone: crate::dates::time_zone(args.timezone.as_deref())?,
            allow_partial_directory: args.allow_partial_directory,
        })
    }
}

/// Validated settings for `reactivate`.
#[derive(Debug, Clone)]
pub struct ReactivateSettings {
    pub run: RunSettings,
    /// The report whose `deactivated` rows are undone.
    pub from_report: PathBuf,
}

impl ReactivateSettings {
    /// Validates `reactivate`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &ReactivateArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let run = RunSettings::from_args(
            &args.connection,
            &args.run,
            ("reactivate", "reactivate-dry-run"),
            env,
        )?;
        Ok(ReactivateSettings { run, from_report: args.from_report.clone() })
    }
}

/// Validated settings for `apply`.
#[derive(Debug, Clone)]
pub struct ApplySettings {
    pub run: RunSettings,
    pub plan: PathBuf,
}

impl ApplySettings {
    /// Validates `apply`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &ApplyArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let run =
            RunSettings::from_args(&args.connection, &args.run, ("apply", "apply-dry-run"), env)?;
        Ok(ApplySettings { run, plan: args.plan.clone() })
    }
}

/// Validated settings for `audit` (a dry run that also counts open work).
#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub run: RunSettings,
    /// The list audited, or with `roster`, the people who stay.
    /// The list audited, or with `roster` the people who stay; none for stale accounts alone.
    pub list: Option<PathBuf>,
    pub roster: bool,
    /// Stale accounts: last login (or creation, for who never logged in) more than this many days ago.
    pub inactive_days: Option<u32>,
    /// With `inactive_days`: only these licence types.
    pub license_types: Option<Vec<String>>,
    pub write_candidates: Option<PathBuf>,
    /// `--objects`: every object a matched user holds, one row each.
    pub objects: Option<PathBuf>,
    /// How to read the list.
    pub list_options: ReadOptions,
    pub allow_admins: bool,
    pub protect: Option<PathBuf>,
    /// Go on with a caller who is not a System Administrator.
    pub allow_partial_directory: bool,
}

impl AuditSettings {
    /// Validates `audit`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &AuditArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let run_args = RunArgs {
            dry_run: true,
            report: args.report.clone(),
            pacing: args.pacing.clone(),
            batch_size: 1,
            yes: true,
            quiet: args.quiet,
            summary_json: args.summary_json.clone(),
            force: args.force,
            html: args.html.clone(),
        };
        let run = RunSettings::from_args(&args.connection, &run_args, ("audit", "audit"), env)?;
        let (list, roster) = match (&args.roster, &args.input) {
            (Some(roster), _) => (Some(roster.clone()), true),
            (None, Some(input)) => (Some(input.clone()), false),
            (None, None) if args.inactive_days.is_some() => (None, false),
            (None, None) => {
                return Err("say what to audit: INPUT, --roster ROSTER or --inactive-days N".into());
            }
        };
        if args.write_candidates.is_some() && !roster && args.inactive_days.is_none() {
            return Err("--write-candidates goes with --roster or --inactive-days".into());
        }
        let license_types = match &args.license_types {
            Some(text) => {
                let types: Vec<String> = text
                    .split(',')
                    .map(|t| t.trim().to_ascii_uppercase())
                    .filter(|t| !t.is_empty())
                    .collect();
                if let Some(bad) =
                    types.iter().find(|t| !["F", "C", "R", "X"].contains(&t.as_str()))
                {
                    return Err(format!(
                        "--license-types: {bad:?} is not a licence type: use F, C, R or X (e.g. F,C)"
                    ));
                }
                Some(types)
            }
            None => None,
        };
        Ok(AuditSettings {
            run,
            list,
            roster,
            inactive_days: args.inactive_days,
            license_types,
            write_candidates: args.write_candidates.clone(),
            objects: args.objects.clone(),
            list_options: read_options(&args.list, None)?,
            allow_admins: args.protection.allow_admins,
            protect: args.protection.protect.clone(),
            allow_partial_directory: args.allow_partial_directory,
        })
    }
}

/// How to read a list, from `--column`, `--no-header`, `--encoding`, `--sheet` and
/// `--date-column`.
pub(crate) fn read_options(
    args: &ListArgs,
    date_column: Option<&str>,
) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        column: args.column.as_deref().map(ColumnSpec::parse).transpose()?,
        date_column: date_column.map(ColumnSpec::parse).transpose()?,
        no_header: args.no_header,
        encoding: args.encoding.as_deref().map(TextEncoding::parse).transpose()?,
        sheet: args.sheet.clone(),
    })
}

/// `wf-offboard-<kind>-<time>.csv` in the current directory; `kind` is `(real run, dry run)`.
fn default_report_path(kind: (&str, &str), dry_run: bool) -> PathBuf {
    let kind = if dry_run { kind.1 } else { kind.0 };
    PathBuf::from(format!("wf-offboard-{kind}-{}.csv", crate::clock::now_compact()))
}

/// Builds the API root from `--base-url` or `--domain` and `--api-version`.
pub fn connection(args: &ConnectionArgs) -> Result<Connection, String> {
    connection_with(args, None)
}

/// The same, with a profile filling in what the flags leave out.
fn connection_with(args: &ConnectionArgs, profile: Option<&Profile>) -> Result<Connection, String> {
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
    let profile_name =
        || std::env::var("WF_OFFBOARD_PROFILE").ok().or(args.profile.clone()).unwrap_or_default();
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
fn auth(
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
fn read_key_file(path: &Path) -> Result<Secret, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(base: Option<&str>, domain: Option<&str>, version: &str) -> Result<Connection, String> {
        connection(&ConnectionArgs {
            base_url: base.map(String::from),
            domain: domain.map(String::from),
            api_version: Some(version.into()),
            ..ConnectionArgs::default()
        })
    }

    #[test]
    fn base_url_and_domain_build_the_api_root() {
        let c = conn(None, Some("acme"), "v22.0").unwrap();
        assert_eq!(c.api_root.as_str(), "https://acme.my.workfront.com/attask/api/v22.0/");
        let c = conn(Some("http://127.0.0.1:8080/"), None, "v18.0").unwrap();
        assert_eq!(c.api_root.as_str(), "http://127.0.0.1:8080/attask/api/v18.0/");
        assert!(conn(Some("http://localhost:1"), None, "v22.0").is_ok());
        assert!(conn(Some("http://[::1]:1"), None, "v22.0").is_ok());
    }

    #[test]
    fn plain_http_off_loopback_and_bad_values_are_refused() {
        assert!(
            conn(Some("http://acme.my.workfront.com"), None, "v22.0")
                .unwrap_err()
                .contains("plain http")
        );
        assert!(conn(Some("http://10.0.0.1"), None, "v22.0").is_err());
        assert!(
            conn(Some("https://acme.my.workfront.com/attask/api/v22.0"), None, "v22.0").is_err()
        );
        assert!(conn(None, Some("acme.my.workfront.com"), "v22.0").is_err());
        assert!(conn(None, Some("acme"), "22").is_err());
        assert!(conn(None, None, "v22.0").is_err());
    }

    #[test]
    fn credentials_come_from_env_file_or_username() {
        let args = ConnectionArgs {
            base_url: None,
            domain: None,
            api_version: None,
            api_key_file: None,
            username: None,
            client_id: None,
            private_key_file: None,
            customer_id: None,
            user_id: None,
            profile: None,
            ims_client_id: None,
            ims_org_id: None,
            ims_scopes: None,
            ims_url: None,
        };
        assert!(matches!(
            auth(&args, None, &|k| (k == "WORKFRONT_API_KEY").then(|| "k".into())),
            Ok(AuthSource::ApiKey(_))
        ));
        assert!(auth(&args, None, &|_| None).is_err());
        let with_user = ConnectionArgs { username: Some("a@b".into()), ..args };
        assert!(matches!(
            auth(&with_user, None, &|_| None),
            Ok(AuthSource::Password { password: None, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_readable_by_others_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "abc\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_key_file(&path).unwrap_err().contains("chmod 600"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_key_file(&path).unwrap().expose(), "abc");
    }
}
