//! The stale-data rule on its own, its messages, and the freshness query against a real
//! store (the same answers as scanning every call, also once raw calls were pruned).

use super::*;
use crate::error::exit;
use crate::health::bursts::BurstConfig;
use crate::model::{Item, Locator};
use crate::notify::Secret;
use crate::sim::{SimParams, generate};
use crate::store::LoadSettings;

const H: i64 = HOUR_MS;
/// 2026-11-20T23:58:00Z.
const NEWEST: i64 = 1_795_219_080_000;

fn data(first: i64, newest: i64, watermark: Option<i64>) -> Freshness {
    Freshness {
        first_call_ms: Some(first),
        newest_call_ms: Some(newest),
        watermark_ms: watermark,
    }
}

fn check(f: Freshness, as_of: i64, given: Option<&str>) -> FreshnessCheck {
    FreshnessCheck {
        as_of: AsOfMoment {
            ms: as_of,
            given: given.map(str::to_string),
        },
        staleness: f.judge(as_of, 36),
    }
}

#[test]
fn the_rule_takes_the_later_of_the_newest_call_and_the_watermark() {
    let f = data(NEWEST - 100 * H, NEWEST, None);
    assert_eq!(Freshness::default().judge(NEWEST, 36), Staleness::Empty);
    // An empty database stays empty whatever a pull recorded.
    let pulled_nothing = Freshness {
        watermark_ms: Some(NEWEST),
        ..Freshness::default()
    };
    assert_eq!(pulled_nothing.judge(NEWEST, 36), Staleness::Empty);
    assert_eq!(f.judge(NEWEST, 36), Staleness::Fresh);
    assert_eq!(
        f.judge(NEWEST - 5 * H, 36),
        Staleness::Fresh,
        "as-of inside the data"
    );
    assert_eq!(
        f.judge(NEWEST + 36 * H, 36),
        Staleness::Fresh,
        "exactly at the limit"
    );
    let stale = Stale {
        age_ms: 36 * H + 1,
        newest_ms: NEWEST,
        newest_call_ms: NEWEST,
        watermark_ms: None,
        stale_after_hours: 36,
    };
    assert_eq!(f.judge(NEWEST + 36 * H + 1, 36), Staleness::Stale(stale));
    assert_eq!(f.judge(NEWEST + 36 * H + 1, 37), Staleness::Fresh);
    assert_eq!(
        f.judge(NEWEST - 101 * H, 36),
        Staleness::BeforeFirstCall {
            first_call_ms: NEWEST - 100 * H
        }
    );
    // A weekday fleet on Monday: the nightly pull ran and found nothing since Friday.
    let monday = NEWEST + 58 * H;
    assert!(matches!(f.judge(monday, 36), Staleness::Stale(_)));
    let pulled = data(NEWEST - 100 * H, NEWEST, Some(monday - 6 * H));
    assert_eq!(pulled.judge(monday, 36), Staleness::Fresh);
    // A watermark older than the calls (files ingested since) changes nothing.
    let old_pull = data(NEWEST - 100 * H, NEWEST, Some(NEWEST - 50 * H));
    let Staleness::Stale(s) = old_pull.judge(monday, 36) else {
        panic!("not stale");
    };
    assert_eq!((s.newest_ms, s.age_ms), (NEWEST, 58 * H));
    // Nonsense limits neither panic nor overflow.
    assert_eq!(f.judge(i64::MAX, i64::MAX), Staleness::Fresh);
    assert!(matches!(f.judge(i64::MAX, 36), Staleness::Stale(_)));
    assert_eq!(
        f.judge(i64::MIN, 36),
        Staleness::BeforeFirstCall {
            first_call_ms: NEWEST - 100 * H
        }
    );
}

#[test]
fn messages_name_the_age_the_newest_call_and_the_way_on() {
    let f = data(NEWEST - 100 * H, NEWEST, None);
    let three_days = NEWEST + 3 * 24 * H + 5 * 60_000;
    let now = check(f, three_days, None);
    assert_eq!(
        now.warning().unwrap(),
        "warning: the newest data is 3 days old (newest call 2026-11-20T23:58:00Z); \
         scores describe that moment, not now"
    );
    assert!(now.stale_now().is_some());
    let err = now.gate("score", false).unwrap_err();
    assert_eq!(err.exit_code(), exit::STALE);
    let msg = err.to_string();
    for part in [
        "3 days old",
        "newest call 2026-11-20T23:58:00Z",
        "no pull has completed",
        "36 hours",
        "numhealth score --allow-stale",
        "nightly pull",
    ] {
        assert!(msg.contains(part), "{part:?} missing: {msg}");
    }
    assert!(
        now.gate("export rotation", false)
            .unwrap_err()
            .to_string()
            .contains("numhealth export rotation --allow-stale")
    );
    assert_eq!(now.gate("score", true).unwrap(), now.warning());

    // With a watermark, both are named.
    let pulled = check(
        data(NEWEST - 100 * H, NEWEST, Some(NEWEST + H)),
        three_days,
        None,
    );
    let msg = pulled.gate("score", false).unwrap_err().to_string();
    assert!(
        msg.contains("newest call 2026-11-20T23:58:00Z, last pull reached 2026-11-21T00:58:00Z"),
        "{msg}"
    );

    // An explicit --as-of warns, never refuses, and raises no alert.
    let given = check(f, three_days, Some("2026-11-24"));
    assert!(given.stale_now().is_none());
    let w = given.gate("score", false).unwrap().unwrap();
    assert!(
        w.starts_with("warning: the newest data is 3 days older than --as-of 2026-11-24 "),
        "{w}"
    );
    let fresh = check(f, NEWEST + H, Some("2026-11-21"));
    assert_eq!(fresh.gate("score", false).unwrap(), None);

    let early = check(f, 0, Some("1970-01-01"));
    assert_eq!(
        early.warning().unwrap(),
        "warning: --as-of 1970-01-01 is before the first stored call (2026-11-16T19:58:00Z)"
    );
    assert_eq!(early.gate("score", false).unwrap(), early.warning());
    let empty = check(Freshness::default(), three_days, None);
    assert!(empty.is_empty() && empty.warning().is_none());
    assert_eq!(empty.gate("score", false).unwrap(), None);
}

/// A store holding a small simulated fleet; returns it with the simulation's window end.
fn loaded_store(dir: &tempfile::TempDir) -> (Store, i64) {
    let mut store = Store::open_rw(&dir.path().join("f.db"), false).unwrap();
    let p = SimParams {
        seed: 5,
        numbers: 9,
        days: 3,
        calls_per_day: 30,
        ..SimParams::default()
    };
    let settings = LoadSettings {
        short_call_ms: 6000,
        bursts: BurstConfig::default(),
        received_ms: 0,
        batch_size: 5000,
        max_pending_rollups: 10_000,
    };
    let run = store.begin_run("ingest", 0).unwrap();
    let mut load = store.begin_file(run, 1, "sim", &settings).unwrap();
    let mut n = 0;
    let mut last = None;
    let fleet = generate(&p, &mut |c| {
        if let Some(rec) = c.to_record() {
            n += 1;
            let at = Locator {
                line: None,
                record: n,
            };
            last = Some(rec.clone());
            load.add(Item::Call(Box::new(rec), at)).unwrap();
        }
    });
    // The newest call has no start yet (filed under no day): placed at its end.
    let mut unstarted = last.unwrap();
    unstarted.call_id = "call-with-no-start".into();
    unstarted.start_ms = None;
    unstarted.end_ms = Some(fleet.window_end_ms - 1000);
    let at = Locator {
        line: None,
        record: n + 1,
    };
    load.add(Item::Call(Box::new(unstarted), at)).unwrap();
    load.finish("", 0, "sim").unwrap();
    (store, fleet.window_end_ms)
}

#[test]
fn the_query_finds_what_a_scan_of_every_call_finds_and_falls_back_to_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let empty = Store::open_rw(&dir.path().join("e.db"), false).unwrap();
    assert_eq!(empty.data_freshness().unwrap(), Freshness::default());

    let (mut store, end) = loaded_store(&dir);
    let (min, max): (i64, i64) = store
        .conn
        .query_row(
            "SELECT MIN(placed_ms), MAX(placed_ms) FROM calls",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(max, end - 1000);
    let f = store.data_freshness().unwrap();
    assert_eq!(f, data(min, max, None));

    store
        .meta_set(meta::PULL_WATERMARK_MS, &(end + 5 * H).to_string())
        .unwrap();
    assert_eq!(
        store.data_freshness().unwrap().watermark_ms,
        Some(end + 5 * H)
    );
    store.meta_set(meta::PULL_WATERMARK_MS, "soon").unwrap();
    assert_eq!(store.data_freshness().unwrap().watermark_ms, None);

    // Pruned up to the last day: the first call is the first rollup hour's start.
    store.prune(end - 24 * H).unwrap();
    let f = store.data_freshness().unwrap();
    assert_eq!(f.first_call_ms, Some(min.div_euclid(H) * H));
    assert_eq!(f.newest_call_ms, Some(max));
    // Every raw call pruned: the newest rollup hour stands in for the newest call.
    store.prune(end + 48 * H).unwrap();
    let f = store.data_freshness().unwrap();
    assert_eq!(f.newest_call_ms, Some(max.div_euclid(H) * H));
}

#[test]
fn the_check_reads_calls_only_when_needed_and_judges_as_the_full_freshness_does() {
    let dir = tempfile::tempdir().unwrap();
    let (store, end) = loaded_store(&dir);
    let full = store.data_freshness().unwrap();
    let (first, newest) = (full.first_call_ms.unwrap(), full.newest_call_ms.unwrap());
    // As-of moments on both sides of the first call, the newest call and the limit, to the
    // minute and the hour, with and without a watermark.
    let mut moments = vec![first - H, first - 1, first, first + 1, first + H];
    for d in [-2 * H, -1, 0, 1, 30 * 60_000, H, 2 * H] {
        moments.push(newest + 36 * H + d);
        moments.push(end + 36 * H + d);
    }
    for watermark in [None, Some(newest + 3 * H + 17)] {
        if let Some(w) = watermark {
            store
                .meta_set(meta::PULL_WATERMARK_MS, &w.to_string())
                .unwrap();
            moments.extend([w + 36 * H - 1, w + 36 * H, w + 36 * H + 1]);
        }
        let full = store.data_freshness().unwrap();
        assert_eq!(full.watermark_ms, watermark);
        for limit in [1, 36] {
            for &at in &moments {
                let as_of = AsOfMoment {
                    ms: at,
                    given: None,
                };
                assert_eq!(
                    store.check_freshness(&as_of, limit).unwrap().staleness,
                    full.judge(at, limit),
                    "as of {at}, limit {limit}, watermark {watermark:?}"
                );
            }
        }
    }
}

#[test]
fn one_stale_stretch_queues_one_alert_and_only_with_a_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let (store, end) = loaded_store(&dir);
    let now = AsOfMoment {
        ms: end + 10 * 24 * H,
        given: None,
    };
    let stale = store.check_freshness(&now, 36).unwrap();
    assert!(stale.stale_now().is_some());
    let off = NotifyConfig::default();
    assert!(!store.queue_stale_alert(&stale, &off, now.ms).unwrap());
    assert!(store.outbox_undelivered().unwrap().is_empty());

    let on = NotifyConfig {
        webhook: Secret::new("http://127.0.0.1:9/hook"),
        ..NotifyConfig::default()
    };
    assert!(store.queue_stale_alert(&stale, &on, now.ms).unwrap());
    let later = AsOfMoment {
        ms: now.ms + 6 * H,
        given: None,
    };
    let still = store.check_freshness(&later, 36).unwrap();
    assert!(store.queue_stale_alert(&still, &on, later.ms).unwrap());
    let queued = store.outbox_undelivered().unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert!(queued[0].payload.contains("\"kind\":\"stale\""));

    // Judged at an explicit moment, or fresh: nothing to queue.
    let given = AsOfMoment {
        ms: now.ms,
        given: Some("in ten days".into()),
    };
    let past = store.check_freshness(&given, 36).unwrap();
    assert!(!store.queue_stale_alert(&past, &on, now.ms).unwrap());
    let fresh = store
        .check_freshness(
            &AsOfMoment {
                ms: end,
                given: None,
            },
            36,
        )
        .unwrap();
    assert!(!store.queue_stale_alert(&fresh, &on, end).unwrap());
    assert_eq!(store.outbox_undelivered().unwrap().len(), 1);
}
