//! Per-file load tests: upserts keyed on call_id, rollups kept equal to a rebuild from raw
//! calls, bursts, rejects, rollback, prune and backup, lookup-key collisions.

use crate::health::bursts::BurstConfig;
use crate::model::{Item, Locator, Reject};
use crate::store::Store;
use crate::store::ingest::tests::{
    T0, at, call, load, messy_deliveries, open, rollup_sum, settings,
};

#[test]
fn redelivery_updates_never_double_counts() {
    let (_d, mut s) = open();
    let a = call("c1", "+14155550100", T0, None, None);
    let c = load(&mut s, vec![Item::Call(Box::new(a.clone()), at(1))]);
    assert_eq!((c.inserted, c.updated, c.unchanged), (1, 0, 0));
    assert_eq!(rollup_sum(&s, "pending"), 1);
    // The ended version updates; rollups move from pending to dial_failed.
    let b = call("c1", "+14155550100", T0, Some("dial_failed"), Some(0));
    let c = load(&mut s, vec![Item::Call(Box::new(b.clone()), at(1))]);
    assert_eq!((c.inserted, c.updated, c.unchanged), (0, 1, 0));
    assert_eq!(rollup_sum(&s, "pending"), 0);
    assert_eq!(rollup_sum(&s, "dial_failed"), 1);
    assert_eq!(rollup_sum(&s, "attempts"), 1);
    // The same again is unchanged; the stale `ongoing` version never overwrites.
    let c = load(
        &mut s,
        vec![
            Item::Call(Box::new(b.clone()), at(1)),
            Item::Call(Box::new(a), at(2)),
        ],
    );
    assert_eq!((c.inserted, c.updated, c.unchanged), (0, 0, 2));
    assert_eq!(s.get_call("c1").unwrap().unwrap(), b);
    assert_eq!(rollup_sum(&s, "attempts"), 1);
}

#[test]
fn a_redelivery_whose_start_moved_across_midnight_updates_the_call() {
    // 300 ms apart, either side of midnight UTC: one call, in separate files and in one.
    let midnight = (T0 / 86_400_000 + 1) * 86_400_000;
    let a = call(
        "m1",
        "+14155550100",
        midnight - 100,
        Some("dial_no_answer"),
        Some(0),
    );
    let b = call(
        "m1",
        "+14155550100",
        midnight + 200,
        Some("marked_as_spam"),
        Some(0),
    );
    // And the other way round: the later delivery starts before midnight.
    let c = call(
        "m2",
        "+14155550100",
        midnight + 50,
        Some("dial_no_answer"),
        Some(0),
    );
    let d = call(
        "m2",
        "+14155550100",
        midnight - 950,
        Some("marked_as_spam"),
        Some(0),
    );
    let (_d1, mut apart) = open();
    for x in [&a, &c] {
        load(&mut apart, vec![Item::Call(Box::new(x.clone()), at(1))]);
    }
    for x in [&b, &d] {
        let n = load(&mut apart, vec![Item::Call(Box::new(x.clone()), at(1))]);
        assert_eq!((n.inserted, n.updated), (0, 1), "{}", x.call_id);
    }
    let (_d2, mut together) = open();
    let items = [&a, &c, &b, &d]
        .into_iter()
        .enumerate()
        .map(|(i, x)| Item::Call(Box::new(x.clone()), at(i as u64 + 1)))
        .collect();
    let n = load(&mut together, items);
    assert_eq!((n.inserted, n.updated), (2, 2));
    for s in [&apart, &together] {
        assert_eq!(s.get_call("m1").unwrap().unwrap(), b);
        assert_eq!(s.get_call("m2").unwrap().unwrap(), d);
        assert_eq!(rollup_sum(s, "attempts"), 2);
        assert_eq!(rollup_sum(s, "marked_as_spam"), 2);
        assert_eq!(rollup_sum(s, "no_answer"), 0);
        assert_eq!(s.check().unwrap().integrity, "ok");
    }
    // Further from midnight than `NEAR_MIDNIGHT_MS`, a start on another day is another
    // placement: no lookup beyond the neighbouring day's slot is made for it.
    assert_eq!(
        crate::store::keys::neighbour_day(Some(midnight + 2 * 3_600_000)),
        None
    );
}

#[test]
fn rollups_equal_a_rebuild_after_many_updates() {
    let (_d, mut s) = open();
    let mut items = Vec::new();
    for i in 0..60i64 {
        let reason = [
            "user_hangup",
            "dial_no_answer",
            "dial_failed",
            "marked_as_spam",
            "concurrency_limit_reached",
        ][i as usize % 5];
        let from = if i % 3 == 0 {
            "+14155550100"
        } else {
            "+14155550101"
        };
        items.push(Item::Call(
            Box::new(call(&format!("k{i:03}"), from, T0 + i * 40_000, None, None)),
            at(i as u64),
        ));
        items.push(Item::Call(
            Box::new(call(
                &format!("k{i:03}"),
                from,
                T0 + i * 40_000,
                Some(reason),
                Some(i * 700),
            )),
            at(i as u64),
        ));
    }
    let c = load(&mut s, items);
    assert_eq!(c.inserted + c.updated + c.unchanged, 120);
    let before = s.check().unwrap();
    assert_eq!(
        before.integrity, "ok",
        "fleet_hourly must equal the per-hour sums"
    );
    s.rebuild(6000, &BurstConfig::default()).unwrap();
    let after = s.check().unwrap();
    assert_eq!(
        before, after,
        "incremental rollups and bursts must equal a rebuild"
    );
    assert_eq!(rollup_sum(&s, "platform_fault"), 12);
    assert_eq!(rollup_sum(&s, "attempts"), 48);
}

#[test]
fn bursts_are_detected_across_files_and_merged() {
    let (_d, mut s) = open();
    // 8 short calls in file 1, 8 more two minutes later in file 2: one burst of 16.
    let first: Vec<Item> = (0..8)
        .map(|i| {
            Item::Call(
                Box::new(call(
                    &format!("a{i}"),
                    "+14155550100",
                    T0 + i * 10_000,
                    Some("dial_no_answer"),
                    Some(0),
                )),
                at(i as u64),
            )
        })
        .collect();
    load(&mut s, first);
    assert!(s.list_bursts(None, None, None).unwrap().is_empty());
    let second: Vec<Item> = (0..8)
        .map(|i| {
            Item::Call(
                Box::new(call(
                    &format!("b{i}"),
                    "+14155550100",
                    T0 + 120_000 + i * 10_000,
                    Some("user_hangup"),
                    Some(2000),
                )),
                at(i as u64),
            )
        })
        .collect();
    load(&mut s, second);
    let b = s.list_bursts(None, None, None).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].calls, b[0].short_calls, b[0].start_ms), (16, 16, T0));
}

/// Three separate bursts less than a window apart, loaded one file each in time order
/// (what `pull` pages do). Re-detecting around the third once widened the stretch to cover
/// the second, which then overlapped the first; the first was deleted with the stretch but
/// only its tail was re-read, so it vanished. Incremental loading must equal a rebuild.
/// The number otherwise places 6 short calls an hour, so the three stand out from its pace
/// (alone in one hour they would be that hour's pace).
#[test]
fn bursts_loaded_in_time_ordered_slices_equal_a_rebuild() {
    let (_d, mut s) = open();
    let background: Vec<Item> = (0..48 * 6)
        .map(|i| {
            Item::Call(
                Box::new(call(
                    &format!("bg{i}"),
                    "+14155550100",
                    T0 - 24 * 3_600_000 + i * 600_000 + 300_000,
                    Some("dial_no_answer"),
                    Some(0),
                )),
                at(i as u64),
            )
        })
        .filter(|it| match it {
            // Not inside the bursts' 25 minutes.
            Item::Call(c, _) => !(T0 - 60_000..T0 + 1_700_000).contains(&c.start_ms.unwrap_or(0)),
            _ => true,
        })
        .collect();
    load(&mut s, background);
    let burst_at = |k: i64| T0 + k * (330_000 + 480_000); // 12 calls over 5.5 min, 8 min apart
    for k in 0..3i64 {
        let items: Vec<Item> = (0..12)
            .map(|i| {
                Item::Call(
                    Box::new(call(
                        &format!("s{k}-{i}"),
                        "+14155550100",
                        burst_at(k) + i * 30_000,
                        Some("dial_no_answer"),
                        Some(0),
                    )),
                    at(i as u64),
                )
            })
            .collect();
        load(&mut s, items);
    }
    let incremental = s.list_bursts(None, None, None).unwrap();
    let starts: Vec<i64> = incremental.iter().map(|b| b.start_ms).collect();
    assert_eq!(starts, vec![burst_at(0), burst_at(1), burst_at(2)]);
    let before = s.check().unwrap();
    s.rebuild(6000, &BurstConfig::default()).unwrap();
    assert_eq!(s.check().unwrap(), before);
}

#[test]
fn rejects_are_kept_with_locator() {
    let (_d, mut s) = open();
    let rej = Reject {
        at: Locator {
            line: Some(7),
            record: 5,
        },
        field: Some("start_timestamp".into()),
        reason: "start_timestamp \"x\" is not a number".into(),
        raw: "{\"call_id\":\"x\"}".into(),
    };
    let c = load(
        &mut s,
        vec![
            Item::Rejected(Box::new(rej)),
            Item::Call(
                Box::new(call(
                    "ok",
                    "+14155550100",
                    T0,
                    Some("user_hangup"),
                    Some(30_000),
                )),
                at(8),
            ),
        ],
    );
    assert_eq!((c.read, c.inserted, c.rejected), (2, 1, 1));
    let r = s.list_rejects(None, 10).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].file.as_str(), r[0].line, r[0].field.as_deref()),
        ("test.ndjson", Some(7), Some("start_timestamp"))
    );
}

#[test]
fn dropped_load_rolls_back_everything() {
    let (_d, mut s) = open();
    let run = s.begin_run("ingest", T0).unwrap();
    {
        let mut l = s.begin_file(run, 1, "f", &settings()).unwrap();
        for i in 0..20 {
            l.add(Item::Call(
                Box::new(call(
                    &format!("r{i}"),
                    "+14155550100",
                    T0 + i,
                    Some("user_hangup"),
                    Some(9000),
                )),
                at(1),
            ))
            .unwrap();
        }
        // dropped without finish
    }
    assert_eq!(s.check().unwrap().calls, 0);
    assert_eq!(rollup_sum(&s, "attempts"), 0);
}

#[test]
fn prune_keeps_rollups_and_skips_old_redelivery() {
    let (_d, mut s) = open();
    let old = call("old", "+14155550100", T0, Some("dial_failed"), Some(0));
    let new = call(
        "new",
        "+14155550100",
        T0 + 10 * 86_400_000,
        Some("user_hangup"),
        Some(60_000),
    );
    load(
        &mut s,
        vec![
            Item::Call(Box::new(old.clone()), at(1)),
            Item::Call(Box::new(new), at(2)),
        ],
    );
    let out = s.prune(T0 + 86_400_000).unwrap();
    assert_eq!(out.deleted_calls, 1);
    assert_eq!(rollup_sum(&s, "dial_failed"), 1);
    let c = load(&mut s, vec![Item::Call(Box::new(old), at(1))]);
    assert_eq!((c.inserted, c.skipped), (0, 1));
    assert_eq!(rollup_sum(&s, "dial_failed"), 1);
    // A rebuild after pruning keeps the pruned hours' rollups.
    s.rebuild(6000, &BurstConfig::default()).unwrap();
    assert_eq!(rollup_sum(&s, "dial_failed"), 1);
    assert_eq!(rollup_sum(&s, "human"), 1);
}

#[test]
fn backup_is_a_consistent_private_copy() {
    use std::os::unix::fs::PermissionsExt;
    let (d, mut s) = open();
    load(
        &mut s,
        vec![Item::Call(
            Box::new(call(
                "x",
                "+14155550100",
                T0,
                Some("user_hangup"),
                Some(30_000),
            )),
            at(1),
        )],
    );
    let dest = d.path().join("copy.db");
    s.backup_to(&dest).unwrap();
    let copy = Store::open_ro(&dest).unwrap();
    assert_eq!(copy.check().unwrap(), s.check().unwrap());
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(s.backup_to(&dest).is_err(), "never overwrites");
}

#[test]
fn settings_change_requires_rebuild() {
    let (_d, s) = open();
    s.check_ingest_settings(6000, &BurstConfig::default())
        .unwrap();
    s.check_ingest_settings(6000, &BurstConfig::default())
        .unwrap();
    let err = s
        .check_ingest_settings(8000, &BurstConfig::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("numhealth rebuild"), "{err}");
}

/// Two versions of one call with the same completeness in one file: the later line wins,
/// even when both sit in one large batch sorted by `call_id`.
#[test]
fn later_version_in_a_file_wins_within_a_batch() {
    let (_d, mut s) = open();
    let mut items = Vec::new();
    for version in ["v1", "v2"] {
        for i in 0..2000i64 {
            let mut c = call(
                &format!("d{:04}", (i * 7919) % 2000),
                "+14155550100",
                T0 + i * 1000,
                Some("user_hangup"),
                Some(30_000),
            );
            c.agent_id = Some(format!("agent_{version}"));
            items.push(Item::Call(Box::new(c), at(items.len() as u64)));
        }
    }
    let run = s.begin_run("ingest", T0).unwrap();
    let mut big = settings();
    big.batch_size = 10_000;
    let mut l = s.begin_file(run, 1, "versions.ndjson", &big).unwrap();
    for it in items {
        l.add(it).unwrap();
    }
    let c = l.finish("abc", 10, "ndjson_calls").unwrap();
    assert_eq!((c.inserted, c.updated), (2000, 2000));
    for i in 0..2000 {
        let got = s.get_call(&format!("d{i:04}")).unwrap().unwrap();
        assert_eq!(got.agent_id.as_deref(), Some("agent_v2"), "d{i:04}");
    }
}

/// `check` notices fleet totals or attempt marks that no longer agree with the rollups
/// and raw calls.
#[test]
fn check_reports_fleet_and_marks_that_disagree() {
    let (_d, mut s) = open();
    let items: Vec<Item> = (0..12)
        .map(|i| {
            Item::Call(
                Box::new(call(
                    &format!("m{i}"),
                    "+14155550100",
                    T0 + i * 30_000,
                    Some("dial_no_answer"),
                    Some(0),
                )),
                at(i as u64),
            )
        })
        .collect();
    load(&mut s, items);
    assert_eq!(s.check().unwrap().integrity, "ok");
    s.conn
        .execute("UPDATE number_hourly SET marks = substr(marks, 5)", [])
        .unwrap();
    let c = s.check().unwrap();
    assert!(c.integrity.contains("marks differs"), "{}", c.integrity);
    assert!(!c.integrity.contains("fleet_hourly"), "{}", c.integrity);
    s.rebuild(6000, &BurstConfig::default()).unwrap();
    assert_eq!(s.check().unwrap().integrity, "ok");
    s.conn
        .execute("UPDATE fleet_hourly SET attempts = attempts + 1", [])
        .unwrap();
    assert!(
        s.check()
            .unwrap()
            .integrity
            .contains("fleet_hourly differs")
    );
}

#[test]
fn calls_are_found_again_when_their_keys_collide() {
    let counts = |s: &mut Store| -> Vec<(u64, u64, u64)> {
        messy_deliveries()
            .into_iter()
            .map(|f| {
                let c = load(s, f);
                (c.inserted, c.updated, c.unchanged)
            })
            .collect()
    };
    let (_d1, mut full) = open();
    let want_counts = counts(&mut full);
    let want = full.check().unwrap();
    assert_eq!(want.integrity, "ok");
    assert_eq!(want.calls, 50);
    assert_eq!(want_counts[2], (0, 0, 50), "a re-delivery changes nothing");

    // Keys of 2 bits: four slots a day, so most calls collide with another id.
    let _narrow = crate::store::keys::test_key_mask::narrow(2);
    let (_d2, mut narrow) = open();
    assert_eq!(counts(&mut narrow), want_counts);
    let got = narrow.check().unwrap();
    assert_eq!(got.integrity, "ok");
    assert_eq!((got.calls, &got.checksum), (want.calls, &want.checksum));
    let overflow: i64 = narrow
        .conn
        .query_row("SELECT count(*) FROM call_overflow", [], |r| r.get(0))
        .unwrap();
    assert!(
        overflow >= 30,
        "collisions went through the overflow list: {overflow}"
    );
    for i in [0, 1, 17, 48] {
        let id = format!("m{i}");
        assert_eq!(narrow.get_call(&id).unwrap().unwrap().call_id, id);
    }

    // Pruning the first day drops its calls and their overflow entries, nothing else.
    narrow.prune(T0 - 86_400_000).unwrap();
    let pruned = narrow.check().unwrap();
    assert_eq!(pruned.integrity, "ok");
    assert!(pruned.calls < 50 && pruned.calls > 0, "{}", pruned.calls);
    let c = load(&mut narrow, messy_deliveries().pop().unwrap());
    assert_eq!((c.inserted, c.updated), (0, 0), "{c:?}");
    assert_eq!(narrow.check().unwrap().integrity, "ok");
}

#[test]
fn check_reports_repeated_ids_and_wrong_keys() {
    let (_d, mut s) = open();
    load(&mut s, messy_deliveries().remove(1));
    assert_eq!(s.check().unwrap().integrity, "ok");
    s.conn
        .execute_batch(
            "INSERT INTO calls SELECT call_id, direction, our_number, other_number, call_status, agent_id, \
             disconnection_reason, start_ms, end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, \
             number_flags, placed_ms, short, completeness, fingerprint, run_id, anchor_day + 1, call_key \
             FROM calls WHERE call_id = 'm3';
             UPDATE calls SET call_key = call_key + 1 WHERE call_id = 'm4';",
        )
        .unwrap();
    let integrity = s.check().unwrap().integrity;
    assert!(
        integrity.contains("1 call_id(s) stored more than once"),
        "{integrity}"
    );
    assert!(
        integrity.contains("filed under the wrong lookup key"),
        "{integrity}"
    );
}

#[test]
fn rebuild_keeps_the_most_complete_version_of_a_repeated_id() {
    // As an older loader left a re-delivery whose start moved across midnight: two rows of
    // one call, each under its own day, the second more complete; both counted.
    let (_d, mut s) = open();
    let midnight = (T0 / 86_400_000 + 1) * 86_400_000;
    let kept = call(
        "r1",
        "+14155550100",
        midnight + 200,
        Some("marked_as_spam"),
        Some(0),
    );
    load(&mut s, vec![Item::Call(Box::new(kept.clone()), at(1))]);
    s.conn
        .execute_batch(&format!(
            "INSERT INTO calls SELECT call_id, direction, our_number, other_number, 'ongoing', agent_id, \
             NULL, start_ms - 300, NULL, NULL, in_voicemail, user_sentiment, call_successful, \
             number_flags, placed_ms - 300, short, completeness - 1, fingerprint + 1, run_id, anchor_day - 1, call_key \
             FROM calls WHERE call_id = 'r1';
             INSERT INTO number_hourly (number, hour, attempts, pending, marks) \
             VALUES ('+14155550100', {}, 1, 1, x'');",
            (midnight - 300) / 3_600_000
        ))
        .unwrap();
    assert!(
        s.check()
            .unwrap()
            .integrity
            .contains("stored more than once")
    );
    assert_eq!(rollup_sum(&s, "attempts"), 2);
    s.rebuild(settings().short_call_ms, &BurstConfig::default())
        .unwrap();
    assert_eq!(s.check().unwrap().integrity, "ok");
    assert_eq!(s.get_call("r1").unwrap().unwrap(), kept);
    assert_eq!(rollup_sum(&s, "attempts"), 1);
    assert_eq!(rollup_sum(&s, "pending"), 0);
}

/// The calls of `incremental_bursts_equal_a_rebuild_in_any_order`: over four days, a heavy
/// number (about 200 a day, mostly short, at random), an ordinary one (about 40 a day) and
/// a quiet one, with short-call volleys planted at random moments (some across hour and
/// day boundaries), each call as its final version.
fn bursty_fleet(seed: u64) -> Vec<crate::model::CallRecord> {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(seed);
    let hour = 3_600_000i64;
    let start = T0 - 36 * hour;
    let mut calls = Vec::new();
    let mut push = |rng: &mut StdRng, number: &str, t: i64, short: bool| {
        let i = calls.len();
        let (reason, dur) = if short {
            ("dial_no_answer", rng.random_range(0..5_000))
        } else {
            ("user_hangup", rng.random_range(7_000..120_000))
        };
        calls.push(call(
            &format!("p{i:05}"),
            number,
            t,
            Some(reason),
            Some(dur),
        ));
    };
    for (number, per_hour, short_share) in [
        ("+14155550100", 25.0, 0.85),
        ("+14155550101", 4.0, 0.7),
        ("+14155550102", 0.3, 0.5),
    ] {
        // Business hours (8 of every 24) at random.
        let mut t = start as f64;
        while t < (start + 96 * hour) as f64 {
            let u: f64 = rng.random_range(f64::EPSILON..1.0);
            t += -u.ln() * hour as f64 / per_hour;
            let at = t as i64;
            if (at.div_euclid(hour) % 24) < 8 {
                let short = rng.random_bool(short_share);
                push(&mut rng, number, at, short);
            }
        }
        for _ in 0..rng.random_range(2..5) {
            let at = start + rng.random_range(0..96 * hour);
            let n = rng.random_range(12..25);
            let gap = rng.random_range(5_000..25_000);
            for k in 0..n {
                push(&mut rng, number, at + k * gap, true);
            }
        }
    }
    calls
}

/// Loads `files` one file each and returns what `check` says (its checksum covers every
/// stored burst with its expected and p_value), asserting a rebuild from the raw calls
/// gives the same.
fn load_files_and_rebuild(files: Vec<Vec<crate::model::CallRecord>>) -> crate::store::CheckReport {
    let (_d, mut s) = open();
    for f in files {
        let items = f
            .into_iter()
            .enumerate()
            .map(|(i, c)| Item::Call(Box::new(c), at(i as u64)))
            .collect();
        load(&mut s, items);
    }
    let incremental = s.check().unwrap();
    assert_eq!(incremental.integrity, "ok");
    let bursts = s.list_bursts(None, None, None).unwrap();
    s.rebuild(6000, &BurstConfig::default()).unwrap();
    let rebuilt = s.check().unwrap();
    assert_eq!(
        incremental,
        rebuilt,
        "incremental bursts must equal a rebuild: {bursts:#?}\nrebuilt: {:#?}",
        s.list_bursts(None, None, None).unwrap()
    );
    incremental
}

/// Bursts are a pure function of the stored calls: loaded in one file, a file per day in
/// time order, a file per day newest first (late-arriving old calls), or shuffled into
/// overlapping files (re-deliveries, and calls first delivered ongoing then ended, which
/// turns them short), ingest keeps exactly the bursts a rebuild finds.
#[test]
fn incremental_bursts_equal_a_rebuild_in_any_order() {
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    let day = 86_400_000i64;
    let mut found_some = 0;
    for seed in 0..4u64 {
        let fleet = bursty_fleet(seed);
        let mut sorted = fleet.clone();
        sorted.sort_by_key(|c| c.start_ms);
        let whole = load_files_and_rebuild(vec![sorted.clone()]);
        found_some += whole.bursts;

        let by_day = |calls: &[crate::model::CallRecord]| {
            let mut days: std::collections::BTreeMap<i64, Vec<_>> = Default::default();
            for c in calls {
                days.entry(c.start_ms.unwrap().div_euclid(day))
                    .or_default()
                    .push(c.clone());
            }
            days.into_values().collect::<Vec<_>>()
        };
        let forward = by_day(&sorted);
        let mut backward = forward.clone();
        backward.reverse();
        for files in [forward, backward] {
            assert_eq!(load_files_and_rebuild(files).checksum, whole.checksum);
        }

        // Shuffled into five overlapping files: a fifth of each file delivered again in
        // the next, and a tenth of the calls first arriving ongoing (not short) in an
        // earlier file.
        let mut rng = StdRng::seed_from_u64(seed + 100);
        let mut shuffled = fleet.clone();
        shuffled.shuffle(&mut rng);
        let mut files: Vec<Vec<_>> = shuffled
            .chunks(shuffled.len() / 5 + 1)
            .map(<[_]>::to_vec)
            .collect();
        for i in 1..files.len() {
            let again: Vec<_> = files[i - 1]
                .iter()
                .filter(|_| rng.random_bool(0.2))
                .cloned()
                .collect();
            files[i].extend(again);
            let early: Vec<_> = files[i]
                .iter()
                .filter(|_| rng.random_bool(0.1))
                .map(|c| call(&c.call_id, &c.our_number, c.start_ms.unwrap(), None, None))
                .collect();
            files[i - 1].extend(early);
        }
        assert_eq!(load_files_and_rebuild(files).checksum, whole.checksum);
    }
    assert!(found_some >= 8, "the fleets have bursts: {found_some}");
}

/// A database of schema version 8 (bursts found by the old fixed count, settings stored
/// with only window_minutes and min_short_calls) is upgraded by the first writer that
/// opens it: every burst re-detected from the stored marks in the migration's transaction,
/// the settings stored in full, and ingest goes on without asking for a rebuild.
#[test]
fn the_upgrade_to_version_9_re_detects_every_burst() {
    let (d, mut s) = open();
    let mut calls = bursty_fleet(1);
    calls.sort_by_key(|c| c.start_ms);
    let items = calls
        .into_iter()
        .enumerate()
        .map(|(i, c)| Item::Call(Box::new(c), at(i as u64)))
        .collect();
    load(&mut s, items);
    let want = s.check().unwrap();
    assert!(want.bursts > 0);
    s.conn
        .execute_batch(&format!(
            "ALTER TABLE bursts DROP COLUMN expected; ALTER TABLE bursts DROP COLUMN p_value; \
             ALTER TABLE pool_transitions DROP COLUMN own_daily_cap; \
             ALTER TABLE pool_transitions DROP COLUMN own_hourly_cap; \
             DELETE FROM bursts; INSERT INTO bursts VALUES ('+14155550100', {T0}, {}, 12, 10); \
             INSERT OR REPLACE INTO meta VALUES ('burst_settings', '{{\"window_minutes\":10,\"min_short_calls\":10}}'); \
             PRAGMA user_version = 8;",
            T0 + 60_000
        ))
        .unwrap();
    drop(s);
    let s = Store::open_rw(&d.path().join("t.db"), false).unwrap();
    assert_eq!(s.check().unwrap(), want);
    assert_eq!(
        s.meta_get(crate::store::meta::BURST_SETTINGS)
            .unwrap()
            .unwrap(),
        serde_json::to_string(&BurstConfig::default()).unwrap()
    );
    s.check_ingest_settings(6000, &BurstConfig::default())
        .unwrap();
}

/// Settings stored before the pace keys existed read them as their defaults; a changed
/// pace key is named in the refusal.
#[test]
fn old_stored_burst_settings_read_with_defaults_and_changes_are_named() {
    let (_d, s) = open();
    s.meta_set(crate::store::meta::SHORT_CALL_MS, "6000")
        .unwrap();
    s.meta_set(
        crate::store::meta::BURST_SETTINGS,
        r#"{"window_minutes":10,"min_short_calls":10}"#,
    )
    .unwrap();
    s.check_ingest_settings(6000, &BurstConfig::default())
        .unwrap();
    let changed = BurstConfig {
        max_p: 1e-6,
        baseline_hours: 48,
        ..BurstConfig::default()
    };
    let err = s
        .check_ingest_settings(6000, &changed)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bursts.baseline_hours changed from 24 to 48")
            && err.contains("bursts.max_p changed from 0.00000001 to 0.000001")
            && err.contains("numhealth rebuild"),
        "{err}"
    );
}
