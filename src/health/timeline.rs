//! Hourly rollups folded into days in a chosen time zone, for timelines and daily rates.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::health::rollup::HOUR_MS;
use crate::model::HourCounts;

/// Sums hourly rollups (hours since epoch, UTC) into calendar days of `tz`.
pub fn daily(hours: &[(i64, HourCounts)], tz: Tz) -> BTreeMap<NaiveDate, HourCounts> {
    let mut days: BTreeMap<NaiveDate, HourCounts> = BTreeMap::new();
    for (hour, counts) in hours {
        let Some(at) = tz.timestamp_millis_opt(hour * HOUR_MS).single() else {
            continue;
        };
        days.entry(at.date_naive())
            .or_default()
            .add_scaled(counts, 1);
    }
    days
}
