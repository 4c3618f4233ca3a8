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

/// The fixture export's header and rows, each with the columns named in `drop` removed
/// (the fixture has no quoted cells).
fn export_without(drop: &[&str]) -> String {
    let text = std::fs::read_to_string(fixture("export.csv")).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !drop.contains(&header[i]))
        .collect();
    std::iter::once(header)
        .chain(lines)
        .map(|cells| {
            let kept: Vec<&str> = keep.iter().map(|&i| cells[i]).collect();
            format!("{}\n", kept.join(","))
        })
        .collect()
}

#[test]
fn a_csv_cut_off_inside_its_last_row_rejects_that_row_and_keeps_the_rest() {
    let env = Env::new();
    let mut text = std::fs::read_to_string(fixture("export.csv")).unwrap();
    assert!(text.ends_with('\n'));
    text.push_str("call_0503,phone_call,agent_a,ended,outbound,+141555501");
    let file = write(&env, "cut.csv", text.as_bytes());
    let out = ingest(&env, &[], &[&file]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v = summary(&out);
    assert_eq!(
        (n(&v, "read"), n(&v, "inserted"), n(&v, "rejected")),
        (4, 3, 1),
        "{v}"
    );
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    let r = &rejects[0];
    assert_eq!(
        (&r["line"], &r["field"]),
        (&5.into(), &"from_number".into()),
        "{r}"
    );
    assert_eq!(
        r["reason"],
        "the file ends in the middle of this row: it has 6 fields, the header has 13 \
         (a truncated file?)"
    );
    // The cut number was not stored as one of ours.
    let (_, numbers) = env.json(&["numbers", "--format", "json"]);
    assert!(!numbers.to_string().contains("+141555501\""), "{numbers}");
}

#[test]
fn a_csv_without_our_numbers_column_never_drops_calls_in_silence() {
    let env = Env::new();
    // A direction column, no from_number: outbound rows cannot have our number. Each is
    // rejected naming the column (exit 2); an inbound row (ours is to_number) lands.
    let mut text = export_without(&["from_number"]);
    text.push_str("call_0600,phone_call,agent_a,ended,inbound,+14155550100,1763640000000,,,\n");
    let file = write(&env, "nofrom.csv", text.as_bytes());
    let out = ingest(&env, &[], &[&file]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let v = summary(&out);
    assert_eq!(
        (n(&v, "inserted"), n(&v, "rejected"), n(&v, "skipped")),
        (1, 3, 0),
        "{v}"
    );
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    let rejects = rejects.as_array().unwrap();
    assert!(
        rejects.iter().all(|r| r["field"] == "from_number"
            && r["reason"]
                == "the CSV header has no from_number column, so an outbound call's own \
                    number is missing"),
        "{rejects:?}"
    );
    // No direction column either: every row is outbound, none can be read. Refused
    // whole, like a CSV without call_id (exit 1, nothing kept).
    let env = Env::new();
    let file = write(
        &env,
        "nofrom.csv",
        export_without(&["from_number", "direction"]).as_bytes(),
    );
    let out = ingest(&env, &[], &[&file]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "nofrom.csv: the CSV header has no from_number column and no direction column"
        ),
        "{err}"
    );
    let (_, rejects) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(rejects.as_array().map(Vec::len), Some(0), "{rejects}");
}
