//! From scores and facts to a level, one action and a rest date: the rules that say when
//! a number is kept, watched, paced down, rested or replaced, each with the sentence that
//! explains it.

use chrono::{DateTime, Days};

use crate::health::assessment::{Action, Level};
use crate::health::components::FlagFacts;
use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::health::wording::{self, count, date, in_last_days, in_last_hours, times};

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub as_of_ms: i64,
    pub score: f64,
    /// Score from the reputation components only (flags, failures, trend, engagement).
    pub reputation: f64,
    pub enough_evidence: bool,
    pub flags: FlagFacts,
    /// The flags component: flags beyond what the fleet's rate and noise explain (or the
    /// trace of a flag from before the lookback).
    pub flags_value: f64,
    pub bursts_recent: i64,
    pub over_pace: bool,
    pub trend_signal: bool,
    pub judged_since_flag: f64,
    pub last_reputation_ms: Option<i64>,
}

/// Which component a rule fired on, so its reasons lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Flags,
    Bursts,
    Pacing,
    Trend,
}

/// Why a rest, retire or throttle was decided. The pool's cap on resting numbers holds
/// back only rests on the reputation score; flag rests and retires are never held back.
/// A throttle for pacing alone is a cap to keep, not a warning of a label (`backtest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestCause {
    /// A significant `marked_as_spam` episode (or the rest of an earlier one); every retire.
    Flags,
    /// The reputation score alone (failures, trend, engagement) is critical (a rest) or
    /// high (a throttle).
    Score,
    /// A throttle for recent bursts of short calls.
    Bursts,
    /// A throttle only because the number called faster than its pacing limits.
    Pacing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub level: Level,
    pub action: Action,
    pub rest_until: Option<String>,
    /// Why, for `rest` and `retire`.
    pub rest_cause: Option<RestCause>,
    /// The sentence that explains a rest, retire or throttle (with the pace to keep).
    pub lead: Option<String>,
    pub triggers: Vec<Trigger>,
}

/// The level a score reaches.
pub fn level_of(score: f64, cfg: &ScoreConfig) -> Level {
    if score >= cfg.critical_at {
        Level::Critical
    } else if score >= cfg.high_at {
        Level::High
    } else if score >= cfg.elevated_at {
        Level::Elevated
    } else {
        Level::Low
    }
}

/// `YYYY-MM-DD` of `days` after the UTC date of `anchor_ms`, but at least the day after as-of.
fn rest_date(anchor_ms: i64, days: i64, as_of_ms: i64) -> String {
    let date = |ms: i64| DateTime::from_timestamp_millis(ms).map(|t| t.date_naive());
    let (Some(anchor), Some(as_of)) = (date(anchor_ms.min(as_of_ms)), date(as_of_ms)) else {
        return String::new();
    };
    let until = anchor
        .checked_add_days(Days::new(days.max(1) as u64))
        .unwrap_or(anchor);
    let floor = as_of.checked_add_days(Days::new(1)).unwrap_or(as_of);
    until.max(floor).format("%Y-%m-%d").to_string()
}

/// The lead of a throttle: the pace to keep and why. The pace is `cfg`'s pacing limits,
/// which in the pool are the number's normal caps (`pool::PaceLimits`).
fn throttle_lead(cfg: &ScoreConfig, why: &str) -> String {
    wording::throttle(cfg.max_calls_per_day, cfg.max_calls_per_hour, why)
}

/// Applies the rules in order: insufficient evidence, retire, rest, throttle, monitor, keep.
pub fn decide(f: &Facts, cfg: &ScoreConfig) -> Verdict {
    let mut v = Verdict {
        level: level_of(f.score, cfg),
        action: Action::Keep,
        rest_until: None,
        rest_cause: None,
        lead: None,
        triggers: Vec::new(),
    };
    let fl = &f.flags;
    if !f.enough_evidence {
        v.level = Level::Insufficient;
        if fl.lookback > 0 {
            v.action = Action::Monitor;
            v.triggers.push(Trigger::Flags);
        } else if f.bursts_recent > 0 {
            v.action = Action::Monitor;
            v.triggers.push(Trigger::Bursts);
        }
        return v;
    }
    let flag_rule = fl.week >= cfg.rest_min_flags && fl.week_p < cfg.flag_p_value;
    let persistent = flag_rule && fl.high_share_days >= cfg.retire_spam_days;
    let repeat = flag_rule && fl.gap_days.is_some();
    let last_flag_ms = fl.last_hour.map(|h| h * HOUR_MS);
    let flag_days = if fl.week.max(fl.episode) >= cfg.severe_flags {
        cfg.severe_rest_days
    } else {
        cfg.rest_days
    };
    let score_days = if f.reputation >= cfg.severe_score {
        cfg.severe_rest_days
    } else {
        cfg.rest_days
    };
    // Still inside the rest of an earlier (rest-worthy) flag episode, with no calls since
    // to show recovery.
    let resting = !flag_rule
        && fl.episode >= cfg.rest_min_flags
        && fl.episode_p < cfg.flag_p_value
        && f.judged_since_flag < cfg.min_attempts as f64
        && last_flag_ms.is_some_and(|t| f.as_of_ms < t + flag_days * 24 * HOUR_MS);

    // Flags in the lookback beyond what the fleet's rate and noise explain.
    let flagged_now = f.flags_value > 0.0 && fl.lookback > 0;

    let week = in_last_days(cfg.week_days);
    if persistent {
        v.action = Action::Retire;
        v.rest_cause = Some(RestCause::Flags);
        v.triggers.push(Trigger::Flags);
        v.lead = Some(wording::replace(&format!(
            "on {} {week} it was marked as spam on {:.0}% of its calls or more",
            count(fl.high_share_days, "day", "days"),
            100.0 * cfg.retire_spam_share
        )));
    } else if repeat {
        v.action = Action::Retire;
        v.rest_cause = Some(RestCause::Flags);
        v.triggers.push(Trigger::Flags);
        let gap = fl.gap_days.unwrap_or_default().round() as i64;
        v.lead = Some(wording::replace(&format!(
            "marked as spam again {week} after {} without a mark, following an earlier round of marks",
            count(gap, "day", "days")
        )));
    } else if flag_rule || resting {
        v.action = Action::Rest;
        v.rest_cause = Some(RestCause::Flags);
        v.triggers.push(Trigger::Flags);
        let anchor = last_flag_ms.unwrap_or(f.as_of_ms);
        let until = rest_date(anchor, flag_days, f.as_of_ms);
        let why = if resting {
            format!(
                "marked as spam {} in the {} up to its last mark on {}, with no calls since to show it has recovered",
                times(fl.episode),
                count(cfg.week_days, "day", "days"),
                date(anchor)
            )
        } else {
            let severe = if flag_days == cfg.severe_rest_days && flag_days != cfg.rest_days {
                format!(
                    " ({} or more marks in {})",
                    cfg.severe_flags,
                    count(cfg.week_days, "day", "days")
                )
            } else {
                String::new()
            };
            format!(
                "{} after its last spam mark on {}{severe}",
                count(flag_days, "day", "days"),
                date(anchor)
            )
        };
        v.lead = Some(wording::rest(&until, &why));
        v.rest_until = Some(until);
    } else if f.reputation >= cfg.critical_at {
        v.action = Action::Rest;
        v.rest_cause = Some(RestCause::Score);
        let anchor = f.last_reputation_ms.unwrap_or(f.as_of_ms);
        let until = rest_date(anchor, score_days, f.as_of_ms);
        v.lead = Some(wording::rest(
            &until,
            &format!(
                "failures, declines and spam marks {} put it at critical risk ({:.0} of 100), {} after the last of them on {}",
                in_last_days(cfg.lookback_days),
                f.reputation,
                count(score_days, "day", "days"),
                date(anchor)
            ),
        ));
        v.rest_until = Some(until);
    } else if f.bursts_recent > 0
        || f.over_pace
        || f.score >= cfg.high_at
        || f.reputation >= cfg.throttle_reputation_at
    {
        v.action = Action::Throttle;
        let mut recent = Vec::new();
        if f.bursts_recent > 0 {
            v.triggers.push(Trigger::Bursts);
            recent.push(format!(
                "{} of short calls",
                count(f.bursts_recent, "burst", "bursts")
            ));
        }
        if f.over_pace {
            v.triggers.push(Trigger::Pacing);
            recent.push("more calls than that".to_string());
        }
        v.rest_cause = Some(if f.bursts_recent > 0 {
            RestCause::Bursts
        } else if f.over_pace && f.reputation < cfg.throttle_reputation_at {
            RestCause::Pacing
        } else {
            RestCause::Score
        });
        let why = if recent.is_empty() {
            format!(
                "its calls {} put it at {} risk ({:.0} of 100)",
                in_last_days(cfg.lookback_days),
                v.level.as_str(),
                f.score
            )
        } else {
            format!(
                "{} {}",
                recent.join(" and "),
                in_last_hours(cfg.recent_hours)
            )
        };
        v.lead = Some(throttle_lead(cfg, &why));
    } else if f.score >= cfg.elevated_at || flagged_now || f.trend_signal {
        v.action = Action::Monitor;
        if flagged_now {
            v.triggers.push(Trigger::Flags);
        }
        if f.trend_signal {
            v.triggers.push(Trigger::Trend);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_dates_anchor_on_the_event_and_stay_in_the_future() {
        // 2024-01-10T12:00Z as-of; anchor two days earlier; 30 days from the anchor.
        let as_of = 1_704_888_000_000;
        assert_eq!(rest_date(as_of - 2 * 86_400_000, 30, as_of), "2024-02-07");
        // An anchor so old that the rest is over still yields tomorrow.
        assert_eq!(rest_date(as_of - 90 * 86_400_000, 30, as_of), "2024-01-11");
    }

    #[test]
    fn rests_say_whether_flags_or_the_reputation_score_caused_them() {
        let c = ScoreConfig::default();
        let facts = Facts {
            as_of_ms: 1_704_888_000_000,
            score: 80.0,
            reputation: 80.0,
            enough_evidence: true,
            flags: FlagFacts::default(),
            flags_value: 0.0,
            bursts_recent: 0,
            over_pace: false,
            trend_signal: false,
            judged_since_flag: 100.0,
            last_reputation_ms: None,
        };
        let v = decide(&facts, &c);
        assert_eq!(
            (v.action, v.rest_cause),
            (Action::Rest, Some(RestCause::Score))
        );
        let flagged = Facts {
            flags: FlagFacts {
                week: 5,
                week_p: 0.0001,
                lookback: 5,
                last_hour: Some(facts.as_of_ms / HOUR_MS - 5),
                ..FlagFacts::default()
            },
            ..facts
        };
        let v = decide(&flagged, &c);
        assert_eq!(
            (v.action, v.rest_cause),
            (Action::Rest, Some(RestCause::Flags))
        );
        let v = decide(
            &Facts {
                reputation: 10.0,
                score: 10.0,
                ..facts
            },
            &c,
        );
        assert_eq!((v.action, v.rest_cause), (Action::Keep, None));
    }

    #[test]
    fn levels_follow_the_thresholds() {
        let c = ScoreConfig::default();
        assert_eq!(level_of(0.0, &c), Level::Low);
        assert_eq!(level_of(25.0, &c), Level::Elevated);
        assert_eq!(level_of(50.0, &c), Level::High);
        assert_eq!(level_of(75.0, &c), Level::Critical);
    }
}
