//! Engine tests: sums made ahead through the two-thread pipeline equal to sums made by the
//! writer, a failed file rolled back and recorded, how a run ends. The helpers here are
//! shared with the per-file load's tests (`file_load/tests.rs`).

use super::pipeline::{ItemSource, Pipeline, SourceEnd};
use super::{FileOutcome, Loading, NoProgress, RunOutcome, ingest_paths};
use crate::health::bursts::BurstConfig;
use crate::model::{CallRecord, Direction, Item, Locator};
use crate::readers::{InputFormat, ReadError, ReaderOptions};
use crate::store::{FileCounts, LoadSettings, Store};

pub(super) const T0: i64 = 1_763_640_000_000; // 2025-11-20T12:00:00Z

pub(super) fn settings() -> LoadSettings {
    LoadSettings {
        short_call_ms: 6000,
        bursts: BurstConfig::default(),
        received_ms: T0 + 86_400_000,
        batch_size: 7,
        max_pending_rollups: 5,
    }
}

pub(super) fn call(
    id: &str,
    from: &str,
    start: i64,
    reason: Option<&str>,
    dur: Option<i64>,
) -> CallRecord {
    CallRecord {
        call_id: id.into(),
        direction: Direction::Outbound,
        our_number: from.into(),
        other_number: "+12125550000".into(),
        call_status: if reason.is_some() {
            "ended".into()
        } else {
            "ongoing".into()
        },
        agent_id: Some("agent_1".into()),
        disconnection_reason: reason.map(Into::into),
        start_ms: Some(start),
        end_ms: dur.map(|d| start + d),
        duration_ms: dur,
        in_voicemail: None,
        user_sentiment: None,
        call_successful: None,
        number_flags: 0,
    }
}

pub(super) fn at(n: u64) -> Locator {
    Locator {
        line: Some(n),
        record: n,
    }
}

pub(super) fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_rw(&dir.path().join("t.db"), false).unwrap();
    (dir, s)
}

/// Loads `items` as one file directly through `FileLoad`, the writer making every sum.
pub(super) fn load(store: &mut Store, items: Vec<Item>) -> FileCounts {
    let run = store.begin_run("ingest", T0).unwrap();
    let mut l = store
        .begin_file(run, 1, "test.ndjson", &settings())
        .unwrap();
    for it in items {
        l.add(it).unwrap();
    }
    l.finish("abc", 10, "ndjson_calls").unwrap()
}

pub(super) fn rollup_sum(store: &Store, col: &str) -> i64 {
    store
        .conn
        .query_row(
            &format!("SELECT coalesce(sum({col}), 0) FROM number_hourly"),
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Three deliveries of one fleet's calls over three days, the way they arrive in practice:
/// first versions without a start, later versions with one (filed under another day than
/// the first), stale versions after fresh ones, two versions in one file, re-deliveries.
pub(super) fn messy_deliveries() -> Vec<Vec<Item>> {
    let day = 86_400_000;
    let number = |i: usize| format!("+1415555{:04}", 100 + i % 3);
    let start = |i: usize| T0 - 2 * day + i as i64 * 2_700_000;
    let pending = |i: usize| {
        let mut c = call(&format!("m{i}"), &number(i), start(i), None, None);
        if i.is_multiple_of(2) {
            c.start_ms = None;
        }
        c
    };
    let ended = |i: usize| {
        let reason = if i.is_multiple_of(3) {
            "dial_failed"
        } else {
            "user_hangup"
        };
        let dur = if i.is_multiple_of(3) {
            0
        } else {
            4_000 + i as i64 * 900
        };
        call(
            &format!("m{i}"),
            &number(i),
            start(i),
            Some(reason),
            Some(dur),
        )
    };
    let item = |c: CallRecord, n: usize| Item::Call(Box::new(c), at(n as u64 + 1));
    let first: Vec<Item> = (0..40).map(|i| item(pending(i), i)).collect();
    let mut second: Vec<Item> = Vec::new();
    for i in 0..50 {
        if i % 5 == 1 {
            second.push(item(pending(i), second.len())); // stale, or two versions in a file
        }
        second.push(item(ended(i), second.len()));
        if i % 7 == 3 {
            second.push(item(pending(i), second.len())); // stale after the fresh version
        }
    }
    let third: Vec<Item> = (0..50).rev().map(|i| item(ended(i), 49 - i)).collect();
    vec![first, second, third]
}

/// Items held in memory, read like a file; `fail_at`: a fatal read error instead of the
/// item at that index.
struct Items {
    items: std::vec::IntoIter<Item>,
    read: u64,
    fail_at: Option<u64>,
}

impl Items {
    fn new(items: Vec<Item>) -> Items {
        Items {
            items: items.into_iter(),
            read: 0,
            fail_at: None,
        }
    }
}

impl ItemSource for Items {
    fn next_item(&mut self) -> Option<Result<Item, ReadError>> {
        if self.fail_at == Some(self.read) {
            self.fail_at = None;
            return Some(Err(ReadError {
                message: "reading: broken input".into(),
            }));
        }
        let item = self.items.next()?;
        self.read += 1;
        Some(Ok(item))
    }

    fn bytes_read(&self) -> u64 {
        self.read
    }

    fn total_bytes(&self) -> Option<u64> {
        None
    }

    fn end(&self) -> SourceEnd {
        SourceEnd {
            sha256: "abc".into(),
            bytes: 10,
            shape: "ndjson_calls",
        }
    }
}

/// Loads like `numhealth ingest` does, through the same two-thread pipeline: contributions
/// summed ahead on the parser thread and handed over after the items they count, here in
/// chunks of three. Also says whether the load had switched the sums off by the end.
fn load_presummed(store: &mut Store, items: Vec<Item>) -> (FileCounts, bool) {
    let settings = settings();
    let run = store.begin_run("ingest", T0).unwrap();
    let pipeline = Pipeline::new(&settings, &NoProgress).with_chunk(3);
    let link = pipeline.link().clone();
    let outcome = pipeline
        .load(store, run, 1, "test.ndjson", Items::new(items))
        .unwrap();
    let FileOutcome::Loaded(counts) = outcome else {
        panic!("the load failed: {outcome:?}");
    };
    (counts, link.is_off())
}

#[test]
fn sums_made_ahead_by_the_parser_equal_sums_made_by_the_writer() {
    for bits in [64, 2] {
        let _narrow = (bits < 64).then(|| crate::store::keys::test_key_mask::narrow(bits));
        let (_d1, mut direct) = open();
        let (_d2, mut ahead) = open();
        for (i, file) in messy_deliveries().into_iter().enumerate() {
            let want = load(&mut direct, file.clone());
            let (got, off) = load_presummed(&mut ahead, file);
            assert_eq!(got, want, "file {i}, {bits}-bit keys");
            // The first file is all new calls, the third all re-deliveries, for which
            // counting ahead is switched off.
            if i != 1 {
                assert_eq!(off, i == 2, "file {i}, {bits}-bit keys");
            }
            let (a, b) = (direct.check().unwrap(), ahead.check().unwrap());
            assert_eq!(b.integrity, "ok", "file {i}");
            assert_eq!(
                (b.checksum, b.rollup_rows),
                (a.checksum, a.rollup_rows),
                "file {i}"
            );
        }
        let negative: i64 = ahead
            .conn
            .query_row(
                "SELECT count(*) FROM number_hourly WHERE attempts < 0 OR pending < 0 OR connected < 0",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(negative, 0);
    }
}

/// A fatal read error part way through a file, after batches and sums were written inside
/// its transaction: nothing of the file stays, and it is recorded as failed.
#[test]
fn a_read_error_rolls_the_whole_file_back_and_records_it() {
    let (_d, mut s) = open();
    let items: Vec<Item> = (0..30)
        .map(|i| {
            Item::Call(
                Box::new(call(
                    &format!("e{i}"),
                    &format!("+1415555{:04}", i % 4),
                    T0 + i * 600_000,
                    Some("user_hangup"),
                    Some(9000),
                )),
                at(i as u64),
            )
        })
        .collect();
    let run = s.begin_run("ingest", T0).unwrap();
    let source = Items {
        fail_at: Some(20),
        ..Items::new(items)
    };
    let settings = settings();
    let outcome = Pipeline::new(&settings, &NoProgress)
        .with_chunk(3)
        .load(&mut s, run, 1, "broken.ndjson", source)
        .unwrap();
    let msg = "broken.ndjson: reading: broken input (the whole file was rolled back)";
    assert_eq!(outcome, FileOutcome::Failed(msg.into()));
    assert_eq!(s.check().unwrap().calls, 0);
    assert_eq!(rollup_sum(&s, "attempts"), 0);
    let files = s.run_files(&[run]).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].status.as_str(), files[0].message.as_deref()),
        ("failed", Some(msg))
    );
}

/// One NDJSON call object as the platform sends it.
fn call_line(id: &str, start: &str) -> String {
    format!(
        "{{\"call_id\":\"{id}\",\"call_type\":\"phone_call\",\"call_status\":\"ended\",\
         \"direction\":\"outbound\",\"from_number\":\"+14155550100\",\"to_number\":\"+12125550000\",\
         \"start_timestamp\":{start},\"end_timestamp\":{end},\"duration_ms\":30000,\
         \"disconnection_reason\":\"user_hangup\"}}\n",
        end = T0 + 30_000
    )
}

/// How a run ends: a file that cannot be read is recorded and reported and the run goes
/// on; rejects are kept aside; status and exit code say the worst that happened.
#[test]
fn a_run_ends_failed_over_rejects_over_ok() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ndjson");
    std::fs::write(&good, call_line("g1", &T0.to_string())).unwrap();
    let rejecting = dir.path().join("rejects.ndjson");
    let two = call_line("r1", "\"x\"") + &call_line("r2", &T0.to_string());
    std::fs::write(&rejecting, two).unwrap();
    let missing = dir.path().join("missing.ndjson");
    let opts = ReaderOptions {
        format: InputFormat::Auto,
        default_region: "US".into(),
        now_ms: T0 + 86_400_000,
        max_age_days: 3650,
        max_duration_hours: 24,
    };
    let settings = settings();
    let (_d, mut s) = open();
    let mut ingest = |paths: &[std::path::PathBuf]| -> (RunOutcome, Vec<String>) {
        let errors = std::cell::RefCell::new(Vec::new());
        let on_failure = |m: &str| errors.borrow_mut().push(m.to_string());
        let loading = Loading {
            opts: &opts,
            settings: &settings,
            progress: &NoProgress,
            on_failure: &on_failure,
        };
        let outcome = ingest_paths(&mut s, paths, loading).unwrap();
        (outcome, errors.into_inner())
    };
    let (ok, errors) = ingest(std::slice::from_ref(&good));
    assert_eq!((ok.status(), ok.exit_code(), ok.failed), ("ok", 0, 0));
    assert_eq!((ok.totals.files, ok.totals.inserted), (1, 1));
    assert!(errors.is_empty(), "{errors:?}");
    let (rejects, errors) = ingest(&[rejecting]);
    assert_eq!((rejects.status(), rejects.exit_code()), ("rejects", 2));
    assert_eq!((rejects.totals.rejected, rejects.totals.inserted), (1, 1));
    assert!(errors.is_empty(), "{errors:?}");
    let (failed, errors) = ingest(&[missing.clone(), good]);
    assert_eq!(
        (failed.status(), failed.exit_code(), failed.failed),
        ("failed", 1, 1)
    );
    assert_eq!((failed.totals.files, failed.totals.unchanged), (1, 1));
    assert_eq!(errors.len(), 1);
    let want = format!("{}: cannot open {}", missing.display(), missing.display());
    assert!(errors[0].starts_with(&want), "{errors:?}");

    let runs = s.list_runs(10).unwrap();
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["failed", "rejects", "ok"]);
    assert_eq!(
        runs[0].message.as_deref(),
        Some("1 input(s) failed and were rolled back")
    );
    let files = s.run_files(&[failed.run_id]).unwrap();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.name.as_str(), f.status.as_str()))
        .collect();
    let (missing, good) = (
        missing.display().to_string(),
        dir.path().join("good.ndjson").display().to_string(),
    );
    assert_eq!(files, [(missing.as_str(), "failed"), (good.as_str(), "ok")]);
}
