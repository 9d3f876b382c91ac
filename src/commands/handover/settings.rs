//! `handover`'s settings: the list and who takes over, the kinds, `--undo`, `--resume`.

use std::path::PathBuf;

use crate::cli::HandoverArgs;
use crate::handover::Kind;
use crate::input::{ColumnSpec, ReadOptions};
use crate::settings::RunSettings;

/// Who takes over.
#[derive(Debug, Clone)]
pub enum Successors {
    /// Each row's successor is in this column.
    Column(ColumnSpec),
    /// One successor for every row.
    To(String),
}

/// Validated settings for `handover`.
#[derive(Debug, Clone)]
pub struct HandoverSettings {
    pub run: RunSettings,
    /// The list and who takes over; `None` with `--undo`.
    pub input: Option<(PathBuf, Successors)>,
    pub list: ReadOptions,
    pub kinds: Vec<Kind>,
    pub undo: Option<PathBuf>,
    pub resume: Option<PathBuf>,
    pub allow_partial_directory: bool,
}

impl HandoverSettings {
    /// Validates `handover`'s arguments; `env` reads an environment variable.
    pub fn from_args(
        args: &HandoverArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let run = RunSettings::from_args(
            &args.connection,
            &args.run,
            ("handover", "handover-dry-run"),
            env,
        )?;
        if run.html.is_some() {
            return Err(
                "--html is not available for handover: the handover report is the record".into()
            );
        }
        if run.batch_size != 1 {
            return Err("--batch-size is not available for handover: each object is moved and read back on its own".into());
        }
        let successors = match (&args.successor_column, &args.to) {
            (Some(column), None) => Some(Successors::Column(ColumnSpec::parse(column)?)),
            (None, Some(to)) if !to.trim().is_empty() => {
                Some(Successors::To(to.trim().to_string()))
            }
            (None, Some(_)) => return Err("--to needs a username, email or ID".into()),
            _ => None,
        };
        let input = match (&args.input, successors, &args.undo) {
            (Some(path), Some(successors), None) => Some((path.clone(), successors)),
            (None, _, Some(_)) => None,
            (Some(_), None, None) => {
                return Err("say who takes over: --successor-column NAME or --to USER".into());
            }
            _ => return Err(
                "say what to hand over: INPUT with --successor-column or --to, or --undo REPORT"
                    .into(),
            ),
        };
        Ok(HandoverSettings {
            run,
            input,
            list: crate::settings::read_options(&args.list, None)?,
            kinds: args.include.as_deref().map_or(Ok(Kind::ALL.to_vec()), Kind::parse_list)?,
            undo: args.undo.clone(),
            resume: args.resume.clone(),
            allow_partial_directory: args.allow_partial_directory,
        })
    }
}
