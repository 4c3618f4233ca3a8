//! Pacing's local days: a New York number's calls count by its local day, a number outside
//! the NANP by the UTC day.

use super::gather;
use crate::health::assessment::{FleetHours, NumberHistory};
use crate::health::components::pacing;
use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::model::HourCounts;

/// 2024-10-03, a day New York keeps UTC-4.
const DAY: i64 = 19_999;

/// 15 calls in each of `hours` (hours since the epoch).
fn number(e164: &str, hours: impl IntoIterator<Item = i64>) -> NumberHistory {
    let hours: Vec<(i64, HourCounts)> = hours
        .into_iter()
        .map(|h| {
            (
                h,
                HourCounts {
                    attempts: 15,
                    no_answer: 15,
                    ..HourCounts::default()
                },
            )
        })
        .collect();
    NumberHistory {
        number: e164.into(),
        first_seen_ms: hours.first().map_or(0, |h| h.0 * HOUR_MS),
        hours,
        bursts: vec![],
        last_spam_ms: None,
        last_reputation_ms: None,
    }
}

/// (peak calls in a day over the lookback, whether pacing is over a limit recently).
fn paced(n: &NumberHistory) -> (i64, bool) {
    let cfg = ScoreConfig::default();
    let as_of = ((DAY + 1) * 24 + 12) * HOUR_MS;
    let g = gather(n, &FleetHours::default(), &cfg, as_of);
    (g.all.peak_day, pacing(&g, &cfg).1)
}

#[test]
fn calls_straddling_utc_midnight_in_one_new_york_day_are_over_the_daily_limit() {
    // 16:00-23:59 New York time on 2024-10-03: UTC 20:00 on the 3rd to 04:00 on the 4th.
    let hours = (DAY * 24 + 20)..((DAY + 1) * 24 + 4);
    let (peak, over) = paced(&number("+12125550100", hours.clone()));
    assert_eq!(peak, 120);
    assert!(over, "120 calls in one local day are over the limit of 100");
    // The same calls from a number outside the NANP count by UTC day: 60 and 60.
    let (peak, over) = paced(&number("+442071234567", hours));
    assert_eq!(peak, 60);
    assert!(!over);
}

#[test]
fn the_same_calls_split_across_two_new_york_days_are_not() {
    // UTC 00:00-08:00 on the 3rd: 20:00-23:59 on the 2nd and 00:00-03:59 on the 3rd in New York.
    let hours = (DAY * 24)..(DAY * 24 + 8);
    let (peak, over) = paced(&number("+12125550100", hours.clone()));
    assert_eq!(peak, 60);
    assert!(
        !over,
        "60 calls on each of two local days are within the limit"
    );
    let (peak, over) = paced(&number("+442071234567", hours));
    assert_eq!(peak, 120, "one UTC day outside the NANP");
    assert!(over);
}
