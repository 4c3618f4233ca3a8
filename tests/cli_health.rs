//! The health contract through the real binary on the bundled sample fleet: risky,
//! score history, number, bursts, export rotation and config.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Env, n, stderr};

const AS_OF: &str = "2026-11-21";

fn sample_env() -> Env {
    let env = Env::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut args: Vec<String> = vec!["ingest".into(), "--format".into(), "json".into()];
    for f in [
        "calls-older.ndjson.gz",
        "calls.ndjson",
        "webhooks.ndjson",
        "list-calls-v2.json",
        "export.csv",
    ] {
        args.push(dir.join(f).display().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, v) = env.json(&refs);
    assert_eq!(code, 0, "{v}");
    assert!(n(&v, "inserted") > 3000, "{v}");
    env
}

fn truth_kinds() -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/truth.csv"),
    )
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut it = l.split(',');
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn risky_export_bursts_number_and_history() {
    let env = sample_env();
    let kinds = truth_kinds();

    // risky: JSON carries the contract keys; riskiest first; only bad kinds are rested or retired.
    let (code, v) = env.json(&["risky", "--as-of", AS_OF, "--all", "--format", "json"]);
    assert_eq!(code, 0);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), kinds.len(), "every sample number is scored");
    for key in [
        "number",
        "score",
        "level",
        "action",
        "rest_until",
        "reasons",
        "components",
    ] {
        assert!(rows[0].get(key).is_some(), "{key} missing: {}", rows[0]);
    }
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "descending");
    for r in rows {
        let kind = &kinds[r["number"].as_str().unwrap()];
        let action = r["action"].as_str().unwrap();
        if matches!(action, "rest" | "retire") {
            assert!(
                ["burst_then_degrade", "already_flagged", "slow_degrader"].contains(&kind.as_str()),
                "{kind} number sent to {action}: {r}"
            );
        }
        if action == "rest" {
            assert!(r["rest_until"].as_str().unwrap() > AS_OF);
        }
    }
    let (_, top) = env.json(&["risky", "--as-of", AS_OF, "--top", "3", "--format", "json"]);
    assert_eq!(top.as_array().unwrap().len(), 3);
    let (_, hi) = env.json(&[
        "risky",
        "--as-of",
        AS_OF,
        "--all",
        "--min-score",
        "50",
        "--format",
        "json",
    ]);
    assert!(
        hi.as_array()
            .unwrap()
            .iter()
            .all(|r| r["score"].as_f64().unwrap() >= 50.0)
    );

    // CSV: header carries the contract columns.
    let out = env.run(&["risky", "--as-of", AS_OF, "--format", "csv"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("number,score,level,action,rest_until,reasons,"),
        "{text}"
    );

    // score records a run; number shows its history.
    let (code, s) = env.json(&["score", "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(s["numbers"].as_u64().unwrap() as usize, kinds.len());
    let worst = rows[0]["number"].as_str().unwrap();
    let (code, story) = env.json(&["number", worst, "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(story["assessment"]["action"], rows[0]["action"]);
    assert_eq!(story["history"].as_array().unwrap().len(), 1);
    assert_eq!(story["days"].as_array().unwrap().len(), 14);
    let table = env.run(&["number", worst, "--as-of", AS_OF]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("daily timeline"));
    assert_eq!(
        env.run(&["number", "+19999999999", "--as-of", AS_OF])
            .status
            .code(),
        Some(1)
    );

    // bursts: the burst numbers of the truth have bursts; CSV columns.
    let (_, bursts) = env.json(&["bursts", "--format", "json"]);
    let bursts = bursts.as_array().unwrap();
    assert!(!bursts.is_empty());
    for b in bursts {
        assert_eq!(
            kinds[b["number"].as_str().unwrap()],
            "burst_then_degrade",
            "{b}"
        );
        assert!(b["short_calls"].as_i64().unwrap() >= 10);
    }
    let out = env.run(&[
        "bursts",
        "--format",
        "csv",
        "--number",
        bursts[0]["number"].as_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("number,start,end,"), "{text}");
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.starts_with(bursts[0]["number"].as_str().unwrap()))
    );

    // export rotation: atomic, private, same verdicts as risky.
    let path = env.dir.path().join("rotation.csv");
    let out = env.run(&[
        "export",
        "rotation",
        "--as-of",
        AS_OF,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let csv = std::fs::read_to_string(&path).unwrap();
    assert!(csv.starts_with("number,action,rest_until,score,"));
    assert_eq!(csv.lines().count(), kinds.len() + 1);
    let stdout = env.run(&["export", "rotation", "--as-of", AS_OF]);
    assert_eq!(String::from_utf8(stdout.stdout).unwrap(), csv);
}

#[test]
fn config_prints_defaults_and_bad_config_is_refused() {
    let env = Env::new();
    let out = env.run(&["config"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("short_call_secs = 6"));
    assert!(text.contains("[score]"));
    let bad = env.dir.path().join("bad.toml");
    std::fs::write(&bad, "[bursts]\nwindow_minute = 5\n").unwrap();
    let out = env.run(&["--config", bad.to_str().unwrap(), "config"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.toml"), "{}", stderr(&out));
    // Reading commands on a missing database say how to start.
    let out = env.run(&["risky"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("numhealth ingest"),
        "{}",
        stderr(&out)
    );
}
