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
}
