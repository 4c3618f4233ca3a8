//! The stale-data guard through the real binary: on the sample data (its calls end
//! 2026-11-20) `score` and `export rotation` without `--as-of` refuse with exit 4 and
//! record nothing, `--allow-stale` goes ahead, readers and explicit `--as-of` moments
//! warn, an empty database is not stale, a pull that found nothing makes the data fresh,
//! and a webhook hears of one stale stretch once.

mod common;

// The same scripted loopback server `pull`'s tests use (not a copy).
#[path = "../src/pull/test_server.rs"]
mod test_server;

use std::path::Path;
use std::process::Output;

use common::{Env, stderr};
use serde_json::json;
use test_server::{Reply, Server};

/// The sample's newest call.
const NEWEST: &str = "newest call 2026-11-20T23:42:25Z";

fn sample_files() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.ends_with(".json")
                || name.ends_with(".ndjson")
                || name.ends_with(".gz")
                || name == "export.csv"
        })
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files
}

/// A database holding the sample data.
fn sample() -> Env {
    let env = Env::new();
    let out = env
        .cmd()
        .arg("ingest")
        .args(sample_files())
        .output()
        .unwrap();
    // 2: the sample holds a few records that are rejected on purpose.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    env
}

fn score_runs(env: &Env) -> i64 {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.query_row("SELECT count(*) FROM score_runs", [], |r| r.get(0))
        .unwrap()
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn stale_data_is_refused_without_as_of_and_warned_about_otherwise() {
    let env = sample();

    let out = env.run(&["score"]);
    assert_eq!(code(&out), Some(4), "{}", stderr(&out));
    let msg = stderr(&out);
    for part in [
        "days old",
        NEWEST,
        "no pull has completed",
        "--allow-stale",
        "nightly pull",
    ] {
        assert!(msg.contains(part), "{part:?} missing: {msg}");
    }
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(score_runs(&env), 0, "a refused score recorded a run");
    // -q hides warnings, not the refusal.
    let out = env.run(&["-q", "score"]);
    assert_eq!(code(&out), Some(4));
    assert!(stderr(&out).contains("--allow-stale"), "{}", stderr(&out));

    // (Explicit moments first: the pool's history is append-only, so no run may go back
    // before the transitions a run as of now records.)
    let out = env.run(&["score", "--as-of", "2026-11-21"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let out = env.run(&["score", "--as-of", "2026-11-25"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("warning: the newest data is 4 days older than --as-of 2026-11-25")
            && msg.contains(NEWEST),
        "{msg}"
    );
    assert_eq!(score_runs(&env), 2);

    let out = env.run(&["score", "--allow-stale"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: the newest data is"),
        "{}",
        stderr(&out)
    );
    assert_eq!(score_runs(&env), 3);

    let out = env.run(&["risky"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("numhealth: warning: the newest data is")
            && msg.contains(&format!("({NEWEST}); scores describe that moment, not now")),
        "{msg}"
    );
    assert!(!out.stdout.is_empty());
    let out = env.run(&["-q", "risky"]);
    assert_eq!(code(&out), Some(0));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let out = env.run(&["risky", "--as-of", "2026-01-01"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: --as-of 2026-01-01 is before the first stored call (2026-11-07T"),
        "{}",
        stderr(&out)
    );

    let top = String::from_utf8(
        env.run(&[
            "risky",
            "--as-of",
            "2026-11-21",
            "--top",
            "1",
            "--format",
            "csv",
        ])
        .stdout,
    )
    .unwrap();
    let number = top
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let out = env.run(&["number", &number]);
    assert!(
        stderr(&out).contains("warning: the newest data is"),
        "{}",
        stderr(&out)
    );

    let out = env.run(&["export", "rotation"]);
    assert_eq!(code(&out), Some(4), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("numhealth export rotation --allow-stale"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["export", "rotation", "--allow-stale"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("number,action,"));
    let out = env.run(&["export", "rotation", "--as-of", "2026-11-21"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn an_empty_database_is_not_stale() {
    let env = Env::new();
    let out = env.run(&["score"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(score_runs(&env), 0);
    let out = env.run(&["export", "rotation"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "number,action,rest_until,score,level,reasons,status,since,until,daily_cap,hourly_cap,\
         calls_today,remaining_today,flags,failures,bursts,engagement,pacing,evidence,trend\n"
    );
    let out = env.run(&["risky"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn a_pull_that_found_nothing_makes_old_calls_fresh() {
    let env = sample();
    // The nightly pull ran and the platform had no calls since: the watermark moves.
    let server = Server::start(vec![Reply::page(
        &json!({"items": [], "has_more": false, "pagination_key": null}),
    )]);
    let out = env
        .cmd()
        .args(["pull", "--since", "2026-11-20"])
        .env("RETELL_API_KEY", "sk-test-stale")
        .env("RETELL_BASE_URL", server.base_url())
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);

    let out = env.run(&["score"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(score_runs(&env), 1);
    let out = env.run(&["export", "rotation"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));

    // A watermark from long ago (an old pull, files ingested since) proves nothing.
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.execute(
        "UPDATE meta SET value = '1763596800000' WHERE key = 'pull_watermark_ms'",
        [],
    )
    .unwrap();
    let out = env.run(&["score"]);
    assert_eq!(code(&out), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{NEWEST}, last pull reached 2025-11-20T00:00:00Z")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_stale_stretch_sends_the_webhook_one_alert() {
    let env = sample();
    let server = Server::start(vec![Reply::json(200, "ok")]);
    let hook = format!("{}/hooks/stale", server.base_url());
    let score = |args: &[&str]| {
        env.cmd()
            .args(args)
            .env("NUMHEALTH_WEBHOOK_URL", &hook)
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let out = score(&["score"]);
        assert_eq!(code(&out), Some(4), "{}", stderr(&out));
    }
    // Scoring at an explicit moment, or anyway, raises no new stale-data alert (the
    // pool's changes have alerts of their own).
    assert_eq!(code(&score(&["score", "--as-of", "2026-11-30"])), Some(0));
    assert_eq!(code(&score(&["score", "--allow-stale"])), Some(0));
    let reqs: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.json()["kind"] != "transitions")
        .collect();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let body = reqs[0].json();
    assert_eq!(body["kind"], "stale", "{body}");
    assert_eq!(body["newest"], "2026-11-20T23:42:25Z", "{body}");
    assert!(reqs[0].header("idempotency-key").is_some());
}

#[test]
fn a_failed_alert_is_an_error_even_with_q_and_the_exit_stays_4() {
    let env = sample();
    let server = Server::start(vec![Reply::json(500, "down")]);
    let out = env
        .cmd()
        .args(["-q", "score"])
        .env(
            "NUMHEALTH_WEBHOOK_URL",
            format!("{}/hooks/s3cr3t", server.base_url()),
        )
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(4), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains("numhealth: error: webhook 127.0.0.1") && msg.contains("not delivered"),
        "{msg}"
    );
    assert!(msg.contains("--allow-stale"), "{msg}");
    assert!(!msg.contains("s3cr3t"), "{msg}");
    assert_eq!(server.requests().len(), 1);
}
