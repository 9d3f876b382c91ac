//! UTC timestamps for reports and file names, without a date-time dependency.
//!
//! The report only needs "now" in RFC 3339 and a compact form for default file names; Howard
//! Hinnant's days-to-civil algorithm does that exactly in a few lines.

use std::time::{SystemTime, UNIX_EPOCH};

/// `(year, month, day)` of a day counted from 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The broken-down UTC time of a number of seconds since the epoch.
fn parts(secs: i64) -> (i64, u32, u32, i64, i64, i64) {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// RFC 3339 UTC, e.g. `2026-11-23T09:15:02Z`.
pub fn rfc3339(secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = parts(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// The current time in RFC 3339 UTC.
/// Today (UTC) as days since 1970-01-01.
pub fn today_days() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64 / 86_400)
}

/// Days since 1970-01-01 for a date written `YYYY-MM-DD…` (Workfront's dates start so).
pub fn days_of(text: &str) -> Option<i64> {
    let date = jiff::civil::Date::strptime("%Y-%m-%d", text.get(..10)?).ok()?;
    let epoch = jiff::civil::Date::new(1970, 1, 1).ok()?;
    Some(i64::from((date - epoch).get_days()))
}

pub fn now_rfc3339() -> String {
    rfc3339(now_secs())
}

/// The current time as `20261123-091502`, for default file names that sort by time.
pub fn now_compact() -> String {
    let (y, m, d, hh, mm, ss) = parts(now_secs());
    format!("{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(rfc3339(1_795_427_702), "2026-11-23T09:55:02Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
