//! The pool driven night by night through the real score: a fleet of healthy numbers and
//! one flagged the day before the first run, whose dialer ignores the rest (open loop).
//! The policy must rest it, see its clean calls, bring it back through probation to
//! active while the score still says `rest` on flags in its lookback, and leave the
//! healthy numbers alone.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use crate::health::assessment::{Action, FleetHours, NumberHistory};
use crate::health::rollup::HOUR_MS;
use crate::health::score::{ScoreConfig, assess};
use crate::model::HourCounts;
use crate::pool::{Entry, PoolConfig, Rules, Status, Zones, evidence, plan};

const BASE_DAY: i64 = 20_412; // 2025-11-20
const X: &str = "+14155559999";

/// One hour of `calls` outbound calls: 2% dial_failed, 25% answered, `spam` flagged.
fn hour(calls: i64, spam: i64) -> HourCounts {
    let fail = calls / 50;
    let human = calls / 4;
    HourCounts {
        attempts: calls,
        connected: human,
        human,
        talk_ms: human * 60_000,
        no_answer: calls - fail - spam - human,
        dial_failed: fail,
        marked_as_spam: spam,
        ..HourCounts::default()
    }
}

/// 80 calls a day over 8 hours on each day before `until_day`; `spam` flags on `flag_day`.
fn history(number: &str, until_day: i64, flag_day: Option<i64>) -> NumberHistory {
    let mut hours = Vec::new();
    for day in BASE_DAY - 30..until_day {
        for i in 0..8 {
            let spam = if Some(day) == flag_day && i < 4 { 1 } else { 0 };
            hours.push((day * 24 + 14 + i, hour(10, spam)));
        }
    }
    let last_spam_ms = flag_day.map(|d| (d * 24 + 17) * HOUR_MS);
    NumberHistory {
        number: number.into(),
        first_seen_ms: (BASE_DAY - 30) * 24 * HOUR_MS,
        hours,
        bursts: vec![],
        last_spam_ms,
        last_reputation_ms: last_spam_ms,
    }
}

#[test]
fn a_flagged_number_that_calls_cleanly_returns_through_probation_and_peers_stay_put() {
    let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
    let rules = Rules {
        pool: &pool,
        score: &score,
        zones: Zones::new(Tz::UTC),
    };
    let mut reg: BTreeMap<String, Entry> = BTreeMap::new();
    let mut log = Vec::new();
    let mut x_actions = Vec::new();
    for night in 0..15 {
        let day = BASE_DAY + night;
        let as_of = day * 24 * HOUR_MS;
        let mut hs: Vec<NumberHistory> = (0..20)
            .map(|i| history(&format!("+1415555{i:04}"), day, None))
            .collect();
        hs.push(history(X, day, Some(BASE_DAY - 1)));
        for h in &mut hs {
            h.hours
                .retain(|(hr, _)| *hr >= (day - score.lookback_days) * 24);
        }
        let mut fleet = FleetHours::default();
        for h in &hs {
            for (hr, c) in &h.hours {
                fleet.hours.entry(*hr).or_default().add_scaled(c, 1);
            }
        }
        let verdicts: Vec<_> = hs
            .iter()
            .map(|h| assess(h, &fleet, &score, as_of))
            .collect();
        x_actions.push(verdicts.last().map(|a| a.action));
        let ev: HashMap<String, evidence::Evidence> = hs
            .iter()
            .filter_map(|h| {
                let e = reg.get(&h.number)?;
                Some((
                    h.number.clone(),
                    evidence::for_entry(e, h, &fleet, as_of, &rules)?,
                ))
            })
            .collect();
        let registry: Vec<Entry> = reg.values().cloned().collect();
        let last_run = (night > 0).then(|| as_of - 24 * HOUR_MS);
        let p = plan(&registry, &verdicts, &ev, as_of, last_run, &rules);
        for e in p.entries {
            reg.insert(e.number.clone(), e);
        }
        log.extend(p.transitions.into_iter().map(|t| (night, t)));
    }
    // The score keeps saying rest for the week the flags stay in its window.
    assert_eq!(x_actions[0], Some(Action::Rest));
    assert_eq!(x_actions[3], Some(Action::Rest));
    let x: Vec<(i64, Status, i64)> = log
        .iter()
        .filter(|(_, t)| t.number == X)
        .map(|(n, t)| (*n, t.to, t.caps.daily))
        .collect();
    assert_eq!(
        x,
        vec![
            (0, Status::Resting, 0),
            (1, Status::Probation, 25),
            (3, Status::Probation, 50),
            (5, Status::Active, 100),
        ]
    );
    let back = log.iter().find(|(n, t)| *n == 1 && t.number == X).unwrap();
    assert_eq!(
        back.1.reason,
        "clean on 80 calls since its rest; back in probation"
    );
    // Each healthy number: registered once, never moved.
    let peers: Vec<_> = log.iter().filter(|(_, t)| t.number != X).collect();
    assert_eq!(peers.len(), 20);
    assert!(peers.iter().all(|(n, t)| *n == 0 && t.to == Status::Active));
}
