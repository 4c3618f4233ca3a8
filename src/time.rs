//! Moments and durations on the command line, in one grammar for every flag that takes
//! one, and moments printed back as RFC 3339 UTC.
//!
//! A moment (`--as-of`, `--since`, `--until`, `--before`, `--at`) is one of:
//! - RFC 3339 with a zone: `2026-11-20T06:00:00Z`, `2026-11-20T06:00:00-05:00`;
//! - a timestamp with no zone, taken as UTC (the caller is told so): `2026-11-20T06:00`,
//!   `2026-11-20 06:00:00`;
//! - a date, meaning 00:00 UTC of that day: `2026-11-20`;
//! - `now`, `today` or `yesterday` (00:00 UTC of the day);
//! - a duration ago: `90m ago`, `6h ago`, `2d ago` (also written `2d-ago` or `2dago`).
//!
//! A duration (`--step`, `--horizon`, ...) is a whole number and a unit: `m`, `h` or `d`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};

use crate::error::{Error, Result};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// A parsed moment, and whether it had no zone and was taken as UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub ms: i64,
    pub assumed_utc: bool,
}

impl Moment {
    /// The note to show a person when the moment had no zone.
    pub fn note(&self, flag: &str, text: &str) -> Option<String> {
        self.assumed_utc.then(|| {
            format!(
                "{flag} {:?} has no time zone; taken as UTC ({})",
                text.trim(),
                rfc3339(self.ms)
            )
        })
    }
}

/// What every moment flag accepts, for error messages and help.
pub const MOMENT_FORMS: &str = "RFC 3339 (2026-11-20T06:00:00Z), a date (2026-11-20, 00:00 UTC), \
     now, today, yesterday, or a duration ago (6h ago, 2d ago)";

/// Parses a moment relative to `now_ms`; `flag` names the option in errors.
pub fn parse_moment_at(flag: &str, s: &str, now_ms: i64) -> Result<Moment> {
    let text = s.trim();
    let utc = |ms| Moment {
        ms,
        assumed_utc: false,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(utc(t.timestamp_millis()));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(utc(Utc.from_utc_datetime(&t).timestamp_millis()));
    }
    for form in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, form) {
            return Ok(Moment {
                ms: Utc.from_utc_datetime(&t).timestamp_millis(),
                assumed_utc: true,
            });
        }
    }
    let midnight = now_ms.div_euclid(DAY_MS) * DAY_MS;
    match text.to_ascii_lowercase().as_str() {
        "now" => return Ok(utc(now_ms)),
        "today" => return Ok(utc(midnight)),
        "yesterday" => return Ok(utc(midnight - DAY_MS)),
        _ => {}
    }
    let lower = text.to_ascii_lowercase();
    if let Some(amount) = lower.strip_suffix("ago") {
        let amount = amount.trim_end_matches([' ', '-']);
        if let Some(d) = duration_ms(amount) {
            return Ok(utc(now_ms - d));
        }
    }
    Err(Error::Usage(format!(
        "{flag} {text:?}: expected {MOMENT_FORMS}"
    )))
}

/// Parses a moment relative to the current time.
pub fn parse_moment(flag: &str, s: &str) -> Result<i64> {
    parse_moment_at(flag, s, now_ms()).map(|m| m.ms)
}

/// Parses a duration such as `90m`, `6h` or `7d` into milliseconds; it must be positive.
pub fn parse_duration(flag: &str, s: &str) -> Result<i64> {
    match duration_ms(s.trim()) {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(Error::Usage(format!(
            "{flag} {:?}: expected a positive whole number and a unit m, h or d (90m, 6h, 7d)",
            s.trim()
        ))),
    }
}

fn duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let per = match unit.to_ascii_lowercase() {
        'm' => MINUTE_MS,
        'h' => 60 * MINUTE_MS,
        'd' => DAY_MS,
        _ => return None,
    };
    let n: i64 = s[..s.len() - 1].trim().parse().ok()?;
    (n >= 0).then(|| n.checked_mul(per)).flatten()
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// RFC 3339 UTC with second precision, e.g. `2026-11-20T06:00:00Z`.
pub fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

/// `YYYY-MM-DD` of a moment in UTC.
pub fn utc_date(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// "1 hour", "3 hours": a count with its noun in the right number.
pub fn plural(n: i64, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A person's reading of an age: "40 minutes", "5 hours", "3 days".
pub fn age_words(ms: i64) -> String {
    let minutes = ms.max(0) / MINUTE_MS;
    if minutes < 120 {
        plural(minutes, "minute", "minutes")
    } else if minutes < 48 * 60 {
        plural(minutes / 60, "hour", "hours")
    } else {
        plural(minutes / (24 * 60), "day", "days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18T11:06:40Z

    fn at(s: &str) -> Result<Moment> {
        parse_moment_at("--as-of", s, NOW)
    }

    #[test]
    fn bare_date_is_midnight_utc() {
        let d = parse_moment("--as-of", "2026-11-20").unwrap();
        assert_eq!(rfc3339(d), "2026-11-20T00:00:00Z");
        let t = parse_moment("--as-of", "2026-11-20T06:30:00+01:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-20T05:30:00Z");
        assert!(parse_moment("--as-of", "someday").is_err());
    }

    #[test]
    fn relative_moments_share_one_grammar() {
        assert_eq!(rfc3339(at("now").unwrap().ms), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(at("today").unwrap().ms), "2026-11-18T00:00:00Z");
        assert_eq!(rfc3339(at("Yesterday").unwrap().ms), "2026-11-17T00:00:00Z");
        assert_eq!(rfc3339(at("6h ago").unwrap().ms), "2026-11-18T05:06:40Z");
        assert_eq!(rfc3339(at("2d-ago").unwrap().ms), "2026-11-16T11:06:40Z");
        assert_eq!(rfc3339(at("90m ago").unwrap().ms), "2026-11-18T09:36:40Z");
        for bad in ["6 hours ago", "ago", "-3d ago", "3w ago", "6h"] {
            let e = at(bad).unwrap_err().to_string();
            assert!(e.contains("--as-of") && e.contains("2d ago"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_timestamp_without_zone_is_utc_with_a_note() {
        let m = at("2026-11-20T06:00").unwrap();
        assert!(m.assumed_utc);
        assert_eq!(rfc3339(m.ms), "2026-11-20T06:00:00Z");
        let note = m.note("--as-of", "2026-11-20T06:00").unwrap();
        assert!(note.contains("taken as UTC"), "{note}");
        let m = at("2026-11-20 06:00:30").unwrap();
        assert_eq!(rfc3339(m.ms), "2026-11-20T06:00:30Z");
        assert!(
            at("2026-11-20T06:00:00Z")
                .unwrap()
                .note("--as-of", "")
                .is_none()
        );
    }

    #[test]
    fn durations_have_a_unit_and_are_positive() {
        assert_eq!(parse_duration("--step", "6h").unwrap(), 6 * 3_600_000);
        assert_eq!(parse_duration("--horizon", "7d").unwrap(), 7 * DAY_MS);
        assert_eq!(parse_duration("--step", "15m").unwrap(), 15 * MINUTE_MS);
        for bad in ["0h", "6", "h", "-1d", "1.5h", "99999999999999999d"] {
            assert!(parse_duration("--step", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plurals_and_ages_read_as_english() {
        assert_eq!(plural(1, "hour", "hours"), "1 hour");
        assert_eq!(plural(2, "day", "days"), "2 days");
        assert_eq!(age_words(90 * MINUTE_MS), "90 minutes");
        assert_eq!(age_words(5 * 3_600_000), "5 hours");
        assert_eq!(age_words(3 * DAY_MS + 1), "3 days");
    }
}
