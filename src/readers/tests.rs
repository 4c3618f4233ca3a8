//! Reader tests across shapes: detection, NDJSON, webhook events, v2 arrays, v3 pages,
//! gzip, hashing and the reject kinds; CSV files and JSON arrays in their own files.

mod csv_files;
mod json_arrays;

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use super::*;
use crate::model::{Item, Locator, Reject, SkipReason};

/// 2026-11-20T12:00:00Z
const NOW: i64 = 1_795_176_000_000;
/// 2026-11-20T10:00:00Z
const T0: i64 = 1_795_168_800_000;

fn opts(format: InputFormat) -> ReaderOptions {
    ReaderOptions {
        format,
        default_region: "US".into(),
        now_ms: NOW,
        max_age_days: 3650,
        max_duration_hours: 24,
    }
}

fn read_all(input: &[u8], format: InputFormat) -> (Shape, Vec<Item>) {
    let r = FileReader::from_reader(
        "test",
        Box::new(io::Cursor::new(input.to_vec())),
        &opts(format),
    )
    .unwrap();
    let shape = r.shape();
    (shape, r.map(|i| i.unwrap()).collect())
}

fn calls(items: &[Item]) -> Vec<(&str, &Locator)> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::Call(c, at) = i {
                Some((c.call_id.as_str(), at))
            } else {
                None
            }
        })
        .collect()
}

fn rejects(items: &[Item]) -> Vec<&Reject> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::Rejected(r) = i {
                Some(&**r)
            } else {
                None
            }
        })
        .collect()
}

fn call(id: &str) -> String {
    format!(
        r#"{{"call_id":"{id}","call_type":"phone_call","direction":"outbound","from_number":"+14155550123","to_number":"+12125551234","start_timestamp":{T0},"end_timestamp":{},"disconnection_reason":"user_hangup","transcript":"Agent: hi\nUser: bye","metadata":{{"k":[1,{{"d":null}}]}}}}"#,
        T0 + 30_000
    )
}

fn sha_hex(b: &[u8]) -> String {
    Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[test]
fn ndjson_calls_with_blank_lines_and_crlf() {
    let input = format!("{}\r\n\r\n  \n{}\r\n{}", call("a"), call("b"), call("c"));
    let (shape, items) = read_all(input.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::NdjsonCalls);
    let got = calls(&items);
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[1],
        (
            "b",
            &Locator {
                line: Some(4),
                record: 2
            }
        )
    );
    assert_eq!(
        got[2].1,
        &Locator {
            line: Some(5),
            record: 3
        }
    );
}

#[test]
fn webhook_events_including_ignored_ones() {
    let ev = |e: &str, id: &str| format!(r#"{{"event":"{e}","call":{}}}"#, call(id));
    let input = [
        ev("call_started", "a"),
        ev("call_ended", "a"),
        ev("call_analyzed", "a"),
        ev("transfer_started", "a"),
    ];
    let (shape, items) = read_all(input.join("\n").as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::NdjsonEvents);
    assert_eq!(calls(&items).len(), 3);
    assert_eq!(
        items[3],
        Item::Skipped(
            SkipReason::IgnoredEvent,
            Locator {
                line: Some(4),
                record: 4
            }
        )
    );
    // Forced NDJSON decides per line: calls and events may mix.
    let mixed = format!("{}\n{}\n", call("x"), ev("call_ended", "y"));
    let (_, items) = read_all(mixed.as_bytes(), InputFormat::Ndjson);
    assert_eq!(
        calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(),
        ["x", "y"]
    );
}

#[test]
fn v3_page_compact_and_pretty() {
    let compact = format!(
        r#"{{"items":[{},{}],"has_more":true,"pagination_key":"k"}}"#,
        call("a"),
        call("b")
    );
    let (shape, items) = read_all(compact.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::V3Page);
    assert_eq!(
        calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let pretty = format!(
        "{{\n  \"has_more\": false,\n  \"pagination_key\": null,\n  \"items\": [\n    {},\n    {}\n  ]\n}}\n",
        call("a"),
        call("b")
    );
    let (shape, items) = read_all(pretty.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::V3Page);
    let got = calls(&items);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[1].1,
        &Locator {
            line: Some(6),
            record: 2
        }
    );
    // Pages back to back (one per line) are all read.
    let two = format!("{compact}\n{compact}\n");
    assert_eq!(
        calls(&read_all(two.as_bytes(), InputFormat::Auto).1).len(),
        4
    );
}

#[test]
fn v2_array_pretty_with_lines() {
    let input = format!("[\n  {},\n\n  {}\n]\n", call("a"), call("b"));
    let (shape, items) = read_all(input.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::V2Array);
    let got = calls(&items);
    assert_eq!(
        got[0].1,
        &Locator {
            line: Some(2),
            record: 1
        }
    );
    assert_eq!(
        got[1].1,
        &Locator {
            line: Some(4),
            record: 2
        }
    );
    assert_eq!(read_all(b"[]", InputFormat::Json).1, vec![]);
    assert_eq!(read_all(b"  \n", InputFormat::Auto), (Shape::Empty, vec![]));
}

#[test]
fn every_reject_kind_in_ndjson() {
    let lines = [
        "{\"call_id\": ".to_string(),                       // 1 syntax
        "[1,2]".to_string(),                                // 2 not an object
        call("x"),                                          // 3 fine
        r#"{"call_id":"s"}"#.to_string(),                   // 4 no numbers: skipped
        r#"{"from_number":"+14155550123"}"#.to_string(),    // 5 missing call_id
        call("n").replace("+12125551234", "not a number"),  // 6 bad number
        call("t").replace(&format!(":{T0},"), ":\"abc\","), // 7 bad timestamp
        call("e").replace(&format!(":{},", T0 + 30_000), &format!(":{},", T0 - 1)), // 8 end < start
        call("d").replace("\"call_id\"", "\"duration_ms\":-5,\"call_id\""), // 9 negative duration
        call("u").replace("user_hangup", "a_reason_from_2027"), // 10 unknown reason kept
        "\"just a string\"".to_string(),                    // 11 not an object
    ];
    let mut input = lines.join("\n").into_bytes();
    input.extend_from_slice(b"\n{\"call_id\":\"\xff\xfe\"}\n"); // 12 invalid UTF-8
    let (_, items) = read_all(&input, InputFormat::Ndjson);
    assert_eq!(items.len(), 12);
    let r = |i: usize| match &items[i] {
        Item::Rejected(r) => (r.field.clone(), r.reason.clone(), r.at.line),
        other => panic!("line {}: {other:?}", i + 1),
    };
    assert!(
        r(0).1.starts_with("invalid JSON: EOF while parsing"),
        "{:?}",
        r(0)
    );
    assert_eq!(r(1).1, "record is an array, not a JSON object");
    assert!(matches!(items[2], Item::Call(..)));
    assert!(matches!(items[3], Item::Skipped(SkipReason::NoNumbers, _)));
    assert_eq!(r(4).0.as_deref(), Some("call_id"));
    assert_eq!(r(5).0.as_deref(), Some("to_number"));
    assert_eq!(r(6).0.as_deref(), Some("start_timestamp"));
    assert_eq!(
        r(6).1,
        r#"start_timestamp "abc" is not a number (epoch ms)"#
    );
    assert_eq!(r(7).0.as_deref(), Some("end_timestamp"));
    assert_eq!(r(8).0.as_deref(), Some("duration_ms"));
    let Item::Call(c, _) = &items[9] else {
        panic!()
    };
    assert_eq!(
        c.disconnection_reason.as_deref(),
        Some("a_reason_from_2027")
    );
    assert_eq!(r(10).1, "record is a string, not a JSON object");
    assert_eq!((r(11).0, r(11).2), (None, Some(12)));
    assert!(
        r(11).1.contains("not valid UTF-8 (bad byte at offset 12)"),
        "{}",
        r(11).1
    );
    let Item::Rejected(bad) = &items[11] else {
        panic!()
    };
    assert!(bad.raw.contains('\u{fffd}'));
}

/// A huge input generated on the fly: `len` bytes of `a`, then `tail`.
struct Huge {
    left: u64,
    tail: io::Cursor<Vec<u8>>,
}

impl Read for Huge {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return self.tail.read(buf);
        }
        let n = buf.len().min(self.left as usize);
        buf[..n].fill(b'a');
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn over_long_ndjson_line_is_skipped_with_bounded_memory() {
    let len = 6 * MAX_RECORD_BYTES as u64;
    let tail = format!("\n{}\n", call("after")).into_bytes();
    let input = Huge {
        left: len,
        tail: io::Cursor::new(tail),
    };
    let mut r =
        FileReader::from_reader("huge", Box::new(input), &opts(InputFormat::Ndjson)).unwrap();
    let Some(Ok(Item::Rejected(rej))) = r.next() else {
        panic!("expected a reject")
    };
    assert_eq!(
        rej.at,
        Locator {
            line: Some(1),
            record: 1
        }
    );
    assert!(
        rej.reason
            .starts_with(&format!("record longer than {MAX_RECORD_BYTES} bytes")),
        "{}",
        rej.reason
    );
    assert_eq!(rej.raw.len(), crate::model::MAX_RAW_BYTES);
    let Parser::Ndjson(p) = &r.parser else {
        panic!()
    };
    assert!(
        p.buffer_capacity() <= 2 * MAX_RECORD_BYTES + (1 << 16),
        "buffered {}",
        p.buffer_capacity()
    );
    let Some(Ok(Item::Call(c, at))) = r.next() else {
        panic!("expected the next call")
    };
    assert_eq!((c.call_id.as_str(), at.line), ("after", Some(2)));
    let Parser::Ndjson(p) = &r.parser else {
        panic!()
    };
    assert!(p.buffer_capacity() <= 1 << 20);
    assert!(r.next().is_none());
    assert!(r.bytes_read() > len);
}

#[test]
fn hash_covers_everything_even_when_parsing_stops_early() {
    let mut input = format!("[{}] trailing", call("a")).into_bytes();
    input.extend(std::iter::repeat_n(b'z', 300_000));
    let mut r = FileReader::from_reader(
        "t",
        Box::new(io::Cursor::new(input.clone())),
        &opts(InputFormat::Auto),
    )
    .unwrap();
    assert_eq!(r.by_ref().count(), 2);
    assert_eq!(r.bytes_read(), input.len() as u64);
    assert_eq!(r.sha256_hex(), sha_hex(&input));
    assert_eq!(r.total_bytes(), None);
}

#[test]
fn gzip_file_and_magic_sniffing() {
    let body = format!("{}\n{}\n", call("a"), call("b"));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.ndjson.gz");
    std::fs::write(&path, &gz).unwrap();
    let mut r = FileReader::open(&path, &opts(InputFormat::Auto)).unwrap();
    assert_eq!(
        (r.shape(), r.is_gzip(), r.total_bytes()),
        (Shape::NdjsonCalls, true, Some(gz.len() as u64))
    );
    let items: Vec<Item> = r.by_ref().map(|i| i.unwrap()).collect();
    assert_eq!(calls(&items).len(), 2);
    assert_eq!(
        (r.bytes_read(), r.sha256_hex()),
        (gz.len() as u64, sha_hex(&gz))
    );
    // No .gz name: the magic bytes decide. Two members concatenated are both read.
    let mut two = gz.clone();
    two.extend_from_slice(&gz);
    let r = FileReader::from_reader(
        "body",
        Box::new(io::Cursor::new(two)),
        &opts(InputFormat::Auto),
    )
    .unwrap();
    assert_eq!(r.filter(|i| matches!(i, Ok(Item::Call(..)))).count(), 4);
    // Corrupt gzip: an error, and the iterator ends.
    let mut bad = gz.clone();
    let mid = bad.len() / 2;
    bad.truncate(mid);
    let out: Vec<_> = match FileReader::from_reader(
        "bad.gz",
        Box::new(io::Cursor::new(bad)),
        &opts(InputFormat::Auto),
    ) {
        Ok(r) => r.collect(),
        Err(e) => vec![Err(e)],
    };
    let err = out.last().unwrap().as_ref().unwrap_err();
    assert!(
        err.message.starts_with("bad.gz: reading gzip data"),
        "{}",
        err.message
    );
}

#[test]
fn missing_file_names_path_and_os_error() {
    let Err(e) = FileReader::open(
        Path::new("/nonexistent/calls.ndjson"),
        &opts(InputFormat::Auto),
    ) else {
        panic!()
    };
    assert!(
        e.message.contains("/nonexistent/calls.ndjson") && e.message.contains("No such file"),
        "{}",
        e.message
    );
}

#[test]
fn numbers_as_floats_and_strings_in_json() {
    let line = call("f")
        .replace(&format!(":{T0},"), &format!(":{T0}.0,"))
        .replace("\"end_timestamp\":", "\"end_timestamp\":\"");
    let line = line.replace(",\"disconnection_reason\"", "\",\"disconnection_reason\"");
    let (_, items) = read_all(line.as_bytes(), InputFormat::Auto);
    let Item::Call(c, _) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!((c.start_ms, c.end_ms), (Some(T0), Some(T0 + 30_000)));
}

#[test]
fn file_reader_is_send() {
    fn send<T: Send>() {}
    send::<FileReader>();
}

/// Yields its bytes, then end-of-file once; reading again after that is a test failure
/// (a terminal on stdin would block there).
struct EofOnce(io::Cursor<Vec<u8>>, bool);

impl Read for EofOnce {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(!self.1, "read again after end of input");
        let n = self.0.read(buf)?;
        self.1 = n == 0 && !buf.is_empty();
        Ok(n)
    }
}

#[test]
fn end_of_input_is_read_once() {
    for input in [
        format!("{}\n", call("a")),
        format!("[{}]", call("a")),
        "call_id\nx\n".into(),
        String::new(),
    ] {
        let src = EofOnce(io::Cursor::new(input.clone().into_bytes()), false);
        let r = FileReader::from_reader("t", Box::new(src), &opts(InputFormat::Auto)).unwrap();
        assert!(r.map(Result::unwrap).count() <= 1, "{input}");
    }
}

#[test]
fn empty_and_odd_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty_gz = dir.path().join("empty.ndjson.gz");
    std::fs::write(&empty_gz, b"").unwrap();
    let r = FileReader::open(&empty_gz, &opts(InputFormat::Auto));
    match r {
        Ok(r) => {
            assert_eq!(r.shape(), Shape::Empty);
            assert_eq!(r.count(), 0);
        }
        Err(e) => panic!("empty .gz: {e}"),
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"").unwrap();
    let gz_of_nothing = enc.finish().unwrap();
    let r = FileReader::from_reader(
        "x",
        Box::new(io::Cursor::new(gz_of_nothing)),
        &opts(InputFormat::Auto),
    )
    .unwrap();
    assert_eq!(r.shape(), Shape::Empty);
    let Err(e) = FileReader::open(dir.path(), &opts(InputFormat::Auto)) else {
        panic!("a directory opened")
    };
    assert!(
        e.message.contains(&dir.path().display().to_string()),
        "{}",
        e.message
    );
    let Err(e) = FileReader::from_reader(
        "calls.gz",
        Box::new(io::Cursor::new(b"{}".to_vec())),
        &opts(InputFormat::Auto),
    ) else {
        panic!("not gzip")
    };
    assert!(
        e.message.starts_with("calls.gz: reading gzip data"),
        "{}",
        e.message
    );
}
