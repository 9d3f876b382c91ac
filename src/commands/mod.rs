//! One file per subcommand. Each reads its inputs, builds its plan with the pure stages
//! (`plan`, `planfile`, `resume`, `guard`) and hands it to the shared run pieces in `session`
//! (sign-in, confirmation, carrying out, read-back, report, summary).

pub mod apply;
pub mod audit;
pub mod check;
pub mod deactivate;
pub mod demo;
pub mod handover;
pub mod reactivate;
