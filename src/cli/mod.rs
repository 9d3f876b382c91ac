//! What the user typed: clap definitions whose doc comments are the `--help` text.
//!
//! Nothing here is validated beyond its type; `settings` turns these into checked settings.

mod commands;
pub use commands::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bulk-deactivate Adobe Workfront users from an HR list, with a dry run and a full report.
#[derive(Debug, Parser)]
#[command(name = "wf-offboard", version, about, long_about = None, after_help = crate::help::MAIN)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log every request (method, path, status, attempt, latency) on stderr; RUST_LOG works too.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Also write every request and every row's outcome as JSON lines to this file (created
    /// new, mode 0600; an existing file is never replaced).
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Deactivate the users listed in a CSV file or spreadsheet (use --dry-run first).
    #[command(after_help = crate::help::DEACTIVATE)]
    Deactivate(DeactivateArgs),
    /// Undo a run: reactivate the users an earlier report shows as deactivated.
    #[command(after_help = crate::help::REACTIVATE)]
    Reactivate(ReactivateArgs),
    /// Execute a reviewed plan (from `deactivate --dry-run --plan`), exactly as it was reviewed.
    #[command(after_help = crate::help::APPLY)]
    Apply(ApplyArgs),
    /// Read-only audit of a list (or, with --roster, of everyone not on it): outcomes, licences,
    /// last logins and the open work each user still holds.
    #[command(after_help = crate::help::AUDIT)]
    Audit(AuditArgs),
    /// Hand each leaver's work to a successor: open tasks and issues, owned projects and
    /// templates, run-as reports (use --dry-run first; --undo puts it back).
    #[command(after_help = crate::help::HANDOVER)]
    Handover(HandoverArgs),
    /// Check the connection and sign-in: who you are, whether you may see everyone, and where
    /// each setting came from. Changes nothing.
    #[command(after_help = crate::help::CHECK)]
    Check(CheckArgs),
    /// Run a local Workfront simulator to rehearse against.
    #[command(after_help = crate::help::SIM)]
    Sim(SimArgs),
    /// Rehearse an offboarding end to end against a built-in simulator.
    #[command(after_help = crate::help::DEMO)]
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    #[command(after_help = crate::help::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    #[command(after_help = crate::help::MAN)]
    Man,
}

/// `wf-offboard check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `wf-offboard completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where the tenant is and how to sign in.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// The tenant's base URL, e.g. https://acme.my.workfront.com or http://127.0.0.1:8080.
    #[arg(long, env = "WORKFRONT_BASE_URL", conflicts_with = "domain")]
    pub base_url: Option<String>,

    /// The tenant's domain: `acme` means https://acme.my.workfront.com.
    #[arg(long, env = "WORKFRONT_DOMAIN")]
    pub domain: Option<String>,

    /// The API version in the path [default: v22.0].
    #[arg(long, env = "WORKFRONT_API_VERSION")]
    pub api_version: Option<String>,

    /// A file holding the API key (instead of env WORKFRONT_API_KEY). Must not be readable by others.
    #[arg(help_heading = "Sign-in", long, conflicts_with = "username")]
    pub api_key_file: Option<PathBuf>,

    /// Legacy: sign in as this user (password from env WORKFRONT_PASSWORD or a hidden prompt);
    /// refused by every tenant on the Adobe Business Platform.
    #[arg(help_heading = "Sign-in", long)]
    pub username: Option<String>,

    /// OAuth2: the client ID of a machine-to-machine application (client secret from env
    /// WORKFRONT_CLIENT_SECRET); needs --private-key-file, --customer-id and --user-id.
    #[arg(help_heading = "Sign-in", long, conflicts_with_all = ["username", "api_key_file"], requires_all = ["private_key_file", "customer_id", "user_id"])]
    pub client_id: Option<String>,

    /// OAuth2: the application's private key (PEM). Must not be readable by others.
    #[arg(help_heading = "Sign-in", long, requires = "client_id")]
    pub private_key_file: Option<PathBuf>,

    /// OAuth2: the customer ID from the application's details (the JWT's `iss`).
    #[arg(help_heading = "Sign-in", long, requires = "client_id")]
    pub customer_id: Option<String>,

    /// OAuth2: the ID of the user who set up the application's key (the JWT's `sub`).
    #[arg(help_heading = "Sign-in", long, requires = "client_id")]
    pub user_id: Option<String>,

    /// A named tenant from the config file (see the README's "Tenant profiles"); flags override it.
    #[arg(long, env = "WF_OFFBOARD_PROFILE")]
    pub profile: Option<String>,

    /// Adobe IMS Server-to-Server: the Developer Console credential's client ID (client secret
    /// from env WORKFRONT_IMS_CLIENT_SECRET); needs --ims-org-id.
    #[arg(help_heading = "Sign-in", long, env = "WORKFRONT_IMS_CLIENT_ID", value_name = "ID", conflicts_with_all = ["username", "api_key_file", "client_id"])]
    pub ims_client_id: Option<String>,

    /// Adobe IMS: the organisation ID (…@AdobeOrg), sent as x-gw-ims-org-id.
    #[arg(help_heading = "Sign-in", long, env = "WORKFRONT_IMS_ORG_ID", value_name = "ORG")]
    pub ims_org_id: Option<String>,

    /// Adobe IMS: the scopes to ask for, comma-separated, as the credential lists them in the
    /// Developer Console [default: openid,AdobeID].
    #[arg(help_heading = "Sign-in", long, env = "WORKFRONT_IMS_SCOPES", value_name = "LIST")]
    pub ims_scopes: Option<String>,

    /// Adobe IMS: the sign-in host [default: https://ims-na1.adobelogin.com]; plain http only to
    /// loopback.
    #[arg(help_heading = "Sign-in", long, env = "WORKFRONT_IMS_URL", value_name = "URL")]
    pub ims_url: Option<String>,
}

/// How fast a run may go; a profile may set these, flags override it.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Pacing")]
pub struct PacingArgs {
    /// Requests in flight at once (Workfront documents a cap of 10 per customer) [default: 10].
    #[arg(long)]
    pub concurrency: Option<usize>,

    /// Requests per second at most [default: 300].
    #[arg(long)]
    pub rate: Option<u32>,
}

/// How a run that changes users is paced, confirmed and reported (shared by `deactivate` and
/// `reactivate`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct RunArgs {
    /// Plan and report only: send no request that changes anything.
    #[arg(long, help_heading = "Safety")]
    pub dry_run: bool,

    /// Where to write the results CSV (default: wf-offboard-<kind>-<time>.csv here).
    #[arg(long)]
    pub report: Option<PathBuf>,

    #[command(flatten)]
    pub pacing: PacingArgs,

    /// Users per request, up to 100: sends Workfront's bulk update (`atomic=true`); a batch that
    /// fails is split until the failing user is found, so every row still gets its own outcome.
    #[arg(long, default_value_t = 1, help_heading = "Pacing")]
    pub batch_size: usize,

    /// Do not ask for confirmation before changing anyone.
    #[arg(long, help_heading = "Safety")]
    pub yes: bool,

    /// No progress bar and no summary on stderr.
    #[arg(long)]
    pub quiet: bool,

    /// Also write a machine-readable summary here: counts per outcome, timings, requests sent,
    /// the report path.
    #[arg(long, value_name = "PATH")]
    pub summary_json: Option<PathBuf>,

    /// Replace output files that already exist (never an input of the run, a link or a device).
    #[arg(long)]
    pub force: bool,

    /// Also write the sign-off page here: one self-contained HTML file (counts, the rows that
    /// need a person, everyone deactivated) for reviewers who do not read CSVs.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// How to read the list (shared by `deactivate` and `audit`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Input")]
pub struct ListArgs {
    /// The column holding the identifiers: a header name, or a 1-based position written '#N'
    /// (default: a header such as username, email, work email, UPN or ID).
    #[arg(long, value_name = "NAME|#N")]
    pub column: Option<String>,

    /// The first row is data, not a header (the identifiers are then in column 1, or --column '#N').
    #[arg(long)]
    pub no_header: bool,

    /// The text encoding of a CSV without a BOM: windows-1252 (or latin1), utf-8, utf-16le,
    /// utf-16be [default: UTF-8; a BOM decides by itself].
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,

    /// The sheet to read from a spreadsheet (default: the first visible sheet).
    #[arg(long)]
    pub sheet: Option<String>,
}

/// Who is never deactivated (shared by `deactivate` and `audit`).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Safety")]
pub struct ProtectionArgs {
    /// Treat System Administrators like any other user (by default they are protected and
    /// never deactivated).
    #[arg(long)]
    pub allow_admins: bool,

    /// Never deactivate the users in this file (usernames, emails or IDs, like the input).
    #[arg(long, value_name = "FILE")]
    pub protect: Option<PathBuf>,
}
