//! The 0-100 spam-risk score, its named components, level, action and reasons.
//! PLACEHOLDER: the interface is fixed; the health helper fills in the method.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::health::bursts::Burst;
use crate::model::HourCounts;

/// Thresholds and weights for scoring (the `[score]` section of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// How many days of rollups scoring looks at.
    pub lookback_days: i64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig { lookback_days: 30 }
    }
}

impl ScoreConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=400).contains(&self.lookback_days) {
            return Err("score.lookback_days must be between 2 and 400".into());
        }
        Ok(())
    }
}

/// Everything scoring knows about one caller number, as of a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberHistory {
    pub number: String,
    /// First hour (ms) the number placed or received a call, any time before as-of.
    pub first_seen_ms: i64,
    /// Hourly rollups inside the lookback window, sorted by hour (hours since epoch).
    pub hours: Vec<(i64, HourCounts)>,
    /// Bursts that started inside the lookback window, sorted by start.
    pub bursts: Vec<Burst>,
    /// The last hour (ms) with a `marked_as_spam`, any time before as-of.
    pub last_spam_ms: Option<i64>,
    /// The last hour (ms) with any reputation failure, any time before as-of.
    pub last_reputation_ms: Option<i64>,
}

/// The whole fleet's counters per hour over the lookback window (all numbers summed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetHours {
    pub hours: BTreeMap<i64, HourCounts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Insufficient,
    Low,
    Elevated,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Insufficient => "insufficient_data",
            Level::Low => "low",
            Level::Elevated => "elevated",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Keep,
    Monitor,
    Throttle,
    Rest,
    Retire,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Monitor => "monitor",
            Action::Throttle => "throttle",
            Action::Rest => "rest",
            Action::Retire => "retire",
        }
    }
}

/// Named score components, each 0-100 before weighting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Components {
    pub flags: f64,
    pub failures: f64,
    pub bursts: f64,
    pub engagement: f64,
    pub pacing: f64,
    pub evidence: f64,
}

/// The verdict on one number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub number: String,
    pub score: f64,
    pub level: Level,
    pub action: Action,
    /// Rest until this UTC date (YYYY-MM-DD), for `rest`.
    pub rest_until: Option<String>,
    pub components: Components,
    pub reasons: Vec<String>,
    /// Dialled attempts in the lookback window.
    pub attempts: i64,
}

/// Scores one number as of `as_of_ms` against the fleet.
pub fn assess(
    n: &NumberHistory,
    _fleet: &FleetHours,
    _cfg: &ScoreConfig,
    _as_of_ms: i64,
) -> Assessment {
    let attempts = n.hours.iter().map(|(_, c)| c.attempts).sum();
    Assessment {
        number: n.number.clone(),
        score: 0.0,
        level: Level::Insufficient,
        action: Action::Keep,
        rest_until: None,
        components: Components::default(),
        reasons: vec![],
        attempts,
    }
}
