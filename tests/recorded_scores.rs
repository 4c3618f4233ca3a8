//! Recorded scores keep every score component (`health::components::FIELDS`), `trend`
//! included, with the values `score --format json` reports for the same run.

mod common;

use std::path::Path;

use common::{Env, stderr};
use numhealth::health::components::FIELDS;

#[test]
fn every_component_is_recorded_as_scored() {
    let env = Env::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/calls.ndjson");
    let out = env.run(&["-q", "ingest", sample.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, risky) = env.json(&[
        "risky",
        "--as-of",
        "2026-11-21",
        "--all",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{risky}");
    let out = env.run(&["-q", "score", "--as-of", "2026-11-21"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let columns: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
    let sql = format!(
        "SELECT {} FROM scores WHERE number = ?1",
        columns.join(", ")
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = risky.as_array().unwrap();
    assert!(!rows.is_empty());
    let mut trend_seen = false;
    for a in rows {
        let number = a["number"].as_str().unwrap();
        let recorded: Vec<f64> = stmt
            .query_row([number], |r| {
                (0..columns.len()).map(|i| r.get::<_, f64>(i)).collect()
            })
            .unwrap();
        for (name, got) in columns.iter().zip(&recorded) {
            assert_eq!(
                Some(*got),
                a["components"][name].as_f64(),
                "{number} {name}"
            );
        }
        trend_seen |= a["components"]["trend"].as_f64() > Some(0.0);
    }
    // The sample has rising failure rates, so the trend column is really exercised.
    assert!(trend_seen);
}
