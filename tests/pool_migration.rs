//! The pool's migration on real files: the schema v1 fixture, with a score run added the
//! way version 1 stored it, is upgraded in place by a writing command; every number in
//! its rollups joins the pool with the status its latest score run implies (or active),
//! each with one first transition saying where it came from.

mod common;

use common::{Env, fixture, stderr};
use numhealth::pool::{Source, Status};
use numhealth::store::Store;

const AS_OF: i64 = 1_763_683_200_000; // 2025-11-21T00:00Z

#[test]
fn the_version_1_fixture_joins_the_pool_from_its_rollups_and_last_score_run() {
    let env = Env::new();
    std::fs::copy(fixture("schema-v1.db"), env.db()).unwrap();
    let c = rusqlite::Connection::open(env.db()).unwrap();
    // A second number whose raw calls were pruned: only its rollup is left.
    c.execute_batch(
        "INSERT INTO number_hourly (number, hour, attempts, no_answer) VALUES ('+14155550111', 489900, 4, 4);
         INSERT INTO score_runs (id, as_of_ms, created_ms, numbers, settings) VALUES (1, 1763683200000, 1763683200000, 1, '{}');
         INSERT INTO scores (run_id, number, score, level, action, rest_until, flags, failures, bursts, engagement,
                             pacing, evidence, attempts, reasons)
         VALUES (1, '+14155550100', 88, 'critical', 'rest', '2025-12-15', 90, 0, 0, 0, 0, 40, 3, '[]');",
    )
    .unwrap();
    drop(c);

    let out = env.run(&[
        "ingest",
        "-q",
        fixture("list-calls-v2.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let s = Store::open_ro(&env.db()).unwrap();
    let reg = s.pool_registry().unwrap();
    let got: Vec<(&str, Status, Option<String>, i64)> = reg
        .iter()
        .map(|e| {
            (
                e.number.as_str(),
                e.status,
                e.until.map(|d| d.to_string()),
                e.caps.daily,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "+14155550100",
                Status::Resting,
                Some("2025-12-15".into()),
                0
            ),
            ("+14155550111", Status::Active, None, 100),
        ]
    );
    assert_eq!(reg[0].since_ms, AS_OF);
    // The rest ends at the number's local midnight: 415 is Pacific time (UTC-8 in December).
    assert_eq!(
        reg[0].until_ms,
        Some(AS_OF + 24 * 86_400_000 + 8 * 3_600_000)
    );
    // Never scored: active since its first hour.
    assert_eq!(reg[1].since_ms, 489_900 * 3_600_000);
    for e in &reg {
        let t = s.pool_transitions(&e.number).unwrap();
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].from, t[0].to, t[0].source),
            (None, e.status, Source::Policy)
        );
        assert_eq!(t[0].at_ms, e.since_ms);
        assert!(
            t[0].reason.starts_with("registered by the upgrade"),
            "{}",
            t[0].reason
        );
    }
    assert!(
        s.pool_transitions("+14155550100").unwrap()[0]
            .reason
            .contains("from score run 1 (rest until 2025-12-15): resting")
    );
}
