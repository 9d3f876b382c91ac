//! The blast-radius guard: a run that would deactivate more users than the limit is refused as
//! a whole, before any write. Pure; the caller decides what "refused" does.
//!
//! A limit is a number of users or a share of the tenant's active users. The default, 100
//! users, is large enough for an ordinary leavers' list and small enough that a wrong file (the
//! whole staff list instead of the leavers) is stopped; a larger offboarding says so explicitly.

use std::fmt;

/// The most users one run may deactivate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// At most this many users.
    Users(u64),
    /// At most this percentage (0–100) of the tenant's active users, rounded down.
    Percent(f64),
}

/// The limit when `--max-deactivations` is not given.
pub const DEFAULT_MAX_DEACTIVATIONS: u64 = 100;

impl Default for Limit {
    fn default() -> Self {
        Limit::Users(DEFAULT_MAX_DEACTIVATIONS)
    }
}

impl Limit {
    /// Parses `N` or `P%` as `--max-deactivations` takes it.
    pub fn parse(text: &str) -> Result<Limit, String> {
        let text = text.trim();
        let usage = || {
            format!(
                "--max-deactivations takes a number of users (e.g. 250) or a percentage of active users (e.g. 5%), not {text:?}"
            )
        };
        if let Some(percent) = text.strip_suffix('%') {
            let p: f64 = percent.trim().parse().map_err(|_| usage())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!(
                    "--max-deactivations {text}: a percentage must be between 0% and 100%"
                ));
            }
            return Ok(Limit::Percent(p));
        }
        text.parse::<u64>().map(Limit::Users).map_err(|_| usage())
    }

    /// The number of users this limit allows on a tenant with `active` active users.
    pub fn allowed(self, active: u64) -> u64 {
        match self {
            Limit::Users(n) => n,
            // Exact for any realistic tenant: f64 holds integers up to 2^53.
            Limit::Percent(p) => ((active as f64) * p / 100.0).floor() as u64,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Users(n) => write!(f, "{n}"),
            Limit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Why a plan is refused, or `None` when it is within the limit.
pub fn check(limit: Limit, planned: u64, active: u64) -> Option<String> {
    let allowed = limit.allowed(active);
    (planned > allowed).then(|| {
        let of = match limit {
            Limit::Users(_) => String::new(),
            Limit::Percent(_) => format!(" ({limit} of {active} active users)"),
        };
        format!(
            "this run would deactivate {planned} users, more than --max-deactivations allows: {allowed}{of}. \
             Nothing was changed. Check the input, then raise the limit explicitly (e.g. --max-deactivations {planned})"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_percentages_parse() {
        assert_eq!(Limit::parse("250"), Ok(Limit::Users(250)));
        assert_eq!(Limit::parse(" 0 "), Ok(Limit::Users(0)));
        assert_eq!(Limit::parse("5%"), Ok(Limit::Percent(5.0)));
        assert_eq!(Limit::parse("2.5%"), Ok(Limit::Percent(2.5)));
        for bad in ["", "-1", "ten", "101%", "5 users", "%"] {
            assert!(Limit::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Limit::default(), Limit::Users(100));
    }

    #[test]
    fn percentages_round_down_against_active_users() {
        assert_eq!(Limit::Percent(10.0).allowed(1234), 123);
        assert_eq!(Limit::Percent(0.5).allowed(100), 0);
        assert_eq!(Limit::Users(7).allowed(1), 7);
    }

    #[test]
    fn the_guard_trips_only_above_the_limit() {
        assert_eq!(check(Limit::Users(3), 3, 1000), None);
        let why = check(Limit::Users(3), 4, 1000).unwrap();
        assert!(
            why.contains("4 users")
                && why.contains("allows: 3")
                && why.contains("Nothing was changed"),
            "{why}"
        );
        let why = check(Limit::Percent(1.0), 11, 1000).unwrap();
        assert!(why.contains("allows: 10 (1% of 1000 active users)"), "{why}");
    }
}
