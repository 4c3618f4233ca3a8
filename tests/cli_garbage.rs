//! Garbage and odd inputs through the real binary: a file in which nothing is
//! recognisable fails (exit 1, named), while the other files of the run still land; an
//! empty file is no failure; a lead's unusable number does not cost our number its call.

mod common;

use std::path::PathBuf;

use common::{Env, fixture, n, stderr};

fn write(env: &Env, name: &str, content: &[u8]) -> PathBuf {
    let p = env.dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn ingest(env: &Env, extra: &[&str], paths: &[&PathBuf]) -> std::process::Output {
    let mut cmd = env.cmd();
    cmd.args(["ingest", "--format", "json"]).args(extra);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {}", stderr(out)))
}

#[test]
fn an_html_page_saved_as_json_fails_by_name_and_the_other_files_land() {
    let env = Env::new();
    let page = write(
        &env,
        "calls.json",
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
          <body><center><h1>502 Bad Gateway</h1></center></body></html>\n",
    );
    let good = fixture("list-calls-v2.json");
    let out = ingest(&env, &[], &[&page, &good]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&page.display().to_string()) && err.contains("looks like an HTML page"),
        "{err}"
    );
    let v = summary(&out);
    assert_eq!((n(&v, "inserted"), n(&v, "rejected")), (3, 0), "{v}");
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "failed", "{runs}");
}

#[test]
fn plain_text_and_a_csv_without_call_id_fail_as_whole_files() {
    let env = Env::new();
    let text = write(&env, "zzzz.ndjson", b"zzzz\n");
    let out = ingest(&env, &[], &[&text]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("plain text"), "{}", stderr(&out));
    let csv = write(
        &env,
        "export.csv",
        b"id,from_number,to_number\nx,+14155550123,+12125551234\n",
    );
    let out = ingest(&env, &[], &[&csv]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("export.csv")
            && err.contains("no call_id column")
            && err.contains("id,from_number,to_number"),
        "{err}"
    );
    // Refused whole: nothing of it is kept, not even as rejects.
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(rejects.as_array().map(Vec::len), Some(0), "{rejects}");
}

#[test]
fn empty_files_are_not_failures() {
    let env = Env::new();
    let paths = [
        write(&env, "empty.ndjson", b""),
        write(&env, "empty.json", b"\n  \n"),
        write(&env, "empty.csv", b"\xEF\xBB\xBF\r\n"),
    ];
    let out = ingest(&env, &[], &paths.iter().collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = summary(&out);
    assert_eq!((n(&v, "read"), n(&v, "rejected")), (0, 0), "{v}");
}

#[test]
fn an_unusable_callee_number_keeps_our_numbers_attempt() {
    let env = Env::new();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = now_ms - 3_600_000;
    let line = format!(
        r#"{{"call_id":"gb1","direction":"outbound","from_number":"020 7946 0000","to_number":"07700 900123","start_timestamp":{start},"end_timestamp":{},"disconnection_reason":"user_hangup"}}"#,
        start + 20_000
    );
    let file = write(&env, "gb.ndjson", format!("{line}\n").as_bytes());
    let out = ingest(&env, &["--region", "GB"], &[&file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = summary(&out);
    assert_eq!((n(&v, "inserted"), n(&v, "rejected")), (1, 0), "{v}");
}

#[test]
fn an_api_error_body_saved_as_a_calls_file_fails_by_name_with_its_keys() {
    let env = Env::new();
    let body = write(
        &env,
        "calls.json",
        b"{\"error\":\"unauthorized\",\"status\":401}\n",
    );
    let objects = write(&env, "foo.ndjson", b"{\"foo\":1}\n{}\n");
    let good = fixture("list-calls-v2.json");
    let out = ingest(&env, &[], &[&body, &objects, &good]);
    // A failed file (1), not "some records rejected" (2): cron must stop on it.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: no call records recognised: its only record (line 1) is a JSON object with \
             none of the call fields (keys: error, status); is it an error response saved as \
             a file?",
            body.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: no call records recognised: none of its 2 records",
            objects.display()
        )),
        "{err}"
    );
    let v = summary(&out);
    assert_eq!((n(&v, "inserted"), n(&v, "rejected")), (3, 0), "{v}");
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(rejects.as_array().map(Vec::len), Some(0), "{rejects}");
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["status"], "failed", "{runs}");
}

#[test]
fn an_error_object_among_calls_is_a_reject_and_the_calls_land() {
    let env = Env::new();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let call = format!(
        r#"{{"call_id":"c1","direction":"outbound","from_number":"+14155550123","to_number":"+12125551234","start_timestamp":{}}}"#,
        now_ms - 3_600_000
    );
    let file = write(
        &env,
        "mixed.ndjson",
        format!("{call}\n{{\"error\":\"rate limited\"}}\n").as_bytes(),
    );
    let out = ingest(&env, &[], &[&file]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v = summary(&out);
    assert_eq!((n(&v, "inserted"), n(&v, "rejected")), (1, 1), "{v}");
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(rejects[0]["line"], 2, "{rejects}");
    assert!(
        rejects[0]["reason"].as_str().is_some_and(
            |r| r.contains("none of the call fields") && r.ends_with("its keys: error")
        ),
        "{rejects}"
    );
}
