use std::collections::BTreeSet;

use super::*;
use crate::eval::load_simulated;
use crate::health::assessment::{Assessment, NumberHistory};
use crate::health::backtest::history_at;
use crate::health::bursts::BurstConfig;
use crate::health::score::assess;
use crate::sim::{Fleet, SimParams};
use crate::store::LoadSettings;
use crate::store::assess::assess_all;

/// A store holding a simulated fleet of `numbers` over `days`.
fn simulated(dir: &std::path::Path, numbers: usize, days: i64) -> (Store, Fleet) {
    let mut store = Store::open_rw(&dir.join("t.db"), false).unwrap();
    let p = SimParams {
        seed: 5,
        numbers,
        days,
        calls_per_day: 40,
        ..SimParams::default()
    };
    let settings = LoadSettings {
        short_call_ms: 6000,
        bursts: BurstConfig::default(),
        received_ms: 0,
        batch_size: 5000,
        max_pending_rollups: 10_000,
    };
    let (fleet, _) = load_simulated(&mut store, &p, &settings).unwrap();
    (store, fleet)
}

fn histories(store: &Store, scan: &ReplayScan, descending: bool) -> Vec<ReplayHistory> {
    let bursts = store.replay_bursts(scan).unwrap();
    let mut out = Vec::new();
    store
        .stream_replay(
            scan,
            descending,
            &bursts,
            |_| true,
            |h| {
                out.push(h);
                Ok(())
            },
        )
        .unwrap();
    out
}

fn by_number(mut v: Vec<Assessment>) -> Vec<Assessment> {
    v.sort_by(|a, b| a.number.cmp(&b.number));
    v
}

/// The honesty of the replay: at every as-of (on the hour or not, in the lead-up, the
/// range and at its end, with the data going on after it), each number's history cut from
/// the replay's one read equals what scoring reads from the store as of that moment, and
/// so does its assessment; with a short lookback the older rollups' spam marks count too.
#[test]
fn each_step_sees_exactly_what_assess_all_sees_as_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, fleet) = simulated(dir.path(), 30, 14);
    let end = fleet.window_end_ms;
    let plan = Plan {
        since_ms: end - 6 * DAY_MS,
        until_ms: end - DAY_MS,
        step_ms: 6 * HOUR_MS,
        horizon_ms: 2 * DAY_MS,
        data_end_ms: end,
    };
    let steps = plan.steps();
    let moments = [
        steps[0],
        plan.since_ms - DAY_MS + 30 * 60_000,
        plan.since_ms + 2 * DAY_MS + 17 * 60_000,
        plan.since_ms + 3 * DAY_MS,
        plan.until_ms,
    ];
    for lookback_days in [30, 3] {
        let cfg = ScoreConfig {
            lookback_days,
            ..ScoreConfig::default()
        };
        let scan = scan_of(&plan, &steps, &cfg);
        let replay = histories(&store, &scan, false);
        let mut down = histories(&store, &scan, true);
        down.reverse();
        assert_eq!(down, replay, "both readers read the same histories");
        if lookback_days == 3 {
            assert!(
                replay.iter().any(|h| h.spam_before.is_some()),
                "some spam marks come before the replay's rollups"
            );
        }
        let fleet_hours = store.fleet_hours(scan.from_hour, scan.end_hour).unwrap();
        for &t in &moments {
            let cut: Vec<NumberHistory> = replay
                .iter()
                .filter_map(|h| history_at(h, t, lookback_days))
                .collect();
            let stored = store.scoring_inputs(t, lookback_days, None).unwrap();
            assert_eq!(cut.len(), stored.histories.len(), "as of {}", rfc3339(t));
            assert_eq!(cut, stored.histories, "as of {}", rfc3339(t));
            let replayed: Vec<Assessment> = cut
                .iter()
                .map(|n| assess(n, &fleet_hours, &cfg, t))
                .collect();
            let direct = assess_all(&store, &cfg, t).unwrap();
            assert_eq!(
                by_number(replayed),
                by_number(direct),
                "as of {}",
                rfc3339(t)
            );
        }
    }
}

#[test]
fn a_backtest_counts_the_first_flags_the_simulator_planted_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, fleet) = simulated(dir.path(), 24, 14);
    let end = fleet.window_end_ms;
    let req = Request {
        since_ms: Some(end - 10 * DAY_MS),
        until_ms: None,
        step_ms: 6 * HOUR_MS,
        horizon_ms: 3 * DAY_MS,
    };
    let before = store.last_score_run_ms().unwrap();
    let b = backtest(&store, &ScoreConfig::default(), &req).unwrap();
    assert_eq!(store.last_score_run_ms().unwrap(), before, "no score run");
    assert!(store.pool_registry().unwrap().is_empty(), "no pool rows");
    assert_eq!(
        b.plan.until_ms,
        (hour_of(b.newest_call_ms) + 1) * HOUR_MS,
        "until defaults to the end of the data"
    );
    let in_range = (b.plan.until_ms - b.plan.since_ms) / req.step_ms + 1;
    assert_eq!(b.steps_in_range as i64, in_range);
    assert_eq!(b.steps, 12 + b.steps_in_range, "a horizon of lead-up steps");
    let planted: BTreeSet<&str> = fleet
        .truths
        .iter()
        .filter(|t| {
            t.first_spam_ms
                .is_some_and(|f| b.plan.in_range(hour_of(f) * HOUR_MS))
        })
        .map(|t| t.number.as_str())
        .collect();
    let s = &b.summary;
    let found: BTreeSet<&str> = s
        .numbers
        .iter()
        .filter(|r| r.first_flag_ms.is_some())
        .map(|r| r.number.as_str())
        .collect();
    assert!(
        !planted.is_empty(),
        "the fleet has first flags in the range"
    );
    assert_eq!(found, planted);
    assert_eq!(s.numbers_flagged, planted.len());
    assert!(s.warned_before_flag <= s.numbers_flagged);
    assert_eq!(s.numbers_assessed, 24);
    for r in &s.numbers {
        if let (Some(f), Some(w)) = (r.first_flag_ms, r.first_warning_ms) {
            assert!(w < f && f - w <= req.horizon_ms, "{r:?}");
            assert_eq!(r.lead_days, Some((f - w) as f64 / DAY_MS as f64));
        } else {
            assert_eq!(r.lead_days, None);
        }
    }
}

#[test]
fn empty_backwards_and_oversized_ranges_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_rw(&dir.path().join("e.db"), false).unwrap();
    let req = Request {
        since_ms: None,
        until_ms: None,
        step_ms: 6 * HOUR_MS,
        horizon_ms: 7 * DAY_MS,
    };
    let e = plan(&store, &req).unwrap_err();
    assert!(matches!(e, Error::Other(_)), "{e}");
    assert!(e.to_string().contains("holds no calls"), "{e}");

    let (store, fleet) = simulated(dir.path(), 4, 3);
    let end = fleet.window_end_ms;
    let backwards = Request {
        since_ms: Some(end - DAY_MS),
        until_ms: Some(end - 2 * DAY_MS),
        ..req
    };
    let e = plan(&store, &backwards).unwrap_err();
    assert!(matches!(e, Error::Usage(_)), "{e}");
    assert!(e.to_string().contains("--since"), "{e}");
    let long_ago = Request {
        since_ms: Some(end - 100 * DAY_MS),
        until_ms: Some(end - 90 * DAY_MS),
        ..req
    };
    let e = plan(&store, &long_ago).unwrap_err();
    assert!(matches!(e, Error::Other(_)), "{e}");
    assert!(e.to_string().contains("no calls between"), "{e}");
    let tiny_step = Request {
        step_ms: 60_000,
        ..req
    };
    let e = plan(&store, &tiny_step).unwrap_err();
    assert!(matches!(e, Error::Usage(_)), "{e}");
    assert!(e.to_string().starts_with("--step 1m:"), "{e}");
    let (p, first, newest) = plan(&store, &req).unwrap();
    assert_eq!(
        p.since_ms,
        hour_of(first) * HOUR_MS,
        "since defaults to the first call's hour within 30 days"
    );
    assert_eq!(p.until_ms, (hour_of(newest) + 1) * HOUR_MS);
}
