//! The smaller promises of the command-line contract, through the real binary: `prune`
//! and `simulate` guard against destroying data, `-q` silences `prune`, `number`'s score
//! history, what `check` reports, `bursts` JSON, the refusal after changed ingest
//! settings, and moments with no zone.

mod common;

use std::path::Path;

use common::{Env, fixture, n, stderr};

/// The six-line fixture: four calls stored, all placed on 2025-11-20.
fn fixture_env() -> Env {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["ingest", "--format", "json"])
        .arg(fixture("calls.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.check().calls, 4);
    env
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn prune_refuses_a_moment_in_the_future_and_deletes_nothing() {
    let env = fixture_env();
    let out = env.run(&["prune", "--before", "2030-01-01"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--before 2030-01-01 is in the future")
            && err.contains("which would be every call"),
        "{err}"
    );
    assert_eq!(stdout(&out), "");
    assert_eq!(env.check().calls, 4, "nothing deleted");
    // Past moments, relative ones and `now` itself, are allowed.
    assert_eq!(
        env.run(&["prune", "--before", "2d ago", "--dry-run"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        env.run(&["prune", "--before", "now", "--dry-run"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(env.check().calls, 4);
}

#[test]
fn prune_dry_run_counts_what_would_go_and_deletes_nothing() {
    let env = fixture_env();
    let out = env.run(&["prune", "--before", "2025-11-21", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "would delete 4 raw calls placed before 2025-11-21T00:00:00Z; nothing deleted (--dry-run)\n"
    );
    assert_eq!(env.check().calls, 4, "a dry run deletes nothing");
    let out = env.run(&["prune", "--before", "2025-11-01", "--dry-run"]);
    assert!(
        stdout(&out).starts_with("would delete 0 raw calls"),
        "{}",
        stdout(&out)
    );

    // The real prune then deletes exactly what the dry run counted.
    let out = env.run(&["prune", "--before", "2025-11-21"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("deleted 4 raw calls"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.check().calls, 0);
}

#[test]
fn quiet_prune_prints_nothing() {
    let env = fixture_env();
    for args in [
        &["-q", "prune", "--before", "2025-11-20T00:00", "--dry-run"][..],
        &["-q", "prune", "--before", "2025-11-21T00:00"][..],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(stderr(&out), "", "{args:?}: no note with -q either");
    }
    assert_eq!(env.check().calls, 0, "the quiet prune still pruned");
}

#[test]
fn a_moment_with_no_zone_is_taken_as_utc_with_a_note() {
    let env = fixture_env();
    let out = env.run(&["prune", "--before", "2025-11-20T12:30", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "--before \"2025-11-20T12:30\" has no time zone; taken as UTC (2025-11-20T12:30:00Z)"
        ),
        "{err}"
    );
    // Rounded down to the hour, as prune cuts.
    assert!(
        stdout(&out).contains("placed before 2025-11-20T12:00:00Z"),
        "{}",
        stdout(&out)
    );
    // bursts reads its moments the same way.
    let out = env.run(&["bursts", "--since", "2025-11-20 00:00", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("--since \"2025-11-20 00:00\" has no time zone"));
    let zoned = env.run(&["bursts", "--since", "2025-11-20T00:00:00Z"]);
    assert_eq!(stderr(&zoned), "", "no note for a moment with a zone");
}

fn simulate(out: &Path, extra: &[&str]) -> std::process::Output {
    let env = Env::new();
    env.cmd()
        .arg("simulate")
        .arg("--out")
        .arg(out)
        .args(["--numbers", "2", "--days", "1", "--calls-per-day", "3"])
        .args(["--ndjson-only", "-q"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn simulate_refuses_a_directory_with_files_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("fleet");
    std::fs::create_dir(&out_dir).unwrap();
    // An empty directory is fine.
    let out = simulate(&out_dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let calls = out_dir.join("calls.ndjson");
    assert!(calls.exists());

    std::fs::write(out_dir.join("mine.txt"), "keep me").unwrap();
    std::fs::write(&calls, "old").unwrap();
    let out = simulate(&out_dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&out_dir.display().to_string()) && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "old",
        "nothing written"
    );

    let out = simulate(&out_dir, &["--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(std::fs::read_to_string(&calls).unwrap(), "old");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("mine.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn number_history_has_one_row_per_as_of_and_nothing_after_it() {
    let env = fixture_env();
    let mut runs = Vec::new();
    for as_of in ["2025-11-21", "2025-11-21", "2025-11-22"] {
        let (code, v) = env.json(&["score", "--as-of", as_of, "--format", "json"]);
        assert_eq!(code, 0, "{v}");
        runs.push(n(&v, "score_run"));
    }
    let history = |as_of: &str| {
        let (code, v) = env.json(&[
            "number",
            "+14155550100",
            "--as-of",
            as_of,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{v}");
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (n(r, "run_id"), n(r, "as_of_ms")))
            .collect::<Vec<_>>()
    };
    const NOV21: i64 = 1_763_683_200_000;
    const NOV22: i64 = NOV21 + 86_400_000;
    // The second run for 2025-11-21 replaces the first; the 2025-11-22 run is later.
    assert_eq!(history("2025-11-21"), [(runs[1], NOV21)]);
    assert_eq!(history("2025-11-22"), [(runs[1], NOV21), (runs[2], NOV22)]);
    let table = env.run(&["number", "+14155550100", "--as-of", "2025-11-21"]);
    let text = stdout(&table);
    let shown = text.split("score history:").nth(1).unwrap_or("");
    assert!(!shown.contains("2025-11-22"), "{text}");
    // Times are RFC 3339 like every other, and the pool's transitions stop at the moment
    // too: a retirement after it is not in the story of that moment.
    let out = env.run(&[
        "mark",
        "+14155550100",
        "--status",
        "retired",
        "--at",
        "2025-11-23T00:00:00Z",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let story = |as_of: &str| {
        let (code, v) = env.json(&[
            "number",
            "+14155550100",
            "--as-of",
            as_of,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{v}");
        v
    };
    let v = story("2025-11-22");
    assert_eq!(v["history"][0]["as_of"], "2025-11-21T00:00:00Z", "{v}");
    let tos: Vec<&str> = v["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert!(!tos.is_empty() && !tos.contains(&"retired"), "{tos:?}");
    let v = story("2025-11-23T01:00:00Z");
    assert_eq!(v["status"]["status"], "retired", "{v}");
    assert!(
        v["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["to"] == "retired")
    );
}

#[test]
fn check_says_whether_fleet_totals_and_attempt_marks_agree() {
    let env = fixture_env();
    let (code, v) = env.json(&["check", "--format", "json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["fleet_totals_agree"], true, "{v}");
    assert_eq!(v["attempt_marks_agree"], true, "{v}");
    let text = stdout(&env.run(&["check"]));
    let line = |key: &str| {
        text.lines()
            .find(|l| l.contains(key))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("no {key} line: {text}"))
    };
    assert!(line("fleet totals agree").ends_with("| yes"), "{text}");
    assert!(line("attempt marks agree").ends_with("| yes"), "{text}");

    let db = rusqlite::Connection::open(env.db()).unwrap();
    db.execute("UPDATE fleet_hourly SET attempts = attempts + 1", [])
        .unwrap();
    let (code, v) = env.json(&["check", "--format", "json"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["fleet_totals_agree"], false, "{v}");
    assert_eq!(v["attempt_marks_agree"], true, "{v}");
    let text = stdout(&env.run(&["check"]));
    assert!(
        text.lines()
            .any(|l| l.contains("fleet totals agree") && l.contains("| no")),
        "{text}"
    );

    db.execute("UPDATE number_hourly SET marks = x''", [])
        .unwrap();
    let (code, v) = env.json(&["check", "--format", "json"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["attempt_marks_agree"], false, "{v}");
}

/// Twelve short outbound calls from one number, 31 seconds apart: one burst.
fn burst_calls() -> String {
    const T: i64 = 1_763_632_800_000; // 2025-11-20T10:00:00Z
    (0..12)
        .map(|i| {
            let start = T + i * 31_000;
            format!(
                r#"{{"call_id":"burst_{i}","call_type":"phone_call","call_status":"ended","direction":"outbound","from_number":"+14155550100","to_number":"+1212555{:04}","start_timestamp":{start},"end_timestamp":{},"duration_ms":2000,"disconnection_reason":"user_hangup"}}"#,
                1000 + i,
                start + 2000
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn bursts_json_has_the_minutes_its_csv_has() {
    let env = Env::new();
    let file = env.dir.path().join("burst.ndjson");
    std::fs::write(&file, burst_calls()).unwrap();
    let out = env.cmd().arg("ingest").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let csv = stdout(&env.run(&["bursts", "--format", "csv"]));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "minutes").unwrap();
    let csv_minutes: Vec<f64> = lines
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect();
    assert_eq!(csv_minutes.len(), 1, "{csv}");

    let (code, v) = env.json(&["bursts", "--format", "json"]);
    assert_eq!(code, 0, "{v}");
    let json_minutes: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["minutes"]
                .as_f64()
                .unwrap_or_else(|| panic!("no minutes: {b}"))
        })
        .collect();
    assert_eq!(json_minutes, csv_minutes);
    assert!(json_minutes[0] > 5.0, "{v}");
    // The pace-relative figures: expected in CSV and JSON, p_value in JSON only, and the
    // table says it in words.
    assert!(
        header.contains(&"expected") && !header.contains(&"p_value"),
        "{csv}"
    );
    let b = &v[0];
    assert!(b["expected"].as_f64().unwrap() < 1.0, "{b}");
    assert!(b["p_value"].as_f64().unwrap() < 1e-8, "{b}");
    let table = stdout(&env.run(&["bursts", "--width", "200"]));
    assert!(
        table.contains("12 short calls in 5.7 minutes where its pace predicts about 0.6"),
        "{table}"
    );
}

#[test]
fn changed_ingest_settings_are_refused_by_the_names_the_user_wrote() {
    let env = fixture_env();
    let config = env.dir.path().join("numhealth.toml");
    let refused = |toml: &str| {
        std::fs::write(&config, toml).unwrap();
        let out = env
            .cmd()
            .arg("--config")
            .arg(&config)
            .arg("ingest")
            .arg(fixture("calls.ndjson"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stderr(&out)
    };
    let err = refused("[ingest]\nshort_call_secs = 8\n");
    assert!(
        err.contains(
            "ingest.short_call_secs changed from 6 to 8 since the rollups were built; run `numhealth rebuild`"
        ),
        "{err}"
    );
    assert!(!err.contains("short_call_ms"), "{err}");
    let err = refused("[bursts]\nwindow_minutes = 5\nmin_short_calls = 4\n");
    assert!(
        err.contains("bursts.window_minutes changed from 10 to 5")
            && err.contains("bursts.min_short_calls changed from 10 to 4"),
        "{err}"
    );
    assert!(!err.contains("short_call_secs"), "{err}");
}

#[test]
fn evaluate_refuses_zero_seeds() {
    let env = Env::new();
    let out = env.run(&["evaluate", "--seeds", "0"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--seeds"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}
