//! CSV reader tests: headers (BOM, duplicates, missing call_id, `call_analysis.` prefix),
//! epoch and ISO times, CRLF, quoted newlines, ragged rows, bad UTF-8, the record cap.
//! Rows measured against the header (cut off, shifted, missing columns): `csv_shapes`.

use std::io;

use super::{NOW, T0, calls, opts, read_all, read_to_end, rejects};
use crate::model::{Item, Locator};
use crate::readers::*;

const HEADER: &str =
    "call_id,direction,from_number,to_number,start_timestamp,end_timestamp,disconnection_reason";

#[test]
fn csv_with_epoch_ms_and_extra_columns() {
    let input = format!(
        "{HEADER},campaign,call_analysis.in_voicemail,user_sentiment\n\
         a,outbound,+14155550123,+12125551234,{T0},{},dial_no_answer,spring,true,Negative\n\
         b,inbound,+12125551234,+14155550123,,,,x,no,\n",
        T0 + 1000
    );
    let (shape, items) = read_all(input.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::Csv);
    let Item::Call(a, at) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        at,
        &Locator {
            line: Some(2),
            record: 1
        }
    );
    assert_eq!(
        (a.start_ms, a.end_ms, a.disconnection_reason.as_deref()),
        (Some(T0), Some(T0 + 1000), Some("dial_no_answer"))
    );
    assert_eq!(
        (a.in_voicemail, a.user_sentiment.as_deref()),
        (Some(true), Some("Negative"))
    );
    let Item::Call(b, _) = &items[1] else {
        panic!()
    };
    assert_eq!(
        (b.our_number.as_str(), b.start_ms, b.call_status.as_str()),
        ("+14155550123", None, "registered")
    );
    assert_eq!(b.in_voicemail, Some(false));
}

#[test]
fn csv_with_iso_times_bom_and_crlf() {
    let input = "\u{feff}call_id,from_number,start_timestamp,end_timestamp,duration_ms\r\n\
         a,+14155550123,2026-11-20T10:00:00Z,2026-11-20 10:00:05,5000\r\n\
         b,+14155550123,2026-11-20T10:00:00.250+00:00,,\r\n\
         c,+14155550123,yesterday,,\r\n";
    let (shape, items) = read_all(input.as_bytes(), InputFormat::Auto);
    assert_eq!(shape, Shape::Csv);
    let Item::Call(a, _) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(
        (a.start_ms, a.end_ms, a.duration_ms),
        (Some(T0), Some(T0 + 5000), Some(5000))
    );
    let Item::Call(b, at) = &items[1] else {
        panic!()
    };
    assert_eq!((b.start_ms, at.line), (Some(T0 + 250), Some(3)));
    let r = rejects(&items);
    assert_eq!(r[0].field.as_deref(), Some("start_timestamp"));
    assert_eq!(
        r[0].reason,
        r#"start_timestamp "yesterday" is not a number (epoch ms or ISO 8601)"#
    );
    assert_eq!(r[0].raw, "c,+14155550123,yesterday,,");
}

#[test]
fn csv_quoted_newlines_ragged_rows_and_bad_utf8() {
    let mut input = String::from(
        "call_id,from_number,disconnection_reason,notes\n\
         \"a\",+14155550123,\"user_\"\"hangup\",\"line one\nline two\"\n\
         b,+14155550123\n\
         ,,,\n\
         c,+14155550123,x,y,z,extra\n",
    )
    .into_bytes();
    input.extend_from_slice(b"d,+14155550123,\xff\n");
    let (_, items) = read_all(&input, InputFormat::Csv);
    // `b` lacks trailing cells (read as empty); `c` has data past the header's columns,
    // so its cells may be in the wrong columns: rejected (see `csv_shape`).
    let got = calls(&items);
    assert_eq!(got.iter().map(|c| c.0).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(
        got[1].1,
        &Locator {
            line: Some(4),
            record: 2
        }
    );
    let Item::Call(a, _) = &items[0] else {
        panic!()
    };
    assert_eq!(a.disconnection_reason.as_deref(), Some("user_\"hangup"));
    let r = rejects(&items);
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].at.line, r[0].at.record), (Some(6), 3));
    assert!(
        r[0].reason
            .starts_with("the row has 6 fields, the header has 4"),
        "{}",
        r[0].reason
    );
    assert_eq!((r[1].at.line, r[1].at.record), (Some(7), 4));
    assert!(r[1].reason.contains("not valid UTF-8 (column 3)"));
}

#[test]
fn csv_header_missing_call_id_and_duplicates() {
    // No call_id column: the whole file is refused at its header, no row is read.
    for format in [InputFormat::Auto, InputFormat::Csv] {
        let (shape, items, error) =
            read_to_end(b"id,from_number\nx,+14155550123\ny,+14155550123\n", format);
        assert_eq!((shape, items), (Shape::Csv, vec![]));
        assert_eq!(
            error.as_deref(),
            Some(
                "calls.json: the CSV header has no call_id column, so no row can be read \
                 (header: `id,from_number`); expected columns named like the call object's \
                 fields: call_id (required), direction, from_number, to_number, \
                 start_timestamp, end_timestamp, duration_ms, disconnection_reason"
            )
        );
    }
    // A proper header with nothing but bad rows is not garbage: the rows are rejects.
    let (_, items, error) = read_to_end(
        b"call_id,from_number\nx,not a number\n,+14155550123\n",
        InputFormat::Auto,
    );
    assert_eq!(error, None);
    let r = rejects(&items);
    assert_eq!(
        r.iter().map(|r| r.field.as_deref()).collect::<Vec<_>>(),
        [Some("from_number"), Some("call_id")]
    );
    // Duplicate names: the first column wins.
    let (_, items) = read_all(
        b"call_id,from_number,from_number\nx,+14155550123,garbage\n",
        InputFormat::Csv,
    );
    let Item::Call(c, _) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(c.our_number, "+14155550123");
    // Header only.
    assert_eq!(
        read_all(b"call_id,from_number\n", InputFormat::Csv).1,
        vec![]
    );
    // Web call rows are skipped; CSV numbers without + use the default region.
    let (_, items) = read_all(
        b"call_id,call_type,from_number\nw,web_call,\np,phone_call,(415) 555-0123\n",
        InputFormat::Csv,
    );
    assert!(matches!(
        items[0],
        Item::Skipped(crate::model::SkipReason::WebCall, _)
    ));
    let Item::Call(c, _) = &items[1] else {
        panic!()
    };
    assert_eq!(c.our_number, "+14155550123");
}

fn csv_capped(input: &[u8], cap: usize) -> Vec<Item> {
    let src: Box<dyn io::BufRead + Send> = Box::new(io::Cursor::new(input.to_vec()));
    let (_, replay) = detect::detect(src, InputFormat::Csv, cap).unwrap();
    let mut v = validate::Validator::new(&opts(InputFormat::Csv)).unwrap();
    let mut p = csv_rows::CsvParser::new(replay, cap);
    let mut out = Vec::new();
    while let Some(item) = p.next_item(&mut v) {
        out.push(item.unwrap());
        assert!(out.len() < 1000, "runaway");
    }
    out
}

#[test]
fn csv_giant_rows_are_cut_and_rejected() {
    let quoted = format!("\"{}\"", "x\n".repeat(500));
    let unquoted = "y".repeat(900);
    let input = format!(
        "call_id,from_number,notes\n\
         a,+14155550123,short\n\
         big,+14155550123,{quoted}\n\
         b,+14155550123,ok\n\
         huge,+14155550123,{unquoted}\r\n\
         c,+14155550123,\"q\"\"{}\"\n\
         d,+14155550123,end\n",
        "z".repeat(300)
    );
    let items = csv_capped(input.as_bytes(), 200);
    let got = calls(&items);
    assert_eq!(got.iter().map(|c| c.0).collect::<Vec<_>>(), ["a", "b", "d"]);
    assert_eq!(got[1].1.line, Some(504));
    assert_eq!(
        got[2].1,
        &Locator {
            line: Some(507),
            record: 6
        }
    );
    let r = rejects(&items);
    assert_eq!(
        r.iter().map(|r| r.at.line).collect::<Vec<_>>(),
        [Some(3), Some(505), Some(506)]
    );
    assert!(
        r.iter()
            .all(|r| r.reason == "record longer than 200 bytes; row skipped")
    );
    assert!(r[0].raw.starts_with("big,+14155550123,\"x\n"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, failure_persistence: None, ..Default::default() })]

    /// With a cap larger than any record, `Guard` is invisible: the csv crate reads the
    /// same records. With a small cap, no record it passes on exceeds the cap.
    #[test]
    fn guard_is_transparent_under_the_cap_and_bounds_records_over_it(
        bytes in proptest::collection::vec(proptest::sample::select(b"ab,\"\r\n".to_vec()), 0..400),
        cap in 1usize..40,
    ) {
        let records = |r: Box<dyn io::Read>| {
            let mut rdr = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(r);
            let mut out = Vec::new();
            let mut rec = ::csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                out.push(rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
            }
            out
        };
        let plain = records(Box::new(io::Cursor::new(bytes.clone())));
        let guarded = records(Box::new(csv_rows::Guard::new(io::Cursor::new(bytes.clone()), 1 << 20)));
        proptest::prop_assert_eq!(&plain, &guarded);
        let capped = records(Box::new(csv_rows::Guard::new(io::Cursor::new(bytes), cap)));
        for r in &capped {
            let len: usize = r.iter().map(Vec::len).sum();
            proptest::prop_assert!(len <= cap, "record of {} bytes over cap {}", len, cap);
        }
        proptest::prop_assert!(capped.len() <= plain.len());
    }
}

#[test]
fn csv_now_is_respected() {
    let future = NOW + 10 * 86_400_000;
    let (_, items) = read_all(
        format!("call_id,from_number,start_timestamp\na,+14155550123,{future}\n").as_bytes(),
        InputFormat::Auto,
    );
    assert!(rejects(&items)[0].reason.contains("in the future"));
}
