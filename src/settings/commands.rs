//! The settings of each command that runs against a tenant, from its arguments.

use std::path::PathBuf;

use super::{RunSettings, read_options};
use crate::cli::{ApplyArgs, AuditArgs, DeactivateArgs, ReactivateArgs, RunArgs};
use crate::guard::Limit;
use crate::input::ReadOptions;

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
