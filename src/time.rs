//! Parsing and printing moments: `--as-of`, `--since`, `--until` take RFC 3339 or a bare
//! date (00:00 UTC of that day); output is RFC 3339 UTC.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};

use crate::error::{Error, Result};

/// Parses RFC 3339 or `YYYY-MM-DD` into epoch milliseconds; `flag` names the option in errors.
pub fn parse_moment(flag: &str, s: &str) -> Result<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(Utc.from_utc_datetime(&t).timestamp_millis());
    }
    Err(Error::Usage(format!(
        "{flag} {s:?}: expected RFC 3339 (2026-11-20T06:00:00Z) or a date (2026-11-20)"
    )))
}

/// `--as-of`, defaulting to now.
pub fn as_of_or_now(s: Option<&str>) -> Result<i64> {
    match s {
        Some(s) => parse_moment("--as-of", s),
        None => Ok(now_ms()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_date_is_midnight_utc() {
        let d = parse_moment("--as-of", "2026-11-20").unwrap();
        assert_eq!(rfc3339(d), "2026-11-20T00:00:00Z");
        let t = parse_moment("--as-of", "2026-11-20T06:30:00+01:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-20T05:30:00Z");
        assert!(parse_moment("--as-of", "yesterday").is_err());
    }
}
