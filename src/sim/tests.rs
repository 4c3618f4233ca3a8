//! Checks that the simulator plants what its ground truth says: deterministic per seed,
//! kinds in their shares, bursts, degradation, rests and confounders where the truth
//! puts them, calls in time order with the intended outcome mix. The files it writes are
//! checked in `files`.

mod files;
mod hard;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;

use super::*;
use crate::health::bursts::{BurstConfig, CallPoint, detect};
use crate::health::rollup::is_short_attempt;
use crate::model::{CallRecord, Direction};

fn params(seed: u64, numbers: usize, days: i64, cpd: u32) -> SimParams {
    SimParams {
        seed,
        numbers,
        days,
        end: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        calls_per_day: cpd,
        full_objects: false,
        profile: Profile::Easy,
    }
}

struct Run {
    fleet: Fleet,
    /// Phone calls by our number, in emission order.
    by_number: HashMap<String, Vec<CallRecord>>,
    starts: Vec<i64>,
    web: usize,
}

fn run(p: &SimParams) -> Run {
    let mut by_number: HashMap<String, Vec<CallRecord>> = HashMap::new();
    let mut starts = Vec::new();
    let mut web = 0;
    let fleet = generate(p, &mut |c| {
        starts.push(c.start_timestamp.unwrap());
        match c.to_record() {
            Some(r) => by_number
                .entry(r.our_number.to_string())
                .or_default()
                .push(r),
            None => web += 1,
        }
    });
    Run {
        fleet,
        by_number,
        starts,
        web,
    }
}

fn bursts_of(calls: &[CallRecord]) -> Vec<crate::health::bursts::Burst> {
    let pts: Vec<CallPoint> = calls
        .iter()
        .filter(|c| c.direction == Direction::Outbound)
        .map(|c| CallPoint {
            at_ms: c.start_ms.unwrap(),
            short: is_short_attempt(c, 6_000),
        })
        .collect();
    detect(&pts, &BurstConfig::default())
}

#[test]
fn same_seed_same_calls_and_truth() {
    let p = SimParams {
        full_objects: true,
        ..params(7, 20, 5, 40)
    };
    let first = |p: &SimParams| {
        let mut v = Vec::new();
        let f = generate(p, &mut |c| {
            if v.len() < 100 {
                v.push(serde_json::to_string(c).unwrap());
            }
        });
        (v, f)
    };
    let (a, fa) = first(&p);
    let (b, fb) = first(&p);
    assert_eq!(a.len(), 100);
    assert_eq!(a, b);
    assert_eq!(fa, fb);
    let (c, fc) = first(&SimParams {
        seed: 8,
        ..p.clone()
    });
    assert_ne!(a, c);
    assert_ne!(fa.truths, fc.truths);
    // full_objects only decorates: the same calls either way.
    let lean = first(&SimParams {
        full_objects: false,
        ..p.clone()
    });
    assert_eq!(lean.1, fa);
    let ids = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["call_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids(&lean.0), ids(&a));
}

#[test]
fn kind_fractions_and_every_kind_present() {
    for n in [10, 37, 200] {
        let kinds = plan::assign_kinds(3, n);
        assert_eq!(kinds.len(), n);
        let mut count: BTreeMap<Kind, usize> = BTreeMap::new();
        for k in &kinds {
            *count.entry(*k).or_default() += 1;
        }
        for k in Kind::EASY {
            assert!(
                count.get(&k).copied().unwrap_or(0) >= 1,
                "{n}: {k:?} missing"
            );
        }
        if n == 200 {
            assert_eq!(count[&Kind::BurstThenDegrade], 20);
            assert_eq!(count[&Kind::LowVolume], 24);
            assert_eq!(count[&Kind::InboundOnly], 10);
            assert_eq!(count[&Kind::Healthy], 100);
        }
    }
    assert_eq!(Kind::parse("slow_degrader"), Some(Kind::SlowDegrader));
    assert!(Kind::AlreadyFlagged.is_bad() && !Kind::LowVolume.is_bad());
}

#[test]
fn numbers_are_valid_distinct_e164() {
    let nums = plan::caller_numbers(1, 300);
    assert_eq!(nums.iter().collect::<HashSet<_>>().len(), 300);
    for n in nums.iter().take(50) {
        let parsed = phonenumber::parse(None, n).unwrap();
        assert!(phonenumber::is_valid(&parsed), "{n}");
    }
}

#[test]
fn planted_patterns_match_the_truth() {
    check_planted(&params(11, 60, 14, 60));
}

/// Other seeds and fleet shapes (short, long, sparse, dense), each checked as above. The
/// failing seed and shape are printed with the failure.
#[test]
fn planted_patterns_match_the_truth_across_seeds_and_shapes() {
    for seed in 0..3 {
        for (n, d, cpd) in [
            (40, 14, 60),
            (30, 30, 100),
            (20, 5, 40),
            (25, 45, 30),
            (15, 3, 60),
        ] {
            eprintln!("seed {seed} numbers {n} days {d} cpd {cpd}");
            check_planted(&params(seed, n, d, cpd));
        }
    }
}

fn check_planted(p: &SimParams) {
    let r = run(p);
    let f = &r.fleet;
    let day = 86_400_000;
    assert_eq!(f.truths.len(), p.numbers);
    assert!(r.web > 0);
    let kinds: HashSet<Kind> = f.truths.iter().map(|t| t.kind).collect();
    assert_eq!(kinds.len(), 7);
    for t in &f.truths {
        let calls = r.by_number.get(&t.number).map(Vec::as_slice).unwrap_or(&[]);
        let bursts = bursts_of(calls);
        let in_conf = |t: i64| {
            f.confounders
                .iter()
                .any(|k| (k.start_ms..k.end_ms).contains(&t))
        };
        let clean: Vec<CallRecord> = calls
            .iter()
            .filter(|c| !in_conf(c.start_ms.unwrap()))
            .cloned()
            .collect();
        let spam: Vec<i64> = calls
            .iter()
            .filter(|c| c.disconnection_reason.as_deref() == Some("marked_as_spam"))
            .map(|c| c.start_ms.unwrap())
            .collect();
        assert_eq!(
            t.first_spam_ms,
            spam.first().copied(),
            "{} {:?}",
            t.number,
            t.kind
        );
        assert_eq!(t.bad, t.kind.is_bad());
        match t.kind {
            Kind::BurstThenDegrade => {
                let fb = t.first_burst_ms.expect("first burst");
                assert_eq!(bursts.first().map(|b| b.start_ms), Some(fb), "{}", t.number);
                let shorts_in_10min = calls
                    .iter()
                    .filter(|c| c.direction == Direction::Outbound && is_short_attempt(c, 6_000))
                    .filter(|c| (fb..fb + 10 * 60_000).contains(&c.start_ms.unwrap()))
                    .count();
                assert!(shorts_in_10min >= 10, "{shorts_in_10min}");
                if f.window_end_ms - fb > 3 * day {
                    assert!(bursts.len() >= 2, "bursts repeat over days");
                }
                let ds = t.degrade_start_ms.unwrap();
                let fs = t.first_spam_ms.expect("spam planted");
                assert!(fb < ds && ds < fs && fs < f.window_end_ms);
                let failed_before = share(&clean, |c| c.start_ms.unwrap() < fb, "dial_failed");
                let failed_late = share(&clean, |c| c.start_ms.unwrap() > fs, "dial_failed");
                if f.window_end_ms - fs > 2 * day && fb - f.window_start_ms > 2 * day {
                    assert!(
                        failed_late > failed_before + 0.05,
                        "{failed_before} {failed_late}"
                    );
                }
            }
            Kind::Healthy | Kind::LowVolume | Kind::AlreadyFlagged | Kind::SlowDegrader => {
                assert!(
                    bursts.is_empty(),
                    "{:?} {} has bursts {bursts:?}",
                    t.kind,
                    t.number
                );
                assert!(t.first_burst_ms.is_none());
            }
            Kind::RestedRecovered => {
                let fs = t.first_spam_ms.expect("flag episode");
                let w = f.window_end_ms - f.window_start_ms;
                assert!(fs < f.window_start_ms + day.max(w / 5));
                let last_spam = *spam.last().unwrap();
                assert!(last_spam < f.window_start_ms + day.max(w / 5));
                // After the episode: silence, then clean calls.
                let after: Vec<i64> = calls
                    .iter()
                    .map(|c| c.start_ms.unwrap())
                    .filter(|&s| s >= last_spam)
                    .collect();
                let gap = after.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
                let want = if w >= 40 * day { 15 * day } else { w / 4 };
                if w >= 5 * day {
                    assert!(gap >= want, "rest {} days", gap / day);
                    assert!(after.len() > 5, "calls again after the rest");
                }
            }
            Kind::InboundOnly => {
                assert!(!calls.is_empty());
                assert!(calls.iter().all(|c| c.direction == Direction::Inbound));
            }
            k => panic!("{k:?} in an easy fleet"),
        }
        if t.kind == Kind::SlowDegrader {
            let mid = t.degrade_start_ms.unwrap();
            let early = rep_share(&clean, |c| c.start_ms.unwrap() < mid);
            let n_early = clean.iter().filter(|c| c.start_ms.unwrap() < mid).count() as f64;
            // ~2% planted; allow five standard deviations of binomial noise.
            let early_max = 0.02 + 5.0 * (0.02 * 0.98 / n_early.max(1.0)).sqrt();
            let late = rep_share(&clean, |c| {
                c.start_ms.unwrap() > f.window_end_ms - 2 * 86_400_000
            });
            assert!(early < early_max, "{early}");
            if p.days >= 6 {
                assert!(late > 0.08 && late > early + 0.05, "{early} {late}");
            }
            if let Some(fs) = t.first_spam_ms {
                assert!(fs >= f.window_end_ms - 86_400_000);
            }
        }
        if t.kind == Kind::LowVolume && p.days >= 10 {
            let per_day = calls.len() as f64 / p.days as f64;
            assert!((0.5..=5.0).contains(&per_day), "{per_day}");
        }
    }
}

fn share(calls: &[CallRecord], pick: impl Fn(&CallRecord) -> bool, reason: &str) -> f64 {
    let v: Vec<&CallRecord> = calls
        .iter()
        .filter(|c| c.direction == Direction::Outbound && pick(c))
        .collect();
    v.iter()
        .filter(|c| c.disconnection_reason.as_deref() == Some(reason))
        .count() as f64
        / v.len().max(1) as f64
}

fn rep_share(calls: &[CallRecord], pick: impl Fn(&CallRecord) -> bool) -> f64 {
    [
        "dial_failed",
        "marked_as_spam",
        "user_declined",
        "network_blocked",
    ]
    .iter()
    .map(|r| share(calls, &pick, r))
    .sum()
}

#[test]
fn confounders_hit_every_active_number() {
    let p = params(5, 40, 10, 60);
    let r = run(&p);
    let f = &r.fleet;
    assert_eq!(f.confounders.len(), 3);
    let days: HashSet<i64> = f
        .confounders
        .iter()
        .map(|c| (c.start_ms - f.window_start_ms) / 86_400_000)
        .collect();
    assert_eq!(days.len(), 3, "distinct days");
    assert!(days.iter().all(|&d| d < 9), "not the last day");
    for c in &f.confounders {
        let want = match c.kind.as_str() {
            "provider_outage" => "telephony_provider_unavailable",
            "concurrency_storm" => "concurrency_limit_reached",
            _ => "dial_failed",
        };
        let mut hit = 0;
        let mut regular = 0;
        for t in &f.truths {
            let inside: Vec<&CallRecord> = r.by_number[&t.number]
                .iter()
                .filter(|x| x.direction == Direction::Outbound)
                .filter(|x| (c.start_ms..c.end_ms).contains(&x.start_ms.unwrap()))
                .collect();
            assert!(
                inside
                    .iter()
                    .all(|x| x.disconnection_reason.as_deref() == Some(want)),
                "{}",
                c.kind
            );
            if matches!(
                t.kind,
                Kind::Healthy | Kind::SlowDegrader | Kind::AlreadyFlagged
            ) {
                regular += 1;
                hit += usize::from(!inside.is_empty());
            }
        }
        assert!(hit * 10 >= regular * 9, "{}: {hit}/{regular}", c.kind);
    }
}

#[test]
fn calls_come_in_time_order_inside_the_window() {
    let p = params(9, 30, 7, 50);
    let r = run(&p);
    assert!(r.starts.windows(2).all(|w| w[0] <= w[1]));
    let (ws, we) = (r.fleet.window_start_ms, r.fleet.window_end_ms);
    assert_eq!(we - ws, 7 * 86_400_000);
    assert!(r.starts.iter().all(|&s| s >= ws && s < we));
    // The fleet total tracks numbers * days * calls_per_day.
    let total = r.starts.len() as f64;
    let target = 30.0 * 7.0 * 50.0;
    assert!(
        (0.75..1.25).contains(&(total / target)),
        "{total} vs {target}"
    );
    // Call ids are unique and random-looking.
    let ids: HashSet<&str> = r
        .by_number
        .values()
        .flatten()
        .map(|c| c.call_id.as_str())
        .collect();
    assert_eq!(ids.len(), r.by_number.values().map(Vec::len).sum::<usize>());
}

#[test]
fn outcome_mix_of_healthy_numbers() {
    let p = params(21, 40, 7, 80);
    let r = run(&p);
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut total = 0usize;
    for t in r.fleet.truths.iter().filter(|t| t.kind == Kind::Healthy) {
        for c in r.by_number[&t.number]
            .iter()
            .filter(|c| c.direction == Direction::Outbound)
        {
            if r.fleet
                .confounders
                .iter()
                .any(|k| (k.start_ms..k.end_ms).contains(&c.start_ms.unwrap()))
            {
                continue;
            }
            total += 1;
            *counts
                .entry(c.disconnection_reason.clone().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let sh = |r: &str| counts.get(r).copied().unwrap_or(0) as f64 / total as f64;
    assert!(
        (0.40..0.58).contains(&sh("dial_no_answer")),
        "{}",
        sh("dial_no_answer")
    );
    assert!((0.07..0.17).contains(&sh("voicemail_reached")));
    assert!((0.005..0.03).contains(&sh("dial_failed")));
    assert!((0.03..0.07).contains(&sh("dial_busy")));
    assert_eq!(sh("marked_as_spam"), 0.0);
    let human = sh("user_hangup") + sh("agent_hangup");
    assert!((0.18..0.34).contains(&human), "{human}");
}

#[test]
fn tiny_and_degenerate_fleets_do_not_panic() {
    for (n, d, cpd) in [(0, 3, 10), (1, 1, 10), (3, 2, 0), (12, 1, 5), (10, 30, 2)] {
        let r = run(&params(1, n, d, cpd));
        assert_eq!(r.fleet.truths.len(), n);
    }
}
