//! The text each `--help` ends with: examples, the environment it reads, the exit codes. Kept
//! apart from the flag definitions so each command's text fits that command.

/// After `wf-offboard --help`.
pub const MAIN: &str = "\
Start here:
  wf-offboard demo                                   rehearse on a built-in simulator
  wf-offboard check --domain acme                    is my sign-in right?
  wf-offboard deactivate leavers.xlsx --domain acme --dry-run

Each command's --help has examples, the environment it reads and its exit codes.";

/// The exit codes of the commands that change users, once for every text that lists them.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0    every row ended as planned
  1    some row needs a person (not_found, ambiguous, invalid, protected, failed, …)
  2    usage or fatal error; nothing was changed in Workfront
  3    refused by --max-deactivations; nothing was changed
  130  interrupted (Ctrl-C or SIGTERM); the report holds every finished row"
    };
}

/// The environment every command that signs in reads.
macro_rules! sign_in_env {
    () => {
        "Environment:
  WORKFRONT_BASE_URL, WORKFRONT_DOMAIN, WORKFRONT_API_VERSION   where the tenant is
  WORKFRONT_IMS_CLIENT_ID, WORKFRONT_IMS_ORG_ID, WORKFRONT_IMS_SCOPES, WORKFRONT_IMS_URL
  WORKFRONT_IMS_CLIENT_SECRET        Adobe IMS Server-to-Server sign-in (recommended)
  WORKFRONT_CLIENT_SECRET            Workfront OAuth2 (with --client-id)
  WORKFRONT_API_KEY                  an API key from Setup
  WORKFRONT_PASSWORD                 legacy --username sign-in
  WF_OFFBOARD_PROFILE, WF_OFFBOARD_CONFIG   a named tenant profile and the config file
  RUST_LOG                           request logging, as --verbose"
    };
}

/// After `wf-offboard deactivate --help`.
pub const DEACTIVATE: &str = concat!(
    "Examples:
  wf-offboard deactivate leavers.xlsx --domain acme --dry-run
  wf-offboard deactivate leavers.xlsx --domain acme --dry-run --plan plan.json
  wf-offboard deactivate leavers.csv --domain acme --column 'Work Email' --protect keep.csv
  wf-offboard deactivate leavers.csv --domain acme --resume wf-offboard-report-20261201-101500.csv

",
    sign_in_env!(),
    "

",
    exit_codes!()
);

/// After `wf-offboard reactivate --help`.
pub const REACTIVATE: &str = "\
Examples:
  wf-offboard reactivate wf-offboard-report-20261201-101500.csv --domain acme --dry-run
  wf-offboard reactivate wf-offboard-report-20261201-101500.csv --domain acme

Only rows the report shows `deactivated` are undone, with the access level the report kept.
Environment and exit codes: as `wf-offboard deactivate --help` (no exit code 3).";

/// After `wf-offboard apply --help`.
pub const APPLY: &str = "\
Examples:
  wf-offboard deactivate leavers.xlsx --domain acme --dry-run --plan plan.json
  wf-offboard apply plan.json --domain acme --dry-run      # see the drift, change nothing
  wf-offboard apply plan.json --domain acme

A user who changed since the plan ends `drifted` and is not written.
Environment and exit codes: as `wf-offboard deactivate --help`.";

/// After `wf-offboard audit --help`.
pub const AUDIT: &str = "\
Examples:
  wf-offboard audit leavers.xlsx --domain acme
  wf-offboard audit --roster staff.csv --domain acme --write-candidates candidates.csv

Read-only: sends no request that changes anything.
Environment and exit codes: as `wf-offboard deactivate --help` (no exit code 3).";

/// After `wf-offboard handover --help`.
pub const HANDOVER: &str = "\
Examples:
  wf-offboard handover leavers.csv --successor-column Manager --domain acme --dry-run
  wf-offboard handover leavers.csv --to team.lead@acme.example --include tasks,issues --domain acme
  wf-offboard handover --undo wf-offboard-handover-20261201T101500.csv --domain acme

Moves, by Workfront's generic update, the leaver's open tasks and issues (assignedToID), owned
projects and templates (ownerID) and reports that run as them (runAsUserID); every moved
object is read back. Approval steps, queue routing rules and timesheet profiles are listed as
left_for_manual_action with the object's page. The report has one row per object.

Exit codes:
  0    every object was reassigned (or would be), or there was nothing to move
  1    some row failed or is left for manual action
  2    a fatal or usage error; nothing was changed
  130  interrupted (Ctrl-C or SIGTERM); the report holds every finished row";

/// After `wf-offboard check --help`.
pub const CHECK: &str = "\
Examples:
  wf-offboard check --domain acme
  WF_OFFBOARD_PROFILE=prod wf-offboard check

Prints the tenant, the API version, the sign-in method, who you are (and whether you are a
System Administrator, who sees every user), the number of users, and each setting with where
it came from (flag, env, profile, default). Secrets show as (set). Sends no request that
changes anything.

Exit codes:
  0  everything a run needs is in place
  2  something is missing or refused; the message says what";

/// After `wf-offboard sim --help`.
pub const SIM: &str = "\
Examples:
  wf-offboard sim                                    # fits samples/offboarding.csv
  wf-offboard sim --latency-ms 50 --error-rate 0.05 --max-in-flight 4
  wf-offboard sim --ims-client-id rehearsal --ims-admin

Loopback only. GET /__sim/stats shows what the server saw.";

/// After `wf-offboard demo --help`.
pub const DEMO: &str = "\
Example:
  wf-offboard demo

A dry run, a real run and an undo's dry run of samples/offboarding.csv against a built-in
simulator that throttles and fails now and then, so retries and 429s show. Writes into
wf-offboard-demo/ (replacing the last demo's files).";

/// After `wf-offboard completions --help`.
pub const COMPLETIONS: &str = "\
Install:
  bash:  wf-offboard completions bash > ~/.local/share/bash-completion/completions/wf-offboard
  zsh:   wf-offboard completions zsh > ~/.zfunc/_wf-offboard   (with fpath+=~/.zfunc)
  fish:  wf-offboard completions fish > ~/.config/fish/completions/wf-offboard.fish";

/// After `wf-offboard man --help`.
pub const MAN: &str = "\
Install:
  wf-offboard man > ~/.local/share/man/man1/wf-offboard.1 && man wf-offboard";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deactivate_carries_the_shared_environment_and_exit_codes() {
        assert!(DEACTIVATE.contains(sign_in_env!()));
        assert!(DEACTIVATE.contains(exit_codes!()));
        assert!(
            DEACTIVATE.contains("WORKFRONT_IMS_CLIENT_SECRET")
                && DEACTIVATE.contains("130  interrupted")
        );
    }
}
