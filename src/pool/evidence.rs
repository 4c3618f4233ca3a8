//! What a number's own calls say since a moment (an operator mark, the start of a rest or
//! of a probation): calls with an outcome, flags and failures against what the rest of the
//! fleet's rates in the same hours predict (fleet-wide outage hours set aside, exactly as
//! the score gathers them), whether either is significantly high, and the clean run of
//! calls and local days after the last flag. Recovery and probation are judged on this.

use std::collections::BTreeSet;

use chrono_tz::Tz;

use crate::health::assessment::{FleetHours, NumberHistory};
use crate::health::rollup::HOUR_MS;
use crate::health::score::ScoreConfig;
use crate::health::stats::poisson_upper_p;
use crate::health::window::{self, judged};
use crate::pool::config::Rules;
use crate::pool::status::{Entry, Status};
use crate::pool::zone::local_date;

/// A number's record since `from_ms`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub from_ms: i64,
    /// Calls with an outcome that speaks to the number (`window::judged`), outside hours
    /// set aside as fleet-wide outages.
    pub judged: i64,
    /// Counted `marked_as_spam`, and what the fleet's spam rate predicted for these calls.
    pub flags: i64,
    pub expected_flags: f64,
    /// At least `score.rest_min_flags` flags, unlikely (`score.flag_p_value`) at the fleet's rate.
    pub flags_significant: bool,
    pub last_flag_ms: Option<i64>,
    /// dial_failed + user_declined + network_blocked, and the fleet's prediction.
    pub failures: i64,
    pub expected_failures: f64,
    /// P(at least this many failures | the fleet's rate).
    pub failure_p: f64,
    /// `failure_p` below `1 - score.confidence`.
    pub failures_significant: bool,
    /// Calls with an outcome after the last counted flag (all of them when none).
    pub clean_calls: i64,
    /// Local days with calls with an outcome after the last counted flag.
    pub clean_days: i64,
    /// UTC days with at least `score.rest_min_flags` flags on at least
    /// `score.retire_spam_share` of their calls (the score's persistent-label days).
    pub high_share_days: i64,
    /// For a rest whose date has passed (this record then ends at the rest's end): the
    /// record of the probation it began, from the rest's end on.
    pub after_rest: Option<Box<Evidence>>,
}

impl Evidence {
    /// Failures over judged calls, and the fleet's rate for the same calls.
    pub fn failure_rates(&self) -> (f64, f64) {
        let j = self.judged as f64;
        (
            window::ratio(self.failures as f64, j),
            window::ratio(self.expected_failures, j),
        )
    }
}

/// The number's record over its hours that start at or after `from_ms` and end by as-of.
pub fn since(
    n: &NumberHistory,
    fleet: &FleetHours,
    from_ms: i64,
    as_of_ms: i64,
    cfg: &ScoreConfig,
    tz: Tz,
) -> Evidence {
    let end_hour = as_of_ms.div_euclid(HOUR_MS);
    let hours: Vec<_> = n
        .hours
        .iter()
        .filter(|(h, _)| h * HOUR_MS >= from_ms && *h < end_hour)
        .copied()
        .collect();
    let after = NumberHistory {
        number: n.number.clone(),
        first_seen_ms: n.first_seen_ms,
        hours,
        bursts: Vec::new(),
        last_spam_ms: None,
        last_reputation_ms: None,
    };
    let g = window::gather(&after, fleet, cfg, as_of_ms);
    let w = &g.all;
    let flags = w.spam as i64;
    let failures = w.fail as i64;
    let last_flag_hour = g.flag_hours.last().map(|f| f.0);
    let clean_days = after
        .hours
        .iter()
        .filter(|(h, c)| last_flag_hour.is_none_or(|l| *h > l) && judged(c) > 0)
        .filter_map(|(h, _)| local_date(tz, h * HOUR_MS))
        .collect::<BTreeSet<_>>()
        .len() as i64;
    let failure_p = poisson_upper_p(failures.max(0) as u64, w.exp_fail);
    Evidence {
        from_ms,
        judged: w.judged as i64,
        flags,
        expected_flags: w.exp_spam,
        flags_significant: flags >= cfg.rest_min_flags
            && poisson_upper_p(flags.max(0) as u64, w.exp_spam) < cfg.flag_p_value,
        last_flag_ms: last_flag_hour.map(|h| h * HOUR_MS),
        failures,
        expected_failures: w.exp_fail,
        failure_p,
        failures_significant: failure_p < 1.0 - cfg.confidence,
        clean_calls: g.judged_since_flag as i64,
        clean_days,
        high_share_days: g
            .days
            .iter()
            .filter(|d| {
                d.spam >= cfg.rest_min_flags as f64 && d.spam >= cfg.retire_spam_share * d.judged
            })
            .count() as i64,
        after_rest: None,
    }
}

/// The moment the policy needs a number's evidence from, if it needs any: its episode
/// floor, for every status the policy still moves (not retired, not released).
pub fn needed_from(e: &Entry) -> Option<i64> {
    match e.status {
        Status::Retired | Status::Released => None,
        _ => e.episode_floor_ms,
    }
}

/// When a resting row's rest ended by `as_of_ms`: its end. Its evidence then stops there,
/// and the probation it began has its own from there (`Evidence::after_rest`).
pub fn rest_ended(e: &Entry, as_of_ms: i64) -> Option<i64> {
    e.until_ms
        .filter(|&u| e.status == Status::Resting && u <= as_of_ms)
}

/// The evidence the policy needs for a registry row, from the number's history (the
/// same history and fleet its assessment was made from).
pub fn for_entry(
    e: &Entry,
    n: &NumberHistory,
    fleet: &FleetHours,
    as_of_ms: i64,
    rules: &Rules<'_>,
) -> Option<Evidence> {
    let tz = rules.zones.tz(&n.number);
    let from = needed_from(e)?;
    Some(match rest_ended(e, as_of_ms) {
        // Split on the hour: a rest ending inside an hour (a half-hour zone's midnight)
        // keeps that hour's calls in its own record, so no hour falls between the two.
        Some(end) => {
            let split = end.div_euclid(HOUR_MS) * HOUR_MS
                + if end.rem_euclid(HOUR_MS) > 0 {
                    HOUR_MS
                } else {
                    0
                };
            let split = split.min(as_of_ms);
            Evidence {
                after_rest: Some(Box::new(since(n, fleet, split, as_of_ms, rules.score, tz))),
                ..since(n, fleet, from.min(split), split, rules.score, tz)
            }
        }
        None => since(n, fleet, from, as_of_ms, rules.score, tz),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HourCounts;

    const DAY0: i64 = 20_000; // 2024-10-04
    const AS_OF: i64 = (DAY0 + 10) * 24 * HOUR_MS;

    fn hour(calls: i64, fail: i64, spam: i64) -> HourCounts {
        HourCounts {
            attempts: calls,
            no_answer: calls - fail - spam,
            dial_failed: fail,
            marked_as_spam: spam,
            ..HourCounts::default()
        }
    }

    /// One hour a day (15:00 UTC) on days `from..to` after DAY0.
    fn daily(from: i64, to: i64, c: HourCounts) -> Vec<(i64, HourCounts)> {
        (from..to).map(|d| ((DAY0 + d) * 24 + 15, c)).collect()
    }

    fn history(hours: Vec<(i64, HourCounts)>) -> NumberHistory {
        NumberHistory {
            number: "+14155550100".into(),
            first_seen_ms: 0,
            hours,
            bursts: vec![],
            last_spam_ms: None,
            last_reputation_ms: None,
        }
    }

    /// 20 numbers' worth of calls at a 2% failure rate, every hour the number called.
    fn fleet(n: &NumberHistory) -> FleetHours {
        let mut f = FleetHours::default();
        for (h, c) in &n.hours {
            let mut x = hour(1000, 20, 0);
            x.add_scaled(c, 1);
            f.hours.insert(*h, x);
        }
        f
    }

    fn ev(n: &NumberHistory, from_day: i64) -> Evidence {
        since(
            n,
            &fleet(n),
            (DAY0 + from_day) * 24 * HOUR_MS,
            AS_OF,
            &ScoreConfig::default(),
            Tz::UTC,
        )
    }

    #[test]
    fn only_hours_since_the_moment_count() {
        // Flagged on days 0-2, clean at 50 calls a day on days 5-9.
        let mut hours = daily(0, 3, hour(50, 1, 5));
        hours.extend(daily(5, 10, hour(50, 1, 0)));
        let n = history(hours);
        let e = ev(&n, 4);
        assert_eq!((e.judged, e.flags, e.failures), (250, 0, 5));
        assert!(!e.flags_significant && !e.failures_significant, "{e:?}");
        assert_eq!((e.clean_calls, e.clean_days), (250, 5));
        assert!((e.expected_failures - 5.0).abs() < 0.5, "{e:?}");
        // From day 0 the flags count, and the clean run starts after the last one.
        let e = ev(&n, 0);
        assert_eq!(e.flags, 15);
        assert!(e.flags_significant);
        // Three days flagged on 10% of their calls: persistent-label days.
        assert_eq!(e.high_share_days, 3);
        assert_eq!(ev(&n, 2).high_share_days, 1);
        assert_eq!(ev(&n, 4).high_share_days, 0);
        assert_eq!(e.last_flag_ms, Some(((DAY0 + 2) * 24 + 15) * HOUR_MS));
        assert_eq!((e.clean_calls, e.clean_days), (250, 5));
    }

    #[test]
    fn failures_far_above_the_fleet_are_significant() {
        let n = history(daily(5, 10, hour(50, 15, 0)));
        let e = ev(&n, 4);
        assert_eq!(e.failures, 75);
        assert!(e.failures_significant && e.failure_p < 1e-6, "{e:?}");
        let (own, fleet) = e.failure_rates();
        assert!((own - 0.3).abs() < 1e-9 && fleet < 0.05, "{own} {fleet}");
        // A single flag is not significant, but restarts the clean run.
        let mut hours = daily(5, 8, hour(50, 1, 0));
        hours.push(((DAY0 + 8) * 24 + 15, hour(50, 1, 1)));
        hours.extend(daily(9, 10, hour(30, 0, 0)));
        let e = ev(&history(hours), 4);
        assert_eq!(e.flags, 1);
        assert!(!e.flags_significant);
        assert_eq!((e.clean_calls, e.clean_days), (30, 1));
    }

    #[test]
    fn a_rest_ending_inside_an_hour_keeps_that_hour_in_its_own_record() {
        // Flagged in 15:00-16:00 on day 6; the rest ends at 15:30 (a half-hour zone).
        let mut hours = daily(0, 6, hour(50, 1, 0));
        hours.push(((DAY0 + 6) * 24 + 15, hour(40, 0, 10)));
        hours.extend(daily(7, 10, hour(50, 1, 0)));
        let n = history(hours);
        let (pool, score) = (crate::pool::PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: crate::pool::Zones::new(Tz::UTC),
        };
        let mut e = Entry::new(
            "+14155550100",
            Status::Resting,
            0,
            Default::default(),
            String::new(),
        );
        e.episode_floor_ms = Some(DAY0 * 24 * HOUR_MS);
        e.until_ms = Some(((DAY0 + 6) * 24 + 15) * HOUR_MS + HOUR_MS / 2);
        let ev = for_entry(&e, &n, &fleet(&n), AS_OF, &rules).unwrap();
        let after = ev.after_rest.as_deref().unwrap();
        assert_eq!((ev.flags, after.flags), (10, 0));
        assert_eq!(ev.judged + after.judged, 6 * 50 + 40 + 3 * 50);
    }

    #[test]
    fn evidence_is_needed_from_the_floor_of_numbers_the_policy_moves() {
        let mut e = Entry::new(
            "+14155550100",
            Status::Active,
            0,
            Default::default(),
            String::new(),
        );
        assert_eq!(needed_from(&e), None);
        e.episode_floor_ms = Some(5);
        assert_eq!(needed_from(&e), Some(5));
        // A rest that ended by then: its evidence stops at the end.
        e.status = Status::Resting;
        e.until_ms = Some(50);
        assert_eq!(rest_ended(&e, 100), Some(50));
        assert_eq!(rest_ended(&e, 40), None);
        e.status = Status::Retired;
        assert_eq!(needed_from(&e), None);
    }
}
