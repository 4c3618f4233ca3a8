//! "Status at T" from the record: a number's row at a past moment replayed from its
//! transitions, and the row at a later moment projected from the registry by the changes
//! that only time makes (a rest date passing, probation ramp steps), never recorded here.
//! Retired stays retired; nothing that needs evidence happens in a projection.

use crate::pool::caps::caps_at;
use crate::pool::config::Rules;
use crate::pool::status::{Entry, Source, Status, Transition};

/// The row recorded at `at_ms`: the state after the number's last transition at or before
/// it (`transitions` in recorded order: by `at_ms`, then id), with its own caps then. The
/// policy's memory (floor, throttle) is not history: those fields are left empty.
pub fn recorded_at(transitions: &[Transition], at_ms: i64) -> Option<Entry> {
    let mut out: Option<Entry> = None;
    for t in transitions.iter().take_while(|t| t.at_ms <= at_ms) {
        let since_ms = match &out {
            Some(e) if !t.changes_status() => e.since_ms,
            _ => t.at_ms,
        };
        let mut e = Entry::new(&t.number, t.to, since_ms, t.caps, t.reason.clone());
        e.until_ms = t.until_ms;
        e.until = t.until;
        e.source = t.source;
        e.note = t.note.clone();
        e.score_run = t.score_run;
        e.own_caps = t.own_caps;
        if t.to == Status::Probation {
            e.probation_since_ms = Some(since_ms);
        }
        out = Some(e);
    }
    out
}

/// `e` at a later moment with only the time-driven changes applied: a rest whose date has
/// passed becomes probation on the ramp (counted from the rest's end), and a probation's
/// caps follow the ramp. Throttles stay as recorded (only a run knows their cause ended).
pub fn project(e: &Entry, at_ms: i64, rules: &Rules<'_>) -> Entry {
    let mut p = e.clone();
    if let (Status::Resting, Some(until_ms)) = (p.status, p.until_ms)
        && until_ms <= at_ms
    {
        p.reason = format!(
            "rest ended{}: probation (not yet recorded by a score run)",
            p.until.map_or_else(String::new, |u| format!(" on {u}"))
        );
        p.status = Status::Probation;
        p.since_ms = until_ms;
        p.probation_since_ms = Some(until_ms);
        p.until = None;
        p.until_ms = None;
        p.source = Source::Policy;
        p.note = None;
        p.caps = caps_at(&p, at_ms, p.throttled_until_ms.is_some(), rules);
    } else if p.status == Status::Probation {
        p.caps = caps_at(&p, at_ms, p.throttled_until_ms.is_some(), rules);
    }
    p
}

/// A number's status at `at_ms`, the one answer `numbers`, `export`, `risky`, `pool` and
/// `report` share. `current` is its registry row, `transitions` its history, `last_run_ms`
/// the as-of of the last score run that applied the policy. At or after that run (and
/// after the number's last transition), the registry projected to `at_ms`; before it, the
/// row recorded at that moment (projected when no run came in between).
pub fn status_at(
    current: Option<&Entry>,
    transitions: &[Transition],
    at_ms: i64,
    last_run_ms: Option<i64>,
    rules: &Rules<'_>,
) -> Option<Entry> {
    let after_run = last_run_ms.is_none_or(|r| at_ms >= r);
    let after_all = transitions.last().is_none_or(|t| at_ms >= t.at_ms);
    let base = if after_all {
        current.cloned().or_else(|| recorded_at(transitions, at_ms))
    } else {
        recorded_at(transitions, at_ms)
    }?;
    Some(if after_run {
        project(&base, at_ms, rules)
    } else {
        base
    })
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::health::score::ScoreConfig;
    use crate::pool::config::PoolConfig;
    use crate::pool::status::Caps;
    use crate::pool::zone::Zones;

    const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z
    const DAY: i64 = 86_400_000;

    fn t(from: Option<Status>, to: Status, at: i64, caps: (i64, i64)) -> Transition {
        let mut e = Entry::new(
            "+14155550100",
            to,
            at,
            Caps {
                daily: caps.0,
                hourly: caps.1,
            },
            format!("to {}", to.as_str()),
        );
        if to == Status::Resting {
            e.until_ms = Some(at + 10 * DAY);
            e.until = Some("2025-12-10".parse().unwrap());
        }
        e.transition_from(from, at)
    }

    #[test]
    fn past_moments_are_answered_from_transitions_and_later_ones_projected() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::new(Tz::UTC),
        };
        use Status::*;
        let ts = vec![
            t(None, Active, T, (100, 30)),
            t(Some(Active), Active, T + DAY, (50, 15)),
            t(Some(Active), Resting, T + 2 * DAY, (0, 0)),
        ];
        assert_eq!(recorded_at(&ts, T - 1), None);
        let a = recorded_at(&ts, T + DAY + 5).unwrap();
        // A caps change keeps the status's `since`.
        assert_eq!((a.status, a.since_ms, a.caps.daily), (Active, T, 50));
        assert_eq!(recorded_at(&ts, T + 3 * DAY).unwrap().status, Resting);

        let current = recorded_at(&ts, i64::MAX).unwrap();
        let last_run = Some(T + 2 * DAY);
        // Before the last run: what was recorded then.
        let s = status_at(Some(&current), &ts, T + DAY + 5, last_run, &rules).unwrap();
        assert_eq!((s.status, s.caps.daily), (Active, 50));
        // After it, still resting until the date...
        let s = status_at(Some(&current), &ts, T + 5 * DAY, last_run, &rules).unwrap();
        assert_eq!(s.status, Resting);
        // ...then probation at 25%, 50% and full pace as the ramp steps, unrecorded.
        let until = T + 12 * DAY;
        let steps: Vec<(Status, i64)> = [0, 2, 4]
            .iter()
            .map(|d| {
                let s = status_at(Some(&current), &ts, until + d * DAY, last_run, &rules).unwrap();
                (s.status, s.caps.daily)
            })
            .collect();
        assert_eq!(
            steps,
            vec![(Probation, 25), (Probation, 50), (Probation, 100)]
        );
        let s = status_at(Some(&current), &ts, until, last_run, &rules).unwrap();
        assert_eq!(s.since_ms, until);
        assert!(s.reason.contains("not yet recorded"), "{}", s.reason);
    }

    #[test]
    fn retired_stays_retired_in_a_projection() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            zones: Zones::new(Tz::UTC),
        };
        let ts = vec![
            t(None, Status::Active, T, (100, 30)),
            t(Some(Status::Active), Status::Retired, T + DAY, (0, 0)),
        ];
        let current = recorded_at(&ts, i64::MAX).unwrap();
        let s = status_at(Some(&current), &ts, T + 400 * DAY, Some(T + DAY), &rules).unwrap();
        assert_eq!((s.status, s.caps), (Status::Retired, Caps::NONE));
        assert_eq!(status_at(None, &[], T, None, &rules), None);
    }
}
