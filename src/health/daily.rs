//! One number's timeline: hourly rollups (hours since the epoch, UTC) folded into calendar
//! days of a chosen time zone, with the day's answer and reputation-failure rates.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::health::rollup::HOUR_MS;
use crate::model::HourCounts;

/// One calendar day of one number. Rates are over the day's resolved dialled calls
/// (`attempts - pending`); `None` when there were none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DayRates {
    pub date: NaiveDate,
    #[serde(flatten)]
    pub counts: HourCounts,
    /// Human answers.
    pub answer_rate: Option<f64>,
    /// Calls ended by a reputation reason (see `taxonomy`): dial_failed, user_declined,
    /// network_blocked and marked_as_spam, each call counted once.
    pub reputation_failure_rate: Option<f64>,
}

impl DayRates {
    fn new(date: NaiveDate, counts: HourCounts) -> DayRates {
        let resolved = counts.attempts - counts.pending;
        let rate = |n: i64| (resolved > 0).then(|| n as f64 / resolved as f64);
        DayRates {
            date,
            answer_rate: rate(counts.human),
            reputation_failure_rate: rate(counts.reputation_failures()),
            counts,
        }
    }
}

/// The days of `tz` that `hours` (sorted or not) from `since_hour` on fall into, oldest
/// first. Days without rows are left out.
pub fn timeline(hours: &[(i64, HourCounts)], since_hour: i64, tz: Tz) -> Vec<DayRates> {
    let mut days: BTreeMap<NaiveDate, HourCounts> = BTreeMap::new();
    for (hour, counts) in hours.iter().filter(|(h, _)| *h >= since_hour) {
        let Some(at) = tz.timestamp_millis_opt(hour * HOUR_MS).single() else {
            continue;
        };
        days.entry(at.date_naive())
            .or_default()
            .add_scaled(counts, 1);
    }
    days.into_iter().map(|(d, c)| DayRates::new(d, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_marked_as_spam_call_is_one_reputation_failure() {
        // Four resolved calls: one marked_as_spam, one dial_failed, two answered.
        let c = HourCounts {
            attempts: 5,
            pending: 1,
            connected: 2,
            human: 2,
            marked_as_spam: 1,
            dial_failed: 1,
            ..HourCounts::default()
        };
        let d = timeline(&[(0, c)], 0, Tz::UTC);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].reputation_failure_rate, Some(0.5));
        assert_eq!(d[0].answer_rate, Some(0.5));
    }

    #[test]
    fn hours_fold_into_local_days_from_since_hour() {
        let c = |attempts| HourCounts {
            attempts,
            no_answer: attempts,
            ..HourCounts::default()
        };
        // 1970-01-02 04:00 UTC is 23:00 on the 1st in New York; hour 0 is before since_hour.
        let hours = [(0, c(100)), (28, c(1)), (29, c(2)), (30, c(4))];
        let utc = timeline(&hours, 1, Tz::UTC);
        assert_eq!(utc.len(), 1);
        assert_eq!(
            (utc[0].date, utc[0].counts.attempts),
            (day("1970-01-02"), 7)
        );
        let ny = timeline(&hours, 1, chrono_tz::America::New_York);
        let got: Vec<_> = ny.iter().map(|d| (d.date, d.counts.attempts)).collect();
        assert_eq!(got, vec![(day("1970-01-01"), 1), (day("1970-01-02"), 6)]);
        assert_eq!(ny[0].answer_rate, Some(0.0));
    }

    #[test]
    fn a_day_of_pending_calls_has_no_rates() {
        let c = HourCounts {
            attempts: 3,
            pending: 3,
            ..HourCounts::default()
        };
        let d = timeline(&[(5, c)], 0, Tz::UTC);
        assert_eq!(
            (d[0].answer_rate, d[0].reputation_failure_rate),
            (None, None)
        );
    }
}
