//! The hard profile plants what its documentation says: low answer rates, calls inside
//! each number's local business day, weekday-only numbers silent at weekends, heavy
//! numbers' daily volumes, mid-window numbers' first calls, the one-provider outage, and
//! planted bursts that match the calls.

use std::collections::HashMap;

use chrono::{Datelike, TimeZone, Timelike, Weekday};

use super::*;
use crate::health::area_codes::time_zone_of_number;

fn hard(seed: u64, numbers: usize, days: i64, cpd: u32) -> SimParams {
    SimParams {
        profile: Profile::Hard,
        ..params(seed, numbers, days, cpd)
    }
}

fn outbound(calls: &[CallRecord]) -> impl Iterator<Item = &CallRecord> {
    calls.iter().filter(|c| c.direction == Direction::Outbound)
}

fn reason(c: &CallRecord) -> &str {
    c.disconnection_reason.as_ref().map_or("", |r| r.as_str())
}

/// Inside a fleet-wide confounder or the provider outage (for provider 0's numbers).
fn confounded(f: &Fleet, t: &Truth, at: i64) -> bool {
    f.confounders
        .iter()
        .any(|k| (k.start_ms..k.end_ms).contains(&at))
        || f.provider_outage
            .is_some_and(|o| t.provider == Some(o.provider) && (o.start_ms..o.end_ms).contains(&at))
}

#[test]
fn hard_fleets_are_deterministic_and_unlike_easy_ones() {
    let p = hard(3, 25, 6, 30);
    let a = run(&p);
    let b = run(&p);
    assert_eq!(a.fleet, b.fleet);
    assert_eq!(a.starts, b.starts);
    let easy = run(&params(3, 25, 6, 30));
    assert_ne!(a.starts, easy.starts);
    assert!(a.fleet.provider_outage.is_some() && easy.fleet.provider_outage.is_none());
    assert!(easy.fleet.truths.iter().all(|t| t.provider.is_none()));
    let kinds: HashSet<Kind> = run(&hard(4, 40, 8, 20))
        .fleet
        .truths
        .iter()
        .map(|t| t.kind)
        .collect();
    assert_eq!(kinds.len(), Kind::ALL.len(), "{kinds:?}");
}

#[test]
fn answer_rates_are_low_and_most_calls_short() {
    for seed in [1, 2] {
        let r = run(&hard(seed, 60, 10, 60));
        let (mut short, mut all) = (0usize, 0usize);
        let mut rates = Vec::new();
        for t in &r.fleet.truths {
            let Some(calls) = r.by_number.get(&t.number) else {
                continue;
            };
            let mine: Vec<&CallRecord> = outbound(calls)
                .filter(|c| !confounded(&r.fleet, t, c.start_ms.unwrap()))
                .collect();
            all += mine.len();
            short += mine.iter().filter(|c| is_short_attempt(c, 6_000)).count();
            if !t.kind.is_calm() || t.kind == Kind::LowVolume || mine.len() < 300 {
                continue;
            }
            let human = mine
                .iter()
                .filter(|c| {
                    c.call_status.as_str() == "ended"
                        && !matches!(reason(c), "voicemail_reached" | "ivr_reached")
                })
                .count() as f64
                / mine.len() as f64;
            rates.push(human);
            assert!(
                (0.04..0.40).contains(&human),
                "seed {seed} {} {:?}: human answer {human}",
                t.number,
                t.kind
            );
        }
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        assert!((0.08..0.30).contains(&median), "seed {seed}: {rates:?}");
        let share = short as f64 / all as f64;
        assert!(share > 0.6, "seed {seed}: short share {share}");
    }
}

#[test]
fn calls_keep_local_business_hours_and_weekday_only_numbers_rest_at_weekends() {
    let r = run(&hard(5, 60, 14, 30));
    let mut zones = HashSet::new();
    for t in &r.fleet.truths {
        let tz = time_zone_of_number(&t.number, chrono_tz::UTC);
        zones.insert(tz);
        for c in r.by_number.get(&t.number).into_iter().flatten() {
            let local = tz.timestamp_millis_opt(c.start_ms.unwrap()).unwrap();
            let h = local.hour();
            assert!((8..20).contains(&h), "{} at {local}", t.number);
            if t.kind == Kind::WeekdayOnly {
                assert!(
                    !matches!(local.weekday(), Weekday::Sat | Weekday::Sun),
                    "{} at {local}",
                    t.number
                );
            }
        }
    }
    assert!(zones.len() >= 4, "{zones:?}");
}

#[test]
fn heavy_and_mid_window_numbers() {
    let p = hard(6, 60, 12, 40);
    let r = run(&p);
    let (ws, we) = (r.fleet.window_start_ms, r.fleet.window_end_ms);
    let day = 86_400_000;
    let mut heavy = 0;
    for t in &r.fleet.truths {
        let calls = r.by_number.get(&t.number);
        if let Some(calls) = calls {
            assert_eq!(t.first_call_ms, calls.first().and_then(|c| c.start_ms));
        }
        match t.kind {
            Kind::Heavy => {
                heavy += 1;
                let tz = time_zone_of_number(&t.number, chrono_tz::UTC);
                let mut per_day: HashMap<chrono::NaiveDate, usize> = HashMap::new();
                for c in outbound(calls.unwrap()) {
                    let at = c.start_ms.unwrap();
                    let d = tz.timestamp_millis_opt(at).unwrap().date_naive();
                    *per_day.entry(d).or_default() += 1;
                }
                // The last local day may be cut by the window's end.
                let last = tz.timestamp_millis_opt(we - 1).unwrap().date_naive();
                for (d, n) in per_day.iter().filter(|(d, _)| **d != last) {
                    assert!((150..=280).contains(n), "{} {d}: {n}", t.number);
                }
                let answered = outbound(calls.unwrap())
                    .filter(|c| c.call_status.as_str() == "ended")
                    .count() as f64
                    / outbound(calls.unwrap()).count() as f64;
                assert!(answered < 0.3, "{}: {answered}", t.number);
            }
            Kind::NewMidWindow => {
                let first = t.first_call_ms.unwrap();
                assert!(first >= ws + 3 * day, "{}", t.number);
                assert!(first < ws + 9 * day, "{}", t.number);
            }
            _ => {}
        }
    }
    assert!(heavy >= 1);
}

#[test]
fn the_provider_outage_hits_one_providers_numbers_only_as_dial_failed() {
    let r = run(&hard(7, 80, 10, 40));
    let o = r.fleet.provider_outage.unwrap();
    assert!(o.end_ms - o.start_ms >= 2 * 3_600_000);
    let hit = r
        .fleet
        .truths
        .iter()
        .filter(|t| t.provider == Some(o.provider))
        .count();
    assert!((10..=45).contains(&hit), "{hit} of 80");
    let (mut hit_calls, mut other_calls, mut other_failed) = (0, 0, 0);
    for t in &r.fleet.truths {
        for c in outbound(r.by_number.get(&t.number).map_or(&[][..], |v| v)) {
            if !(o.start_ms..o.end_ms).contains(&c.start_ms.unwrap()) {
                continue;
            }
            if t.provider == Some(o.provider) {
                hit_calls += 1;
                assert_eq!(reason(c), "dial_failed", "{}", t.number);
            } else {
                other_calls += 1;
                other_failed += usize::from(reason(c) == "dial_failed");
            }
        }
    }
    assert!(
        hit_calls > 20 && other_calls > 20,
        "{hit_calls} {other_calls}"
    );
    assert!(
        (other_failed as f64) < 0.15 * other_calls as f64,
        "{other_failed} of {other_calls}"
    );
    // A day of its own, clear of the fleet-wide confounders.
    for c in &r.fleet.confounders {
        assert_ne!(c.start_ms / 86_400_000, o.start_ms / 86_400_000);
    }
}

#[test]
fn planted_bursts_match_the_calls_and_nothing_else_bursts() {
    let r = run(&hard(8, 60, 14, 40));
    let mut planted = 0;
    for t in &r.fleet.truths {
        let calls = r.by_number.get(&t.number).map_or(&[][..], |v| v);
        let found = bursts_of(calls);
        let burst_kind = matches!(t.kind, Kind::SmallBurst | Kind::BurstThenDegrade);
        assert_eq!(burst_kind, !t.planted_bursts.is_empty(), "{}", t.number);
        assert_eq!(
            t.first_burst_ms,
            t.planted_bursts.first().map(|b| b.start_ms)
        );
        for b in &t.planted_bursts {
            planted += 1;
            let inside: Vec<&CallRecord> = outbound(calls)
                .filter(|c| (b.start_ms..=b.end_ms).contains(&c.start_ms.unwrap()))
                .collect();
            assert_eq!(inside.len(), b.calls as usize, "{} {b:?}", t.number);
            assert!((12..=25).contains(&b.calls));
            assert!(b.end_ms - b.start_ms <= 8 * 60_000);
            assert!(inside.iter().all(|c| is_short_attempt(c, 6_000)));
            assert!(
                found
                    .iter()
                    .any(|f| f.start_ms <= b.end_ms && f.end_ms >= b.start_ms),
                "{} {b:?} not detected",
                t.number
            );
        }
        if t.planted_bursts.is_empty() && t.kind != Kind::Heavy {
            assert!(found.is_empty(), "{} {:?}: {found:?}", t.number, t.kind);
        }
    }
    assert!(planted >= 8, "{planted}");
}

#[test]
fn slides_and_burst_numbers_get_their_labels_late() {
    let r = run(&hard(9, 100, 28, 30));
    let day = 86_400_000;
    let mut labelled = 0;
    for t in &r.fleet.truths {
        match t.kind {
            Kind::BurstThenDegrade => {
                if let Some(s) = t.first_spam_ms {
                    labelled += 1;
                    assert!(
                        s - t.trouble_start_ms.unwrap() > 3 * day / 2,
                        "{}",
                        t.number
                    );
                }
            }
            Kind::SlowDegrader => {
                let ds = t.degrade_start_ms.unwrap();
                if let Some(s) = t.first_spam_ms {
                    labelled += 1;
                    assert!(s - ds > 5 * day, "{}", t.number);
                }
                assert!(t.slide_visible_ms.unwrap() > ds);
            }
            Kind::RestedRecovered => {
                let (rs, re) = t.rest_ms.unwrap();
                assert!(re - rs > 7 * day, "{}: {rs}..{re}", t.number);
                let calls = r.by_number.get(&t.number).unwrap();
                let bad: Vec<_> = calls
                    .iter()
                    .filter(|c| c.start_ms.unwrap() > rs && c.start_ms.unwrap() < re)
                    .map(|c| (c.start_ms, c.direction))
                    .collect();
                assert!(bad.is_empty(), "{} rest {rs}..{re}: {bad:?}", t.number);
                assert!(
                    calls
                        .iter()
                        .filter(|c| c.start_ms.unwrap() >= re)
                        .all(|c| reason(c) != "marked_as_spam")
                );
            }
            _ => {}
        }
    }
    assert!(labelled >= 5, "{labelled}");
}
