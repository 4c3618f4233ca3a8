//! CSV rows measured against their header (`csv_shape`): a file cut off in its last
//! row, rows longer than the header, short rows (trailing empty cells dropped, or ending
//! before a column the call needs), and headers without our own number's column.

use super::{calls, read_all, read_to_end, rejects};
use crate::model::Item;
use crate::readers::*;

/// The sample export's header (17 columns) and three of its rows, as exported.
const EXPORT: &str = "call_id,call_type,agent_id,agent_name,direction,from_number,to_number,\
call_status,disconnection_reason,start_timestamp,end_timestamp,duration_ms,user_sentiment,\
call_successful,in_voicemail,call_cost,campaign
call_a,phone_call,agent_9,Max,outbound,+15126281454,+15026032213,not_connected,dial_no_answer,\
2026-11-20T10:00:00Z,,,Unknown,false,false,0,nov
call_b,phone_call,agent_9,Max,inbound,+15026032213,+15108044902,ended,user_hangup,\
2026-11-20T10:00:00Z,2026-11-20T10:00:30Z,30000,Neutral,true,false,0.1,nov
call_c,phone_call,agent_9,Max,outbound,+15108044902,+18185515852,not_connected,dial_no_answer,\
2026-11-20T10:00:00Z,,,Unknown,false,false,0,nov
";

#[test]
fn a_file_cut_off_inside_its_last_row_rejects_that_row_and_keeps_the_rest() {
    // Cut inside from_number, as a download that stopped: `+151262814` would pass as a
    // number in an unknown range and be stored as an outbound call "registered" now.
    let input = format!(
        "{EXPORT}call_d,phone_call,agent_9d3e7b21c4a85f60e1d2c3b4,Max - Insurance Renewals,\
         outbound,+151262814"
    );
    let (_, items, error) = read_to_end(input.as_bytes(), InputFormat::Auto);
    assert_eq!(error, None);
    let got = calls(&items);
    assert_eq!(
        got.iter().map(|c| c.0).collect::<Vec<_>>(),
        ["call_a", "call_b", "call_c"]
    );
    let r = rejects(&items);
    assert_eq!(r.len(), 1, "{items:?}");
    assert_eq!(
        (r[0].at.line, r[0].at.record, r[0].field.as_deref()),
        (Some(5), 4, Some("from_number"))
    );
    assert_eq!(
        r[0].reason,
        "the file ends in the middle of this row: it has 6 fields, the header has 17 \
         (a truncated file?)"
    );
    assert!(r[0].raw.ends_with("outbound,+151262814"), "{}", r[0].raw);
    // Cut inside a quoted field: the open quote runs to the end of the input.
    let input = format!("{EXPORT}call_d,phone_call,agent_9,\"Max - Insur");
    let (_, items) = read_all(input.as_bytes(), InputFormat::Csv);
    let r = rejects(&items);
    assert_eq!((r.len(), calls(&items).len()), (1, 3));
    assert_eq!(r[0].at.line, Some(5));
    assert!(
        r[0].reason
            .starts_with("the file ends inside a quoted field of this row"),
        "{}",
        r[0].reason
    );
    // A complete last row without a final line break is fine, and so is the same short
    // row when a line break follows it (an export that drops trailing empty cells).
    let whole = EXPORT.trim_end();
    let (_, items) = read_all(whole.as_bytes(), InputFormat::Csv);
    assert_eq!((calls(&items).len(), rejects(&items).len()), (3, 0));
    let dropped = format!("{EXPORT}call_d,phone_call,agent_9,Max,outbound,+15126281454\n");
    let (_, items) = read_all(dropped.as_bytes(), InputFormat::Csv);
    assert_eq!((calls(&items).len(), rejects(&items).len()), (4, 0));
}

#[test]
fn rows_longer_than_the_header_are_rejected_unless_the_extra_cells_are_empty() {
    let input = "call_id,direction,from_number,agent_name,to_number\n\
                 a,outbound,+14155550123,Max,+12125551234,,\n\
                 b,outbound,+14155550123,Max, Insurance,+12125551234\n\
                 c,outbound,+14155550123,Max,+12125551234\n";
    let (_, items) = read_all(input.as_bytes(), InputFormat::Csv);
    assert_eq!(
        calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(),
        ["a", "c"]
    );
    let r = rejects(&items);
    assert_eq!(
        (r.len(), r[0].at.line, r[0].field.as_deref()),
        (1, Some(3), None)
    );
    assert_eq!(
        r[0].reason,
        "the row has 6 fields, the header has 5, and the extra ones hold data: its cells \
         may be in the wrong columns (a comma inside an unquoted field?)"
    );
}

#[test]
fn a_short_row_that_ends_before_a_column_the_call_needs_is_rejected() {
    let input = "call_id,direction,agent_name,from_number,to_number\n\
                 a,outbound,Max\n\
                 b,inbound,Max,+12125551234\n\
                 c,outbound,Max,+14155550123\n\
                 d,outbound,Max,,+12125551234\n\
                 w,outbound\n";
    let (_, items) = read_all(input.as_bytes(), InputFormat::Csv);
    // `c` lacks only the callee (the other party), `d` has an empty cell where our number
    // goes: a record without our number, skipped as in every shape.
    assert_eq!(calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(), ["c"]);
    assert!(matches!(
        items[3],
        Item::Skipped(crate::model::SkipReason::NoNumbers, _)
    ));
    let r = rejects(&items);
    let got: Vec<_> = r
        .iter()
        .map(|r| (r.at.line, r.field.as_deref(), r.reason.as_str()))
        .collect();
    let before = |n: usize, col: &str, holds: &str| {
        format!(
            "the row has {n} fields, the header has 5: it ends before the {col} column, so \
             {holds} is missing (a truncated row?)"
        )
    };
    let (a, b, w) = (
        before(3, "from_number", "an outbound call's own number"),
        before(4, "to_number", "an inbound call's own number"),
        before(2, "from_number", "an outbound call's own number"),
    );
    assert_eq!(
        got,
        [
            (Some(2), Some("from_number"), a.as_str()),
            (Some(3), Some("to_number"), b.as_str()),
            (Some(6), Some("from_number"), w.as_str()),
        ]
    );
    // A row that ends before call_id names it too.
    let (_, items) = read_all(b"agent_name,call_id,from_number\nMax\n", InputFormat::Csv);
    assert_eq!(rejects(&items)[0].field.as_deref(), Some("call_id"));
}

#[test]
fn a_header_without_our_numbers_column_rejects_the_rows_that_need_it() {
    // No from_number column: each outbound row is rejected naming it (nothing is
    // silently skipped); inbound rows (our number is to_number) land; web calls skip.
    let input = "call_id,call_type,direction,to_number,start_timestamp\n\
                 a,phone_call,outbound,+12125551234,2026-11-20T10:00:00Z\n\
                 b,phone_call,inbound,+14155550123,2026-11-20T10:00:00Z\n\
                 c,phone_call,,+12125551234,2026-11-20T10:00:00Z\n\
                 w,web_call,outbound,,\n\
                 x,phone_call,sideways,+12125551234,\n";
    let (_, items, error) = read_to_end(input.as_bytes(), InputFormat::Auto);
    assert_eq!(error, None);
    assert_eq!(calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(), ["b"]);
    assert!(matches!(
        items[3],
        Item::Skipped(crate::model::SkipReason::WebCall, _)
    ));
    let r = rejects(&items);
    let got: Vec<_> = r
        .iter()
        .map(|r| (r.at.line, r.field.as_deref(), r.reason.as_str()))
        .collect();
    let no_from = "the CSV header has no from_number column, so an outbound call's own number \
                   is missing";
    assert_eq!(
        got,
        [
            (Some(2), Some("from_number"), no_from),
            (Some(4), Some("from_number"), no_from),
            (
                Some(6),
                Some("direction"),
                r#"direction "sideways" is not inbound or outbound"#
            ),
        ]
    );
    // The same for to_number and inbound rows.
    let (_, items) = read_all(
        b"call_id,direction,from_number\na,outbound,+14155550123\nb,inbound,+12125551234\n",
        InputFormat::Csv,
    );
    assert_eq!(calls(&items).len(), 1);
    assert_eq!(rejects(&items)[0].field.as_deref(), Some("to_number"));
}

#[test]
fn a_header_that_leaves_no_row_readable_is_refused_whole() {
    // Without a direction column every row is outbound, so no from_number column means
    // no row has our number; without either number column none has, whatever its
    // direction. Refused at the header like a CSV without call_id: no row is read.
    let no_from = "call_id,to_number,start_timestamp\nx,+12125551234,2026-11-20T10:00:00Z\n";
    let (shape, items, error) = read_to_end(no_from.as_bytes(), InputFormat::Auto);
    assert_eq!((shape, items), (Shape::Csv, vec![]));
    assert_eq!(
        error.as_deref(),
        Some(
            "calls.json: the CSV header has no from_number column and no direction column, \
             so every row is an outbound call without our own number (from_number) and no \
             row can be read (header: `call_id,to_number,start_timestamp`); expected columns \
             named like the call object's fields: call_id (required), direction, \
             from_number, to_number, start_timestamp, end_timestamp, duration_ms, \
             disconnection_reason"
        )
    );
    let (_, items, error) = read_to_end(b"call_id,direction\nx,inbound\n", InputFormat::Csv);
    assert!(items.is_empty());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("no from_number and no to_number column")),
        "{error:?}"
    );
    // A from_number column alone is enough: every row is outbound.
    let (_, items, error) = read_to_end(b"call_id,from_number\nx,+14155550123\n", InputFormat::Csv);
    assert_eq!((calls(&items).len(), error), (1, None));
}
