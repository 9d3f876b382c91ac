//! What every run shares: one [`Session`] owns the lock, the client, the pacing and Ctrl-C, from
//! sign-in to the report; [`carry`] carries a plan out; [`signin`], [`terminal`] (prompt and
//! progress bars) and [`summary`] (terminal summary, `--summary-json`, `--html`).

mod carry;
mod run;
mod signin;
mod summary;
mod terminal;

pub use carry::{Work, admin_console_path, carry_out, plan_counts, stopped_early};
pub use run::{Ctx, Interrupt, Session, or_stopped_early};
pub use signin::{Stopped, ask_password, refused, sign_in, sign_in_or_stop};
pub use summary::{
    ATTENTION_SHOWN, Notes, RunSummary, SummaryFile, print_summary, summary_json, who,
    write_signoff, write_summary_json,
};
pub use terminal::{ask_number, bar, confirm, shows_progress};

/// Which way a run changes users, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Deactivate,
    Reactivate,
}

impl Direction {
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Direction::Deactivate => "deactivate",
            Direction::Reactivate => "reactivate",
        }
    }
}
