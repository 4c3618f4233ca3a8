//! Per-number rates over time: hourly rollups grouped into UTC days (day =
//! hour.div_euclid(24)) with the counts and rates reports and the trend look at.

use serde::Serialize;

use crate::health::window::{judged, ratio};
use crate::model::HourCounts;

/// One UTC day of one number. Rates are over `judged` calls (dialled, resolved, not a
/// telephony or destination fault), except `short_answer_rate` (over `answered`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DayRates {
    /// Days since the epoch (UTC).
    pub day: i64,
    /// Every call the number touched: dialled, platform faults and inbound.
    pub volume: i64,
    /// Outbound calls dialled (platform faults excluded, pending included).
    pub attempts: i64,
    /// Calls with an outcome that speaks to the number.
    pub judged: i64,
    /// Human-answered calls.
    pub answered: i64,
    /// Human-answered calls under the short-call cut-off.
    pub short_answered: i64,
    pub no_answer: i64,
    pub dial_failed: i64,
    pub marked_as_spam: i64,
    pub declined: i64,
    pub network_blocked: i64,
    pub answer_rate: f64,
    pub short_answer_rate: f64,
    pub no_answer_rate: f64,
    pub dial_failed_rate: f64,
    pub marked_as_spam_rate: f64,
    pub declined_rate: f64,
    /// dial_failed + declined + network_blocked + marked_as_spam over judged.
    pub reputation_failure_rate: f64,
}

impl DayRates {
    fn from_counts(day: i64, c: &HourCounts) -> DayRates {
        let j = judged(c);
        let r = |x: i64| ratio(x as f64, j as f64);
        DayRates {
            day,
            volume: c.attempts + c.platform_fault + c.inbound,
            attempts: c.attempts,
            judged: j,
            answered: c.human,
            short_answered: c.short_human,
            no_answer: c.no_answer,
            dial_failed: c.dial_failed,
            marked_as_spam: c.marked_as_spam,
            declined: c.user_declined,
            network_blocked: c.network_blocked,
            answer_rate: r(c.human),
            short_answer_rate: ratio(c.short_human as f64, c.human as f64),
            no_answer_rate: r(c.no_answer),
            dial_failed_rate: r(c.dial_failed),
            marked_as_spam_rate: r(c.marked_as_spam),
            declined_rate: r(c.user_declined),
            reputation_failure_rate: r(c.reputation_failures()),
        }
    }
}

/// Groups hourly rollups (hours since the epoch, sorted) into UTC days, oldest first.
/// Days without rows are left out.
pub fn daily_rates(hours: &[(i64, HourCounts)]) -> Vec<DayRates> {
    let mut out = Vec::new();
    let mut cur: Option<(i64, HourCounts)> = None;
    for (h, c) in hours {
        let day = h.div_euclid(24);
        match &mut cur {
            Some((d, acc)) if *d == day => acc.add_scaled(c, 1),
            _ => {
                if let Some((d, acc)) = cur.take() {
                    out.push(DayRates::from_counts(d, &acc));
                }
                cur = Some((day, *c));
            }
        }
    }
    if let Some((d, acc)) = cur {
        out.push(DayRates::from_counts(d, &acc));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_group_into_utc_days() {
        let c = |attempts, human, dial_failed| HourCounts {
            attempts,
            connected: human,
            human,
            dial_failed,
            no_answer: attempts - human - dial_failed,
            ..HourCounts::default()
        };
        // Hours 23 and 24 straddle midnight UTC; hour -1 is the day before the epoch.
        let hours = vec![
            (-1, c(4, 1, 0)),
            (23, c(10, 2, 1)),
            (24, c(20, 5, 1)),
            (30, c(20, 5, 0)),
        ];
        let d = daily_rates(&hours);
        assert_eq!(d.iter().map(|x| x.day).collect::<Vec<_>>(), vec![-1, 0, 1]);
        assert_eq!((d[1].attempts, d[1].answered, d[1].dial_failed), (10, 2, 1));
        assert_eq!(
            (d[2].attempts, d[2].answered, d[2].dial_failed),
            (40, 10, 1)
        );
        assert!((d[2].answer_rate - 0.25).abs() < 1e-12);
        assert!((d[2].dial_failed_rate - 0.025).abs() < 1e-12);
    }
}
