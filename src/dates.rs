//! Leaving dates: the date column's cells parsed, and when each deactivation should happen.
//!
//! A date after today (in `--timezone`, default the machine's) schedules the deactivation with
//! Workfront's `scheduledDeactivationDate` at 00:00 of the day *after* the last day, there: since
//! 2026-07-06 Workfront deactivates "at 12:00 AM on the selected date", so a date-truncating
//! server turns 23:59:59 of the last day into 00:00 of the last day, and the leaver would lose
//! it. Midnight after the last day survives truncation. Today or a past date means now. Accepted forms: ISO
//! (`2026-12-31`, with or without a time), `2026/12/31`, `31.12.2026`, `31/12/2026` or
//! `12/31/2026` when the order is clear (a part above 12), `31-Dec-2026`, `31 December 2026`,
//! `Dec 31, 2026`, and spreadsheet date cells. `03/04/2026` is refused as ambiguous rather than
//! guessed: a wrong guess deactivates someone a month early.

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// When a row's deactivation happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// Today or already past: deactivate now.
    Now,
    /// Later: schedule it. `date` is ISO, `timestamp` Workfront's form of the moment.
    At { date: String, timestamp: String },
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_named(word: &str) -> Option<i8> {
    let word = word.trim_end_matches('.').to_ascii_lowercase();
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(short, long)| {
            word == *short || word == long || (word == "sept" && *short == "sep")
        })
        .map(|i| i as i8 + 1)
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn date(year: i16, month: i8, day: i8, text: &str) -> Result<Date, String> {
    Date::new(year, month, day).map_err(|_| format!("{text:?} is not a date in the calendar"))
}

/// Parses one date cell.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a date wf-offboard reads: write it as 2026-12-31");
    // ISO, optionally with a time after `T` or a space.
    let day_part = text.split(['T', ' ']).next().unwrap_or(text);
    for separator in ['-', '/'] {
        let parts: Vec<&str> = day_part.split(separator).collect();
        if let [y, m, d] = parts[..]
            && y.len() == 4
            && let (Some(y), Some(m), Some(d)) =
                (number::<i16>(y), number::<i8>(m), number::<i8>(d))
        {
            return date(y, m, d, text);
        }
    }
    let words: Vec<&str> = text.split([' ', ',', '-']).filter(|w| !w.is_empty()).collect();
    match words[..] {
        // 31-Dec-2026, 31 December 2026
        [d, m, y] if month_named(m).is_some() => {
            let (d, y) = (number::<i8>(d).ok_or_else(bad)?, number::<i16>(y).ok_or_else(bad)?);
            return date(y, month_named(m).expect("checked"), d, text);
        }
        // Dec 31, 2026
        [m, d, y] if month_named(m).is_some() => {
            let (d, y) = (number::<i8>(d).ok_or_else(bad)?, number::<i16>(y).ok_or_else(bad)?);
            return date(y, month_named(m).expect("checked"), d, text);
        }
        _ => {}
    }
    for separator in ['.', '/'] {
        let parts: Vec<&str> = text.split(separator).collect();
        let [a, b, y] = parts[..] else { continue };
        let (Some(a), Some(b), Some(y)) = (number::<i8>(a), number::<i8>(b), number::<i16>(y))
        else {
            continue;
        };
        if y < 1000 {
            return Err(format!("{text:?} has a two-digit year: write it as 2026-12-31"));
        }
        // Day first with dots (31.12.2026); with slashes only when the order is clear.
        let (day, month) = match (separator, a > 12, b > 12) {
            ('.', _, _) | (_, true, false) => (a, b),
            (_, false, true) => (b, a),
            _ if a == b => (a, b),
            _ => {
                return Err(format!(
                    "{text:?} could be day/month or month/day: write it as {y}-MM-DD"
                ));
            }
        };
        return date(y, month, day, text);
    }
    Err(bad())
}

/// A spreadsheet's date serial (days since 1899-12-30, the 1900 date system) as an ISO date.
pub fn from_serial(serial: f64) -> Option<String> {
    let days = serial.floor() as i64 - 25_569; // 1970-01-01
    let (y, m, d) = crate::clock::civil_from_days(days);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// The time zone `--timezone` names, or the machine's.
pub fn time_zone(name: Option<&str>) -> Result<TimeZone, String> {
    match name {
        Some(name) => TimeZone::get(name).map_err(|e| format!("--timezone {name:?}: {e}")),
        None => Ok(TimeZone::system()),
    }
}

/// Today in `tz`.
pub fn today(tz: &TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned(tz.clone()).date()
}

/// When a row with date cell `text` is deactivated, given `today` in `tz`.
pub fn when(text: &str, today: Date, tz: &TimeZone) -> Result<When, String> {
    let day = parse_date(text)?;
    if day <= today {
        return Ok(When::Now);
    }
    let next_day = day.tomorrow().map_err(|e| format!("{text:?}: {e}"))?;
    let midnight =
        next_day.at(0, 0, 0, 0).to_zoned(tz.clone()).map_err(|e| format!("{text:?}: {e}"))?;
    Ok(When::At {
        date: day.to_string(),
        timestamp: midnight.strftime("%Y-%m-%dT%H:%M:%S:000%z").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(text: &str) -> String {
        parse_date(text).map(|d| d.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn every_accepted_form() {
        for text in [
            "2026-12-31",
            "2026-12-31T17:00:00",
            "2026-12-31 17:00",
            "2026/12/31",
            "31.12.2026",
            "31/12/2026",
            "12/31/2026",
            "31-Dec-2026",
            "31 December 2026",
            "Dec 31, 2026",
            "December 31 2026",
        ] {
            assert_eq!(ymd(text), "2026-12-31", "{text}");
        }
        assert_eq!(ymd("05/05/2026"), "2026-05-05", "the same either way");
        assert_eq!(from_serial(46_387.0).as_deref(), Some("2026-12-31"));
    }

    #[test]
    fn bad_dates_say_why() {
        assert!(ymd("03/04/2026").contains("could be day/month or month/day"));
        assert!(ymd("2026-02-30").contains("not a date in the calendar"));
        assert!(ymd("31/12/26").contains("two-digit year"));
        assert!(ymd("next friday").contains("not a date wf-offboard reads"));
        assert!(ymd("").contains("not a date"));
    }

    #[test]
    fn future_dates_are_scheduled_at_midnight_after_the_last_day_in_the_time_zone() {
        let tz = time_zone(Some("Europe/Berlin")).unwrap();
        let today = Date::new(2026, 11, 23).unwrap();
        assert_eq!(when("2026-11-23", today, &tz), Ok(When::Now));
        assert_eq!(when("2026-11-01", today, &tz), Ok(When::Now));
        let later = when("2026-12-31", today, &tz).unwrap();
        assert_eq!(
            later,
            When::At {
                date: "2026-12-31".into(),
                timestamp: "2027-01-01T00:00:00:000+0100".into()
            }
        );
        let new_york = time_zone(Some("America/New_York")).unwrap();
        let summer = when("2027-07-01", today, &new_york).unwrap();
        assert!(
            matches!(summer, When::At { timestamp, .. } if timestamp == "2027-07-02T00:00:00:000-0400")
        );
        assert!(time_zone(Some("Mars/Olympus")).is_err());
    }
}
