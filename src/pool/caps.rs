//! Calls allowed: the probation ramp's step at a moment, the caps a registry row allows
//! (normal, ramped, throttled, none), and the calls a number has placed so far in its
//! local day against them; and the pacing limits the score judges each number by.

use std::collections::HashMap;

use chrono_tz::Tz;

use crate::health::rollup::HOUR_MS;
use crate::health::score::ScoreConfig;
use crate::model::HourCounts;
use crate::pool::config::{RampStep, Rules};
use crate::pool::status::{Caps, Entry, Status};
use crate::pool::zone::local_date;

const DAY_MS: i64 = 24 * HOUR_MS;

/// The ramp step in force `at_ms` for a ramp that started `since_ms`: its index and share.
/// Index `ramp.len()` (share 1) is the full pace after the last step. Steps last whole
/// days of the number's zone `tz`, so a ramp that starts at local midnight steps at local
/// midnight across a daylight-saving change too (caps count local days).
pub fn ramp_step(ramp: &[RampStep], since_ms: i64, at_ms: i64, tz: Tz) -> (usize, f64) {
    let mut end_ms = since_ms;
    for (i, s) in ramp.iter().enumerate() {
        end_ms = local_days_after(tz, end_ms, s.days);
        if at_ms < end_ms {
            return (i, s.share);
        }
    }
    (ramp.len(), 1.0)
}

/// The moments a ramp that started `since_ms` steps up: each step's end, in order (the
/// last is the return to full pace).
pub fn ramp_moments(ramp: &[RampStep], since_ms: i64, tz: Tz) -> Vec<i64> {
    let mut end_ms = since_ms;
    ramp.iter()
        .map(|s| {
            end_ms = local_days_after(tz, end_ms, s.days);
            end_ms
        })
        .collect()
}

/// The moment `days` calendar days after `ms` in `tz`, at the same local time (the first
/// hour that exists when a daylight-saving change skips it); 24-hour days if the date is
/// out of range.
fn local_days_after(tz: Tz, ms: i64, days: i64) -> i64 {
    use chrono::{DateTime, Days, TimeZone};
    let fixed = ms.saturating_add(days.saturating_mul(DAY_MS));
    let Some(target) = DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).naive_local())
        .and_then(|l| l.checked_add_days(Days::new(days.max(0) as u64)))
    else {
        return fixed;
    };
    (0..4)
        .find_map(|h| {
            let t = target.checked_add_signed(chrono::TimeDelta::hours(h))?;
            tz.from_local_datetime(&t).earliest()
        })
        .map_or(fixed, |t| t.timestamp_millis())
}

/// `share` of `normal`, rounded, at least one call.
pub fn scale(normal: Caps, share: f64) -> Caps {
    let f = |x: i64| ((x as f64 * share).round() as i64).max(1);
    Caps {
        daily: f(normal.daily),
        hourly: f(normal.hourly),
    }
}

/// Whether the row's throttle still holds at `at_ms` (without a new cause).
pub fn throttle_holds(e: &Entry, at_ms: i64) -> bool {
    e.throttled_until_ms.is_some_and(|t| t > at_ms)
}

/// The caps `e` allows at `at_ms`: none unless it may dial; its normal caps, scaled by the
/// ramp step on probation; no more than the throttle share while `throttled`.
pub fn caps_at(e: &Entry, at_ms: i64, throttled: bool, rules: &Rules<'_>) -> Caps {
    if !e.status.may_dial() {
        return Caps::NONE;
    }
    let normal = rules.normal_caps(e.own_caps);
    let mut caps = normal;
    if e.status == Status::Probation {
        let since = e.probation_since_ms.unwrap_or(e.since_ms);
        let tz = rules.zones.tz(&e.number);
        let (_, share) = ramp_step(&rules.pool.probation_ramp, since, at_ms, tz);
        caps = scale(normal, share);
    }
    if throttled {
        caps = caps.min(scale(normal, rules.pool.throttle_share));
    }
    caps
}

/// The pacing limits the score judges each number by: its normal caps in the pool (its
/// own from `mark --daily-cap/--hourly-cap`, else `[pool] daily_cap/hourly_cap`, which
/// default to the score's `max_calls_per_day/hour`), so the pacing throttle and the caps a
/// dialer is given agree. Without a pool (`evaluate`, `backtest`) every number is judged
/// by the score's limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaceLimits {
    /// The pool's normal caps, where they differ from the score's limits.
    normal: Option<Caps>,
    /// Numbers with caps of their own.
    own: HashMap<String, Caps>,
}

/// `cfg` with `caps` as its pacing limits.
fn paced(cfg: &ScoreConfig, caps: Caps) -> ScoreConfig {
    ScoreConfig {
        max_calls_per_day: caps.daily,
        max_calls_per_hour: caps.hourly,
        ..cfg.clone()
    }
}

impl PaceLimits {
    /// The pool's limits for the registry rows `rows` (each number's own caps, if any).
    pub fn of_pool<'e>(rules: &Rules<'_>, rows: impl IntoIterator<Item = &'e Entry>) -> PaceLimits {
        let own = rows
            .into_iter()
            .filter_map(|e| Some((e.number.clone(), e.own_caps?)))
            .collect();
        let normal = rules.normal_caps(None);
        let score = Caps {
            daily: rules.score.max_calls_per_day,
            hourly: rules.score.max_calls_per_hour,
        };
        PaceLimits {
            normal: (normal != score).then_some(normal),
            own,
        }
    }

    /// The settings to judge the numbers by when they differ from `cfg`: one for every
    /// number without caps of its own (`None`: `cfg` itself).
    pub fn normal_config(&self, cfg: &ScoreConfig) -> Option<ScoreConfig> {
        self.normal.map(|c| paced(cfg, c))
    }

    /// The settings for `number` when it has caps of its own (`None`: the normal ones).
    pub fn own_config(&self, number: &str, cfg: &ScoreConfig) -> Option<ScoreConfig> {
        self.own.get(number).map(|&c| paced(cfg, c))
    }
}

/// Calls the number placed so far in its local day at `at_ms` (hours that started before
/// then and whose start falls on that local date), from its hourly rollups; the hour
/// `at_ms` falls in counts whole unless the caller gave its calls before `at_ms`.
pub fn calls_today(hours: &[(i64, HourCounts)], tz: Tz, at_ms: i64) -> i64 {
    let Some(today) = local_date(tz, at_ms) else {
        return 0;
    };
    hours
        .iter()
        .filter(|(h, _)| {
            let start = h * HOUR_MS;
            start < at_ms && start > at_ms - 2 * DAY_MS && local_date(tz, start) == Some(today)
        })
        .map(|(_, c)| c.attempts)
        .sum()
}

/// Calls left today under the daily cap.
pub fn remaining_today(caps: Caps, calls_today: i64) -> i64 {
    (caps.daily - calls_today).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::score::ScoreConfig;
    use crate::pool::config::PoolConfig;
    use crate::pool::zone::Zones;

    const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z

    #[test]
    fn the_ramp_steps_up_by_days_then_runs_at_full_pace() {
        let ramp = PoolConfig::default().probation_ramp;
        let utc = Tz::UTC;
        assert_eq!(ramp_step(&ramp, T, T, utc), (0, 0.25));
        assert_eq!(ramp_step(&ramp, T, T + 2 * DAY_MS - 1, utc), (0, 0.25));
        assert_eq!(ramp_step(&ramp, T, T + 2 * DAY_MS, utc), (1, 0.5));
        assert_eq!(ramp_step(&ramp, T, T + 4 * DAY_MS, utc), (2, 1.0));
        assert_eq!(ramp_step(&[], T, T, utc), (0, 1.0));
        assert_eq!(
            ramp_moments(&ramp, T, utc),
            [T + 2 * DAY_MS, T + 4 * DAY_MS]
        );
        // Across the end of daylight saving (New York, 2026-11-01): a ramp from local
        // midnight on 10-31 (04:00Z, EDT) steps at local midnight on 11-02 (05:00Z, EST),
        // not 48 hours on at 23:00 local; and back at midnight in March.
        let ny = Tz::America__New_York;
        let start = 1_793_419_200_000; // 2026-10-31T04:00:00Z
        let step = start + 2 * DAY_MS + HOUR_MS; // 2026-11-02T05:00:00Z
        assert_eq!(ramp_step(&ramp, start, step - 1, ny), (0, 0.25));
        assert_eq!(ramp_step(&ramp, start, step, ny), (1, 0.5));
        let march = 1_804_914_000_000; // 2027-03-13T05:00:00Z, local midnight (EST)
        let back = march + 2 * DAY_MS - HOUR_MS; // 2027-03-15T04:00:00Z, midnight EDT
        assert_eq!(ramp_step(&ramp, march, back - 1, ny), (0, 0.25));
        assert_eq!(ramp_step(&ramp, march, back, ny), (1, 0.5));
    }

    #[test]
    fn caps_follow_status_ramp_and_throttle() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::new(Tz::UTC),
        };
        let mut e = Entry::new("+14155550100", Status::Active, T, Caps::NONE, String::new());
        let full = Caps {
            daily: 100,
            hourly: 30,
        };
        assert_eq!(caps_at(&e, T, false, &rules), full);
        assert_eq!(
            caps_at(&e, T, true, &rules),
            Caps {
                daily: 50,
                hourly: 15
            }
        );
        e.status = Status::Probation;
        e.probation_since_ms = Some(T);
        // 25% of 30 an hour is 7.5, rounded to 8.
        assert_eq!(
            caps_at(&e, T + HOUR_MS, false, &rules),
            Caps {
                daily: 25,
                hourly: 8
            }
        );
        // Throttled on the 50% step: the smaller of each.
        assert_eq!(
            caps_at(&e, T + 3 * DAY_MS, true, &rules),
            Caps {
                daily: 50,
                hourly: 15
            }
        );
        e.own_caps = Some(Caps {
            daily: 200,
            hourly: 40,
        });
        assert_eq!(
            caps_at(&e, T + 5 * DAY_MS, false, &rules),
            Caps {
                daily: 200,
                hourly: 40
            }
        );
        e.status = Status::Resting;
        assert_eq!(caps_at(&e, T, false, &rules), Caps::NONE);
        assert_eq!(
            scale(
                Caps {
                    daily: 1,
                    hourly: 1
                },
                0.1
            ),
            Caps {
                daily: 1,
                hourly: 1
            }
        );
    }

    #[test]
    fn pace_limits_are_the_numbers_normal_caps() {
        let score = ScoreConfig::default();
        let pool = PoolConfig::default();
        let own_pool = PoolConfig {
            daily_cap: Some(150),
            ..PoolConfig::default()
        };
        let rules = |pool| Rules {
            pool,
            score: &score,
            zones: Zones::new(Tz::UTC),
        };
        let own = Caps {
            daily: 20,
            hourly: 4,
        };
        let mut mine = Entry::new("+14155550100", Status::Active, T, Caps::NONE, String::new());
        mine.own_caps = Some(own);
        let plain = Entry::new("+14155550101", Status::Active, T, Caps::NONE, String::new());
        let rows = [mine, plain];
        let limits = PaceLimits::of_pool(&rules(&pool), &rows);
        assert_eq!(
            limits.normal_config(&score),
            None,
            "the pool's caps are the score's"
        );
        let c = limits.own_config("+14155550100", &score).unwrap();
        assert_eq!((c.max_calls_per_day, c.max_calls_per_hour), (20, 4));
        assert_eq!(c.lookback_days, score.lookback_days);
        assert_eq!(limits.own_config("+14155550101", &score), None);
        let limits = PaceLimits::of_pool(&rules(&own_pool), &rows);
        let c = limits.normal_config(&score).unwrap();
        assert_eq!((c.max_calls_per_day, c.max_calls_per_hour), (150, 30));
        assert_eq!(PaceLimits::default().normal_config(&score), None);
    }

    #[test]
    fn calls_today_count_the_local_day() {
        let c = |n| HourCounts {
            attempts: n,
            ..HourCounts::default()
        };
        let h0 = T / HOUR_MS;
        // 2025-11-20: 03:00Z (22:00 EST the day before), 06:00Z and 10:00Z (EST today).
        let hours = vec![(h0 + 3, c(5)), (h0 + 6, c(7)), (h0 + 10, c(11))];
        let at = T + 12 * HOUR_MS;
        assert_eq!(calls_today(&hours, Tz::UTC, at), 23);
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(calls_today(&hours, ny, at), 18);
        // An hour that has not started by `at` is not counted, nor one that starts at it.
        assert_eq!(calls_today(&hours, Tz::UTC, T + 8 * HOUR_MS), 12);
        assert_eq!(calls_today(&hours, Tz::UTC, T + 6 * HOUR_MS), 5);
        assert_eq!(
            remaining_today(
                Caps {
                    daily: 20,
                    hourly: 5
                },
                23
            ),
            0
        );
        assert_eq!(
            remaining_today(
                Caps {
                    daily: 20,
                    hourly: 5
                },
                12
            ),
            8
        );
    }
}
