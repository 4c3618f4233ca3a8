//! `numhealth pull` end to end: the real binary against a scripted HTTP server on
//! loopback (pages, retries, stalls, truncated bodies, refused keys), checking the JSON
//! summary, exit codes, what landed in the database, the watermark, and that the API key
//! appears in no output and no database byte.

#[path = "../src/pull/test_server.rs"]
mod test_server;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use tempfile::TempDir;
use test_server::{Recorded, Reply, Server};

const KEY: &str = "sk-live-NUMHEALTH-TEST-SECRET-7f3a9c";
const MINUTE: i64 = 60_000;
const OVERLAP_MINUTES: i64 = 30;

/// A database and a settings file with small timeouts and backoffs, in a temp dir.
struct Fixture {
    dir: TempDir,
    db: PathBuf,
    config: PathBuf,
}

/// One finished `numhealth pull`.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn summary(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "summary is not JSON ({e}): {}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Fixture {
    fn new(max_attempts: u32) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("n.db");
        let config = dir.path().join("numhealth.toml");
        std::fs::write(
            &config,
            format!(
                "[pull]\nread_timeout_secs = 1\nconnect_timeout_secs = 1\nbackoff_initial_ms = 10\n\
                 backoff_max_ms = 50\nmax_attempts = {max_attempts}\noverlap_minutes = {OVERLAP_MINUTES}\n"
            ),
        )
        .unwrap();
        Fixture { dir, db, config }
    }

    fn pull(&self, server: &Server, args: &[&str]) -> Run {
        self.pull_with_key(server, Some(KEY), args)
    }

    fn pull_with_key(&self, server: &Server, key: Option<&str>, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_numhealth"));
        cmd.arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(["pull", "--format", "json"])
            .args(args)
            .env_remove("NUMHEALTH_DB")
            .env_remove("NUMHEALTH_CONFIG")
            .env_remove("RETELL_API_KEY")
            .env("RETELL_BASE_URL", server.base_url());
        if let Some(k) = key {
            cmd.env("RETELL_API_KEY", k);
        }
        let out = cmd.output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_key_absent(&run);
        run
    }

    /// The key is in no output and in no byte of the database (or its WAL).
    fn assert_key_absent(&self, run: &Run) {
        assert!(!run.stdout.contains(KEY), "key on stdout: {}", run.stdout);
        assert!(!run.stderr.contains(KEY), "key on stderr: {}", run.stderr);
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("n.db"))
            {
                let bytes = std::fs::read(&path).unwrap();
                let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
                assert!(!found, "key stored in {}", path.display());
            }
        }
    }

    fn sql_i64(&self, sql: &str) -> Option<i64> {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .optional()
            .unwrap()
            .flatten()
    }

    fn watermark(&self) -> Option<i64> {
        self.sql_i64("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'pull_watermark_ms'")
    }

    fn calls(&self) -> i64 {
        self.sql_i64("SELECT count(*) FROM calls").unwrap_or(0)
    }
}

/// A whole minute some hours ago, so every call is in the past and plausible.
fn base_ms() -> i64 {
    let now = chrono::Utc::now().timestamp_millis();
    now - now % MINUTE - 6 * 60 * MINUTE
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn call(id: &str, start_ms: i64) -> Value {
    json!({
        "call_id": id, "call_type": "phone_call", "agent_id": "agent_a", "agent_version": 3,
        "call_status": "ended", "direction": "outbound",
        "from_number": "+14155552671", "to_number": "+12125552368",
        "start_timestamp": start_ms, "end_timestamp": start_ms + 40_000, "duration_ms": 40_000,
        "disconnection_reason": "user_hangup",
        "call_analysis": {"in_voicemail": false, "user_sentiment": "Neutral", "call_successful": true},
        "transcript_object": [], "latency": {"e2e": {"p50": 800}}
    })
}

fn page(calls: Vec<Value>, next: Option<&str>) -> Reply {
    Reply::page(&json!({"items": calls, "has_more": next.is_some(), "pagination_key": next}))
}

/// The request is a well-formed List Calls v3 call for [lo, hi] with cursor `key`.
fn assert_request(r: &Recorded, lo: i64, hi: i64, key: Option<&str>) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v3/list-calls");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let b = r.json();
    assert_eq!(
        b["filter_criteria"]["start_timestamp"],
        json!({"op": "bt", "type": "range", "value": [lo, hi]}),
        "{b}"
    );
    assert_eq!(b["sort_order"], "ascending");
    assert_eq!(b["limit"], 1000);
    match key {
        Some(k) => assert_eq!(b["pagination_key"], k, "{b}"),
        None => assert!(b.get("pagination_key").is_none(), "{b}"),
    }
}

fn counts(s: &Value) -> [u64; 8] {
    [
        "files",
        "pages",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "skipped",
        "rejected",
    ]
    .map(|k| s[k].as_u64().unwrap_or_else(|| panic!("no {k} in {s}")))
}

#[test]
fn three_pages_then_a_resume_from_the_watermark() {
    let t = base_ms();
    let (since, until) = (t, t + 120 * MINUTE);
    let server = Server::start(vec![
        page(
            vec![call("a1", t + MINUTE), call("a2", t + 2 * MINUTE)],
            Some("k2"),
        ),
        page(
            vec![call("b1", t + 3 * MINUTE), call("b2", t + 4 * MINUTE)],
            Some("k3"),
        ),
        page(
            vec![call("c1", t + 5 * MINUTE), call("c2", t + 6 * MINUTE)],
            None,
        ),
    ]);
    let f = Fixture::new(3);
    let run = f.pull(
        &server,
        &["--since", &rfc3339(since), "--until", &rfc3339(until)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(counts(&run.summary()), [3, 3, 6, 6, 0, 0, 0, 0]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_request(&reqs[0], since, until, None);
    assert_request(&reqs[1], since, until, Some("k2"));
    assert_request(&reqs[2], since, until, Some("k3"));
    assert_eq!(f.calls(), 6);
    assert_eq!(
        f.watermark(),
        Some(until),
        "a complete pull moves the watermark to --until"
    );
    assert_eq!(
        f.sql_i64("SELECT pages FROM runs WHERE kind = 'pull' AND status = 'ok'"),
        Some(3)
    );
    let c = rusqlite::Connection::open(&f.db).unwrap();
    let name: String = c
        .query_row("SELECT name FROM run_files WHERE ordinal = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        name,
        format!("page 3 of pull {}..{}", rfc3339(since), rfc3339(until))
    );

    // No --since: resume from the watermark minus the overlap. A late update of c2, a new
    // call and a broken record: exit 2, and the watermark still advances.
    let until2 = until + 60 * MINUTE;
    let mut bad = call("bad", until + MINUTE);
    bad["from_number"] = json!("not a number");
    let mut c2 = call("c2", t + 6 * MINUTE);
    c2["disconnection_reason"] = json!("agent_hangup");
    server.push(vec![page(
        vec![
            call("c1", t + 5 * MINUTE),
            c2,
            call("d1", until + 2 * MINUTE),
            bad,
        ],
        None,
    )]);
    let run = f.pull(&server, &["--until", &rfc3339(until2)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(counts(&run.summary()), [1, 1, 4, 1, 1, 1, 0, 1]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_request(&reqs[3], until - OVERLAP_MINUTES * MINUTE, until2, None);
    assert_eq!(f.watermark(), Some(until2));
    assert_eq!(f.calls(), 7);
}

#[test]
fn retries_429_500_stalls_and_broken_bodies_then_loads_the_page() {
    let t = base_ms();
    let ok = json!({"items": [call("r1", t + MINUTE)], "has_more": false, "pagination_key": null})
        .to_string();
    let server = Server::start(vec![
        Reply::json(429, r#"{"error":"rate limited"}"#).with_header("Retry-After", "1"),
        Reply::json(500, "internal error"),
        Reply::Delay(Duration::from_millis(1500), Box::new(Reply::json(200, &ok))),
        Reply::Truncated {
            declared: ok.len() + 100,
            body: ok[..ok.len() - 10].to_string(),
        },
        Reply::CutOff(ok[..ok.len() / 2].to_string()),
        Reply::json(200, &ok),
    ]);
    let f = Fixture::new(6);
    let until = t + 60 * MINUTE;
    let run = f.pull(
        &server,
        &["--since", &rfc3339(t), "--until", &rfc3339(until)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(counts(&run.summary()), [1, 1, 1, 1, 0, 0, 0, 0]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 6, "one request per scripted reply");
    for r in &reqs {
        assert_request(r, t, until, None);
    }
    // Retries are progress, told only to a person at a terminal: stderr is a pipe here,
    // as under cron, and a pull that got there in the end prints nothing on it.
    assert_eq!(run.stderr, "", "nothing but errors without a terminal");
    assert_eq!(f.watermark(), Some(until));
}

#[test]
fn a_failure_mid_pull_keeps_earlier_pages_and_the_next_run_converges() {
    let t = base_ms();
    let until = t + 60 * MINUTE;
    let mut script = vec![page(
        vec![call("a1", t + MINUTE), call("a2", t + 2 * MINUTE)],
        Some("k2"),
    )];
    script.extend(vec![Reply::json(500, "down"); 3]);
    let server = Server::start(script);
    let f = Fixture::new(3);
    let run = f.pull(
        &server,
        &["--since", &rfc3339(t), "--until", &rfc3339(until)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(counts(&run.summary()), [1, 1, 2, 2, 0, 0, 0, 0]);
    assert!(run.stderr.contains("page 2 of pull"), "{}", run.stderr);
    assert!(
        run.stderr.contains("3 attempt(s)") && run.stderr.contains("HTTP 500"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 4);
    assert_eq!(f.calls(), 2, "page 1 stays committed");
    assert_eq!(
        f.watermark(),
        Some(t + 2 * MINUTE),
        "only as far as committed pages reached"
    );
    assert_eq!(
        f.sql_i64("SELECT count(*) FROM runs WHERE kind = 'pull' AND status = 'failed'"),
        Some(1)
    );

    // The next run re-reads from the watermark minus the overlap and finishes the job.
    let until2 = until + 30 * MINUTE;
    server.push(vec![
        page(
            vec![call("a1", t + MINUTE), call("a2", t + 2 * MINUTE)],
            Some("k2"),
        ),
        page(vec![call("b1", t + 3 * MINUTE)], None),
    ]);
    let run = f.pull(&server, &["--until", &rfc3339(until2)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(counts(&run.summary()), [2, 2, 3, 1, 0, 2, 0, 0]);
    let reqs = server.requests();
    assert_request(
        &reqs[4],
        t + 2 * MINUTE - OVERLAP_MINUTES * MINUTE,
        until2,
        None,
    );
    assert_request(
        &reqs[5],
        t + 2 * MINUTE - OVERLAP_MINUTES * MINUTE,
        until2,
        Some("k2"),
    );
    assert_eq!(f.calls(), 3);
    assert_eq!(f.watermark(), Some(until2));
}

#[test]
fn a_refused_key_stops_at_once() {
    let server = Server::start(vec![
        Reply::json(401, r#"{"error_message":"Invalid API key"}"#),
        page(vec![], None),
    ]);
    let f = Fixture::new(5);
    let run = f.pull(&server, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("API key was refused"), "{}", run.stderr);
    assert!(run.stderr.contains("page 1 of pull"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "401 is not retried");
    assert_eq!(counts(&run.summary()), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(f.watermark(), None);
}

#[test]
fn an_invalid_page_fails_after_bounded_retries() {
    let server = Server::start(vec![Reply::json(200, "<html>gateway</html>"); 10]);
    let f = Fixture::new(10);
    let run = f.pull(&server, &["--since", "2026-01-01"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("page 1 of pull 2026-01-01T00:00:00Z.."),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
    assert_eq!(
        server.requests().len(),
        3,
        "bad bodies are retried a bounded number of times"
    );
    assert_eq!(f.watermark(), None);
}

#[test]
fn a_missing_key_is_a_clear_error_before_anything_happens() {
    let server = Server::start(vec![]);
    let f = Fixture::new(3);
    let run = f.pull_with_key(&server, None, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("RETELL_API_KEY is not set"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
    assert!(!f.db.exists(), "no database is created");
}
