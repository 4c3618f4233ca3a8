//! `numhealth backtest` through the real binary, on a small simulated fleet: the JSON's
//! keys and the consistency of its figures, the table fitted to a width, the database
//! left untouched, and the refusals (usage errors exit 64, no data exits 1).

mod common;

use std::sync::OnceLock;

use common::{Env, SIM_END, simulated_calls, stderr};
use serde_json::Value;

const DAY_MS: f64 = 86_400_000.0;

/// 24 numbers over 14 days, 30 calls a day each, ingested once; tests copy the database.
fn fleet_db() -> &'static (Env, Vec<u8>) {
    static F: OnceLock<(Env, Vec<u8>)> = OnceLock::new();
    F.get_or_init(|| {
        let env = Env::new();
        let file = env.dir.path().join("calls.ndjson");
        std::fs::write(&file, simulated_calls(24, 14, 30, 11).join("\n") + "\n").unwrap();
        let out = env
            .cmd()
            .args(["ingest", "-q"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            !env.dir.path().join("nh.db-wal").exists(),
            "the last writer checkpointed"
        );
        let bytes = std::fs::read(env.db()).unwrap();
        (env, bytes)
    })
}

/// A fresh copy of the fleet's database.
fn copy() -> Env {
    let env = Env::new();
    std::fs::write(env.db(), &fleet_db().1).unwrap();
    env
}

fn ms(v: &Value) -> Option<i64> {
    v.as_str().map(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .timestamp_millis()
    })
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn json_has_exactly_the_figures_they_agree_and_nothing_is_written() {
    let env = copy();
    let before = std::fs::read(env.db()).unwrap();
    let since = format!("{}T00:00:00Z", "2026-11-11");
    let (code, v) = env.json(&[
        "backtest",
        "--since",
        &since,
        "--horizon",
        "3d",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        keys(&v),
        [
            "false_alarms",
            "lead_days_median",
            "numbers",
            "numbers_flagged",
            "warned_1d_share",
            "warned_before_flag",
            "warned_unflagged_share",
        ]
    );
    let flagged = v["numbers_flagged"].as_u64().unwrap();
    let warned = v["warned_before_flag"].as_u64().unwrap();
    assert!(
        flagged > 0,
        "the simulated fleet has first spam marks in the range: {v}"
    );
    assert!(warned <= flagged, "{v}");
    assert_eq!(v["lead_days_median"].is_null(), warned == 0, "{v}");
    let share_1d = v["warned_1d_share"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share_1d), "{v}");
    let unflagged = v["warned_unflagged_share"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&unflagged), "{v}");
    let rows = v["numbers"].as_array().unwrap();
    let since_ms = ms(&Value::from(since.as_str())).unwrap();
    let (mut with_flag, mut with_lead, mut false_alarms) = (0, 0, 0);
    for r in rows {
        assert_eq!(
            keys(r),
            [
                "false_alarm",
                "first_flag",
                "first_warning",
                "lead_days",
                "number"
            ]
        );
        let (flag, warning) = (ms(&r["first_flag"]), ms(&r["first_warning"]));
        assert!(flag.is_some() || warning.is_some(), "{r}");
        if let Some(f) = flag {
            with_flag += 1;
            assert!(f >= since_ms, "{r}");
        }
        match (flag, warning) {
            (Some(f), Some(w)) => {
                with_lead += 1;
                let lead = r["lead_days"].as_f64().unwrap();
                assert!((lead - (f - w) as f64 / DAY_MS).abs() < 1e-9, "{r}");
                assert!(lead > 0.0 && lead <= 3.0, "within the horizon: {r}");
            }
            _ => assert!(r["lead_days"].is_null(), "{r}"),
        }
        false_alarms += usize::from(r["false_alarm"].as_bool().unwrap());
    }
    assert_eq!(with_flag, flagged);
    assert_eq!(with_lead, warned);
    assert_eq!(false_alarms as u64, v["false_alarms"].as_u64().unwrap());
    if let Some(m) = v["lead_days_median"].as_f64() {
        let mut leads: Vec<f64> = rows
            .iter()
            .filter_map(|r| r["lead_days"].as_f64())
            .collect();
        leads.sort_by(f64::total_cmp);
        assert!(m >= leads[0] && m <= leads[leads.len() - 1], "{v}");
    }

    // Read-only: the file is byte for byte what it was, and no score run was recorded.
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
    let (code, pool) = env.json(&["numbers", "--format", "json"]);
    assert_eq!((code, pool), (0, Value::Array(vec![])));
}

#[test]
fn the_table_says_the_figures_and_fits_the_width() {
    let env = copy();
    let out = env.run(&["backtest", "--width", "70"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Replayed scoring every 6h"), "{text}");
    assert!(text.contains("False alarms"), "{text}");
    assert!(text.contains("| lead_days |"), "{text}");
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 70, "a line of {widest} columns:\n{text}");
    // The default range ends with the newest call's hour, the day after the last one.
    let next_day = chrono::NaiveDate::parse_from_str(SIM_END, "%Y-%m-%d")
        .unwrap()
        .succ_opt()
        .unwrap();
    assert!(text.contains(&format!("{next_day}T00:00:00Z")), "{text}");
}

#[test]
fn bad_flags_are_usage_errors_naming_the_flag() {
    let env = copy();
    let cases: &[(&[&str], &str)] = &[
        (&["--step", "0h"], "--step"),
        (&["--step", "6x"], "--step"),
        (&["--step=-6h"], "--step"),
        (&["--horizon", "0d"], "--horizon"),
        (&["--horizon", "soon"], "--horizon"),
        (&["--since", "last tuesday"], "--since"),
        (
            &["--since", "2026-11-15", "--until", "2026-11-10"],
            "--since",
        ),
        (
            &["--since", "2026-11-10", "--until", "2026-11-10"],
            "--since",
        ),
        (&["--step", "1m", "--horizon", "30d"], "--step"),
        (&["--format", "csv"], "--format"),
    ];
    for (flags, named) in cases {
        let mut args = vec!["backtest"];
        args.extend_from_slice(flags);
        let out = env.run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(64), "{flags:?}: {err}");
        assert!(err.contains(named), "{flags:?} should name {named}: {err}");
        assert!(out.stdout.is_empty(), "{flags:?}");
    }
}

#[test]
fn no_calls_stored_or_none_in_the_range_exit_1_with_a_message() {
    let env = copy();
    let out = env.run(&["backtest", "--since", "2020-01-01", "--until", "2020-02-01"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no calls between"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("the data runs from"),
        "{}",
        stderr(&out)
    );

    let empty = Env::new();
    let file = empty.dir.path().join("empty.ndjson");
    std::fs::write(&file, "").unwrap();
    let out = empty
        .cmd()
        .args(["ingest", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = empty.run(&["backtest", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("holds no calls"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    let missing = Env::new();
    let out = missing.run(&["backtest"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!missing.db().exists(), "a reader creates no database");
}
