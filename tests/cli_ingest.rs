//! The ingest contract, through the real binary: every input shape, re-delivery,
//! skipped records, rejects, stdin, .gz, exit codes, the lock, and privacy.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use common::{Env, fixture, n, stderr};

fn ingest(env: &Env, files: &[&str]) -> (i32, serde_json::Value) {
    let paths: Vec<String> = files
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let mut args = vec!["ingest", "--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    env.json(&args)
}

#[test]
fn summary_json_has_exactly_the_contract_keys() {
    let env = Env::new();
    let (code, v) = ingest(&env, &["calls.ndjson"]);
    assert_eq!(code, 0);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "already_rejected",
            "empty_files",
            "files",
            "inserted",
            "read",
            "rejected",
            "skipped",
            "unchanged",
            "updated"
        ]
    );
    // 4 phone calls (one inbound, one unknown reason), a web call and a record without numbers.
    assert_eq!(
        (
            n(&v, "files"),
            n(&v, "read"),
            n(&v, "inserted"),
            n(&v, "skipped")
        ),
        (1, 6, 4, 2)
    );
}

#[test]
fn every_input_shape_lands() {
    let env = Env::new();
    for (file, inserted) in [
        ("list-calls-v3.json", 4),
        ("list-calls-v2.json", 3),
        ("export.csv", 3),
        ("calls.ndjson.gz", 3),
        ("webhooks.ndjson", 1),
    ] {
        let (code, v) = ingest(&env, &[file]);
        assert_eq!(code, 0, "{file}: {v}");
        assert_eq!(n(&v, "inserted"), inserted, "{file}: {v}");
        assert_eq!(n(&v, "rejected"), 0, "{file}: {v}");
    }
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 5);
    let files = runs[0]["file_list"].as_array().unwrap();
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(files[0]["shape"], "ndjson_webhook_events");
}

#[test]
fn webhook_redelivery_updates_and_ignores_other_events() {
    let env = Env::new();
    let (_, v) = ingest(&env, &["webhooks.ndjson"]);
    // started inserts, ended and analyzed update, transcript_updated is skipped.
    assert_eq!(
        (
            n(&v, "read"),
            n(&v, "inserted"),
            n(&v, "updated"),
            n(&v, "skipped")
        ),
        (4, 1, 2, 1)
    );
    let (_, again) = ingest(&env, &["webhooks.ndjson"]);
    // The same deliveries again change nothing (older versions never overwrite newer ones).
    assert_eq!(
        (
            n(&again, "inserted"),
            n(&again, "updated"),
            n(&again, "unchanged")
        ),
        (0, 0, 3)
    );
}

#[test]
fn same_file_twice_is_unchanged() {
    let env = Env::new();
    ingest(&env, &["list-calls-v2.json"]);
    let (code, v) = ingest(&env, &["list-calls-v2.json"]);
    assert_eq!(code, 0);
    assert_eq!(
        (n(&v, "inserted"), n(&v, "updated"), n(&v, "unchanged")),
        (0, 0, 3)
    );
}

#[test]
fn stdin_is_read_with_dash() {
    let env = Env::new();
    let mut child = env
        .cmd()
        .args(["ingest", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(fixture("list-calls-v2.json")).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&v, "inserted"), 3);
}

#[test]
fn bad_records_are_kept_aside_and_good_ones_land() {
    let env = Env::new();
    let (code, v) = ingest(&env, &["bad-records.ndjson"]);
    assert_eq!(code, 2, "{v}");
    assert_eq!((n(&v, "inserted"), n(&v, "rejected")), (3, 9), "{v}");
    let (code, rej) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(code, 0);
    let rej = rej.as_array().unwrap();
    assert_eq!(rej.len(), 9);
    let by_line = |line: i64| {
        rej.iter()
            .find(|r| r["line"] == line)
            .unwrap_or_else(|| panic!("no reject at line {line}"))
    };
    assert!(by_line(2)["reason"].as_str().unwrap().len() > 5);
    assert_eq!(by_line(4)["field"], "call_id");
    assert_eq!(by_line(5)["field"], "from_number");
    assert_eq!(by_line(6)["field"], "end_timestamp");
    assert_eq!(by_line(7)["field"], "start_timestamp");
    assert_eq!(by_line(8)["field"], "duration_ms");
    assert_eq!(by_line(9)["field"], "start_timestamp");
    assert!(
        by_line(11)["reason"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("utf")
    );
    assert!(
        rej.iter()
            .all(|r| r["file"].as_str().unwrap().ends_with("bad-records.ndjson"))
    );
    assert!(by_line(5)["raw"].as_str().unwrap().contains("not-a-number"));
}

#[test]
fn a_missing_file_fails_but_the_others_land() {
    let env = Env::new();
    let out = env.run(&[
        "ingest",
        "--format",
        "json",
        fixture("list-calls-v2.json").to_str().unwrap(),
        "/nonexistent/calls.ndjson",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/calls.ndjson"),
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&v, "inserted"), 3);
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "failed");
}

#[test]
fn a_truncated_gzip_rolls_its_file_back() {
    let env = Env::new();
    let full = std::fs::read(fixture("calls.ndjson.gz")).unwrap();
    let cut = env.dir.path().join("cut.ndjson.gz");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let out = env.run(&["ingest", "--format", "json", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(n(&v, "inserted"), 0, "nothing half-applied");
    let (_, chk) = env.json(&["check", "--format", "json"]);
    assert_eq!(chk["calls"], 0);
}

#[test]
fn database_is_private_and_a_locked_database_exits_3() {
    let env = Env::new();
    ingest(&env, &["list-calls-v2.json"]);
    let mode = std::fs::metadata(env.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(format!("{}.lock", env.db().display()))
        .unwrap();
    lock.lock().unwrap();
    let out = env.run(&["ingest", fixture("list-calls-v2.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    // Readers are not blocked by a writer.
    assert_eq!(env.run(&["runs"]).status.code(), Some(0));
    drop(lock);
    let out = env.run(&[
        "ingest",
        "-q",
        fixture("list-calls-v2.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "quiet means quiet: {}", stderr(&out));
}

#[test]
fn unknown_reasons_are_stored_and_counted() {
    let env = Env::new();
    ingest(&env, &["calls.ndjson"]);
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["unknown_reasons"], 1);
}

#[test]
fn numbers_outside_nanp_keep_every_digit() {
    let env = Env::new();
    let file = env.dir.path().join("calls.csv");
    std::fs::write(
        &file,
        "call_id,direction,from_number,to_number,start_timestamp,duration_ms,disconnection_reason\n\
         de-1,outbound,+4915112345678,+4930123456,1763640000000,30000,user_hangup\n\
         fr-1,outbound,+33 1 42 68 53 00,+33612345678,1763640060000,30000,user_hangup\n\
         br-1,outbound,+5511987654321,+5521987654321,1763640120000,30000,user_hangup\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["ingest", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let mut st = c
        .prepare("SELECT our_number FROM calls ORDER BY call_id")
        .unwrap();
    let stored: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored, ["+5511987654321", "+4915112345678", "+33142685300"]);
    // An operator names the number as the dialer does, and the mark finds it.
    let out = env.run(&["mark", "+49 151 12345678", "--status", "released"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("+4915112345678 "),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
