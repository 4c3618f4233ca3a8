//! The shared vocabulary of scoring: what scoring knows about a number and the fleet
//! (`NumberHistory`, `FleetHours`) and the verdict it gives (`Assessment` with its
//! `Level`, `Action`, `Components` and `Metrics`). Every other health module imports
//! these from here, and nothing here imports them back.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::health::bursts::Burst;
use crate::model::HourCounts;

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
#[derive(Debug, Clone, Default)]
pub struct FleetHours {
    pub hours: BTreeMap<i64, HourCounts>,
    /// `usual_failure_share`'s answer for the range last asked (every number of a run asks
    /// for the same one).
    usual: std::sync::OnceLock<(i64, i64, f64)>,
}

/// Equal when the counters are (the cached share follows from them).
impl PartialEq for FleetHours {
    fn eq(&self, other: &FleetHours) -> bool {
        self.hours == other.hours
    }
}

impl FleetHours {
    pub fn new(hours: BTreeMap<i64, HourCounts>) -> FleetHours {
        FleetHours {
            hours,
            usual: std::sync::OnceLock::new(),
        }
    }

    /// The whole fleet's reputation failures as a share of its judged calls over the hours
    /// `from..=to`, computed once per range a run uses.
    pub fn usual_failure_share(&self, from: i64, to: i64) -> f64 {
        let compute = || {
            let (rep, judged) = self
                .hours
                .range(from..=to)
                .fold((0i64, 0i64), |(r, j), (_, c)| {
                    (
                        r + c.reputation_failures(),
                        j + crate::health::window::judged(c),
                    )
                });
            if judged > 0 {
                rep as f64 / judged as f64
            } else {
                0.0
            }
        };
        match self.usual.get_or_init(|| (from, to, compute())) {
            &(f, t, share) if (f, t) == (from, to) => share,
            _ => compute(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[serde(rename = "insufficient_data")]
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

/// Named score components, each 0-100 before weighting. All but `evidence` are risks;
/// `evidence` is the confidence that damps the score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Components {
    pub flags: f64,
    pub failures: f64,
    pub bursts: f64,
    pub engagement: f64,
    pub pacing: f64,
    pub evidence: f64,
    /// Rising reputation-failure rate over the last days (CUSUM against the fleet).
    pub trend: f64,
}

/// Figures behind the verdict, for reports (rates over the week window unless named).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Calls with an outcome that speaks to the number in the lookback (dialled, resolved,
    /// not a telephony/destination fault, outside fleet-wide outage hours).
    pub judged: i64,
    /// dial_failed + user_declined + network_blocked over judged calls, last week.
    pub failure_rate_7d: f64,
    /// What the rest of the fleet's rates in the same hours predict for that.
    pub fleet_failure_rate_7d: f64,
    /// P(at least this many failures | fleet rate), for the window the failures component used.
    pub failure_p: f64,
    /// Human answers over judged calls, last week, and the fleet's in the same hours.
    pub answer_rate_7d: f64,
    pub fleet_answer_rate_7d: f64,
    /// Counted marked_as_spam in the last week (fleet-wide anomaly hours set aside).
    pub marked_as_spam_7d: i64,
    /// What the rest of the fleet's spam rate in the same hours predicts for that count
    /// (the reasons round it to "about N would be normal for this fleet").
    pub expected_marked_as_spam_7d: f64,
    /// Most calls in one local day of the number (UTC outside the NANP) and in one hour,
    /// last week.
    pub peak_calls_per_day: i64,
    pub peak_calls_per_hour: i64,
    /// Bursts in the recent window.
    pub bursts_recent: i64,
    /// Hours set aside because the rest of the fleet failed or was marked at once.
    pub set_aside_hours: i64,
    /// The score from the reputation components alone (flags, failures, trend,
    /// engagement), which decides a rest without flags.
    pub reputation_score: f64,
    /// Calls with an outcome since the last counted flag in the lookback (all of them when
    /// there is none), and the UTC days after the flag's day with such calls.
    pub clean_calls_since_flag: i64,
    pub clean_days_since_flag: i64,
    /// What the flags and failures components were multiplied by for a recovered number
    /// (`health::recovery`); 1 when the number has not recovered or was never flagged.
    pub recovery_factor: f64,
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
    /// Why, for `rest`, `retire` and `throttle` (not in reports: the pool policy and
    /// `backtest` read it).
    #[serde(skip)]
    pub rest_cause: Option<crate::health::verdict::RestCause>,
    pub components: Components,
    pub reasons: Vec<String>,
    /// Dialled attempts in the lookback window.
    pub attempts: i64,
    pub metrics: Metrics,
}

impl Assessment {
    /// Whether this verdict warns of a carrier label: throttle, rest or retire for a
    /// reputation or burst reason (a throttle for pacing alone is not a warning).
    pub fn is_warning(&self) -> bool {
        use crate::health::verdict::RestCause;
        match self.action {
            Action::Rest | Action::Retire => true,
            Action::Throttle => self.rest_cause != Some(RestCause::Pacing),
            Action::Keep | Action::Monitor => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_failure_share_is_of_the_range_asked_even_after_another() {
        let hour = |attempts: i64, dial_failed: i64| HourCounts {
            attempts,
            dial_failed,
            no_answer: attempts - dial_failed,
            ..HourCounts::default()
        };
        let f = FleetHours::new(BTreeMap::from([(1, hour(10, 1)), (2, hour(10, 5))]));
        assert_eq!(f.usual_failure_share(1, 2), 0.3);
        // Another range is computed, not served from the first answer.
        assert_eq!(f.usual_failure_share(2, 2), 0.5);
        assert_eq!(f.usual_failure_share(1, 1), 0.1);
        assert_eq!(f.usual_failure_share(1, 2), 0.3);
        assert_eq!(f.usual_failure_share(5, 9), 0.0);
    }
}
