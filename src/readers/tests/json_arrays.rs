//! JSON array and v3 page scanner tests: element caps, broken and unterminated
//! structure, deep nesting, odd pages.

use std::io;

use super::{call, calls, opts, rejects};
use crate::model::Item;
use crate::readers::*;

/// Runs the JSON scanner with a small record cap.
fn json_capped(input: &[u8], cap: usize) -> Vec<Item> {
    let src: Box<dyn io::BufRead + Send> = Box::new(io::Cursor::new(input.to_vec()));
    let (_, replay) = detect::detect(src, InputFormat::Json, cap).unwrap();
    let mut v = validate::Validator::new(&opts(InputFormat::Json)).unwrap();
    let mut p = json::JsonParser::new(replay, cap);
    let mut out = Vec::new();
    while let Some(item) = p.next_item(&mut v) {
        out.push(item.unwrap());
        assert!(p.buffer_capacity() <= 1 << 20);
        assert!(out.len() < 1000, "runaway");
    }
    out
}

#[test]
fn over_long_array_element_is_skipped() {
    let big = format!(r#"{{"call_id":"big","transcript":"{}"}}"#, "x".repeat(5000));
    let input = format!("[{}, {big}, {}]", call("a"), call("b"));
    let items = json_capped(input.as_bytes(), 2000);
    assert_eq!(
        calls(&items).iter().map(|c| c.0).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let rej = rejects(&items);
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0].at.record, 2);
    assert!(
        rej[0].reason.starts_with("record longer than 2000 bytes"),
        "{}",
        rej[0].reason
    );
}

#[test]
fn broken_and_unterminated_arrays() {
    let one = |input: String| {
        let items = json_capped(input.as_bytes(), 1 << 20);
        let reasons: Vec<String> = rejects(&items).iter().map(|r| r.reason.clone()).collect();
        (calls(&items).len(), reasons)
    };
    // Unterminated after a complete element.
    let (n, r) = one(format!("[{},", call("a")));
    assert_eq!((n, r.len()), (1, 1));
    assert!(r[0].contains("no closing ']'"), "{r:?}");
    // Unterminated inside an element.
    let (n, r) = one(format!("[{}, {{\"call_id\": \"b", call("a")));
    assert_eq!(n, 1);
    assert!(
        r[0].contains("array element 2 (line 1) is not terminated"),
        "{r:?}"
    );
    // Missing comma: the structure is broken, the rest is one reject.
    let (n, r) = one(format!("[{} {} {}]", call("a"), call("b"), call("c")));
    assert_eq!((n, r.len()), (1, 1));
    assert!(
        r[0].contains("expected ',' or ']' after element 1"),
        "{r:?}"
    );
    // A syntax error inside an element whose end is still found: only that element.
    let (n, r) = one(format!(
        "[{}, {{\"call_id\" \"x\"}}, {}]",
        call("a"),
        call("c")
    ));
    assert_eq!((n, r.len()), (2, 1));
    assert!(r[0].starts_with("invalid JSON"));
    // Deep nesting: iterative scan, serde's recursion limit rejects the element.
    let deep = format!(
        "[{}1{}, {}]",
        "{\"call\":".repeat(5000),
        "}".repeat(5000),
        call("z")
    );
    let (n, r) = one(deep);
    assert_eq!(n, 1);
    assert!(r[0].contains("recursion limit exceeded"), "{r:?}");
    // Deep nesting in skipped fields is skipped iteratively by serde_json (twice: the
    // object has no call field, so its keys are read again to be named).
    let (_, r) = one(format!(
        "[{}1{}]",
        "{\"x\":[".repeat(5000),
        "]}".repeat(5000)
    ));
    assert_eq!(
        r,
        vec![
            "JSON object has none of the call fields (call_id, from_number, to_number, \
             start_timestamp, ...); its keys: x"
                .to_string()
        ]
    );
    let (n, r) = one("[".repeat(100_000));
    assert_eq!((n, r.len()), (0, 1));
    // Trailing data, empty elements, non-array input.
    let (n, r) = one(format!("[{}] x", call("a")));
    assert_eq!((n, r.len()), (1, 1));
    assert!(r[0].contains("unexpected data after the end"));
    let (n, r) = one(format!("[,{},]", call("a")));
    assert_eq!((n, r), (1, vec!["empty array element".to_string()]));
    let (n, r) = one("nope".into());
    assert_eq!(n, 0);
    assert!(r[0].contains("expected '[' (List Calls v2) or '{' (v3 page), found 'n'"));
}

#[test]
fn odd_v3_pages() {
    let items = json_capped(br#"{"has_more":false,"items":5}"#, 1 << 20);
    assert_eq!(rejects(&items)[0].field.as_deref(), Some("items"));
    let items = json_capped(br#"{"has_more":false}"#, 1 << 20);
    assert!(rejects(&items)[0].reason.contains("no \"items\" array"));
    let items = json_capped(
        format!(r#"{{"items":[{}],"has_more":"#, call("a")).as_bytes(),
        1 << 20,
    );
    assert_eq!((calls(&items).len(), rejects(&items).len()), (1, 1));
    let items = json_capped(
        format!(r#"{{"items":[{}] "x":1}}"#, call("a")).as_bytes(),
        1 << 20,
    );
    assert!(rejects(&items)[0].reason.contains("expected ',' or '}'"));
}
