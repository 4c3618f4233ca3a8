//! Checks that the files `write_fleet` and `write_flat_csv` produce are complete and
//! readable, and that the fast JSON encoder matches serde_json. (Its speed is measured by
//! `cargo bench --bench throughput`, see BENCHMARKS.md.)

use std::collections::HashSet;

use super::params;
use crate::sim::*;

#[test]
fn write_fleet_produces_every_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = SimParams {
        full_objects: true,
        ..params(3, 20, 6, 30)
    };
    let s = write_fleet(&p, dir.path(), false).unwrap();
    let names: HashSet<&str> = s.files.iter().map(|f| f.file.as_str()).collect();
    for want in [
        "calls.ndjson",
        "calls-older.ndjson.gz",
        "webhooks.ndjson",
        "list-calls-v2.json",
        "export.csv",
        "list-calls-v3-page-1.json",
        "bad-records.ndjson",
        "truth.csv",
        "confounders.csv",
    ] {
        assert!(names.contains(want), "{want}");
        assert!(dir.path().join(want).exists(), "{want}");
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut note = |v: &serde_json::Value| {
        seen.insert(v["call_id"].as_str().unwrap().to_string());
    };
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    for line in read("calls.ndjson").lines() {
        note(&serde_json::from_str(line).unwrap());
    }
    let gz = std::fs::File::open(dir.path().join("calls-older.ndjson.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text).unwrap();
    assert!(text.lines().count() > 0);
    for line in text.lines() {
        note(&serde_json::from_str(line).unwrap());
    }
    let mut events: HashSet<String> = HashSet::new();
    for line in read("webhooks.ndjson").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        events.insert(v["event"].as_str().unwrap().to_string());
        note(&v["call"]);
    }
    for e in [
        "call_started",
        "call_ended",
        "call_analyzed",
        "transcript_updated",
    ] {
        assert!(events.contains(e), "{e}");
    }
    let v2: serde_json::Value = serde_json::from_str(&read("list-calls-v2.json")).unwrap();
    v2.as_array().unwrap().iter().for_each(&mut note);
    let pages: Vec<&FileCount> = s
        .files
        .iter()
        .filter(|f| f.file.starts_with("list-calls-v3"))
        .collect();
    assert!(pages.len() >= 2);
    for (i, pg) in pages.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(&read(&pg.file)).unwrap();
        let last = i + 1 == pages.len();
        assert_eq!(v["has_more"].as_bool(), Some(!last));
        assert_eq!(v["pagination_key"].is_null(), last);
        v["items"].as_array().unwrap().iter().for_each(&mut note);
    }
    assert!(
        read("list-calls-v3-page-1.json").lines().count() > 10,
        "pretty-printed"
    );
    let mut rdr = csv::Reader::from_path(dir.path().join("export.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    assert!(
        [
            "call_id",
            "from_number",
            "start_timestamp",
            "agent_name",
            "call_cost"
        ]
        .iter()
        .all(|h| header.iter().any(|x| x == *h))
    );
    let mut iso_rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        seen.insert(rec[0].to_string());
        iso_rows += usize::from(rec[9].contains('T'));
    }
    assert!(iso_rows > 0);
    // Every phone call landed somewhere, with some overlap.
    let mut phone = HashSet::new();
    generate(&p, &mut |c| {
        if c.is_phone_call() {
            phone.insert(c.call_id.clone());
        }
    });
    assert_eq!(phone.len() as u64, s.phone_calls);
    assert!(phone.iter().all(|id| seen.contains(id)));
    let placed: u64 = s
        .files
        .iter()
        .filter(|f| !f.file.ends_with(".csv") || f.file == "export.csv")
        .map(|f| f.records)
        .sum();
    assert!(placed > s.calls);
    // Bad records: good lines first, then rejects of every kind.
    let bad = read("bad-records.ndjson");
    let lines: Vec<&str> = bad.lines().collect();
    assert_eq!(lines.len(), 9);
    assert!(
        serde_json::from_str::<serde_json::Value>(lines[0])
            .unwrap()
            .is_object()
    );
    assert!(serde_json::from_str::<serde_json::Value>(lines[3]).is_err());
    assert!(
        serde_json::from_str::<serde_json::Value>(lines[7])
            .unwrap()
            .is_array()
    );
    let truth = read("truth.csv");
    assert!(truth.starts_with("number,kind,bad,first_spam,first_burst,degrade_start,"));
    assert_eq!(truth.lines().count(), 21);
    assert!(read("confounders.csv").starts_with("kind,start,end,provider\n"));
}

#[test]
fn ndjson_only_and_flat_csv_agree() {
    let dir = tempfile::tempdir().unwrap();
    let p = params(4, 12, 3, 20);
    let s = write_fleet(&p, dir.path(), true).unwrap();
    let nd = std::fs::read_to_string(dir.path().join("calls.ndjson")).unwrap();
    assert_eq!(nd.lines().count() as u64, s.calls);
    assert!(!dir.path().join("webhooks.ndjson").exists());
    assert!(dir.path().join("truth.csv").exists());
    let flat = dir.path().join("flat.csv");
    let rows = write_flat_csv(&p, &flat).unwrap();
    assert_eq!(rows, s.phone_calls);
    let text = std::fs::read_to_string(&flat).unwrap();
    assert!(text.starts_with(
        "call_id,from_number,to_number,direction,call_status,disconnection_reason,start_timestamp,end_timestamp,duration_ms\n"
    ));
    let first_phone = nd
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["call_type"] == "phone_call")
        .unwrap();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with(first_phone["call_id"].as_str().unwrap())
    );
}

#[test]
fn fast_json_is_serde_json() {
    for full in [true, false] {
        let p = SimParams {
            full_objects: full,
            ..params(13, 20, 3, 40)
        };
        let mut out = Vec::new();
        let mut n = 0;
        generate(&p, &mut |c| {
            out.clear();
            c.write_json(&mut out);
            assert_eq!(
                std::str::from_utf8(&out).unwrap(),
                serde_json::to_string(c).unwrap()
            );
            n += 1;
        });
        assert!(n > 1000);
    }
    let mut odd = CallObject {
        transcript: "quote \" backslash \\ tab \t bell \u{7} é".into(),
        ..CallObject::default()
    };
    odd.duration_ms = Some(-5);
    let mut out = Vec::new();
    odd.write_json(&mut out);
    assert_eq!(
        std::str::from_utf8(&out).unwrap(),
        serde_json::to_string(&odd).unwrap()
    );
}

#[test]
fn full_objects_are_realistic_in_size() {
    let p = SimParams {
        full_objects: true,
        ..params(2, 20, 3, 40)
    };
    let (mut bytes, mut n) = (0usize, 0usize);
    generate(&p, &mut |c| {
        bytes += serde_json::to_vec(c).unwrap().len();
        n += 1;
    });
    let avg = bytes / n;
    assert!((1_300..2_600).contains(&avg), "{avg} bytes per object");
}
