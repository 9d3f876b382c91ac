//! Exit codes: a small enum and how a run's outcome maps to it (after fd's `exit_codes.rs`).
//!
//! Scripts depend on these numbers, so they are fixed here and tested.

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row ended deactivated, would_deactivate, already_inactive or duplicate.
    Success,
    /// Some row needs attention: not found, ambiguous, invalid, protected, failed or skipped.
    NeedsAttention,
    /// A fatal or usage error; nothing was written to Workfront.
    Fatal,
    /// The blast-radius guard refused the plan (`--max-deactivations`); nothing was written.
    GuardTripped,
    /// Stopped by Ctrl-C or SIGTERM.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::NeedsAttention => 1,
            Exit::Fatal => 2,
            Exit::GuardTripped => 3,
            Exit::Interrupted => 130,
        }
    }
}

impl Exit {
    /// The outcome → exit rule: interrupted is 130, any row that needs a person 1, else 0.
    /// Every command's counts come through here (`Counts::exit`, the handover's summary).
    pub fn of_rows(needs_attention: bool, interrupted: bool) -> Exit {
        match (interrupted, needs_attention) {
            (true, _) => Exit::Interrupted,
            (false, true) => Exit::NeedsAttention,
            (false, false) => Exit::Success,
        }
    }
}

/// What ends a run before it has a complete report. The exit code is chosen here, from the
/// kind of error, not where the error is raised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// A fatal or usage error: nothing was written to Workfront (exit 2).
    #[error("{0}")]
    Fatal(String),
    /// Ctrl-C or SIGTERM at the confirmation, or while a command reads (exit 130).
    #[error("{0}")]
    Interrupted(String),
    /// Ctrl-C or SIGTERM before the plan existed, while `during` (exit 130): nothing was changed.
    #[error("interrupted while {during}; nothing was changed")]
    Stopped { during: String },
    /// The run ended but its report could not be finished (exit 1): the rows already written
    /// are complete, in arrival order.
    #[error("{0}")]
    Unfinished(String),
}

impl From<String> for RunError {
    fn from(message: String) -> Self {
        RunError::Fatal(message)
    }
}

impl From<&RunError> for Exit {
    fn from(error: &RunError) -> Self {
        match error {
            RunError::Fatal(_) => Exit::Fatal,
            RunError::Interrupted(_) | RunError::Stopped { .. } => Exit::Interrupted,
            RunError::Unfinished(_) => Exit::NeedsAttention,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let codes: Vec<u8> = [
            Exit::Success,
            Exit::NeedsAttention,
            Exit::Fatal,
            Exit::GuardTripped,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 130]);
    }

    #[test]
    fn errors_and_rows_map_to_their_exit_codes() {
        let code = |e: RunError| Exit::from(&e).code();
        assert_eq!(code(RunError::Fatal("x".into())), 2);
        assert_eq!(code(RunError::Interrupted("x".into())), 130);
        assert_eq!(code(RunError::Unfinished("x".into())), 1);
        let stopped = RunError::Stopped { during: "listing users".into() };
        assert_eq!(stopped.to_string(), "interrupted while listing users; nothing was changed");
        assert_eq!(code(stopped), 130);
        assert_eq!(code(String::from("bad flag").into()), 2);
        assert_eq!(Exit::of_rows(true, true), Exit::Interrupted);
        assert_eq!(Exit::of_rows(true, false), Exit::NeedsAttention);
        assert_eq!(Exit::of_rows(false, false), Exit::Success);
    }
}
