//! Helpers for tests that drive the real `numhealth` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("nh.db")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_numhealth"));
        c.arg("--db").arg(self.db());
        c.env_remove("NUMHEALTH_DB")
            .env_remove("NUMHEALTH_CONFIG")
            .env_remove("RETELL_API_KEY");
        c.stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Runs and parses stdout as JSON.
    pub fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = self.run(args);
        let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), v)
    }
}

pub fn n(v: &serde_json::Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `numhealth check --format json`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub integrity: String,
    pub calls: i64,
    pub rollup_rows: i64,
    pub bursts: i64,
    pub checksum: String,
}

impl Check {
    pub fn from_json(v: &serde_json::Value) -> Check {
        Check {
            integrity: v["integrity"].as_str().unwrap_or("?").to_string(),
            calls: n(v, "calls"),
            rollup_rows: n(v, "rollup_rows"),
            bursts: n(v, "bursts"),
            checksum: v["checksum"].as_str().unwrap_or("?").to_string(),
        }
    }
}

impl Env {
    /// `check` on this database. A run killed before its first migration committed leaves
    /// a database at schema version 0 that `check` (a reader) refuses to read; then SQLite's
    /// own `PRAGMA integrity_check` must say ok and the database counts as empty.
    pub fn check(&self) -> Check {
        check_db(&self.db())
    }
}

pub fn check_db(db: &Path) -> Check {
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("--db")
        .arg(db)
        .args(["check", "--format", "json"])
        .env_remove("NUMHEALTH_DB")
        .env_remove("NUMHEALTH_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if out.status.code() == Some(1) && stderr(&out).contains("schema version 0") {
        let c = rusqlite::Connection::open(db).unwrap();
        let integrity: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        return Check {
            integrity,
            calls: 0,
            rollup_rows: 0,
            bursts: 0,
            checksum: String::new(),
        };
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}), exit {:?}: {}",
            out.status.code(),
            stderr(&out)
        )
    });
    Check::from_json(&v)
}

/// The last day of every simulated fleet (fixed, so runs are reproducible).
pub const SIM_END: &str = "2026-11-20";

/// Calls of a simulated fleet (`simulate --ndjson-only`), each cut down to the fields
/// numhealth stores so that the debug binary parses them quickly. One JSON object a line,
/// in the simulator's order.
pub fn simulated_calls(numbers: usize, days: i64, calls_per_day: u32, seed: u64) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("simulate")
        .arg("--out")
        .arg(dir.path().join("sim"))
        .args(["--seed", &seed.to_string()])
        .args(["--numbers", &numbers.to_string()])
        .args(["--days", &days.to_string()])
        .args(["--calls-per-day", &calls_per_day.to_string()])
        .args(["--end", SIM_END, "--ndjson-only", "-q"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "simulate failed: {}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("sim/calls.ndjson")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(trimmed_call)
        .collect()
}

/// Writes `lines` as `parts` NDJSON files of about equal size into `dir`.
pub fn write_parts(dir: &Path, prefix: &str, lines: &[String], parts: usize) -> Vec<PathBuf> {
    let per = lines.len().div_ceil(parts);
    lines
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let p = dir.join(format!("{prefix}-{i}.ndjson"));
            let mut text = chunk.join("\n");
            text.push('\n');
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect()
}

pub fn path_args(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// One simulated call object cut down to the fields numhealth stores (so that the debug
/// binary parses it quickly), as one JSON line.
pub fn trimmed_call(line: &str) -> String {
    const KEEP: &[&str] = &[
        "call_id",
        "call_type",
        "call_status",
        "direction",
        "from_number",
        "to_number",
        "start_timestamp",
        "end_timestamp",
        "duration_ms",
        "disconnection_reason",
    ];
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let mut o = serde_json::Map::new();
    for k in KEEP {
        if let Some(x) = v.get(*k) {
            o.insert((*k).to_string(), x.clone());
        }
    }
    if let Some(a) = v.get("call_analysis") {
        let mut ca = serde_json::Map::new();
        for k in ["in_voicemail", "user_sentiment", "call_successful"] {
            if let Some(x) = a.get(k) {
                ca.insert(k.to_string(), x.clone());
            }
        }
        o.insert("call_analysis".into(), ca.into());
    }
    serde_json::Value::Object(o).to_string()
}
