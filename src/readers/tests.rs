//! Reader tests across shapes: detection, NDJSON, webhook events, v2 arrays, v3 pages,
//! gzip, hashing and the reject kinds; CSV files (and their rows' shapes), JSON arrays
//! and JSON objects with no call field in their own files.

mod csv_files;
mod csv_shapes;
mod json_arrays;
mod no_call_fields;

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

/// Reads everything: the items, and the message of the error that ended reading, if any.
pub(super) fn read_to_end(input: &[u8], format: InputFormat) -> (Shape, Vec<Item>, Option<String>) {
    let r = FileReader::from_reader(
        "calls.json",
        Box::new(io::Cursor::new(input.to_vec())),
        &opts(format),
    )
    .unwrap();
    let shape = r.shape();
    let (mut items, mut error) = (Vec::new(), None);
    for i in r {
        assert!(error.is_none(), "an item after an error");
        match i {
            Ok(item) => items.push(item),
            Err(e) => error = Some(e.message),
        }
    }
    (shape, items, error)
}

pub(super) fn calls(items: &[Item]) -> Vec<(&str, &Locator)> {
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
        call("n").replace("+12125551234", "not a number"),  // 6 bad lead number: kept, flagged
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
    let Item::Call(c, _) = &items[5] else {
        panic!("{:?}", items[5])
    };
    assert_eq!(
        (c.other_number.as_str(), c.number_flags),
        (
            "not a number",
            crate::model::number_flags::OTHER_NUMBER_UNKNOWN_RANGE
        )
    );
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
        "call_id,from_number\nx,+14155550123\n".into(),
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

/// The message a garbage input fails with (it must fail, whatever the format).
fn refused(input: &[u8], format: InputFormat) -> String {
    let (_, _, error) = read_to_end(input, format);
    error.unwrap_or_else(|| panic!("not refused: {:?}", String::from_utf8_lossy(input)))
}

#[test]
fn an_html_page_is_refused_as_a_whole() {
    let page = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
        <body><h1>502 Bad Gateway</h1>, nginx</body></html>\n";
    for format in [
        InputFormat::Auto,
        InputFormat::Json,
        InputFormat::Ndjson,
        InputFormat::Csv,
    ] {
        let msg = refused(page, format);
        assert_eq!(
            msg,
            "calls.json: no call records recognised: it looks like an HTML page \
             (starts with `<!DOCTYPE html>`)",
            "{format:?}"
        );
    }
}

#[test]
fn plain_text_is_refused_as_a_whole() {
    for format in [
        InputFormat::Auto,
        InputFormat::Json,
        InputFormat::Ndjson,
        InputFormat::Csv,
    ] {
        assert_eq!(
            refused(b"zzzz\n", format),
            "calls.json: no call records recognised: it is plain text, not JSON or CSV \
             (starts with `zzzz`)",
            "{format:?}"
        );
    }
    assert!(refused(b"\x00\x01binary\xff", InputFormat::Auto).contains("binary data"));
}

#[test]
fn a_huge_single_line_of_garbage_is_refused_without_buffering_it() {
    // Read as CSV (the header is cut at the record cap) and as NDJSON (the line is skipped).
    let len = MAX_RECORD_BYTES as u64 + (4 << 20);
    let input = Huge {
        left: len,
        tail: io::Cursor::new(Vec::new()),
    };
    let mut r =
        FileReader::from_reader("big.json", Box::new(input), &opts(InputFormat::Auto)).unwrap();
    let Some(Err(e)) = r.next() else {
        panic!("expected a refusal")
    };
    assert!(
        e.message.starts_with(
            "big.json: no call records recognised: its first line is longer than the 16 MiB \
             record limit and is not JSON or a CSV header (starts with `aaaa"
        ),
        "{}",
        e.message
    );
    assert!(r.next().is_none());
    let mut input = b"{".to_vec();
    input.resize(len as usize, b'a');
    let (_, items, error) = read_to_end(&input, InputFormat::Auto);
    assert_eq!(rejects(&items).len(), 1);
    let msg = error.expect("refused");
    assert!(
        msg.starts_with(
            "calls.json: no call records recognised: its only record (line 1) could not be \
             read as a JSON object: record longer than 16777216 bytes (20971520 bytes)"
        ),
        "{msg}"
    );
}

#[test]
fn empty_inputs_are_empty_whatever_their_extension() {
    let dir = tempfile::tempdir().unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b" \n\n").unwrap();
    let gz_of_blanks = enc.finish().unwrap();
    let cases = ["calls.ndjson", "calls.json", "calls.csv"]
        .into_iter()
        .flat_map(|name| {
            [&b""[..], b"  \r\n\t\n", b"\xEF\xBB\xBF\n"].map(|content| (name, content.to_vec()))
        })
        .chain([
            ("calls.ndjson.gz", Vec::new()),
            ("calls.ndjson.gz", gz_of_blanks),
        ]);
    for (name, content) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).unwrap();
        for format in [
            InputFormat::Auto,
            InputFormat::Ndjson,
            InputFormat::Json,
            InputFormat::Csv,
        ] {
            let r = FileReader::open(&path, &opts(format)).unwrap();
            assert!(r.is_empty(), "{name} {content:?} {format:?}");
            assert_eq!(r.shape(), Shape::Empty);
            assert_eq!(r.map(Result::unwrap).count(), 0);
        }
    }
    let (shape, items, error) = read_to_end(b"[]", InputFormat::Auto);
    assert_eq!((shape, items.len(), error), (Shape::V2Array, 0, None));
    let r = FileReader::from_reader(
        "x",
        Box::new(io::Cursor::new(b"[]".to_vec())),
        &opts(InputFormat::Auto),
    )
    .unwrap();
    assert!(!r.is_empty());
}

#[test]
fn json_with_no_object_at_all_is_refused_but_some_garbage_among_calls_is_not() {
    // Every line garbage: its rejects come first, then the refusal.
    let (_, items, error) = read_to_end(b"{broken\n{also broken\n", InputFormat::Auto);
    assert_eq!(rejects(&items).len(), 2);
    let msg = error.expect("refused");
    assert!(
        msg.starts_with(
            "calls.json: no call records recognised: none of its 2 records could be read as a \
             JSON object; the first (line 1): invalid JSON: "
        ),
        "{msg}"
    );
    let (_, _, error) = read_to_end(b"[1, \"a\", null]", InputFormat::Auto);
    assert!(error.expect("refused").contains("none of its 3 records"));
    let (_, _, error) = read_to_end(br#"{"has_more":false}"#, InputFormat::Json);
    assert!(error.expect("refused").contains("no \"items\" array"));
    // Garbage among good lines: rejects, as before. An object that fails validation is
    // still a recognised record.
    let input = format!("zzzz\n{}\n[1]\n", call("a"));
    let (_, items, error) = read_to_end(input.as_bytes(), InputFormat::Ndjson);
    assert_eq!(
        (calls(&items).len(), rejects(&items).len(), error),
        (1, 2, None)
    );
    let (_, items, error) = read_to_end(br#"{"call_id":"x"}"#, InputFormat::Auto);
    assert_eq!((items.len(), error), (1, None));
    let (_, items, error) = read_to_end(br#"{"items":[],"has_more":false}"#, InputFormat::Auto);
    assert_eq!((items.len(), error), (0, None));
}
