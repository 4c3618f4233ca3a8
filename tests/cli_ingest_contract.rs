//! The ingest and pull side of the command-line contract, through the real binary: `-q`
//! prints nothing but errors, pull under cron prints no progress, empty files are warned
//! about and counted, re-ingested rejects are not stored again, paths that cannot be read
//! create no database, errors name a file once, `--db DIR` and a too-short number are
//! refused, and ingest says when it created the database.

mod common;

#[path = "../src/pull/test_server.rs"]
mod test_server;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Env, fixture, n, stderr};
use serde_json::{Value, json};
use test_server::{Reply, Server};

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn write(env: &Env, name: &str, bytes: &[u8]) -> PathBuf {
    let p = env.dir.path().join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

fn rejects_stored(env: &Env) -> Vec<Value> {
    let (c, v) = env.json(&["rejects", "--format", "json", "--limit", "1000"]);
    assert_eq!(c, 0, "{v}");
    v.as_array().unwrap().clone()
}

#[test]
fn quiet_ingest_prints_nothing_but_errors_and_json_still_goes_to_stdout() {
    let env = Env::new();
    let bad = fixture("bad-records.ndjson");
    let out = env.run(&["-q", "ingest", path(&bad)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no summary table with -q");
    assert_eq!(stderr(&out), "", "no notices with -q");

    let out = env.run(&[
        "-q",
        "ingest",
        "--format",
        "json",
        path(&fixture("calls.ndjson")),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(n(&json_of(&out), "files"), 1);
    assert_eq!(stderr(&out), "");

    // A failed file: its error is still printed, the summary is not.
    let html = write(
        &env,
        "page.json",
        b"<html><body>502 Bad Gateway</body></html>",
    );
    let out = env.run(&["-q", "ingest", path(&html), path(&fixture("calls.ndjson"))]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.starts_with("numhealth: error: ") && err.contains("page.json"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A List Calls page of one call that started at `start`, and one of a call with an
/// unusable number.
fn pages(start: i64) -> Vec<Reply> {
    let call = |id: &str, from: &str| {
        json!({
            "call_id": id, "call_type": "phone_call", "agent_id": "agent_a",
            "call_status": "ended", "direction": "outbound",
            "from_number": from, "to_number": "+12125552368",
            "start_timestamp": start, "end_timestamp": start + 40_000, "duration_ms": 40_000,
            "disconnection_reason": "user_hangup"
        })
    };
    vec![
        Reply::page(
            &json!({"items": [call("p1", "+14155552671")], "has_more": true, "pagination_key": "k2"}),
        ),
        Reply::page(
            &json!({"items": [call("p2", "not a number")], "has_more": false, "pagination_key": null}),
        ),
    ]
}

fn pull(env: &Env, server: &Server, args: &[&str]) -> Output {
    let config = write(
        env,
        "numhealth.toml",
        b"[pull]\nread_timeout_secs = 1\nconnect_timeout_secs = 1\nbackoff_initial_ms = 10\nbackoff_max_ms = 20\nmax_attempts = 2\n",
    );
    env.cmd()
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("RETELL_API_KEY", "sk-test-key")
        .env("RETELL_BASE_URL", server.base_url())
        .output()
        .unwrap()
}

#[test]
fn pull_under_cron_prints_no_progress_and_quiet_pull_no_summary() {
    let env = Env::new();
    let start = chrono::Utc::now().timestamp_millis() - 3_600_000;
    // stderr is a pipe here, as under cron: no line per page, only the rejects notice.
    let server = Server::start(pages(start));
    let out = pull(
        &env,
        &server,
        &["pull", "--since", "1d ago", "--format", "json"],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        (n(&v, "pages"), n(&v, "inserted"), n(&v, "rejected")),
        (2, 1, 1)
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("1 record(s) rejected and kept aside"), "{err}");

    // -q: neither table nor notice, on success as on failure; errors still show. (The
    // same pages again: their reject is already stored, so this pull exits 0.)
    let server = Server::start(pages(start));
    let out = pull(&env, &server, &["-q", "pull", "--since", "1d ago"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));

    let server = Server::start(vec![Reply::json(500, "down"); 2]);
    let out = pull(&env, &server, &["-q", "pull", "--since", "1d ago"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "", "no summary of a failed quiet pull");
    let err = stderr(&out);
    assert!(
        err.starts_with("numhealth: error: ") && err.contains("HTTP 500"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn an_empty_file_is_warned_about_counted_and_exits_0() {
    let env = Env::new();
    let empty = write(&env, "empty.ndjson", b"\n \n");
    let out = env.run(&["ingest", "--format", "json", path(&empty)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json_of(&out);
    assert_eq!(
        (n(&v, "files"), n(&v, "empty_files"), n(&v, "read")),
        (1, 1, 0),
        "{v}"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "numhealth: warning: {}: empty file, nothing to read",
            empty.display()
        )),
        "{err}"
    );
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["file_list"][0]["shape"], "empty", "{runs}");
    assert_eq!(runs[0]["status"], "ok");

    // In the table too; -q hides the warning.
    let out = env.run(&["-q", "ingest", path(&empty)]);
    assert_eq!((code(&out), stderr(&out)), (0, String::new()));
    let out = env.run(&["ingest", path(&empty)]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.split_whitespace().eq(["empty_files", "|", "1"])),
        "{}",
        stdout(&out)
    );
}

#[test]
fn re_ingesting_a_file_does_not_store_its_rejects_again() {
    let env = Env::new();
    let bad = fixture("bad-records.ndjson");
    let (c, first) = env.json(&["ingest", "--format", "json", path(&bad)]);
    assert_eq!(c, 2, "{first}");
    assert_eq!(
        (n(&first, "rejected"), n(&first, "already_rejected")),
        (9, 0)
    );
    for _ in 0..2 {
        let out = env.run(&["ingest", "--format", "json", path(&bad)]);
        assert_eq!(
            code(&out),
            0,
            "all its rejects were stored before: {}",
            stderr(&out)
        );
        let v = json_of(&out);
        assert_eq!(
            (n(&v, "rejected"), n(&v, "already_rejected")),
            (0, 9),
            "{v}"
        );
        assert!(
            !stderr(&out).contains("rejected and kept aside"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(rejects_stored(&env).len(), 9, "not 27 after three runs");
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "ok", "{runs}");

    // --clear-before removes what was recorded before the moment, and says how many.
    let out = env.run(&["rejects", "--clear-before", "2020-01-01"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cleared 0 rejects recorded before 2020-01-01T00:00:00Z"),
        "{}",
        stderr(&out)
    );
    assert_eq!(rejects_stored(&env).len(), 9);
    let out = env.run(&["rejects", "--clear-before", "now"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cleared 9 rejects recorded before"),
        "{}",
        stderr(&out)
    );
    assert!(rejects_stored(&env).is_empty());
    // Cleared rejects are new again.
    let (c, v) = env.json(&["ingest", "--format", "json", path(&bad)]);
    assert_eq!((c, n(&v, "rejected")), (2, 9), "{v}");
}

#[test]
fn paths_that_cannot_be_read_create_no_database_and_print_no_summary() {
    let env = Env::new();
    let dir = env.dir.path().join("drop");
    std::fs::create_dir(&dir).unwrap();
    let missing = env.dir.path().join("missing.ndjson");
    let out = env.run(&["ingest", path(&dir), path(&missing)]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "", "no summary");
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "numhealth: error: {} is a directory: pass its files, or --recursive to load every file below it",
            dir.display()
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "numhealth: error: cannot open {}: ",
            missing.display()
        )),
        "{err}"
    );
    assert_eq!(
        lines[1].matches("missing.ndjson").count(),
        1,
        "the path once: {err}"
    );
    assert_eq!(lines.len(), 2, "{err}");
    assert!(!env.db().exists(), "no database was created");
}

#[test]
fn recursive_loads_every_regular_file_below_a_directory_sorted() {
    let env = Env::new();
    let calls = std::fs::read(fixture("calls.ndjson")).unwrap();
    let v2 = std::fs::read(fixture("list-calls-v2.json")).unwrap();
    write(&env, "drop/b/later.json", &v2);
    write(&env, "drop/a.ndjson", &calls);
    write(&env, "drop/.partial.ndjson", b"{\"call_id\":");
    let dir = env.dir.path().join("drop");
    let out = env.run(&["ingest", "--recursive", "--format", "json", path(&dir)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(n(&json_of(&out), "files"), 2);
    // "loading the 2 files below it" is for a person at a terminal; quiet here (cron),
    // where only the database it created is named.
    assert!(!stderr(&out).contains("loading"), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("numhealth: created database "),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    let names: Vec<&str> = runs[0]["file_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let canon = std::fs::canonicalize(&dir).unwrap();
    assert_eq!(
        names,
        [canon.join("a.ndjson"), canon.join("b/later.json")].map(|p| p.display().to_string())
    );
}

#[test]
fn a_missing_file_among_good_ones_is_named_once() {
    let env = Env::new();
    let out = env.run(&[
        "ingest",
        "--format",
        "json",
        "missing.ndjson",
        path(&fixture("calls.ndjson")),
    ]);
    assert_eq!(code(&out), 1);
    assert_eq!(n(&json_of(&out), "inserted"), 4);
    let err = stderr(&out);
    assert!(
        err.lines()
            .any(|l| l.starts_with("numhealth: error: cannot open missing.ndjson: ")),
        "{err}"
    );
    assert_eq!(err.matches("missing.ndjson").count(), 1, "{err}");
    // A refused file names itself once too.
    let html = write(&env, "page.json", b"<html>gateway</html>");
    let out = env.run(&["ingest", path(&html)]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out).matches("page.json").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_directory_as_database_is_a_usage_error_naming_a_file_to_give() {
    let env = Env::new();
    let dir = env.dir.path();
    let want = format!(
        "numhealth: error: --db {} is a directory; give a file path such as {}\n",
        dir.display(),
        dir.join("numhealth.db").display()
    );
    for args in [
        &["ingest", path(&fixture("calls.ndjson"))][..],
        &["runs"][..],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_numhealth"))
            .arg("--db")
            .arg(dir)
            .args(args)
            .env_remove("NUMHEALTH_DB")
            .env_remove("NUMHEALTH_CONFIG")
            .output()
            .unwrap();
        assert_eq!(code(&out), 64, "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), want, "{args:?}");
    }
    assert!(
        !dir.with_extension("db.lock").exists(),
        "no lock file was made"
    );
}

#[test]
fn a_too_short_number_is_not_a_valid_number() {
    let env = Env::new();
    env.run(&["ingest", path(&fixture("calls.ndjson"))]);
    let out = env.run(&["number", "+1415455"]);
    assert_eq!(code(&out), 64, "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "numhealth: error: +1415455 is not a valid phone number (too short); give it in E.164, e.g. +14155550100\n"
    );
}

#[test]
fn ingest_names_the_database_it_created_and_rejects_keep_absolute_paths() {
    let env = Env::new();
    let db = env.db();
    std::fs::copy(
        fixture("bad-records.ndjson"),
        env.dir.path().join("bad.ndjson"),
    )
    .unwrap();
    // A relative path, from the file's directory.
    let out = env
        .cmd()
        .args(["ingest", "bad.ndjson"])
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let shown = std::fs::canonicalize(&db).unwrap();
    assert!(
        stderr(&out).contains(&format!(
            "numhealth: created database {}\n",
            shown.display()
        )),
        "{}",
        stderr(&out)
    );
    let absolute = std::fs::canonicalize(env.dir.path().join("bad.ndjson")).unwrap();
    let rejects = rejects_stored(&env);
    assert_eq!(rejects.len(), 9);
    assert!(
        rejects
            .iter()
            .all(|r| r["file"] == absolute.display().to_string()),
        "{rejects:?}"
    );
    // Only when it did not exist before.
    let out = env.run(&["ingest", path(&fixture("calls.ndjson"))]);
    assert!(
        !stderr(&out).contains("created database"),
        "{}",
        stderr(&out)
    );
    // Hidden by -q.
    let other = Env::new();
    let out = other.run(&["-q", "ingest", path(&fixture("calls.ndjson"))]);
    assert_eq!((code(&out), stderr(&out)), (0, String::new()));
    assert!(other.db().exists());
}

/// The rejects hint repeats the `--db` the user gave, so it can be pasted as it is.
#[test]
fn the_rejects_hint_names_the_database_the_user_gave() {
    let env = Env::new();
    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample/bad-records.ndjson"
    );
    let out = env.run(&["ingest", bad]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let db = env.db().display().to_string();
    let hint = format!("see `numhealth --db {db} rejects --run 1`");
    assert!(stderr(&out).contains(&hint), "{}", stderr(&out));
    // Without --db (the path from NUMHEALTH_DB), the hint is the plain command.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .args(["ingest", bad])
        .env("NUMHEALTH_DB", env.dir.path().join("other.db"))
        .env_remove("NUMHEALTH_CONFIG")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("see `numhealth rejects --run 1`"),
        "{}",
        stderr(&out)
    );
}
