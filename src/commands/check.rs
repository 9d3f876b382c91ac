//! `wf-offboard check`: "is my connection and sign-in right?" before anything else.
//!
//! Signs in with whatever the flags, env and profile give, then prints the tenant, the API
//! version, the sign-in method and where the credential came from, the caller (and whether it
//! is a System Administrator, who alone sees every user), the number of users, and the
//! effective settings with their source. Secrets show as `(set)`. Sends nothing that changes
//! anything: a count and one read of the caller. Exit 0 when a run has what it needs, 2
//! otherwise, with the reason.

use crate::cli::{CheckArgs, PacingArgs, RunArgs};
use crate::exit::Exit;
use crate::settings::RunSettings;
use crate::workfront::{Pacing, RetryPolicy};

/// Where a setting came from.
fn source(
    flag: Option<&str>,
    env_name: &str,
    profile: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    match (flag, profile) {
        (Some(value), _) if env(env_name).as_deref() == Some(value) => format!("env {env_name}"),
        (Some(_), _) => "flag".into(),
        (None, Some(_)) => "profile".into(),
        (None, None) => "default".into(),
    }
}

/// Runs `check`.
pub async fn run(args: &CheckArgs, env: &dyn Fn(&str) -> Option<String>) -> Exit {
    match check(args, env).await {
        Ok(()) => {
            outln!("ready:         yes");
            Exit::Success
        }
        Err(message) => {
            errln!("error: {message}");
            Exit::Fatal
        }
    }
}

/// Prints the settings and where each came from, signs in, and checks the caller may see
/// everyone; the first thing that is wrong is the error.
async fn check(args: &CheckArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    let run_args = RunArgs {
        dry_run: true,
        report: Some("wf-offboard-check.csv".into()),
        pacing: PacingArgs::default(),
        batch_size: 1,
        yes: true,
        quiet: true,
        summary_json: None,
        force: false,
        html: None,
    };
    let settings = RunSettings::from_args(&args.connection, &run_args, ("check", "check"), env)?;
    print_settings(args, &settings, env);
    let pacing = Pacing::new(
        settings.rate,
        settings.concurrency,
        RetryPolicy { max_attempts: 2, ..RetryPolicy::default() },
    );
    let password = crate::session::ask_password(&settings)?;
    let client = crate::session::sign_in(&settings, &pacing, password).await?;
    outln!("sign-in:       {}", client.sign_in_method());
    let refused = |e, what| crate::session::refused(&client, &settings.credential, &e, what);
    let caller = match pacing.send(|| client.caller()).await.result {
        Ok(value) => crate::directory::parse_user(&value)?,
        Err(e) => return Err(refused(e, "reading the signed-in user")),
    };
    let role = if caller.is_admin { "System Administrator" } else { "NOT a System Administrator" };
    outln!("signed in as:  {} <{}> ({role})", caller.name, caller.username);
    match pacing.send(|| client.count_users()).await.result {
        Ok(n) if caller.is_admin => outln!("users:         {n}"),
        Ok(n) => outln!(
            "users:         {n} visible to this user (Workfront hides the rest from a non-administrator)"
        ),
        Err(e) => return Err(refused(e, "counting users")),
    }
    if !caller.is_admin {
        return Err(format!(
            "{} is not a System Administrator: a run would see only part of the directory. Make it an administrator (for an Adobe Developer Console technical account: an admin of the Workfront product profile in the Admin Console), or pass --allow-partial-directory to a run",
            caller.username
        ));
    }
    Ok(())
}

/// The tenant, API version, profile, credential and pacing, each with where it came from.
fn print_settings(args: &CheckArgs, settings: &RunSettings, env: &dyn Fn(&str) -> Option<String>) {
    let c = &args.connection;
    let profile = settings.profile.as_ref();
    outln!("tenant:        {} ({})", settings.connection.host, settings.connection.api_root);
    let base_source = source(
        c.base_url.as_deref().or(c.domain.as_deref()),
        if c.base_url.is_some() { "WORKFRONT_BASE_URL" } else { "WORKFRONT_DOMAIN" },
        profile.and_then(|p| p.base_url.as_deref().or(p.domain.as_deref())),
        env,
    );
    outln!("  from         {base_source}");
    let root = settings.connection.api_root.path().trim_end_matches('/');
    let version = root.rsplit('/').next().unwrap_or("").to_string();
    let version_source = source(
        c.api_version.as_deref(),
        "WORKFRONT_API_VERSION",
        profile.and_then(|p| p.api_version.as_deref()),
        env,
    );
    outln!("api version:   {version} ({version_source})");
    if let Some(name) = c.profile.as_deref() {
        outln!("profile:       {name}");
    }
    outln!("credential:    {} (secrets: (set))", settings.credential);
    let from_profile = |set: Option<&str>| source(None, "", set, env);
    outln!(
        "concurrency:   {} ({})",
        settings.concurrency,
        from_profile(profile.and_then(|p| p.concurrency.map(|_| "")))
    );
    outln!(
        "rate:          {}/s ({})",
        settings.rate,
        from_profile(profile.and_then(|p| p.rate.map(|_| "")))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_named() {
        let env = |name: &str| (name == "WORKFRONT_DOMAIN").then(|| "acme".to_string());
        assert_eq!(source(Some("acme"), "WORKFRONT_DOMAIN", None, &env), "env WORKFRONT_DOMAIN");
        assert_eq!(source(Some("other"), "WORKFRONT_DOMAIN", None, &env), "flag");
        assert_eq!(source(None, "WORKFRONT_DOMAIN", Some("x"), &env), "profile");
        assert_eq!(source(None, "WORKFRONT_DOMAIN", None, &env), "default");
    }
}
