//! The `[score]` settings: every threshold and weight the risk score uses, with its
//! default and where that default comes from (mostly the vendor rules of thumb in the
//! call-records reference), and the range checks that stop a typo disabling scoring.

use serde::{Deserialize, Serialize};

/// Thresholds and weights for scoring (the `[score]` section of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// How many days of rollups scoring looks at. Default 30: covers a 15-30 day rest.
    pub lookback_days: i64,

    // --- recency windows ---
    /// The "recent" window, hours before as-of. Default 48: the reference's "connect rate
    /// sliding from 20% to 12% over two days is an early sign".
    pub recent_hours: i64,
    /// The "week" window, days before as-of. Default 7.
    pub week_days: i64,
    /// How much the week window counts next to the recent one (0-1). Default 0.85.
    pub week_weight: f64,
    /// How much the whole lookback counts next to the recent window (0-1). Default 0.5.
    pub lookback_weight: f64,

    // --- evidence ---
    /// Fewer calls with an outcome than this in the lookback: level `insufficient_data`.
    /// Default 12 (reference: "~12 outbound calls or ~a day of history").
    pub min_attempts: i64,
    /// Calls at which attempt evidence is complete. Default 100 (a day at the pacing limit).
    pub evidence_full_attempts: i64,
    /// Days of history (since first seen) at which maturity is complete. Default 7.
    pub evidence_full_days: i64,
    /// How much thin evidence shrinks the score: score x (1 - damping x (1 - evidence/100)).
    /// Default 0.3 (rates are already judged by their confidence bounds).
    pub evidence_damping: f64,
    /// One-sided confidence of the rate bounds and significance tests. Default 0.95.
    pub confidence: f64,
    /// Weight of the prior (pseudo-calls at the fleet's rate) in each Beta posterior, so that
    /// 2 calls with 1 failure stay near the fleet. Default 10.
    pub prior_strength: f64,

    // --- fleet comparison ---
    /// Pseudo-calls that pull each hour's leave-one-out fleet rate toward the fleet's rate
    /// over the same hours (quiet hours are noisy). Default 20.
    pub fleet_prior_attempts: f64,
    /// Reputation-failure rate assumed when no other number has data. Default 0.02.
    pub baseline_failure_rate: f64,
    /// Human answer rate assumed when no other number has data. Default 0.20 (reference:
    /// "connect rate sliding from 20%").
    pub baseline_answer_rate: f64,
    /// Smallest expected failure rate per hour, so a spotless fleet does not make one
    /// failure look infinite. Default 0.005.
    pub fleet_rate_floor: f64,
    /// An hour where the rest of the fleet's reputation failures reach this share of its
    /// calls is a carrier/trunk outage and is set aside. Default 0.5 (reference: a burst of
    /// `dial_failed` across all numbers at once is not every number going bad).
    pub outage_rate: f64,
    /// A partial outage (one telephony provider's numbers failing at once; records name no
    /// provider): an hour where the rest of the fleet's reputation failures reach this
    /// multiple of the whole fleet's usual share over the lookback, at least
    /// `outage_floor` of its calls, and are that improbable (Poisson tail below
    /// `outage_p_value`) is set aside too. Default 2.5.
    pub outage_ratio: f64,
    /// Default 0.10.
    pub outage_floor: f64,
    /// Default 1e-6.
    pub outage_p_value: f64,
    /// An hour where the rest of the fleet's `marked_as_spam` reach this share is a platform
    /// anomaly and is set aside. Default 0.2.
    pub flag_anomaly_rate: f64,
    /// The rest of the fleet needs this many calls in an hour to call it an outage. Default 10.
    pub outage_min_attempts: i64,

    // --- flags (marked_as_spam) ---
    /// Recency-weighted flags beyond the fleet's rate and noise that make the flags
    /// component 100. Default 3.
    pub flags_full: f64,
    /// Half-life of a flag's weight, days. Default 7: a flag yesterday weighs 0.9, a week
    /// ago 0.5, three weeks ago 0.125.
    pub flag_half_life_days: f64,
    /// The trace a last flag from before the lookback keeps, in flags, fading linearly to
    /// 0 at `flag_memory_days`. Default 0.3 (at most 10 points: watched, never rested).
    pub flag_memory_weight: f64,
    /// Flags in the week that send a number to rest, when the fleet's spam rate makes that
    /// many unlikely (`flag_p_value`). Default 2.
    pub rest_min_flags: i64,
    /// How unlikely the week's flags must be under the fleet's spam rate (Poisson upper
    /// tail) to rest the number. Default 0.01: strict, since a fleet has many numbers.
    pub flag_p_value: f64,
    /// Flags in a week that make a flag rest severe (`severe_rest_days`). Default 10.
    pub severe_flags: i64,
    /// Days after which an old flag no longer counts. Default 90 (reference: honeypot flags
    /// fall off after ~90 days without new events).
    pub flag_memory_days: i64,
    /// Calls with an outcome since the last counted flag (and a failure rate in the recent
    /// window not significantly above the fleet's) that make a flagged number recovered: its flags
    /// and failures weigh 0.5^(clean calls / `recovery_min_calls` + clean days /
    /// `recovery_clean_days`). Default 40, like the pool's recovery rule.
    pub recovery_min_calls: i64,
    /// Days with clean calls since the last flag that halve a recovered number's flags and
    /// failures once more. Default 3, like the pool's recovery rule.
    pub recovery_clean_days: i64,
    /// A number that made no call for `retire_gap_days` after its last flag was rested;
    /// back from it, it is recovered after this many clean calls, and each as many again
    /// halve its old evidence (in place of `recovery_min_calls`). Default 10: a label that
    /// marks one call in 15 (the reference's 5-15%) shows in 10 calls half the time, so
    /// each 10 clean calls halve the odds that it is still there.
    pub recovery_rested_calls: i64,

    // --- failures (dial_failed, user_declined, network_blocked) ---
    /// Excess of the failure rate's lower bound over the fleet's rate that makes the
    /// failures component 100. Default 0.10 (ten percentage points).
    pub failure_excess_full: f64,
    /// A reputation slide: the week's failures this improbable at the fleet's rates in the
    /// same hours (Poisson upper tail)... Default 0.001.
    pub slide_p_value: f64,
    /// ...and at least this multiple of the fleet's rate. Default 2.
    pub slide_ratio: f64,
    /// ...make the failures component at least this (before the recovery factor): a rank
    /// above numbers without reputation evidence, short of a throttle. Default 25.
    pub slide_floor: f64,
    /// An own-past slide needs the stretch's failures at least this multiple of what the
    /// number's past predicts (answers at most 1 / this). Default 1.5.
    pub own_slide_ratio: f64,
    /// A slide against the number's own past: its failure (or answer) rate in the recent
    /// window or the week, measured against the fleet's in the same hours, beside the same
    /// measure over the rest of its lookback. Both stretches need this many calls with an
    /// outcome (the earlier one twice as many). Default 40.
    pub slide_min_calls: i64,
    /// The own-past slide starts counting at this tail probability... Default 0.001.
    pub slide_p_start: f64,
    /// ...and makes the failures (or engagement) component 100 at this one. Default 1e-8.
    pub slide_p_full: f64,

    // --- trend ---
    /// Days the CUSUM looks back over. Default 14.
    pub trend_days: i64,
    /// Days with fewer calls with an outcome are skipped by the trend. Default 20.
    pub trend_min_daily_calls: i64,
    /// Allowance per day in the CUSUM, on top of one standard error of the day's rate.
    /// Default 0.01 (one percentage point).
    pub cusum_slack: f64,
    /// CUSUM value (accumulated percentage points) that reports a rising failure rate.
    /// Default 0.10.
    pub cusum_threshold: f64,
    /// CUSUM value that makes the trend component 100. Default 0.30.
    pub trend_full: f64,

    // --- bursts ---
    /// Half-life of a burst's weight, hours. Default 120 (5 days): a burst yesterday weighs
    /// 0.87, one a week ago 0.38, one 25 days ago 0.03. (Bursts are judged against the
    /// number's own pace, so each one is a real anomaly.)
    pub burst_half_life_hours: f64,
    /// Decayed burst count that makes the bursts component 100. Default 1.
    pub bursts_full: f64,
    /// Days after which a burst that no label followed stops counting. Default 7: carriers
    /// label within days of a burst (`call-records.md`), so a week of calls after it with no
    /// reputation damage shows it passed; a damaged number is scored on the damage itself.
    pub burst_memory_days: i64,

    // --- engagement ---
    /// Answer rates vary by number and list, so the answer part against the fleet counts
    /// only below this fraction of the fleet's rate (upper bound)... Default 0.6.
    pub answer_ratio_start: f64,
    /// ...and is 100 at this fraction. Default 0.25 (reference: a label cuts answer rate
    /// 50-70%). A fall against the number's own past is measured separately.
    pub answer_ratio_critical: f64,
    /// Short answered calls vary by script and list too, so the short part against the
    /// fleet counts only when the share's lower bound is above this multiple of the fleet's
    /// share... Default 1.5. A rise against the number's own past is measured separately.
    pub short_ratio_start: f64,
    /// ...and is 100 this far (share points) above that start. Default 0.30.
    pub short_excess_full: f64,
    /// Mean talk time counts against the fleet's only below this fraction of it... Default
    /// 0.8.
    pub talk_ratio_start: f64,
    /// ...and makes the talk part 100 at this fraction. Default 0.5.
    pub talk_ratio_critical: f64,
    /// Human answers at which talk time counts fully. Default 50.
    pub talk_full_answers: i64,

    // --- pacing ---
    /// Calls per number per UTC day. Default 100 (reference: keep under ~50-100 a day;
    /// Readymode caps at 75/100/150/200).
    pub max_calls_per_day: i64,
    /// Calls per number per hour. Default 30 (100 a day squeezed into ~3 hours).
    pub max_calls_per_hour: i64,

    // --- weights: the most each component alone adds to the score (0-1) ---
    /// Default 1.0: a direct carrier label is the strongest signal.
    pub weight_flags: f64,
    /// Default 0.85.
    pub weight_failures: f64,
    /// Default 0.5.
    pub weight_trend: f64,
    /// Default 0.7: bursts alone reach `high` (throttle), never rest.
    pub weight_bursts: f64,
    /// Default 0.5.
    pub weight_engagement: f64,
    /// Default 0.2: pacing alone stays below `elevated`; the pacing caps throttle such a
    /// number, and any significant reputation slide ranks above it.
    pub weight_pacing: f64,

    // --- levels ---
    /// Score from which the level is `elevated`. Default 25.
    pub elevated_at: f64,
    /// Score from which the level is `high`. Default 50.
    pub high_at: f64,
    /// Reputation score (flags, failures, trend, engagement) from which a number is
    /// throttled even below `high`: an early warning of a slide. Default 30 (above the 99.5th
    /// percentile of calm numbers' reputation on the simulated hard fleets).
    pub throttle_reputation_at: f64,
    /// Score from which the level is `critical`. Default 75.
    pub critical_at: f64,

    // --- actions ---
    /// Rest length, days from the last reputation event. Default 30 (reference: 15-30
    /// days; ChaseData rests 30).
    pub rest_days: i64,
    /// Rest length for severe histories. Default 90 (reference: 30-180 days).
    pub severe_rest_days: i64,
    /// Reputation score from which a rest without flags (failures, trend, engagement) is
    /// severe. Default 95.
    pub severe_score: f64,
    /// Flags again after at least this many flag-free days in the lookback: retire.
    /// Default 7.
    pub retire_gap_days: i64,
    /// A day's `marked_as_spam` share that counts as "high" (with at least `rest_min_flags`
    /// flags that day). Default 0.05.
    pub retire_spam_share: f64,
    /// Days of the last 7 with a high share that retire the number. Default 3.
    pub retire_spam_days: i64,

    // --- data freshness ---
    /// The data is stale when the later of the newest stored call and the end of what the
    /// last successful `pull` covered is more than this many hours before the as-of moment:
    /// without `--as-of`, `score` and `export rotation` then refuse (exit 4, unless
    /// `--allow-stale`) and `risky` and `number` warn. Default 36: a nightly pull that
    /// failed once is caught the next morning. A fleet fed by pull never goes stale over a
    /// quiet weekend (each nightly pull moves its watermark even when it finds no calls);
    /// a weekday-only fleet fed by files has no such proof, so raise this to cover the
    /// weekend (84: Friday evening to Monday morning).
    pub stale_after_hours: i64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            lookback_days: 30,
            recent_hours: 48,
            week_days: 7,
            week_weight: 0.85,
            lookback_weight: 0.5,
            min_attempts: 12,
            evidence_full_attempts: 100,
            evidence_full_days: 7,
            evidence_damping: 0.3,
            confidence: 0.95,
            prior_strength: 10.0,
            fleet_prior_attempts: 20.0,
            baseline_failure_rate: 0.02,
            baseline_answer_rate: 0.20,
            fleet_rate_floor: 0.005,
            outage_rate: 0.5,
            outage_ratio: 2.5,
            outage_floor: 0.10,
            outage_p_value: 1e-6,
            flag_anomaly_rate: 0.2,
            outage_min_attempts: 10,
            flags_full: 3.0,
            flag_half_life_days: 7.0,
            flag_memory_weight: 0.3,
            rest_min_flags: 2,
            flag_p_value: 0.01,
            severe_flags: 10,
            flag_memory_days: 90,
            recovery_min_calls: 40,
            recovery_clean_days: 3,
            recovery_rested_calls: 10,
            failure_excess_full: 0.10,
            slide_p_value: 0.001,
            slide_ratio: 2.0,
            slide_floor: 25.0,
            own_slide_ratio: 1.5,
            slide_min_calls: 40,
            slide_p_start: 0.001,
            slide_p_full: 1e-8,
            trend_days: 14,
            trend_min_daily_calls: 20,
            cusum_slack: 0.01,
            cusum_threshold: 0.10,
            trend_full: 0.30,
            burst_half_life_hours: 120.0,
            bursts_full: 1.0,
            burst_memory_days: 7,
            answer_ratio_start: 0.6,
            answer_ratio_critical: 0.25,
            short_ratio_start: 1.5,
            short_excess_full: 0.30,
            talk_ratio_start: 0.8,
            talk_ratio_critical: 0.5,
            talk_full_answers: 50,
            max_calls_per_day: 100,
            max_calls_per_hour: 30,
            weight_flags: 1.0,
            weight_failures: 0.85,
            weight_trend: 0.5,
            weight_bursts: 0.7,
            weight_engagement: 0.5,
            weight_pacing: 0.2,
            elevated_at: 25.0,
            high_at: 50.0,
            critical_at: 75.0,
            throttle_reputation_at: 30.0,
            rest_days: 30,
            severe_rest_days: 90,
            severe_score: 95.0,
            retire_gap_days: 7,
            retire_spam_share: 0.05,
            retire_spam_days: 3,
            stale_after_hours: 36,
        }
    }
}

/// Checks `lo <= v <= hi` (and that `v` is a number).
fn within(name: &str, v: f64, lo: f64, hi: f64) -> Result<(), String> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("score.{name} = {v} must be between {lo} and {hi}"))
    }
}

fn within_i(name: &str, v: i64, lo: i64, hi: i64) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("score.{name} = {v} must be between {lo} and {hi}"))
    }
}

/// Smallest positive value, for "strictly positive" checks.
const POS: f64 = 1e-9;

impl ScoreConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=400).contains(&self.lookback_days) {
            return Err("score.lookback_days must be between 2 and 400".into());
        }
        let days = self.lookback_days;
        within_i("recent_hours", self.recent_hours, 1, days * 24)?;
        within_i("week_days", self.week_days, 1, days)?;
        within_i("min_attempts", self.min_attempts, 1, 100_000)?;
        within_i("slide_min_calls", self.slide_min_calls, 1, 100_000)?;
        within_i(
            "evidence_full_attempts",
            self.evidence_full_attempts,
            1,
            1_000_000,
        )?;
        within_i("evidence_full_days", self.evidence_full_days, 1, 400)?;
        within_i(
            "outage_min_attempts",
            self.outage_min_attempts,
            1,
            1_000_000,
        )?;
        within_i("rest_min_flags", self.rest_min_flags, 1, 10_000)?;
        within_i(
            "severe_flags",
            self.severe_flags,
            self.rest_min_flags,
            10_000,
        )?;
        within_i("flag_memory_days", self.flag_memory_days, 1, 3650)?;
        within_i("recovery_min_calls", self.recovery_min_calls, 1, 1_000_000)?;
        within_i("recovery_clean_days", self.recovery_clean_days, 1, 365)?;
        within_i(
            "recovery_rested_calls",
            self.recovery_rested_calls,
            1,
            1_000_000,
        )?;
        within_i("trend_days", self.trend_days, 2, days)?;
        within_i(
            "trend_min_daily_calls",
            self.trend_min_daily_calls,
            1,
            1_000_000,
        )?;
        within_i("talk_full_answers", self.talk_full_answers, 1, 1_000_000)?;
        within_i("max_calls_per_day", self.max_calls_per_day, 1, 1_000_000)?;
        within_i("max_calls_per_hour", self.max_calls_per_hour, 1, 1_000_000)?;
        within_i("rest_days", self.rest_days, 1, 365)?;
        within_i(
            "severe_rest_days",
            self.severe_rest_days,
            self.rest_days,
            365,
        )?;
        within_i("retire_gap_days", self.retire_gap_days, 1, days)?;
        within_i("retire_spam_days", self.retire_spam_days, 1, 7)?;
        within_i("stale_after_hours", self.stale_after_hours, 1, 24 * 400)?;
        for (name, v) in [
            ("week_weight", self.week_weight),
            ("lookback_weight", self.lookback_weight),
            ("evidence_damping", self.evidence_damping),
            ("weight_flags", self.weight_flags),
            ("weight_failures", self.weight_failures),
            ("weight_trend", self.weight_trend),
            ("weight_bursts", self.weight_bursts),
            ("weight_engagement", self.weight_engagement),
            ("weight_pacing", self.weight_pacing),
            ("answer_ratio_start", self.answer_ratio_start),
            ("answer_ratio_critical", self.answer_ratio_critical),
            ("talk_ratio_start", self.talk_ratio_start),
            ("talk_ratio_critical", self.talk_ratio_critical),
        ] {
            within(name, v, 0.0, 1.0)?;
        }
        if self.answer_ratio_start <= self.answer_ratio_critical {
            return Err(format!(
                "score.answer_ratio_start = {} must be above score.answer_ratio_critical = {}",
                self.answer_ratio_start, self.answer_ratio_critical
            ));
        }
        within("confidence", self.confidence, 0.5, 0.9999)?;
        within("prior_strength", self.prior_strength, POS, 10_000.0)?;
        within(
            "fleet_prior_attempts",
            self.fleet_prior_attempts,
            0.0,
            1_000_000.0,
        )?;
        within(
            "baseline_failure_rate",
            self.baseline_failure_rate,
            POS,
            0.99,
        )?;
        within("baseline_answer_rate", self.baseline_answer_rate, POS, 0.99)?;
        within("fleet_rate_floor", self.fleet_rate_floor, 0.0, 0.5)?;
        within("outage_rate", self.outage_rate, POS, 1.0)?;
        within("outage_ratio", self.outage_ratio, 1.0, 1_000.0)?;
        within("outage_floor", self.outage_floor, POS, 1.0)?;
        within("outage_p_value", self.outage_p_value, 0.0, 0.5)?;
        within("flag_anomaly_rate", self.flag_anomaly_rate, POS, 1.0)?;
        within("flags_full", self.flags_full, POS, 10_000.0)?;
        within("flag_p_value", self.flag_p_value, POS, 0.5)?;
        within("flag_half_life_days", self.flag_half_life_days, POS, 400.0)?;
        within("flag_memory_weight", self.flag_memory_weight, 0.0, 10_000.0)?;
        within("failure_excess_full", self.failure_excess_full, POS, 1.0)?;
        within("slide_p_value", self.slide_p_value, POS, 0.5)?;
        within("slide_ratio", self.slide_ratio, 1.0, 100.0)?;
        within("own_slide_ratio", self.own_slide_ratio, 1.0, 100.0)?;
        within("slide_floor", self.slide_floor, 0.0, 100.0)?;
        within("slide_p_start", self.slide_p_start, POS, 0.5)?;
        within("slide_p_full", self.slide_p_full, 0.0, self.slide_p_start)?;
        within("cusum_slack", self.cusum_slack, 0.0, 0.99)?;
        within("cusum_threshold", self.cusum_threshold, POS, 10.0)?;
        within("trend_full", self.trend_full, POS, 10.0)?;
        within(
            "burst_half_life_hours",
            self.burst_half_life_hours,
            POS,
            24.0 * 400.0,
        )?;
        within("bursts_full", self.bursts_full, POS, 10_000.0)?;
        within("short_excess_full", self.short_excess_full, POS, 1.0)?;
        within("short_ratio_start", self.short_ratio_start, 1.0, 100.0)?;
        within_i("burst_memory_days", self.burst_memory_days, 1, 3650)?;
        if self.talk_ratio_start <= self.talk_ratio_critical {
            return Err(format!(
                "score.talk_ratio_start = {} must be above score.talk_ratio_critical = {}",
                self.talk_ratio_start, self.talk_ratio_critical
            ));
        }
        within("retire_spam_share", self.retire_spam_share, POS, 1.0)?;
        within("elevated_at", self.elevated_at, POS, 100.0)?;
        within("high_at", self.high_at, self.elevated_at + POS, 100.0)?;
        within("critical_at", self.critical_at, self.high_at + POS, 100.0)?;
        within(
            "throttle_reputation_at",
            self.throttle_reputation_at,
            0.0,
            100.0,
        )?;
        within("severe_score", self.severe_score, self.critical_at, 100.0)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml() {
        let c = ScoreConfig::default();
        c.validate().unwrap();
        let text = toml::to_string(&c).unwrap();
        let back: ScoreConfig = toml::from_str(&text).unwrap();
        assert_eq!(c, back);
        // A partial section keeps the other defaults.
        let part: ScoreConfig =
            toml::from_str("max_calls_per_day = 75\nweight_bursts = 0.6\n").unwrap();
        assert_eq!(part.max_calls_per_day, 75);
        assert_eq!(part.weight_bursts, 0.6);
        assert_eq!(part.lookback_days, 30);
        assert!(toml::from_str::<ScoreConfig>("max_calls_per_dya = 75\n").is_err());
    }

    #[test]
    fn nonsense_is_rejected() {
        let bad = [
            ScoreConfig {
                weight_flags: -0.1,
                ..Default::default()
            },
            ScoreConfig {
                weight_pacing: 1.5,
                ..Default::default()
            },
            ScoreConfig {
                confidence: 1.0,
                ..Default::default()
            },
            ScoreConfig {
                outage_rate: 0.0,
                ..Default::default()
            },
            ScoreConfig {
                min_attempts: 0,
                ..Default::default()
            },
            ScoreConfig {
                max_calls_per_day: -5,
                ..Default::default()
            },
            ScoreConfig {
                high_at: 20.0,
                ..Default::default()
            },
            ScoreConfig {
                critical_at: 120.0,
                ..Default::default()
            },
            ScoreConfig {
                severe_rest_days: 10,
                ..Default::default()
            },
            ScoreConfig {
                lookback_days: 1,
                ..Default::default()
            },
            ScoreConfig {
                week_days: 31,
                ..Default::default()
            },
            ScoreConfig {
                retire_spam_days: 8,
                ..Default::default()
            },
            ScoreConfig {
                failure_excess_full: f64::NAN,
                ..Default::default()
            },
            ScoreConfig {
                baseline_answer_rate: 1.0,
                ..Default::default()
            },
            ScoreConfig {
                stale_after_hours: 0,
                ..Default::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
