//! What the rotation list tells a dialer about one number at a moment: its status (as
//! recorded, or as a first score run would register a number the pool has not seen), an
//! action that agrees with that status, and its calls left today.

use std::collections::{BTreeMap, HashMap};

use crate::health::assessment::{Action, Assessment};
use crate::pool::caps::caps_at;
use crate::pool::config::Rules;
use crate::pool::policy::plan;
use crate::pool::status::{Entry, Status};

/// Numbers no score run has registered yet, as the next run would register them from
/// these verdicts (a `retire` retired, a `rest` resting, the resting cap applied among
/// them; new numbers warmed up per `new_numbers` once the pool exists, `pool_exists`),
/// by number; not recorded.
pub fn unregistered(
    verdicts: &[Assessment],
    at_ms: i64,
    pool_exists: bool,
    rules: &Rules<'_>,
) -> BTreeMap<String, Entry> {
    // With an empty registry, `last_run_ms` only says whether a run came before.
    let last_run = pool_exists.then_some(at_ms);
    plan(&[], verdicts, &HashMap::new(), at_ms, last_run, rules)
        .entries
        .into_iter()
        .map(|mut e| {
            e.reason = format!("{} (not yet recorded by a score run)", e.reason);
            (e.number.clone(), e)
        })
        .collect()
}

/// Whether the row dials below the pace its status allows at `at_ms` (its normal caps, on
/// the probation ramp), that is, for a throttle. Read from the caps, which a recorded row
/// of the past and the live row agree on (the throttle's hold is the policy's memory,
/// not history).
fn throttled(e: &Entry, at_ms: i64, rules: &Rules<'_>) -> bool {
    let full = caps_at(e, at_ms, false, rules);
    e.status.may_dial() && (e.caps.daily < full.daily || e.caps.hourly < full.hourly)
}

/// The action that agrees with the status: `retire` for numbers that may never dial
/// again, `rest` while resting; for numbers that may dial, the verdict's action, except
/// that a `rest` or `retire` the pool did not follow (an operator's decision, a rest held
/// back by the resting cap, flags from before the episode floor) reads `throttle` while
/// throttled and `monitor` otherwise, and a throttle still holding reads `throttle`.
pub fn action(e: &Entry, verdict: Option<Action>, at_ms: i64, rules: &Rules<'_>) -> Action {
    let held = throttled(e, at_ms, rules);
    match (e.status, verdict) {
        (Status::Retired | Status::Released, _) => Action::Retire,
        (Status::Resting, _) => Action::Rest,
        (_, Some(Action::Rest | Action::Retire)) if held => Action::Throttle,
        (_, Some(Action::Rest | Action::Retire)) => Action::Monitor,
        (_, _) if held => Action::Throttle,
        (_, v) => v.unwrap_or(Action::Keep),
    }
}

/// When the row's action is not the score's (the pool has not followed a rest or retire:
/// the number is active or in probation for the reason its status gives), what to say
/// before the score's reasons, so that the action and the sentence after it agree.
pub fn not_followed(a: &Assessment, action: Action, e: &Entry) -> Option<String> {
    (a.action != action).then(|| {
        format!(
            "{} in the pool ({}), so {} here; the score alone says {}",
            e.status.as_str(),
            e.reason,
            action.as_str(),
            a.action.as_str()
        )
    })
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::health::score::ScoreConfig;
    use crate::pool::config::{NewNumbers, PoolConfig};
    use crate::pool::status::Caps;
    use crate::pool::zone::Zones;

    const T: i64 = 1_763_596_800_000;

    #[test]
    fn actions_agree_with_the_status() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        };
        let full = rules.normal_caps(None);
        let e = |status, caps| Entry::new("+14155550100", status, T, caps, String::new());
        use Action::*;
        assert_eq!(
            action(&e(Status::Retired, Caps::NONE), Some(Keep), T, &rules),
            Retire
        );
        assert_eq!(
            action(&e(Status::Released, Caps::NONE), None, T, &rules),
            Retire
        );
        assert_eq!(
            action(&e(Status::Resting, Caps::NONE), Some(Keep), T, &rules),
            Rest
        );
        let active = e(Status::Active, full);
        assert_eq!(action(&active, Some(Retire), T, &rules), Monitor);
        assert_eq!(action(&active, Some(Monitor), T, &rules), Monitor);
        assert_eq!(action(&active, None, T, &rules), Keep);
        let mut slow = e(
            Status::Active,
            Caps {
                daily: 50,
                hourly: 15,
            },
        );
        assert_eq!(action(&slow, Some(Rest), T, &rules), Throttle);
        assert_eq!(action(&slow, Some(Keep), T, &rules), Throttle);
        // The caps say it, not the policy's memory of the throttle (a recorded row of the
        // past has none): at full caps it is not throttled.
        slow.throttled_until_ms = None;
        assert_eq!(action(&slow, Some(Keep), T, &rules), Throttle);
        slow.caps = full;
        slow.throttled_until_ms = Some(T + 1);
        assert_eq!(action(&slow, Some(Keep), T, &rules), Keep);
        // The probation ramp is not a throttle.
        let ramp = e(
            Status::Probation,
            Caps {
                daily: 25,
                hourly: 8,
            },
        );
        assert_eq!(action(&ramp, Some(Keep), T, &rules), Keep);
        // Below the ramp's caps it is throttled, recorded memory or not.
        let mut held = ramp.clone();
        held.probation_since_ms = Some(T - 3 * 86_400_000);
        held.caps = Caps {
            daily: 25,
            hourly: 8,
        };
        assert_eq!(action(&held, Some(Rest), T, &rules), Throttle);
    }

    #[test]
    fn unregistered_numbers_start_as_a_run_would_register_them() {
        use crate::health::assessment::Level;
        let (mut pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let verdict = |n: &str, action| Assessment {
            number: n.into(),
            score: 90.0,
            level: Level::Critical,
            action,
            rest_until: Some("2025-12-20".into()),
            rest_cause: Some(crate::health::score::RestCause::Flags),
            components: Default::default(),
            reasons: vec!["why".into()],
            attempts: 100,
            metrics: Default::default(),
        };
        let vs = [
            verdict("+14155550100", Action::Keep),
            verdict("+14155550101", Action::Retire),
            verdict("+14155550102", Action::Rest),
        ];
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        };
        let got = unregistered(&vs, T, false, &rules);
        let st: Vec<(&str, Status, i64)> = got
            .values()
            .map(|e| (e.number.as_str(), e.status, e.caps.daily))
            .collect();
        assert_eq!(
            st,
            [
                ("+14155550100", Status::Active, 100),
                ("+14155550101", Status::Retired, 0),
                ("+14155550102", Status::Resting, 0),
            ]
        );
        assert!(got.values().all(|e| e.reason.contains("not yet recorded")));
        pool.new_numbers = NewNumbers::Probation;
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        };
        let mut new = verdict("+14155550100", Action::Keep);
        new.level = Level::Insufficient;
        let e = &unregistered(&[new], T, false, &rules)["+14155550100"];
        assert_eq!((e.status, e.caps.daily), (Status::Probation, 25));
        // Once the pool exists, a number it has not seen is new whatever its history.
        let known = verdict("+14155550100", Action::Keep);
        let e = &unregistered(std::slice::from_ref(&known), T, false, &rules)["+14155550100"];
        assert_eq!(
            e.status,
            Status::Active,
            "the first run takes the fleet as it is"
        );
        let e = &unregistered(&[known], T, true, &rules)["+14155550100"];
        assert_eq!((e.status, e.caps.daily), (Status::Probation, 25));
    }
}
