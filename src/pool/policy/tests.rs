//! Policy tests: a small pool driven night by night with hand-made verdicts and
//! evidence, one scenario per rule (sticky retire, the rest date, the ramp, recovery,
//! relapse, throttle hold, the resting cap, operator marks, quiet reruns, history), and
//! one replay through the real score.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use super::*;
use crate::health::assessment::{Components, Metrics};
use crate::health::score::ScoreConfig;
use crate::pool::config::PoolConfig;
use crate::pool::history::recorded_at;
use crate::pool::mark::{self, Known, Mark};
use crate::pool::zone::Zones;

const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z
const DAY: i64 = 86_400_000;
const A: &str = "+14155550100";

fn verdict(
    n: &str,
    action: Action,
    cause: Option<RestCause>,
    until: Option<&str>,
    score: f64,
) -> Assessment {
    Assessment {
        number: n.into(),
        score,
        level: if score >= 50.0 {
            Level::High
        } else {
            Level::Low
        },
        action,
        rest_until: until.map(Into::into),
        rest_cause: cause,
        components: Components::default(),
        reasons: vec![format!("the verdict is {}", action.as_str())],
        attempts: 100,
        metrics: Metrics {
            reputation_score: score,
            ..Metrics::default()
        },
    }
}

fn keep(n: &str) -> Assessment {
    verdict(n, Action::Keep, None, None, 5.0)
}

fn flag_rest(n: &str, until: &str) -> Assessment {
    verdict(n, Action::Rest, Some(RestCause::Flags), Some(until), 80.0)
}

fn score_rest(n: &str, score: f64) -> Assessment {
    verdict(
        n,
        Action::Rest,
        Some(RestCause::Score),
        Some("2025-12-30"),
        score,
    )
}

fn retire(n: &str) -> Assessment {
    verdict(n, Action::Retire, Some(RestCause::Flags), None, 95.0)
}

/// One number's calls: (moment, calls with an outcome, flags).
type Calls = Vec<(i64, i64, i64)>;

/// Evidence from a calls log as `evidence::since` would give it (2+ flags significant).
fn evidence_of(calls: &Calls, from: i64, as_of: i64) -> Evidence {
    let seen: Vec<_> = calls
        .iter()
        .filter(|c| c.0 >= from && c.0 < as_of)
        .collect();
    let flags: i64 = seen.iter().map(|c| c.2).sum();
    let last_flag = seen.iter().filter(|c| c.2 > 0).map(|c| c.0).max();
    let clean: Vec<_> = seen
        .iter()
        .filter(|c| last_flag.is_none_or(|l| c.0 > l))
        .collect();
    Evidence {
        from_ms: from,
        judged: seen.iter().map(|c| c.1).sum(),
        flags,
        expected_flags: 0.1,
        flags_significant: flags >= 2,
        last_flag_ms: last_flag,
        clean_calls: clean.iter().map(|c| c.1).sum(),
        clean_days: clean.iter().filter(|c| c.1 > 0).count() as i64,
        // Each log entry is a day's calls: flagged on 5% of them or more, 2 flags or more.
        high_share_days: seen.iter().filter(|c| c.2 >= 2 && c.2 * 20 >= c.1).count() as i64,
        ..Evidence::default()
    }
}

/// A registry driven run by run, keeping every transition.
struct Pool {
    pool: PoolConfig,
    score: ScoreConfig,
    reg: BTreeMap<String, Entry>,
    log: Vec<Transition>,
    calls: HashMap<String, Calls>,
    runs: i64,
    /// The as-of of the last run.
    last_run: Option<i64>,
}

impl Pool {
    fn new() -> Pool {
        Pool::with(PoolConfig::default())
    }

    fn with(pool: PoolConfig) -> Pool {
        Pool {
            pool,
            score: ScoreConfig::default(),
            reg: BTreeMap::new(),
            log: Vec::new(),
            calls: HashMap::new(),
            runs: 0,
            last_run: None,
        }
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            pool: &self.pool,
            score: &self.score,
            // UTC for every number: these tests are about the rules, not the zones.
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        }
    }

    /// `n` places `judged` calls with `flags` of them flagged at `at`.
    fn call(&mut self, n: &str, at: i64, judged: i64, flags: i64) {
        self.calls
            .entry(n.into())
            .or_default()
            .push((at, judged, flags));
    }

    fn plan_at(&self, as_of: i64, verdicts: &[Assessment]) -> Plan {
        let registry: Vec<Entry> = self.reg.values().cloned().collect();
        let evidence: HashMap<String, Evidence> = registry
            .iter()
            .filter_map(|e| {
                let from = crate::pool::evidence::needed_from(e)?;
                let calls = self.calls.get(&e.number).cloned().unwrap_or_default();
                let ev = match crate::pool::evidence::rest_ended(e, as_of) {
                    Some(end) => Evidence {
                        after_rest: Some(Box::new(evidence_of(&calls, end, as_of))),
                        ..evidence_of(&calls, from.min(end), end)
                    },
                    None => evidence_of(&calls, from, as_of),
                };
                Some((e.number.clone(), ev))
            })
            .collect();
        plan(
            &registry,
            verdicts,
            &evidence,
            as_of,
            self.last_run,
            &self.rules(),
        )
    }

    fn run(&mut self, as_of: i64, verdicts: &[Assessment]) -> Vec<Transition> {
        self.runs += 1;
        let p = self.plan_at(as_of, verdicts).with_run(self.runs);
        self.last_run = Some(as_of);
        for e in &p.entries {
            self.reg.insert(e.number.clone(), e.clone());
        }
        self.log.extend(p.transitions.iter().cloned());
        p.transitions
    }

    fn get(&self, n: &str) -> &Entry {
        &self.reg[n]
    }

    /// An operator marks `n` (`status`, `until`, `note`) at `at`, after a transition at
    /// `last_at`.
    fn mark(&mut self, n: &str, status: Status, until: Option<&str>, at: i64, last_at: i64) {
        let m = Mark {
            status,
            until: until.and_then(|u| u.parse().ok()),
            note: Some("by hand".into()),
            by: Some("alice".into()),
            at_ms: at,
            daily_cap: None,
            hourly_cap: None,
            add: false,
            replaces: None,
        };
        let known = Known {
            entry: Some(self.get(n)),
            used: true,
            last_at_ms: Some(last_at),
            replaced: None,
            replaced_by: None,
        };
        let (e, t) = mark::apply(n, known, &m, &self.rules()).unwrap();
        self.reg.insert(n.into(), e);
        self.log.push(t);
    }

    fn history(&self, n: &str) -> Vec<Transition> {
        self.log.iter().filter(|t| t.number == n).cloned().collect()
    }
}

/// Each transition's moment, status and daily cap.
fn moments(t: &[Transition]) -> Vec<(i64, Status, i64)> {
    t.iter().map(|t| (t.at_ms, t.to, t.caps.daily)).collect()
}

fn caps(daily: i64, hourly: i64) -> Caps {
    Caps { daily, hourly }
}

#[test]
fn first_seen_numbers_are_registered_active_or_on_probation() {
    let mut p = Pool::new();
    let t = p.run(T, &[keep(A)]);
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].from, t[0].to, t[0].caps),
        (None, Status::Active, caps(100, 30))
    );
    assert_eq!(t[0].score_run, Some(1));
    assert!(t[0].reason.starts_with("first seen"), "{}", t[0].reason);

    let mut p = Pool::with(PoolConfig {
        new_numbers: NewNumbers::Probation,
        ..PoolConfig::default()
    });
    let mut fresh = keep(A);
    fresh.level = Level::Insufficient;
    let t = p.run(T, &[fresh, keep("+14155550101")]);
    assert_eq!((t[0].to, t[0].caps), (Status::Probation, caps(25, 8)));
    // On the pool's first run a number with enough history is taken as it is...
    assert_eq!(t[1].to, Status::Active);
    // ...but one the pool first sees later is new, whatever it called before, and warms up.
    let t = p.run(
        T + DAY,
        &[keep(A), keep("+14155550101"), keep("+14155550102")],
    );
    let new: Vec<&Transition> = t.iter().filter(|t| t.from.is_none()).collect();
    assert_eq!(new.len(), 1, "{t:?}");
    assert_eq!(
        (new[0].number.as_str(), new[0].to, new[0].caps),
        ("+14155550102", Status::Probation, caps(25, 8))
    );
    // A new number whose verdict is a rest or a retirement rests or retires.
    let t = p.run(
        T + 2 * DAY,
        &[
            flag_rest("+14155550103", "2025-12-10"),
            retire("+14155550104"),
        ],
    );
    let to: Vec<(&str, Status)> = t
        .iter()
        .filter(|t| t.from.is_none())
        .map(|t| (t.number.as_str(), t.to))
        .collect();
    assert_eq!(
        to,
        [
            ("+14155550103", Status::Resting),
            ("+14155550104", Status::Retired)
        ]
    );
    let mut p = Pool::new();
    let t = p.run(T, &[verdict(A, Action::Throttle, None, None, 60.0)]);
    assert_eq!(
        (t[0].caps, t[0].reason.as_str()),
        (
            caps(50, 15),
            "first seen: active, throttled to 50 a day, 15 an hour: the verdict is throttle"
        )
    );
}

#[test]
fn a_retired_number_stays_retired_with_no_calls_for_60_days() {
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    let t = p.run(T + DAY, &[retire(A)]);
    assert_eq!(
        (t[0].from, t[0].to, t[0].caps),
        (Some(Status::Active), Status::Retired, Caps::NONE)
    );
    assert!(t[0].reason.starts_with("retired: "), "{}", t[0].reason);
    for night in 2..62 {
        // No calls: the score soon says keep, or has nothing to say at all.
        let verdicts = if night % 2 == 0 {
            vec![keep(A)]
        } else {
            vec![]
        };
        assert!(
            p.run(T + night * DAY, &verdicts).is_empty(),
            "night {night}"
        );
        assert_eq!(p.get(A).status, Status::Retired);
    }
}

#[test]
fn a_rest_ends_in_a_probation_ramp_then_active_after_a_clean_probation() {
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    let t = p.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    assert_eq!(t[0].to, Status::Resting);
    assert_eq!(t[0].until_ms, Some(T + 5 * DAY));
    assert_eq!(t[0].reason, "resting until 2025-11-25: the verdict is rest");
    // A later verdict may move the date later (on a new episode), never earlier.
    p.call(A, T + DAY + 3_600_000, 40, 3);
    let t = p.run(T + 2 * DAY, &[flag_rest(A, "2025-11-24")]);
    assert!(t.is_empty(), "{t:?}");
    for night in 3..5 {
        assert!(p.run(T + night * DAY, &[]).is_empty());
    }
    let mut seen = Vec::new();
    for night in 5..12 {
        let at = T + night * DAY;
        let t = p.run(at, &[keep(A)]);
        seen.extend(t.iter().map(|t| (night, t.to, t.caps.daily)));
        // Eight calls a day on probation, all clean.
        p.call(A, at + 3_600_000, 8, 0);
    }
    assert_eq!(
        seen,
        vec![
            (5, Status::Probation, 25),
            (7, Status::Probation, 50),
            (9, Status::Probation, 100),
            (10, Status::Active, 100),
        ]
    );
    let last = p.history(A).pop().unwrap();
    assert!(
        last.reason
            .starts_with("clean probation: 40 calls over 5 days"),
        "{}",
        last.reason
    );
    assert_eq!(p.get(A).caps, caps(100, 30));
}

#[test]
fn ramp_steps_are_recorded_when_they_came_not_at_the_run_that_noticed_them() {
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    p.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    // Runs at 06:00 every other day: the rest ends at midnight on the 25th (day 5), the
    // ramp steps at midnight on days 7 and 9, each between two runs.
    let mut at_runs = Vec::new();
    for night in [6, 8, 10] {
        let at = T + night * DAY + 6 * 3_600_000;
        at_runs.extend(
            p.run(at, &[keep(A)])
                .into_iter()
                .map(|t| (t.at_ms, t.caps.daily)),
        );
    }
    assert_eq!(
        at_runs,
        vec![(T + 5 * DAY, 25), (T + 7 * DAY, 50), (T + 9 * DAY, 100)],
        "each change at its own moment"
    );
    // The history between a step and the run after it says what a live view said.
    let h = p.history(A);
    let between = recorded_at(&h, T + 7 * DAY + 3_600_000).unwrap();
    assert_eq!(
        (between.status, between.caps),
        (Status::Probation, caps(50, 15))
    );
    assert!(
        between.reason.starts_with("probation ramp: 50%"),
        "{}",
        between.reason
    );
    assert_eq!(
        between.since_ms,
        T + 5 * DAY,
        "the probation began at the rest's end"
    );
    // The registry row is the last record.
    assert_eq!(p.get(A).caps, caps(100, 30));
    assert!(
        p.get(A).reason.starts_with("probation ramp: 100%"),
        "{}",
        p.get(A).reason
    );

    // Runs two steps apart record both, in order, and the change the run itself makes.
    let mut q = Pool::new();
    q.run(T, &[keep(A)]);
    q.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    let t = q.run(T + 10 * DAY, &[keep(A)]);
    let got = moments(&t);
    assert_eq!(
        got,
        vec![
            (T + 5 * DAY, Status::Probation, 25),
            (T + 7 * DAY, Status::Probation, 50),
            (T + 9 * DAY, Status::Probation, 100),
        ]
    );
    let plan = q.plan_at(T + 10 * DAY, &[keep(A)]);
    assert!(
        plan.transitions.is_empty(),
        "a second run records nothing: {plan:?}"
    );

    // A late run that finds the whole probation behind it, clean (eight calls a day from
    // the rest's end), records it all and ends it as the nightly runs would have.
    let mut r = Pool::new();
    r.run(T, &[keep(A)]);
    r.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    for night in 5..10 {
        r.call(A, T + night * DAY + 3_600_000, 8, 0);
    }
    let t = r.run(T + 10 * DAY, &[keep(A)]);
    let got = moments(&t);
    assert_eq!(
        got,
        vec![
            (T + 5 * DAY, Status::Probation, 25),
            (T + 7 * DAY, Status::Probation, 50),
            (T + 9 * DAY, Status::Probation, 100),
            (T + 10 * DAY, Status::Active, 100),
        ]
    );
    assert!(
        t[3].reason
            .starts_with("clean probation: 40 calls over 5 days"),
        "{}",
        t[3].reason
    );
    assert!(
        t[0].reason.starts_with("rest ended on 2025-11-25"),
        "{}",
        t[0].reason
    );
    let plan = r.plan_at(T + 10 * DAY, &[keep(A)]);
    assert!(plan.transitions.is_empty(), "{plan:?}");
}

#[test]
fn a_late_run_judges_the_rest_and_the_probation_it_began_on_their_own_calls() {
    // Flags during the rest (the dialer ignored it): the rest's end is recorded when it
    // came (the views showed its probation from then), then it rests again at the run, not
    // passed as clean.
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    p.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    p.call(A, T + 3 * DAY + 3_600_000, 60, 4);
    for night in 5..10 {
        p.call(A, T + night * DAY + 3_600_000, 8, 0);
    }
    let t = p.run(T + 10 * DAY, &[flag_rest(A, "2025-12-23")]);
    let got: Vec<(i64, Status)> = t.iter().map(|t| (t.at_ms, t.to)).collect();
    assert_eq!(
        got,
        [
            (T + 5 * DAY, Status::Probation),
            (T + 7 * DAY, Status::Probation),
            (T + 9 * DAY, Status::Probation),
            (T + 10 * DAY, Status::Resting)
        ]
    );
    assert_eq!(t[3].until_ms, Some(T + 33 * DAY));
    assert!(
        t[3].reason
            .contains("a new episode during the rest that ended on 2025-11-25"),
        "{}",
        t[3].reason
    );
    assert_eq!(p.get(A).relapses, 0, "not a relapse of the probation");

    // Flags in the probation after the rest's end: the rest's end is recorded when it came,
    // then the relapse, in the same run.
    for verdict in [keep(A), flag_rest(A, "2025-11-30")] {
        let mut p = Pool::new();
        p.run(T, &[keep(A)]);
        p.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
        p.call(A, T + 6 * DAY + 3_600_000, 60, 4);
        let t = p.run(T + 7 * DAY + 6 * 3_600_000, std::slice::from_ref(&verdict));
        let got: Vec<(i64, Status)> = t.iter().map(|t| (t.at_ms, t.to)).collect();
        assert_eq!(
            got,
            [
                (T + 5 * DAY, Status::Probation),
                (T + 7 * DAY, Status::Probation),
                (T + 7 * DAY + 6 * 3_600_000, Status::Resting)
            ],
            "{verdict:?}"
        );
        assert!(
            t[2].reason.contains("in probation; rested longer"),
            "{}",
            t[2].reason
        );
        assert_eq!(p.get(A).relapses, 1);
    }

    // A first probation flagged on day after day while cron was away, and a score that
    // says retire: a first relapse rests it longer (a repeat retires), as nightly runs
    // would have at its first flagged day; the reason counts from the probation's start.
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    p.run(T + DAY, &[flag_rest(A, "2025-11-25")]);
    for night in 5..9 {
        p.call(A, T + night * DAY + 3_600_000, 60, 5);
    }
    let t = p.run(T + 9 * DAY, &[retire(A)]);
    let last = t.last().unwrap();
    assert_eq!(last.to, Status::Resting, "{t:?}");
    assert!(last.reason.contains("since 2025-11-25"), "{}", last.reason);
    assert!(
        last.reason.contains("in probation; rested longer"),
        "{}",
        last.reason
    );
}

#[test]
fn a_new_episode_while_resting_moves_the_date_later() {
    let mut p = Pool::new();
    p.run(T, &[flag_rest(A, "2025-12-01")]);
    p.call(A, T + 3_600_000, 50, 4);
    let t = p.run(T + DAY, &[flag_rest(A, "2025-12-20")]);
    assert_eq!(
        (t[0].from, t[0].to),
        (Some(Status::Resting), Status::Resting)
    );
    assert_eq!(
        t[0].until.map(|d| d.to_string()).as_deref(),
        Some("2025-12-20")
    );
    assert!(
        t[0].reason.starts_with("rest extended to 2025-12-20"),
        "{}",
        t[0].reason
    );
    // The status's `since` is still the start of the rest.
    assert_eq!(p.get(A).since_ms, T);
    // And a day of clean calls after the extension is no recovery: the episode that
    // extended the rest is inside the rest, and counts against it. A date only 3 days
    // later (under `extend_min_days`) does not move the rest either.
    p.call(A, T + DAY + 3_600_000, 140, 0);
    let t = p.run(T + 2 * DAY, &[flag_rest(A, "2025-12-23")]);
    assert!(t.is_empty(), "{t:?}");
    assert_eq!(p.get(A).status, Status::Resting);
}

#[test]
fn a_resting_number_that_calls_cleanly_for_3_days_is_back_in_probation() {
    let mut p = Pool::new();
    p.run(T, &[flag_rest(A, "2025-12-20")]);
    // The dialer ignores the rest: 12 clean calls a day. The verdict still says rest
    // (old flags in the lookback), which no longer counts after the rest began.
    let mut promoted = None;
    for night in 1..6 {
        p.call(A, T + (night - 1) * DAY + 3_600_000, 12, 0);
        let t = p.run(T + night * DAY, &[flag_rest(A, "2025-12-20")]);
        if let Some(t) = t.first() {
            promoted.get_or_insert((night, t.to, t.reason.clone()));
        }
    }
    let (night, to, reason) = promoted.unwrap();
    assert_eq!((night, to), (3, Status::Probation));
    assert_eq!(
        reason,
        "clean on 36 calls since its rest; back in probation"
    );

    // Enough calls in one day promote it the next night.
    let mut p = Pool::new();
    p.run(T, &[flag_rest(A, "2025-12-20")]);
    p.call(A, T + 3_600_000, 140, 0);
    let t = p.run(T + DAY, &[flag_rest(A, "2025-12-20")]);
    assert_eq!(
        t[0].reason,
        "clean on 140 calls since its rest; back in probation"
    );
    assert_eq!(t[0].caps, caps(25, 8));
    // An operator's rest is the operator's decision: clean calls do not end it early,
    // its date does.
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    p.mark(A, Status::Resting, Some("2025-11-30"), T + 3_600_000, T);
    for night in 1..10 {
        p.call(A, T + (night - 1) * DAY + 7_200_000, 140, 0);
        let t = p.run(T + night * DAY, &[keep(A)]);
        assert!(t.is_empty(), "night {night}: {t:?}");
    }
    let t = p.run(T + 10 * DAY, &[keep(A)]);
    assert_eq!(
        (t[0].from, t[0].to, t[0].at_ms),
        (Some(Status::Resting), Status::Probation, T + 10 * DAY)
    );
    // Flags since the rest keep it resting.
    let mut p = Pool::new();
    p.run(T, &[flag_rest(A, "2025-12-20")]);
    p.call(A, T + 3_600_000, 140, 2);
    assert!(
        p.run(T + DAY, &[keep(A)])
            .iter()
            .all(|t| t.to == Status::Resting)
    );
}

#[test]
fn a_flagged_probation_rests_longer_and_a_repeat_retires() {
    let mut p = Pool::new();
    p.run(T, &[flag_rest(A, "2025-11-22")]);
    let t = p.run(T + 2 * DAY, &[keep(A)]);
    assert_eq!(t[0].to, Status::Probation);
    p.call(A, T + 2 * DAY + 3_600_000, 20, 3);
    let t = p.run(T + 3 * DAY, &[keep(A)]);
    assert_eq!(
        (t[0].from, t[0].to),
        (Some(Status::Probation), Status::Resting)
    );
    // 60 days from 2025-11-23, longer than the verdict's own rest would be.
    assert_eq!(
        t[0].until.map(|d| d.to_string()).as_deref(),
        Some("2026-01-22")
    );
    assert!(
        t[0].reason.contains("in probation; rested longer"),
        "{}",
        t[0].reason
    );
    let end = p.get(A).until_ms.unwrap();
    let t = p.run(end, &[keep(A)]);
    assert_eq!(t[0].to, Status::Probation);
    p.call(A, end + 3_600_000, 20, 2);
    let t = p.run(end + DAY, &[keep(A)]);
    assert_eq!(
        (t[0].from, t[0].to),
        (Some(Status::Probation), Status::Retired)
    );
    assert!(
        t[0].reason.contains("after an earlier relapse"),
        "{}",
        t[0].reason
    );
}

#[test]
fn throttle_caps_hold_24_hours_after_the_cause_ends() {
    let mut p = Pool::new();
    let h = 3_600_000;
    let throttle = verdict(A, Action::Throttle, None, None, 60.0);
    p.run(T - DAY, &[keep(A)]);
    let t = p.run(T, std::slice::from_ref(&throttle));
    assert_eq!(t[0].caps, caps(50, 15));
    assert_eq!(
        t[0].reason,
        "throttled to 50 a day, 15 an hour: the verdict is throttle"
    );
    // The cause again at +12 h renews the hold without a new transition.
    assert!(p.run(T + 12 * h, &[throttle]).is_empty());
    for at in [T + 24 * h, T + 30 * h] {
        assert!(p.run(at, &[keep(A)]).is_empty(), "lifted early at {at}");
        assert_eq!(p.get(A).caps, caps(50, 15));
    }
    let t = p.run(T + 36 * h, &[keep(A)]);
    assert_eq!(
        (t[0].from, t[0].to, t[0].caps),
        (Some(Status::Active), Status::Active, caps(100, 30))
    );
    assert!(
        t[0].reason.starts_with("throttle lifted after 24 h"),
        "{}",
        t[0].reason
    );
    let caps_changes = p.history(A).iter().filter(|t| !t.changes_status()).count();
    assert_eq!(caps_changes, 2);
}

#[test]
fn the_resting_cap_holds_back_only_reputation_score_rests() {
    let mut p = Pool::new();
    let sf: Vec<String> = (0..10).map(|i| format!("+1415555{i:04}")).collect();
    let ny: Vec<String> = (0..3).map(|i| format!("+1212555{i:04}")).collect();
    let all: Vec<Assessment> = sf.iter().chain(&ny).map(|n| keep(n)).collect();
    p.run(T, &all);
    let mut v: Vec<Assessment> = [90.0, 85.0, 80.0, 78.0, 76.0]
        .iter()
        .zip(&sf)
        .map(|(s, n)| score_rest(n, *s))
        .collect();
    v.push(score_rest(&ny[0], 80.0));
    v.push(score_rest(&ny[1], 90.0));
    let t = p.run(T + DAY, &v);
    let resting: Vec<&str> = t
        .iter()
        .filter(|t| t.to == Status::Resting)
        .map(|t| t.number.as_str())
        .collect();
    // 20% of 10 is 2, of 3 rounds up to 1: the riskiest go to rest.
    assert_eq!(
        resting,
        vec![ny[1].as_str(), sf[0].as_str(), sf[1].as_str()]
    );
    let held: Vec<&Transition> = t.iter().filter(|t| t.to == Status::Active).collect();
    assert_eq!(held.len(), 4);
    for h in &held {
        assert_eq!(h.caps, caps(50, 15));
        assert!(
            h.reason.starts_with("held back by the resting cap"),
            "{}",
            h.reason
        );
    }
    assert!(
        held.iter().any(|h| h
            .reason
            .contains("2 of 10 numbers in area +1415 already resting (at most 20%)")),
        "{held:?}"
    );
    // The area is at its cap; a flag rest and a retire go through regardless, while the
    // held-back numbers stay held (no new transitions for them).
    let mut v = vec![
        flag_rest(&sf[5], "2025-12-30"),
        retire(&sf[6]),
        score_rest(&sf[7], 99.0),
        score_rest(&ny[0], 80.0),
    ];
    v.extend(sf[2..5].iter().map(|n| score_rest(n, 80.0)));
    let t = p.run(T + 2 * DAY, &v);
    let moved: Vec<(&str, Status)> = t.iter().map(|t| (t.number.as_str(), t.to)).collect();
    assert_eq!(
        moved,
        vec![
            (sf[5].as_str(), Status::Resting),
            (sf[6].as_str(), Status::Retired),
            (sf[7].as_str(), Status::Active),
        ]
    );
    let area_resting = p
        .reg
        .values()
        .filter(|e| e.number.starts_with("+1415") && e.status == Status::Resting)
        .count();
    assert_eq!(area_resting, 3);

    // Rounded up: 20% of 6 numbers is 1.2, so 2 may rest.
    let mut p = Pool::new();
    let la: Vec<String> = (0..6).map(|i| format!("+1310555{i:04}")).collect();
    p.run(T, &la.iter().map(|n| keep(n)).collect::<Vec<_>>());
    let t = p.run(
        T + DAY,
        &la[..3]
            .iter()
            .map(|n| score_rest(n, 90.0))
            .collect::<Vec<_>>(),
    );
    let to: Vec<Status> = t.iter().map(|t| t.to).collect();
    assert_eq!(to, vec![Status::Resting, Status::Resting, Status::Active]);
}

#[test]
fn numbers_held_back_by_the_resting_cap_on_their_first_run_are_told_why() {
    let mut p = Pool::new();
    let sf: Vec<String> = (0..10).map(|i| format!("+1415555{i:04}")).collect();
    let v: Vec<Assessment> = sf
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if i < 3 {
                score_rest(n, 90.0 - i as f64)
            } else {
                keep(n)
            }
        })
        .collect();
    let t = p.run(T, &v);
    let held: Vec<&Transition> = t.iter().filter(|t| t.number == sf[2]).collect();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].to, held[0].caps), (Status::Active, caps(50, 15)));
    assert!(
        held[0]
            .reason
            .starts_with("first seen: active; held back by the resting cap: 2 of 10"),
        "{}",
        held[0].reason
    );
}

#[test]
fn flag_rests_count_towards_the_resting_cap() {
    let mut p = Pool::new();
    let sf: Vec<String> = (0..10).map(|i| format!("+1415555{i:04}")).collect();
    p.run(T, &sf.iter().map(|n| keep(n)).collect::<Vec<_>>());
    p.run(
        T + DAY,
        &[
            flag_rest(&sf[0], "2025-12-30"),
            flag_rest(&sf[1], "2025-12-30"),
        ],
    );
    let t = p.run(T + 2 * DAY, &[score_rest(&sf[2], 99.0)]);
    assert_eq!((t[0].to, t[0].caps.daily), (Status::Active, 50));
    let area_resting = p
        .reg
        .values()
        .filter(|e| e.number.starts_with("+1415") && e.status == Status::Resting)
        .count();
    assert_eq!(area_resting, 2);
}

#[test]
fn an_operator_mark_is_undone_only_by_what_came_after_it() {
    let mut p = Pool::new();
    p.call(A, T - DAY, 80, 6);
    p.run(T, &[retire(A)]);
    assert_eq!(p.get(A).status, Status::Retired);
    p.mark(A, Status::Active, None, T + DAY, T);
    // The old flags are still in the lookback and the score still says retire.
    for night in 2..5 {
        p.call(A, T + (night - 1) * DAY + 3_600_000, 60, 0);
        assert!(
            p.run(T + night * DAY, &[retire(A)]).is_empty(),
            "night {night}"
        );
    }
    assert_eq!(
        (p.get(A).status, p.get(A).source),
        (Status::Active, Source::Operator)
    );
    // One new episode after the mark: a rest, not a retirement on the old flags.
    p.call(A, T + 4 * DAY + 3_600_000, 60, 4);
    let t = p.run(T + 5 * DAY, &[retire(A)]);
    assert_eq!(
        (t[0].from, t[0].to),
        (Some(Status::Active), Status::Resting)
    );
    assert!(
        t[0].reason
            .contains("one new episode: a rest, not a retirement"),
        "{}",
        t[0].reason
    );
    // A label that persists on the number's own days since the mark retires it.
    let mut p = Pool::new();
    p.call(A, T - DAY, 80, 6);
    p.run(T, &[retire(A)]);
    p.mark(A, Status::Active, None, T + DAY, T);
    for night in 2..5 {
        p.call(A, T + (night - 1) * DAY + 3_600_000, 60, 4);
    }
    let t = p.run(T + 5 * DAY, &[retire(A)]);
    assert_eq!(
        (t[0].from, t[0].to),
        (Some(Status::Active), Status::Retired)
    );
}

#[test]
fn released_numbers_are_never_touched() {
    let mut p = Pool::new();
    p.run(T, &[keep(A)]);
    let mut e = p.get(A).clone();
    e.status = Status::Released;
    e.caps = Caps::NONE;
    p.reg.insert(A.into(), e);
    assert!(p.run(T + DAY, &[retire(A)]).is_empty());
    assert!(
        p.run(
            T + 2 * DAY,
            &[verdict(A, Action::Throttle, None, None, 60.0)]
        )
        .is_empty()
    );
    assert_eq!(p.get(A).status, Status::Released);
}

#[test]
fn a_second_run_at_the_same_as_of_records_nothing() {
    let mut p = Pool::new();
    let sf: Vec<String> = (0..6).map(|i| format!("+1415555{i:04}")).collect();
    p.run(T, &sf.iter().map(|n| keep(n)).collect::<Vec<_>>());
    p.run(T + DAY, &[flag_rest(&sf[0], "2025-11-23")]);
    p.call(&sf[1], T + DAY, 60, 0);
    let night = T + 3 * DAY;
    let v = vec![
        keep(&sf[0]),
        retire(&sf[2]),
        score_rest(&sf[3], 90.0),
        score_rest(&sf[4], 80.0),
        verdict(&sf[5], Action::Throttle, None, None, 60.0),
        keep("+14155559999"),
    ];
    let first = p.run(night, &v);
    assert!(first.len() >= 6, "{first:?}");
    let again = p.plan_at(night, &v);
    assert_eq!(again, Plan::default());
    // And the recorded history replays to the registry, number by number.
    for (n, e) in &p.reg {
        let r = recorded_at(&p.history(n), night).unwrap();
        assert_eq!(
            (r.status, r.since_ms, r.until, r.caps, &r.reason),
            (e.status, e.since_ms, e.until, e.caps, &e.reason),
            "{n}"
        );
    }
}
