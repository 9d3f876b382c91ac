//! wf-offboard's integration tests: one binary, run against the in-process simulator.

mod audit;
mod deactivate;
mod files;
mod golden;
mod handover;
mod input;
mod newcomer;
mod oauth;
mod plans;
mod profiles;
mod safety;
mod schedule;
mod signoff;
mod sim;
mod spreadsheets;
mod stale;
mod throughput;
mod truth;
mod util;
mod workfront2026;
