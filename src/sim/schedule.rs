//! Scheduled deactivation: `scheduledDeactivationDate` stored on a user, and the user
//! deactivated once the simulator's clock passes it.
//!
//! The clock is the wall clock plus an offset that `POST /__sim/clock?advance_secs=N` moves,
//! so a test can let a month pass. Due users are found from a queue ordered by time, checked on
//! every API request, so no request scans the tenant.

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

/// What Workfront stores for a `scheduledDeactivationDate`: the date only, at 00:00 in the offset
/// sent ("the user is deactivated at 12:00 AM on the selected date", since 2026-07-06). Returns
/// the stored text, in Workfront's form, and its moment. A client that sends 23:59:59 of the
/// last day loses that day.
pub fn store_date(text: &str) -> Option<(String, i64)> {
    parse_moment(text)?;
    let text = text.trim();
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let zone = time.find(['+', '-', 'Z']).map_or("Z", |at| &time[at..]);
    let zone = match zone {
        "Z" => "+0000".to_string(),
        other => other.chars().filter(|c| c.is_ascii_digit() || *c == '+' || *c == '-').collect(),
    };
    let stored = format!("{date}T00:00:00:000{zone}");
    Some((stored.clone(), parse_moment(&stored)?))
}

/// Parses a `scheduledDeactivationDate`: Workfront's `2026-12-31T23:59:59:000+0100`, ISO
/// `2026-12-31T23:59:59+01:00` or `…Z`, or a bare date (midnight UTC). Seconds since the epoch.
pub fn parse_moment(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let mut ymd = date.split('-').map(|p| p.parse::<i32>().ok());
    let day = Date::new(ymd.next()?? as i16, ymd.next()?? as i8, ymd.next()?? as i8).ok()?;
    let zone_at = time.find(['+', '-', 'Z'])?;
    let (clock, zone) = time.split_at(zone_at);
    let mut hms = clock.split(':').map(|p| p.parse::<i8>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    let offset_secs = match zone {
        "Z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let (oh, om) =
                (digits.get(..2)?.parse::<i32>().ok()?, digits.get(2..4)?.parse::<i32>().ok()?);
            sign * (oh * 3600 + om * 60)
        }
    };
    let offset = Offset::from_seconds(offset_secs).ok()?;
    let zoned = day.at(h, m, s, 0).to_zoned(TimeZone::fixed(offset)).ok()?;
    Some(zoned.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workfront_and_iso_moments() {
        let workfront = parse_moment("2026-12-31T23:59:59:000+0100").unwrap();
        assert_eq!(parse_moment("2026-12-31T22:59:59Z"), Some(workfront));
        assert_eq!(parse_moment("2026-12-31T17:59:59-05:00"), Some(workfront));
        assert_eq!(parse_moment("2026-12-31"), Some(workfront - 23 * 3600 + 1));
        assert_eq!(parse_moment("tomorrow"), None);
        assert_eq!(parse_moment("2026-02-30T00:00:00Z"), None);
    }

    #[test]
    fn only_the_date_is_stored() {
        let (text, at) = store_date("2026-12-31T23:59:59:000+0100").unwrap();
        assert_eq!(text, "2026-12-31T00:00:00:000+0100");
        assert_eq!(Some(at), parse_moment("2026-12-30T23:00:00Z"));
        assert_eq!(
            store_date("2027-01-01T00:00:00:000-0500").unwrap().0,
            "2027-01-01T00:00:00:000-0500"
        );
    }
}
