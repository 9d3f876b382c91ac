//! What the user typed plus the environment, turned into validated settings.
//!
//! Every usage error is found here, before any file is read or any request is sent. The
//! environment is passed in as a function so tests need not touch the process's variables.

mod commands;
mod connection;
mod credentials;

pub use commands::{ApplySettings, AuditSettings, ReactivateSettings, Settings};
#[cfg(test)]
use connection::connection;
use connection::connection_with;
use credentials::auth;
pub use credentials::credential_source;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use reqwest::Url;

use crate::cli::{ConnectionArgs, ListArgs, RunArgs};
use crate::input::{ColumnSpec, ReadOptions, TextEncoding};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::workfront::{ImsConfig, OAuthConfig};

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

#[cfg(test)]
mod tests {
    use super::credentials::read_key_file;
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
