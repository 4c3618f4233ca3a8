//! The `[pool]` settings: normal caps, the probation ramp, throttling, the cap on resting
//! numbers per area code, how new numbers start, what makes a probation or a recovery
//! clean, the fallback time zone and how long full score rows are kept.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::health::score::ScoreConfig;
use crate::pool::status::Caps;
use crate::pool::zone::Zones;

/// Everything the lifecycle rules read: the pool's settings, the score's (evidence
/// thresholds, significance levels, rest lengths) and the numbers' zones.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub pool: &'a PoolConfig,
    pub score: &'a ScoreConfig,
    pub zones: Zones,
}

impl Rules<'_> {
    /// A number's normal caps: its own, else the pool's.
    pub fn normal_caps(&self, own: Option<Caps>) -> Caps {
        own.unwrap_or_else(|| self.pool.normal_caps(self.score))
    }
}

/// One step of the probation ramp: `share` of the normal caps for `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RampStep {
    pub share: f64,
    pub days: i64,
}

/// How a number the pool has never seen starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewNumbers {
    /// At the normal caps.
    Active,
    /// On the probation ramp, when it starts with too little history to be judged.
    Probation,
}

/// The number pool's lifecycle settings (the `[pool]` section of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PoolConfig {
    /// Normal calls per number per local day. Default: `score.max_calls_per_day`.
    pub daily_cap: Option<i64>,
    /// Normal calls per number per hour. Default: `score.max_calls_per_hour`.
    pub hourly_cap: Option<i64>,
    /// Shares of the normal caps after a rest, in order; 100% after the last step.
    /// Default 25% for 2 days, then 50% for 2 days.
    pub probation_ramp: Vec<RampStep>,
    /// Share of the normal caps a `throttle` verdict allows. Default 0.5.
    pub throttle_share: f64,
    /// Throttle caps hold at least this long after their cause ends, so caps do not flap
    /// between runs. Default 24.
    pub throttle_hold_hours: i64,
    /// At most this share of an area code's numbers (rounded up, at least 1) may rest at once
    /// for reputation-score reasons. Default 0.2 (Convoso's "maximum percentage of an
    /// area-code list resting at once").
    pub max_resting_share: f64,
    /// How numbers first seen start. Default `active`.
    pub new_numbers: NewNumbers,
    /// Calls with an outcome (after the last flag) a probation needs to end. Default 40.
    pub probation_min_calls: i64,
    /// Local days with clean calls a probation needs to end. Default 3.
    pub probation_clean_days: i64,
    /// Days a flag episode during probation rests the number for (at least). Default 60.
    pub relapse_rest_days: i64,
    /// A new episode while resting moves the rest's end only when the verdict's date is at
    /// least this many days later, so a number that keeps calling badly during its rest is
    /// not a transition every night. Default 7.
    pub extend_min_days: i64,
    /// Clean calls since its rest that bring a resting number back to probation. Default 40.
    pub recovery_min_calls: i64,
    /// Local days with clean calls after which a resting number is back in probation with
    /// fewer calls (but at least `score.min_attempts`). Default 3.
    pub recovery_clean_days: i64,
    /// Time zone of numbers outside the area-code table. Default "UTC".
    pub default_tz: String,
    /// Full per-number score rows are kept this many days; beyond, one row per number per
    /// day. With `score` every 15 minutes, 20,000 numbers add about 2 million score rows a
    /// day; `numhealth prune` thins them: every run keeps all its rows for the runs of the
    /// last `score_retention_days` UTC days before the newest run's as-of (counted from
    /// that day's midnight), and before that each number keeps the row of each UTC day's
    /// last run. Runs, transitions and the registry are never thinned. Default 30.
    pub score_retention_days: i64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            daily_cap: None,
            hourly_cap: None,
            probation_ramp: vec![
                RampStep {
                    share: 0.25,
                    days: 2,
                },
                RampStep {
                    share: 0.5,
                    days: 2,
                },
            ],
            throttle_share: 0.5,
            throttle_hold_hours: 24,
            max_resting_share: 0.2,
            new_numbers: NewNumbers::Active,
            probation_min_calls: 40,
            probation_clean_days: 3,
            relapse_rest_days: 60,
            extend_min_days: 7,
            recovery_min_calls: 40,
            recovery_clean_days: 3,
            default_tz: "UTC".into(),
            score_retention_days: 30,
        }
    }
}

fn within_i(name: &str, v: i64, lo: i64, hi: i64) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("pool.{name} = {v} must be between {lo} and {hi}"))
    }
}

fn share(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 && v <= 1.0 {
        Ok(())
    } else {
        Err(format!("pool.{name} = {v} must be above 0 and at most 1"))
    }
}

impl PoolConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("daily_cap", self.daily_cap),
            ("hourly_cap", self.hourly_cap),
        ] {
            if let Some(v) = v {
                within_i(name, v, 1, 1_000_000)?;
            }
        }
        if self.probation_ramp.len() > 10 {
            return Err("pool.probation_ramp has more than 10 steps".into());
        }
        for s in &self.probation_ramp {
            share("probation_ramp share", s.share)?;
            within_i("probation_ramp days", s.days, 1, 365)?;
        }
        share("throttle_share", self.throttle_share)?;
        share("max_resting_share", self.max_resting_share)?;
        within_i("throttle_hold_hours", self.throttle_hold_hours, 0, 24 * 365)?;
        within_i(
            "probation_min_calls",
            self.probation_min_calls,
            0,
            1_000_000,
        )?;
        within_i("probation_clean_days", self.probation_clean_days, 0, 365)?;
        within_i("relapse_rest_days", self.relapse_rest_days, 1, 365)?;
        within_i("extend_min_days", self.extend_min_days, 1, 365)?;
        within_i("recovery_min_calls", self.recovery_min_calls, 1, 1_000_000)?;
        within_i("recovery_clean_days", self.recovery_clean_days, 1, 365)?;
        within_i("score_retention_days", self.score_retention_days, 1, 3650)?;
        self.tz()?;
        Ok(())
    }

    /// `default_tz` as a time zone.
    pub fn tz(&self) -> Result<Tz, String> {
        self.default_tz.parse::<Tz>().map_err(|_| {
            format!(
                "pool.default_tz = {:?} is not an IANA time zone like \"America/New_York\"",
                self.default_tz
            )
        })
    }

    /// The normal caps: the pool's own, else the score's pacing limits.
    pub fn normal_caps(&self, score: &ScoreConfig) -> Caps {
        Caps {
            daily: self.daily_cap.unwrap_or(score.max_calls_per_day),
            hourly: self.hourly_cap.unwrap_or(score.max_calls_per_hour),
        }
    }

    /// Days the whole ramp lasts.
    pub fn ramp_days(&self) -> i64 {
        self.probation_ramp.iter().map(|s| s.days).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_round_trip_and_take_the_score_pacing() {
        let c = PoolConfig::default();
        c.validate().unwrap();
        let back: PoolConfig = toml::from_str(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(c, back);
        let score = ScoreConfig {
            max_calls_per_day: 75,
            ..ScoreConfig::default()
        };
        assert_eq!(
            c.normal_caps(&score),
            Caps {
                daily: 75,
                hourly: 30
            }
        );
        assert_eq!(c.ramp_days(), 4);
        let own: PoolConfig = toml::from_str(
            "daily_cap = 150\nnew_numbers = \"probation\"\nprobation_ramp = [{ share = 0.1, days = 1 }]\n",
        )
        .unwrap();
        own.validate().unwrap();
        assert_eq!(own.normal_caps(&score).daily, 150);
        assert_eq!(own.new_numbers, NewNumbers::Probation);
        assert_eq!(own.ramp_days(), 1);
        assert_eq!(own.throttle_hold_hours, 24);
    }

    #[test]
    fn typos_and_nonsense_are_refused() {
        assert!(toml::from_str::<PoolConfig>("daily_caps = 5\n").is_err());
        assert!(toml::from_str::<PoolConfig>("new_numbers = \"warm\"\n").is_err());
        assert!(
            toml::from_str::<PoolConfig>("probation_ramp = [{ share = 0.1, day = 1 }]\n").is_err()
        );
        let bad = [
            PoolConfig {
                daily_cap: Some(0),
                ..Default::default()
            },
            PoolConfig {
                throttle_share: 0.0,
                ..Default::default()
            },
            PoolConfig {
                max_resting_share: 1.5,
                ..Default::default()
            },
            PoolConfig {
                probation_ramp: vec![RampStep {
                    share: f64::NAN,
                    days: 2,
                }],
                ..Default::default()
            },
            PoolConfig {
                probation_ramp: vec![RampStep {
                    share: 0.5,
                    days: 0,
                }],
                ..Default::default()
            },
            PoolConfig {
                default_tz: "Mars/Olympus".into(),
                ..Default::default()
            },
            PoolConfig {
                recovery_clean_days: 0,
                ..Default::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
