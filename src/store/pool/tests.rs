//! Pool storage tests: a schema v3 database with score runs joins the pool with the
//! status its latest run implies; plans and marks round-trip through the tables; the
//! history refuses updates and deletes; a refused mark writes nothing.

use chrono_tz::Tz;
use rusqlite::{Connection, params};

use super::*;
use crate::health::assessment::{Action, Assessment, Components, Level, Metrics};
use crate::health::score::{RestCause, ScoreConfig};
use crate::pool::{PoolConfig, plan};
use crate::store::{keys, marks, migrations, schema_version};

const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z
const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

fn rules_with<'a>(pool: &'a PoolConfig, score: &'a ScoreConfig) -> Rules<'a> {
    Rules {
        pool,
        score,
        // UTC for every number: these tests are about the rules, not the zones.
        zones: Zones::with_lookup(Tz::UTC, |_| None),
    }
}

fn rollup(conn: &Connection, number: &str, at_ms: i64) {
    conn.execute(
        "INSERT INTO number_hourly (number, hour, attempts, no_answer) VALUES (?1, ?2, 10, 10)",
        params![number, at_ms / HOUR],
    )
    .unwrap();
}

fn score_row(conn: &Connection, run: i64, number: &str, action: &str, until: Option<&str>) {
    conn.execute(
        "INSERT INTO scores (run_id, number, score, level, action, rest_until, flags, failures, bursts, engagement, \
         pacing, evidence, attempts, reasons) VALUES (?1, ?2, 80, 'critical', ?3, ?4, 0, 0, 0, 0, 0, 50, 10, '[]')",
        params![run, number, action, until],
    )
    .unwrap();
}

#[test]
fn a_version_3_database_joins_the_pool_with_the_status_its_last_run_implies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v3.db");
    let mut conn = Connection::open(&path).unwrap();
    marks::register(&conn).unwrap();
    keys::register(&conn).unwrap();
    migrations().to_version(&mut conn, 3).unwrap();
    for n in [
        "+1415555000A",
        "+1415555000B",
        "+1415555000C",
        "+1415555000E",
    ] {
        rollup(&conn, n, T - 20 * DAY);
    }
    rollup(&conn, "+1415555000D", T - 3 * DAY + 5 * HOUR);
    rollup(&conn, "+1415555000D", T - 2 * DAY);
    conn.execute(
        "INSERT INTO score_runs (id, as_of_ms, created_ms, numbers, settings) VALUES (1, ?1, ?1, 4, '{}'), (2, ?2, ?2, 3, '{}')",
        params![T - 10 * DAY, T],
    )
    .unwrap();
    score_row(&conn, 1, "+1415555000A", "rest", Some("2025-12-01"));
    score_row(&conn, 2, "+1415555000A", "retire", None);
    score_row(&conn, 2, "+1415555000B", "rest", Some("2025-12-20"));
    score_row(&conn, 1, "+1415555000C", "rest", Some("2025-12-01"));
    score_row(&conn, 2, "+1415555000C", "keep", None);
    score_row(&conn, 1, "+1415555000E", "rest", Some("2025-11-25"));
    drop(conn);

    let mut s = Store::open_rw(&path, false).unwrap();
    assert_eq!(s.user_version().unwrap(), schema_version());
    // Version 10 filled every transition's own caps (none here: 0 and 0).
    let unknown: i64 = s
        .conn
        .query_row(
            "SELECT count(*) FROM pool_transitions WHERE own_daily_cap IS NULL OR own_daily_cap != 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unknown, 0);
    assert!(count(&s, "pool_transitions") > 0);
    let reg = s.pool_registry().unwrap();
    type Row<'a> = (&'a str, Status, i64, Option<i64>, i64, Option<i64>);
    let got: Vec<Row<'_>> = reg
        .iter()
        .map(|e| {
            (
                &e.number[10..],
                e.status,
                e.since_ms,
                e.until_ms,
                e.caps.daily,
                e.score_run,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("0A", Status::Retired, T, None, 0, Some(2)),
            ("0B", Status::Resting, T, Some(T + 30 * DAY), 0, Some(2)),
            ("0C", Status::Active, T, None, 100, Some(2)),
            (
                "0D",
                Status::Active,
                T - 3 * DAY + 5 * HOUR,
                None,
                100,
                None
            ),
            (
                "0E",
                Status::Resting,
                T - 10 * DAY,
                Some(T + 5 * DAY),
                0,
                Some(1)
            ),
        ]
    );
    assert_eq!(reg[0].episode_floor_ms, Some(T));
    assert_eq!(reg[2].episode_floor_ms, None);
    let a = s.pool_transitions("+1415555000A").unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].from, a[0].to, a[0].source),
        (None, Status::Retired, Source::Policy)
    );
    assert_eq!(
        a[0].reason,
        "registered by the upgrade to schema v6 from score run 2 (retire): retired"
    );
    let b = s.pool_transitions("+1415555000B").unwrap();
    assert!(
        b[0].reason.contains("(rest until 2025-12-20): resting"),
        "{}",
        b[0].reason
    );
    let d = s.pool_transitions("+1415555000D").unwrap();
    assert!(d[0].reason.contains("never scored"), "{}", d[0].reason);
    // The registry is what the history replays to.
    let replayed = s.pool_registry_at(T).unwrap();
    assert_eq!(replayed.len(), 5);
    for (r, e) in replayed.iter().zip(&reg) {
        assert_eq!(
            (r.status, r.since_ms, r.until, r.caps),
            (e.status, e.since_ms, e.until, e.caps)
        );
    }

    // The policy takes over: E's rest is over by now; A stays retired.
    let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
    let p = plan(
        &reg,
        &[],
        &Default::default(),
        T + 6 * DAY,
        None,
        &rules_with(&pool, &score),
    );
    assert_eq!(p.transitions.len(), 1);
    s.apply_pool_plan(&p.with_run(3)).unwrap();
    let e = s.pool_entry("+1415555000E").unwrap().unwrap();
    assert_eq!(
        (e.status, e.caps.daily, e.score_run),
        (Status::Probation, 25, Some(3))
    );
    assert_eq!(s.pool_transitions("+1415555000E").unwrap().len(), 2);
    // Recorded when the rest ended, not at the run that noticed it.
    let t = s.pool_transitions("+1415555000E").unwrap();
    assert_eq!(t[1].at_ms, e.since_ms);
    assert!(t[1].at_ms < T + 6 * DAY && t[1].at_ms > t[0].at_ms);
    assert_eq!(s.pool_last_transition_ms().unwrap(), Some(t[1].at_ms));
    // So the history of a moment between the rest's end and that run says what a view
    // said live then (probation on the ramp), and before the end, resting.
    let rules = rules_with(&pool, &score);
    let between = s.pool_status_at(t[1].at_ms + 3_600_000, &rules).unwrap();
    let row = &between["+1415555000E"];
    assert_eq!((row.status, row.caps.daily), (Status::Probation, 25));
    let before = s.pool_status_at(t[1].at_ms - 3_600_000, &rules).unwrap();
    assert_eq!(before["+1415555000E"].status, Status::Resting);
}

fn verdict(n: &str, action: Action, cause: Option<RestCause>, until: Option<&str>) -> Assessment {
    Assessment {
        number: n.into(),
        score: 80.0,
        level: Level::High,
        action,
        rest_until: until.map(Into::into),
        rest_cause: cause,
        components: Components::default(),
        reasons: vec!["why".into()],
        attempts: 100,
        metrics: Metrics::default(),
    }
}

fn count(s: &Store, table: &str) -> i64 {
    s.conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn plans_and_marks_round_trip_and_history_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_rw(&dir.path().join("t.db"), false).unwrap();
    let (a, b) = ("+14155550100", "+14155550101");
    rollup(&s.conn, a, T - DAY);
    rollup(&s.conn, b, T - DAY);
    let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
    let rules = rules_with(&pool, &score);
    let v = vec![
        verdict(a, Action::Throttle, None, None),
        verdict(b, Action::Rest, Some(RestCause::Flags), Some("2025-12-01")),
    ];
    let p = plan(&[], &v, &Default::default(), T, None, &rules).with_run(7);
    s.apply_pool_plan(&p).unwrap();
    assert_eq!(s.pool_registry().unwrap(), p.entries);
    assert_eq!(
        s.pool_transitions(b).unwrap(),
        vec![p.transitions[1].clone()]
    );
    let e = s.pool_entry(a).unwrap().unwrap();
    assert_eq!(
        (e.throttled_until_ms, e.caps.daily),
        (Some(T + 24 * HOUR), 50)
    );

    // The history cannot be rewritten.
    for sql in [
        "UPDATE pool_transitions SET reason = 'x'",
        "DELETE FROM pool_transitions",
    ] {
        let err = s.conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{err}");
    }

    // Refused marks write nothing, even for the numbers in the batch that were fine.
    let before = count(&s, "pool_transitions");
    let m = Mark {
        status: Status::Active,
        until: None,
        note: Some("cleared".into()),
        by: Some("bob".into()),
        at_ms: T + HOUR,
        daily_cap: Some(80),
        hourly_cap: None,
        add: false,
        replaces: None,
    };
    let err = s
        .pool_mark(&[b.into(), "+19995550000".into()], &m, &rules)
        .unwrap_err();
    // A refusal that depends on the data (exit 1), not on the flags.
    assert!(
        matches!(err, Error::Other(ref msg) if msg.contains("--add")),
        "{err}"
    );
    let resting = Mark {
        status: Status::Resting,
        ..m.clone()
    };
    // Resting without a date: the flags do not go together (usage).
    assert!(matches!(
        s.pool_mark(&[a.into()], &resting, &rules),
        Err(Error::Usage(_))
    ));
    assert_eq!(count(&s, "pool_transitions"), before);
    assert_eq!(s.pool_entry(b).unwrap().unwrap().status, Status::Resting);

    // A good batch: one operator transition per number (duplicates once).
    let t = s
        .pool_mark(&[b.into(), b.into(), a.into()], &m, &rules)
        .unwrap();
    assert_eq!(t.transitions.len(), 2);
    assert_eq!(t.entries.len(), 2);
    let e = s.pool_entry(b).unwrap().unwrap();
    assert_eq!(
        (
            e.status,
            e.source,
            e.caps.daily,
            e.own_caps.map(|c| c.daily)
        ),
        (Status::Active, Source::Operator, 80, Some(80))
    );
    assert_eq!(e.note.as_deref(), Some("cleared"));
    let hist = s.pool_transitions(b).unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(
        (hist[1].by.as_deref(), hist[1].from),
        (Some("bob"), Some(Status::Resting))
    );
    // A new number with --add, replacing a retired one (not an active one).
    let add = Mark {
        add: true,
        replaces: Some(a.into()),
        ..m.clone()
    };
    let err = s
        .pool_mark(&["+19995550000".into()], &add, &rules)
        .unwrap_err();
    assert!(err.to_string().contains("not retired"), "{err}");
    let retire = Mark {
        status: Status::Retired,
        daily_cap: None,
        ..m.clone()
    };
    s.pool_mark(&[a.into()], &retire, &rules).unwrap();
    s.pool_mark(&["+19995550000".into()], &add, &rules).unwrap();
    // A mark before the pool's last transition is refused even for a number with no
    // transition of its own: that moment's statuses were already answered.
    let early = Mark {
        at_ms: T,
        add: true,
        daily_cap: None,
        ..m.clone()
    };
    let err = s
        .pool_mark(&["+19995550002".into()], &early, &rules)
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    // Replaced once: a second newcomer for the same number is refused.
    let err = s
        .pool_mark(&["+19995550001".into()], &add, &rules)
        .unwrap_err();
    assert!(err.to_string().contains("already replaces it"), "{err}");
    let n = s.pool_entry("+19995550000").unwrap().unwrap();
    assert_eq!(n.replaces.as_deref(), Some(a));
    // The past is still answered from the history.
    let then = s.pool_registry_at(T).unwrap();
    let at_t: Vec<(&str, Status)> = then.iter().map(|e| (e.number.as_str(), e.status)).collect();
    assert_eq!(at_t, vec![(a, Status::Active), (b, Status::Resting)]);
    assert_eq!(s.pool_last_transition_ms().unwrap(), Some(T + HOUR));
}

#[test]
fn the_local_midnight_function_reads_dates_and_refuses_nonsense_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_rw(&dir.path().join("t.db"), false).unwrap();
    let q = |n: &str, d: Option<&str>| -> Option<i64> {
        s.conn
            .query_row("SELECT nh_local_midnight_ms(?1, ?2)", params![n, d], |r| {
                r.get(0)
            })
            .unwrap()
    };
    // The area-code table's zone: 415 is Pacific time (UTC-8 in November); numbers
    // outside the table take UTC.
    assert_eq!(q("+14155550100", Some("2025-11-20")), Some(T + 8 * HOUR));
    assert_eq!(q("+442071838750", Some("2025-11-20")), Some(T));
    assert_eq!(q("+14155550100", Some("2025-13-01")), None);
    assert_eq!(q("+14155550100", None), None);
}
