//! Each subcommand's own arguments (the flag groups they share are in the parent module).

use std::path::PathBuf;

use super::{ConnectionArgs, ListArgs, PacingArgs, ProtectionArgs, RunArgs};
use clap::Args;

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
