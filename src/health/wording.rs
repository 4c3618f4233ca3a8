//! The phrases every reason is built from, in one place so that reasons read alike: windows
//! ("in the last 48 hours"), counts with their nouns in the right number, percentages,
//! "against N% for the rest of the fleet", and the lead sentences of rest, retire and
//! throttle. Reasons are for an operations person: no statistics, no internal names (the
//! figures behind them stay in the JSON `metrics`). No reason contains "; ", the separator
//! that tables and CSV join reasons with.

use crate::time::{plural, utc_date};

/// A count with its noun: "1 call", "31 calls".
pub fn count(n: i64, singular: &str, plurals: &str) -> String {
    plural(n, singular, plurals)
}

/// A window ending at as-of: "in the last 48 hours", "in the last hour".
pub fn in_last(n: i64, singular: &str, plurals: &str) -> String {
    if n == 1 {
        format!("in the last {singular}")
    } else {
        format!("in the last {n} {plurals}")
    }
}

/// "in the last 48 hours".
pub fn in_last_hours(hours: i64) -> String {
    in_last(hours, "hour", "hours")
}

/// "in the last 7 days".
pub fn in_last_days(days: i64) -> String {
    in_last(days, "day", "days")
}

/// How many times something happened: "once", "twice", "52 times".
pub fn times(n: i64) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        _ => format!("{n} times"),
    }
}

/// A rate as a person reads it: whole percents from 10% up ("29%"), one decimal below
/// ("7.8%"), so small rates do not all read as "0%" or "1%"; none at all is "0%".
pub fn percent(rate: f64) -> String {
    let p = 100.0 * rate;
    if p >= 9.95 || p == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// ", against 12% for the rest of the fleet".
pub fn against_fleet(rate: f64) -> String {
    format!(", against {} for the rest of the fleet", percent(rate))
}

/// An age in whole days: "12 days ago", "1 day ago", "less than a day ago".
pub fn days_ago(days: f64) -> String {
    let d = days.max(0.0).round() as i64;
    if d == 0 {
        "less than a day ago".into()
    } else {
        format!("{} ago", plural(d, "day", "days"))
    }
}

/// The UTC date of a moment: "2026-11-19".
pub fn date(ms: i64) -> String {
    utc_date(ms)
}

/// What the fleet's rates make normal for a count: " (about 10 would be normal for this
/// fleet)", " (fewer than 1 ...)", " (next to none ...)". `within` names the window when
/// the count beside it has another one.
pub fn normal_for_fleet(expected: f64, within: Option<&str>) -> String {
    let how_many = if !expected.is_finite() || expected < 0.05 {
        "next to none".to_string()
    } else if expected < 0.95 {
        "fewer than 1".to_string()
    } else {
        format!("about {expected:.0}")
    };
    let within = within.map(|w| format!(" {w}")).unwrap_or_default();
    format!(" ({how_many}{within} would be normal for this fleet)")
}

/// The lead of a rest: "rest until 2026-12-19: <why>".
pub fn rest(until: &str, why: &str) -> String {
    format!("rest until {until}: {why}")
}

/// The lead of a retire: "replace this number: <why>".
pub fn replace(why: &str) -> String {
    format!("replace this number: {why}")
}

/// The lead of a throttle, naming the pace to keep: "slow it to at most 100 calls a day
/// and 30 an hour: <why>". The caps come from the score's pacing limits today; a pool
/// lifecycle can hand in its own.
pub fn throttle(calls_per_day: i64, calls_per_hour: i64, why: &str) -> String {
    format!(
        "slow it to at most {} a day and {calls_per_hour} an hour: {why}",
        count(calls_per_day, "call", "calls")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_counts_and_rates_read_as_english() {
        assert_eq!(in_last_hours(48), "in the last 48 hours");
        assert_eq!(in_last_hours(1), "in the last hour");
        assert_eq!(in_last_days(7), "in the last 7 days");
        assert_eq!(count(1, "failure", "failures"), "1 failure");
        assert_eq!(times(1), "once");
        assert_eq!(times(52), "52 times");
        assert_eq!(percent(0.289), "29%");
        assert_eq!(percent(0.078), "7.8%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(
            against_fleet(0.12),
            ", against 12% for the rest of the fleet"
        );
        assert_eq!(days_ago(12.4), "12 days ago");
        assert_eq!(days_ago(1.2), "1 day ago");
        assert_eq!(days_ago(0.2), "less than a day ago");
    }

    #[test]
    fn expectations_say_what_is_normal_without_statistics() {
        assert_eq!(
            normal_for_fleet(10.4, None),
            " (about 10 would be normal for this fleet)"
        );
        assert_eq!(
            normal_for_fleet(0.4, None),
            " (fewer than 1 would be normal for this fleet)"
        );
        assert_eq!(
            normal_for_fleet(5.2, Some("in 7 days")),
            " (about 5 in 7 days would be normal for this fleet)"
        );
        assert_eq!(
            normal_for_fleet(0.3, Some("in 7 days")),
            " (fewer than 1 in 7 days would be normal for this fleet)"
        );
        assert_eq!(
            normal_for_fleet(0.01, None),
            " (next to none would be normal for this fleet)"
        );
    }

    #[test]
    fn leads_have_one_wording_each() {
        assert_eq!(rest("2026-12-19", "why"), "rest until 2026-12-19: why");
        assert_eq!(replace("why"), "replace this number: why");
        assert_eq!(
            throttle(100, 30, "why"),
            "slow it to at most 100 calls a day and 30 an hour: why"
        );
    }
}
