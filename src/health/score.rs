//! The 0-100 spam-risk score of one caller number: `assess`, which gathers the evidence,
//! scores each component, applies the action rules and names the reasons. What it reads
//! and returns is in `health::assessment`.

use crate::health::assessment::{Action, Components, Metrics};
use crate::health::components::{self, Part};
use crate::health::recovery;
use crate::health::stats::noisy_or;
pub use crate::health::verdict::RestCause;
use crate::health::verdict::{self, Facts, Trigger};
use crate::health::window;
use crate::health::wording::in_last_days;

// Re-exported at their old path for callers outside `health` (report views, store
// queries, the `number` command); new code imports them from `health::assessment`.
pub use crate::health::assessment::{Assessment, FleetHours, NumberHistory};
pub use crate::health::score_config::ScoreConfig;

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
    let recovered = recovery::recovery(&g, cfg);
    let (flags, flag_facts) = components::flags(&g, n, cfg, as_of_ms, recovered.as_ref());
    let (failures, failure_p) = components::failures(&g, cfg, recovered.as_ref());
    let (trend, trend_signal) = components::trend(&g, cfg, recovered.as_ref());
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
    // Pacing is a cause, not a label: it raises the score in proportion to the reputation
    // evidence beside it (nothing for a clean number, fully from `elevated_at`), so a clean
    // number that only breaks a limit ranks with the clean ones (its caps throttle it) while
    // one that breaks it and slides ranks higher. Bursts raise the score on their own.
    let pacing_share = (noisy_or(&reputation_parts) / cfg.elevated_at.max(1.0)).clamp(0.0, 1.0);
    let mut all_parts = reputation_parts.to_vec();
    all_parts.extend([
        (cfg.weight_bursts, bursts.value),
        (cfg.weight_pacing * pacing_share, pacing.value),
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
            "risk score {score:.0} of 100 from its calls {}, with no single cause standing out",
            in_last_days(cfg.lookback_days)
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
        expected_marked_as_spam_7d: flag_facts.week_expected,
        peak_calls_per_day: g.week.peak_day,
        peak_calls_per_hour: g.week.peak_hour,
        bursts_recent,
        set_aside_hours: g.all.set_aside_hours,
        reputation_score: reputation,
        clean_calls_since_flag: g.judged_since_flag as i64,
        clean_days_since_flag: g.clean_days_since_flag,
        recovery_factor: recovered.map_or(1.0, |r| r.factor),
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

#[cfg(test)]
mod tests;
