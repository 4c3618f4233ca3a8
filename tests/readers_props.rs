//! Property tests for the readers: whatever bytes come in (random, or valid inputs with
//! garbage mixed in), every input format terminates without panicking, yields only
//! calls, skips and rejects, hashes the whole input, and still counts the valid records
//! exactly. The one final error allowed is broken gzip, or the refusal of an input in
//! which nothing was recognised, and that refusal comes exactly when the rule says.

use std::io::Cursor;

use numhealth::model::Item;
use numhealth::readers::{FileReader, InputFormat, ReaderOptions, Shape};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// 2026-11-20T12:00:00Z
const NOW: i64 = 1_795_176_000_000;
/// 2026-11-20T10:00:00Z
const T0: i64 = 1_795_168_800_000;
const CASES: u32 = 2000;
const FORMATS: [InputFormat; 4] = [
    InputFormat::Auto,
    InputFormat::Ndjson,
    InputFormat::Json,
    InputFormat::Csv,
];

fn opts(format: InputFormat) -> ReaderOptions {
    ReaderOptions {
        format,
        default_region: "US".into(),
        now_ms: NOW,
        max_age_days: 3650,
        max_duration_hours: 24,
    }
}

#[derive(Debug, Default, PartialEq)]
struct Tally {
    calls: usize,
    skipped: usize,
    rejects: Vec<(Option<String>, String)>,
    error: bool,
    /// The input was refused as holding nothing recognisable (the message).
    refused: Option<String>,
}

/// A reject about the input's structure or a record that is not a call record (a JSON
/// object without call fields), not from validating one (those name a call field): all
/// a refused input may yield before its refusal.
fn structural(field: &Option<String>) -> bool {
    field.as_deref().is_none_or(|f| f == "items")
}

/// Reads everything, checking the invariants that hold for any input.
fn read(input: &[u8], format: InputFormat) -> (Shape, Tally) {
    let mut t = Tally::default();
    let r =
        match FileReader::from_reader("prop", Box::new(Cursor::new(input.to_vec())), &opts(format))
        {
            Ok(r) => r,
            Err(e) => {
                // Only a gzip stream can fail before the first record.
                assert!(input.starts_with(&[0x1f, 0x8b]), "open failed: {e}");
                t.error = true;
                return (Shape::Empty, t);
            }
        };
    let shape = r.shape();
    let mut r = r;
    // A record takes at least a byte, except that gzip can inflate ~1000x.
    let limit = if input.starts_with(&[0x1f, 0x8b]) {
        1100 * input.len()
    } else {
        input.len()
    } + 2;
    for item in r.by_ref() {
        assert!(!t.error, "an item after an error");
        match item {
            Ok(Item::Call(c, at)) => {
                assert!(!c.call_id.is_empty() && !c.our_number.is_empty() && at.record >= 1);
                t.calls += 1;
            }
            Ok(Item::Skipped(_, _)) => t.skipped += 1,
            Ok(Item::Rejected(rej)) => {
                assert!(rej.raw.len() <= numhealth::model::MAX_RAW_BYTES && !rej.reason.is_empty());
                t.rejects.push((rej.field.clone(), rej.reason.clone()));
            }
            Err(e) => {
                let refusal = [
                    "prop: no call records recognised: ",
                    "prop: the CSV header has no ",
                ];
                if refusal.iter().any(|p| e.message.starts_with(p)) {
                    t.refused = Some(e.message);
                } else {
                    assert!(
                        input.starts_with(&[0x1f, 0x8b]),
                        "error on non-gzip input: {e}"
                    );
                }
                t.error = true;
            }
        }
        assert!(
            t.calls + t.skipped + t.rejects.len() <= limit,
            "more items than bytes"
        );
    }
    assert!(r.next().is_none(), "iterator resumed after its end");
    // The rule: a JSON input is refused exactly when it yielded records but none was an
    // object with a call field (so: no call, no skip, no reject from validation); a CSV
    // one when its header has no call_id or no number column a row could use, before
    // any row.
    let nothing_recognised = t.calls + t.skipped == 0
        && !t.rejects.is_empty()
        && t.rejects.iter().all(|(f, _)| structural(f));
    let gzip_failed = t.error && t.refused.is_none();
    match shape {
        Shape::Empty => assert!(t.rejects.is_empty() && !t.error),
        Shape::Csv => {
            assert!(t.refused.is_none() || t.calls + t.skipped + t.rejects.len() == 0);
            if !input.starts_with(&[0x1f, 0x8b]) {
                assert_eq!(t.refused.is_some(), !csv_header_is_readable(input));
            }
        }
        _ if !gzip_failed => assert_eq!(
            t.refused.is_some(),
            nothing_recognised,
            "refused {:?} for {:?}",
            t.refused,
            t.rejects
        ),
        _ => {}
    }
    if !t.error {
        assert_eq!(r.bytes_read(), input.len() as u64);
        let want: String = Sha256::digest(input)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r.sha256_hex(), want);
    }
    (shape, t)
}

/// Whether the first CSV record of `input` (after a BOM) names a call_id column and our
/// own number's column for some row (`from_number`, or `to_number` with a `direction`
/// column), as the reader reads a header (trimmed, any case, an optional
/// `call_analysis.` prefix).
fn csv_header_is_readable(input: &[u8]) -> bool {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut rec = csv::ByteRecord::new();
    if !matches!(rdr.read_byte_record(&mut rec), Ok(true)) {
        return false;
    }
    let has = |column: &str| {
        rec.iter().any(|f| {
            let name = String::from_utf8_lossy(f);
            let name = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            name.strip_prefix("call_analysis.").unwrap_or(&name) == column
        })
    };
    has("call_id") && (has("from_number") || (has("to_number") && has("direction")))
}

fn call(id: usize) -> String {
    format!(
        r#"{{"call_id":"c{id}","direction":"outbound","from_number":"+14155550123","to_number":"+12125551234","start_timestamp":{T0},"end_timestamp":{},"disconnection_reason":"user_hangup","transcript":"a\n\"b\"","metadata":{{"x":[1,{{}}]}}}}"#,
        T0 + 1000
    )
}

/// Garbage that cannot be read as a JSON object line: never starts with `{`, no newline.
fn junk_line() -> impl Strategy<Value = String> {
    "[^{\n\r\t \u{feff}][^\n\r]{0,40}"
}

/// `CASES` per property; `PROPTEST_CASES=n` runs more (e.g. in release for a deeper fuzz).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    // No regression files: failures print the minimal input instead.
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for f in FORMATS {
            read(&bytes, f);
        }
    }

    #[test]
    fn structural_soup_never_panics(
        json in proptest::collection::vec(proptest::sample::select(b"[]{}\",:\\ a1\n".to_vec()), 0..200),
        csv in proptest::collection::vec(proptest::sample::select(b"a1+,\"\r\n".to_vec()), 0..200),
    ) {
        for f in FORMATS {
            read(&json, f);
        }
        read(&csv, InputFormat::Csv);
    }

    #[test]
    fn arbitrary_bytes_after_gzip_magic_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut input = vec![0x1f, 0x8b, 8, 0];
        input.extend_from_slice(&bytes);
        let (_, t) = read(&input, InputFormat::Auto);
        prop_assert_eq!(t.calls, 0);
    }

    #[test]
    fn ndjson_with_junk_lines_counts_exactly(
        lines in proptest::collection::vec(prop_oneof![Just(None), junk_line().prop_map(Some)], 1..20),
        crlf in any::<bool>(),
    ) {
        let mut text = String::new();
        let (mut good, mut bad) = (0, 0);
        for (i, l) in lines.iter().enumerate() {
            match l {
                None => { text.push_str(&call(i)); good += 1; }
                Some(j) => { text.push_str(j); bad += 1; }
            }
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
        // The first line decides Auto detection; force NDJSON so junk first lines still count.
        let (_, t) = read(text.as_bytes(), InputFormat::Ndjson);
        prop_assert_eq!(t.calls, good);
        prop_assert_eq!(t.rejects.len(), bad);
        prop_assert!(t.rejects.iter().all(|(f, _)| f.is_none()));
        // Nothing but junk: refused (after its rejects); a single good line saves the file.
        prop_assert_eq!(t.refused.is_some(), good == 0);
    }

    #[test]
    fn json_array_with_junk_elements_and_byte_flips(
        elems in proptest::collection::vec(prop_oneof![Just(None), "[1-9][0-9]{0,4}|\"[a-z]{0,5}\"|null|true".prop_map(Some)], 0..12),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        pretty in any::<bool>(),
    ) {
        let sep = if pretty { ",\n  " } else { "," };
        let parts: Vec<String> = elems.iter().enumerate().map(|(i, e)| e.clone().unwrap_or_else(|| call(i))).collect();
        let text = format!("[{}]", parts.join(sep));
        let good = elems.iter().filter(|e| e.is_none()).count();
        let (shape, t) = read(text.as_bytes(), InputFormat::Auto);
        prop_assert_eq!(shape, Shape::V2Array);
        prop_assert_eq!(t.calls, good);
        prop_assert_eq!(t.rejects.len(), elems.len() - good);
        prop_assert!(t.rejects.iter().all(|(_, r)| r.contains("not a JSON object")));
        // Elements, none an object: refused; an empty array is a valid empty input.
        let refused = good == 0 && !elems.is_empty();
        prop_assert_eq!(t.refused.is_some(), refused);
        // The same page as v3, then damaged anywhere: must still terminate cleanly.
        let page = format!(r#"{{"has_more":false,"items":{text},"pagination_key":null}}"#);
        let (_, t) = read(page.as_bytes(), InputFormat::Auto);
        prop_assert_eq!((t.calls, t.refused.is_some()), (good, refused));
        let mut bytes = page.into_bytes();
        for (at, b) in flips {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        for f in FORMATS {
            let (_, t) = read(&bytes, f);
            prop_assert!(t.calls <= good);
        }
    }

    #[test]
    fn csv_with_junk_rows_counts_exactly(
        rows in proptest::collection::vec(
            prop_oneof![Just(None), ("[x-z]{1,2}", "[a-z0-9 ]{0,12}(,[a-z0-9:. -]{0,12}){0,6}").prop_map(Some)],
            1..20,
        ),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str("call_id,from_number,to_number,start_timestamp,notes");
        text.push_str(nl);
        let (mut good, mut bad, mut shifted) = (0, 0, 0);
        for (i, r) in rows.iter().enumerate() {
            match r {
                None => { text.push_str(&format!("c{i},+14155550123,+12125551234,2026-11-20T10:00:00Z,\"x,{nl}y\"")); good += 1; }
                // Junk: a call_id, a from_number too short to be one, then anything.
                Some((letters, rest)) => {
                    text.push_str(&format!("j{i},{letters},{rest}"));
                    bad += 1;
                    // Data past the header's 5 columns: rejected as shifted, not for its number.
                    shifted += usize::from(rest.split(',').skip(3).any(|c| !c.trim().is_empty()));
                }
            }
            text.push_str(nl);
        }
        let (shape, t) = read(text.as_bytes(), InputFormat::Auto);
        prop_assert_eq!(shape, Shape::Csv);
        prop_assert_eq!(t.calls, good);
        prop_assert_eq!(t.rejects.len(), bad);
        let number = t.rejects.iter().filter(|(f, _)| f.as_deref() == Some("from_number")).count();
        let cells = t.rejects.iter().filter(|(f, r)| f.is_none() && r.starts_with("the row has ")).count();
        prop_assert_eq!((number, cells), (bad - shifted, shifted));
        // A header with call_id: even a file of nothing but bad rows is not refused.
        prop_assert_eq!(t.refused, None);
    }
}
