//! What the user typed: clap definitions whose doc comments are the `--help` text.
//!
//! Nothing here is validated beyond its type; `settings` turns these into checked settings.

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

/// `wf-offboard deactivate`.
#[derive(Debug, Clone, Args)]
pub struct DeactivateArgs {
    /// The list of people leaving (CSV, .xlsx, .xls or .ods): usernames, emails or user IDs.
    pub input: PathBuf,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub list: ListArgs,

    #[command(flatten)]
    pub run: RunArgs,

    /// Refuse the whole run (exit 3, nothing written) if it would deactivate more than N users,
    /// or more than P% of the tenant's active users (e.g. 5%). Default: 100.
    #[arg(help_heading = "Safety", long, value_name = "N|P%")]
    pub max_deactivations: Option<String>,

    #[command(flatten)]
    pub protection: ProtectionArgs,

    /// The leaving-date column (default: a header such as "last working day" or "end date").
    /// A later date schedules the deactivation for that day; today or earlier means now.
    #[arg(help_heading = "Input", long, value_name = "NAME|#N")]
    pub date_column: Option<String>,

    /// The time zone that decides what "today" is and when a scheduled day ends, e.g.
    /// Europe/Berlin [default: the machine's].
    #[arg(help_heading = "Input", long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// Carry over the rows an earlier report of this input shows as finished; redo the rest.
    #[arg(help_heading = "Safety", long, value_name = "REPORT")]
    pub resume: Option<PathBuf>,

    /// Go on when the signed-in user is not a System Administrator, whose listing Workfront
    /// filters: not_found rows then say the listing may be partial.
    #[arg(help_heading = "Safety", long)]
    pub allow_partial_directory: bool,

    /// With --dry-run: also write the plan for review, to execute later with `wf-offboard apply`.
    #[arg(long, value_name = "PLAN.json", requires = "dry_run", help_heading = "Output")]
    pub plan: Option<PathBuf>,
}

/// `wf-offboard apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// A plan written by `deactivate --dry-run --plan`.
    #[arg(value_name = "PLAN.json")]
    pub plan: PathBuf,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `wf-offboard reactivate`.
#[derive(Debug, Clone, Args)]
pub struct ReactivateArgs {
    /// A report written by `deactivate`: its `deactivated` rows are reactivated.
    #[arg(value_name = "REPORT")]
    pub from_report: PathBuf,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// `wf-offboard audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The list to audit (CSV, .xlsx, .xls or .ods): usernames, emails or user IDs.
    #[arg(required_unless_present_any = ["roster", "inactive_days"], conflicts_with_all = ["roster", "inactive_days"])]
    pub input: Option<PathBuf>,

    /// Stale accounts: every active user whose last login is more than N days ago (or who never
    /// logged in and was created more than N days ago). With --roster: only those not on it.
    #[arg(long, value_name = "N", help_heading = "Input")]
    pub inactive_days: Option<u32>,

    /// With --inactive-days: only these licence types, e.g. F,C (the paid ones): F Standard,
    /// C Light, R Contributor, X External.
    #[arg(long, value_name = "F,C,R,X", requires = "inactive_days", help_heading = "Input")]
    pub license_types: Option<String>,

    /// The people who STAY: audit every active user who is not on this list instead.
    #[arg(long, value_name = "ROSTER", help_heading = "Input")]
    pub roster: Option<PathBuf>,

    /// Go on when the signed-in user is not a System Administrator, whose listing Workfront
    /// filters: not_found rows then say the listing may be partial.
    #[arg(help_heading = "Safety", long)]
    pub allow_partial_directory: bool,

    /// With --roster or --inactive-days: write the candidates as an input file for `deactivate`.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub write_candidates: Option<PathBuf>,

    /// Also write every object a matched user holds, one CSV row each
    /// (row,leaver_id,leaver,object_type,object_id,object_name,relation,url).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub objects: Option<PathBuf>,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub list: ListArgs,

    #[command(flatten)]
    pub protection: ProtectionArgs,

    /// Where to write the audit CSV (default: wf-offboard-audit-<time>.csv here).
    #[arg(long, help_heading = "Output")]
    pub report: Option<PathBuf>,

    #[command(flatten)]
    pub pacing: PacingArgs,

    /// No progress bar and no summary on stderr.
    #[arg(long, help_heading = "Output")]
    pub quiet: bool,

    /// Also write a machine-readable summary here.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub summary_json: Option<PathBuf>,

    /// Replace output files that already exist (never an input of the run, a link or a device).
    #[arg(long, help_heading = "Output")]
    pub force: bool,

    /// Also write the sign-off page here: one self-contained HTML file (counts, licences freed,
    /// the rows that need a person, everyone who would go) for reviewers who do not read CSVs.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub html: Option<PathBuf>,
}

/// `wf-offboard sim`.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on (loopback; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Generate a tenant of this many users.
    #[arg(long, default_value_t = 5000, conflicts_with = "users_file")]
    pub users: usize,

    /// Load the tenant from a CSV instead (see samples/tenant.csv).
    #[arg(long)]
    pub users_file: Option<PathBuf>,

    /// Seed for the tenant, latency jitter, faults and order: the same seed repeats a run.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Requests in flight before the next gets 429 "Too many concurrent API requests".
    #[arg(long, default_value_t = 10)]
    pub max_in_flight: usize,

    /// Latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,

    /// Extra random latency, up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,

    /// Fraction (0..1) of requests answered 500 or 502.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,

    /// Fraction (0..1) of requests whose connection is dropped without an answer.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,

    /// Fraction (0..1) of updates acknowledged but silently not stored.
    #[arg(long, default_value_t = 0.0)]
    pub lost_write_rate: f64,

    /// Fraction (0..1) of reads by ID (the client's read-after-write check) answered 500.
    #[arg(long, default_value_t = 0.0)]
    pub read_error_rate: f64,

    /// Fraction (0..1) of updates stored and then answered by a dropped connection.
    #[arg(long, default_value_t = 0.0)]
    pub lost_answer_rate: f64,

    /// The API key to accept (default: derived from --seed, printed on start).
    #[arg(long)]
    pub api_key: Option<String>,

    /// The API user's password, for --username sign-in.
    #[arg(long, default_value = "rehearsal-only")]
    pub password: String,

    /// Set up an OAuth2 machine-to-machine application with this public key (PEM, `PUBLIC KEY`
    /// or `RSA PUBLIC KEY`); JWTs must be signed with its private key and `sub` the API user.
    #[arg(long, value_name = "FILE")]
    pub oauth_public_key: Option<PathBuf>,

    /// The OAuth2 application's client ID.
    #[arg(long, default_value = "wf-offboard-rehearsal")]
    pub oauth_client_id: String,

    /// The OAuth2 application's client secret (a rehearsal secret, not a real one).
    #[arg(long, default_value = "rehearsal-client-secret")]
    pub oauth_client_secret: String,

    /// The customer ID the JWT's `iss` must name.
    #[arg(long, default_value = "rehearsal-customer")]
    pub oauth_customer_id: String,

    /// How long an OAuth2 access token lives, in milliseconds.
    #[arg(long, default_value_t = 3_600_000)]
    pub session_ttl_ms: u64,

    /// Set up an Adobe Developer Console (IMS Server-to-Server) credential with this client ID:
    /// tokens at <this address>/ims/token/v3, used as its technical account.
    #[arg(long, value_name = "ID")]
    pub ims_client_id: Option<String>,

    /// The IMS credential's client secret (a rehearsal secret, not a real one).
    #[arg(long, default_value = "rehearsal-ims-secret", requires = "ims_client_id")]
    pub ims_client_secret: String,

    /// The IMS organisation ID the API expects in `x-gw-ims-org-id`.
    #[arg(long, default_value = "REHEARSAL0000000000000000@AdobeOrg", requires = "ims_client_id")]
    pub ims_org_id: String,

    /// How long an IMS access token lives, in milliseconds [default: a day].
    #[arg(long, default_value_t = 86_400_000, requires = "ims_client_id")]
    pub ims_token_ttl_ms: u64,

    /// Make the technical account a System Administrator (by default it is a Contributor, as a
    /// new Developer Console credential is).
    #[arg(long, requires = "ims_client_id")]
    pub ims_admin: bool,

    /// Accept `login` and password API-key requests, as tenants did before every organisation
    /// moved to the Adobe Business Platform (refused by default, as on every current tenant).
    #[arg(long)]
    pub legacy_login: bool,
}

/// `wf-offboard demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Directory for the demo's input copy and reports.
    #[arg(long, default_value = "wf-offboard-demo")]
    pub out: PathBuf,

    /// Latency of the built-in simulator, in milliseconds.
    #[arg(long, default_value_t = 30)]
    pub latency_ms: u64,
}

/// `wf-offboard handover`.
#[derive(Debug, Clone, Args)]
pub struct HandoverArgs {
    /// The list of people leaving (CSV, .xlsx, .xls or .ods), as for `deactivate`.
    #[arg(required_unless_present = "undo")]
    pub input: Option<PathBuf>,

    /// The column naming each row's successor (a username, email or ID, matched like the
    /// leaver): a header name or '#N'.
    #[arg(long, value_name = "NAME|#N", help_heading = "Input", conflicts_with = "to", required_unless_present_any = ["to", "undo"])]
    pub successor_column: Option<String>,

    /// One successor for everyone on the list (a username, email or ID).
    #[arg(long, value_name = "USER", help_heading = "Input")]
    pub to: Option<String>,

    /// Only these kinds: tasks, issues, projects, reports, templates, approvals, queues,
    /// timesheets (comma-separated) [default: all].
    #[arg(long, value_name = "KINDS", help_heading = "Input")]
    pub include: Option<String>,

    /// Put back what an earlier handover report shows `reassigned`, where the object still
    /// holds the successor it was given.
    #[arg(long, value_name = "REPORT", help_heading = "Safety", conflicts_with_all = ["input", "successor_column", "to", "resume", "include"])]
    pub undo: Option<PathBuf>,

    /// Carry over the objects an earlier handover report of this list shows `reassigned`.
    #[arg(long, value_name = "REPORT", help_heading = "Safety")]
    pub resume: Option<PathBuf>,

    /// Go on when the signed-in user is not a System Administrator, whose listing Workfront
    /// filters.
    #[arg(help_heading = "Safety", long)]
    pub allow_partial_directory: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub list: ListArgs,

    #[command(flatten)]
    pub run: RunArgs,
}
