//! The 0-100 spam-risk score of one caller number, its named components, level, action
//! and reasons: the interface the rest of numhealth codes against, and `assess`, which
//! gathers the evidence, scores each component and applies the action rules.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::health::bursts::Burst;
use crate::health::components::{self, Part};
use crate::health::stats::noisy_or;
pub use crate::health::verdict::RestCause;
use crate::health::verdict::{self, Facts, Trigger};
use crate::health::window;
use crate::model::HourCounts;

pub use crate::health::score_config::ScoreConfig;

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
    /// Most calls in one UTC day and in one hour, last week.
    pub peak_calls_per_day: i64,
    pub peak_calls_per_hour: i64,
    /// Bursts in the recent window.
    pub bursts_recent: i64,
    /// Hours set aside because the rest of the fleet failed or was marked at once.
    pub set_aside_hours: i64,
    /// The score from the reputation components alone (flags, failures, trend,
    /// engagement), which decides a rest without flags.
    pub reputation_score: f64,
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
    /// Why, for `rest` and `retire` (not in reports: the pool policy reads it).
    #[serde(skip)]
    pub rest_cause: Option<RestCause>,
    pub components: Components,
    pub reasons: Vec<String>,
    /// Dialled attempts in the lookback window.
    pub attempts: i64,
    pub metrics: Metrics,
}

/// Rounds to one decimal (rounding is monotone, so it keeps the score monotone).
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores one number as of `as_of_ms` against the fleet.
pub fn assess(
    n: &NumberHistory,
    fleet: &FleetHours,
    cfg: &ScoreConfig,
    as_of_ms: i64,
) -> Assessment {
    let g = window::gather(n, fleet, cfg, as_of_ms);
    let (flags, flag_facts) = components::flags(&g, n, cfg, as_of_ms);
    let (failures, failure_p) = components::failures(&g, cfg);
    let (trend, trend_signal) = components::trend(&g, cfg);
    let (bursts, bursts_recent) = components::bursts(n, cfg, as_of_ms);
    let engagement = components::engagement(&g, cfg);
    let (pacing, over_pace) = components::pacing(&g, cfg);
    let (evidence, enough_evidence) = components::evidence(&g, n, cfg, as_of_ms);

    let damp = 1.0 - cfg.evidence_damping * (1.0 - evidence.value / 100.0);
    let reputation_parts = [
        (cfg.weight_flags, flags.value),
        (cfg.weight_failures, failures.value),
        (cfg.weight_trend, trend.value),
        (cfg.weight_engagement, engagement.value),
    ];
    let reputation = round1(noisy_or(&reputation_parts) * damp);
    let mut all_parts = reputation_parts.to_vec();
    all_parts.extend([
        (cfg.weight_bursts, bursts.value),
        (cfg.weight_pacing, pacing.value),
    ]);
    let score = round1(noisy_or(&all_parts) * damp);

    let v = verdict::decide(
        &Facts {
            as_of_ms,
            score,
            reputation,
            enough_evidence,
            flags: flag_facts,
            flags_value: flags.value,
            bursts_recent,
            over_pace,
            trend_signal,
            judged_since_flag: g.judged_since_flag,
            last_reputation_ms: n.last_reputation_ms,
        },
        cfg,
    );

    // Reasons: the action's own sentence, then the components a rule fired on, then the
    // rest by how much they add to the score.
    let fired = |t: Trigger| v.triggers.contains(&t);
    let mut ranked: Vec<(bool, f64, &Part)> = vec![
        (
            fired(Trigger::Flags),
            cfg.weight_flags * flags.value,
            &flags,
        ),
        (false, cfg.weight_failures * failures.value, &failures),
        (
            fired(Trigger::Trend),
            cfg.weight_trend * trend.value,
            &trend,
        ),
        (
            fired(Trigger::Bursts),
            cfg.weight_bursts * bursts.value,
            &bursts,
        ),
        (false, cfg.weight_engagement * engagement.value, &engagement),
        (
            fired(Trigger::Pacing),
            cfg.weight_pacing * pacing.value,
            &pacing,
        ),
    ];
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    let mut reasons: Vec<String> = v.lead.iter().cloned().collect();
    reasons.extend(evidence.reasons.iter().cloned());
    reasons.extend(ranked.iter().flat_map(|r| r.2.reasons.iter().cloned()));
    let components = Components {
        flags: round1(flags.value),
        failures: round1(failures.value),
        bursts: round1(bursts.value),
        engagement: round1(engagement.value),
        pacing: round1(pacing.value),
        evidence: round1(evidence.value),
        trend: round1(trend.value),
    };
    if reasons.is_empty() && v.action != Action::Keep {
        reasons.push(format!(
            "score {score:.0}: flags {:.0}, failures {:.0}, trend {:.0}, bursts {:.0}, engagement {:.0}, pacing {:.0}",
            components.flags,
            components.failures,
            components.trend,
            components.bursts,
            components.engagement,
            components.pacing
        ));
    }
    let metrics = Metrics {
        judged: g.all.judged as i64,
        failure_rate_7d: g.week.fail_rate(),
        fleet_failure_rate_7d: g.week.fleet_fail_rate(),
        failure_p,
        answer_rate_7d: g.week.answer_rate(),
        fleet_answer_rate_7d: g.week.fleet_answer_rate(),
        marked_as_spam_7d: flag_facts.week,
        peak_calls_per_day: g.week.peak_day,
        peak_calls_per_hour: g.week.peak_hour,
        bursts_recent,
        set_aside_hours: g.all.set_aside_hours,
        reputation_score: reputation,
    };
    Assessment {
        number: n.number.clone(),
        score,
        level: v.level,
        action: v.action,
        rest_until: v.rest_until,
        rest_cause: v.rest_cause,
        components,
        reasons,
        attempts: g.all.attempts,
        metrics,
    }
}
