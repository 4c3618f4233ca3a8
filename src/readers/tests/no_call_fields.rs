//! JSON objects with none of the call fields (an API error body saved as a calls file,
//! `{}`): a file of nothing else is refused whole, naming the keys it found; among
//! call records they are rejects that name their keys.

use super::{call, calls, read_to_end, rejects};
use crate::readers::*;

#[test]
fn an_error_body_saved_as_a_calls_file_is_refused_naming_its_keys() {
    let (_, items, error) = read_to_end(
        b"{\"error\":\"unauthorized\",\"status\":401}\n",
        InputFormat::Auto,
    );
    assert_eq!(rejects(&items).len(), 1);
    assert_eq!(
        error.as_deref(),
        Some(
            "calls.json: no call records recognised: its only record (line 1) is a JSON \
             object with none of the call fields (keys: error, status); is it an error \
             response saved as a file? (a call record has keys like call_id, from_number, \
             to_number, start_timestamp, ...)"
        )
    );
    // In a v3 page and a v2 array: the same rule.
    for input in [
        &b"{\"items\":[{\"message\":\"rate limited\"}],\"has_more\":false}"[..],
        b"[{\"message\":\"rate limited\"}]",
    ] {
        let (_, _, error) = read_to_end(input, InputFormat::Auto);
        let error = error.unwrap_or_else(|| panic!("not refused: {input:?}"));
        assert!(error.contains("none of the call fields (keys: "), "{error}");
    }
    // Pretty-printed, it is read line by line (not a page), none of which is an object:
    // refused as before.
    let pretty = b"{\n  \"error\": \"unauthorized\",\n  \"status\": 401\n}\n";
    let (_, _, error) = read_to_end(pretty, InputFormat::Auto);
    assert!(error.is_some_and(|e| e.contains("no call records recognised")));
    let (_, _, error) = read_to_end(b"{}", InputFormat::Auto);
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("its only record (line 1) is an empty JSON object")),
        "{error:?}"
    );
}

#[test]
fn ndjson_of_foreign_objects_is_refused_with_counts_and_the_first_keys() {
    // Forced NDJSON whose first line is text: still said as objects without call fields.
    let (_, _, error) = read_to_end(b"zzz\n{\"foo\":1}\n", InputFormat::Ndjson);
    assert!(
        error.as_deref().is_some_and(|e| e.contains(
            "none of its 2 records has any of the call fields (call_id, from_number, to_number, \
             start_timestamp, ...): 1 is a JSON object without them, 1 is not an object"
        )),
        "{error:?}"
    );
    let input = b"{\"foo\":1}\n[1]\n{\"bar\":2,\"we ird\":3}\n";
    let (_, items, error) = read_to_end(input, InputFormat::Ndjson);
    assert_eq!(rejects(&items).len(), 3);
    assert_eq!(
        error.as_deref(),
        Some(
            "calls.json: no call records recognised: none of its 3 records has any of the \
             call fields (call_id, from_number, to_number, start_timestamp, ...): 2 are JSON \
             objects without them, 1 is not an object; the first object (line 1) has the \
             keys foo"
        )
    );
}

#[test]
fn foreign_objects_among_calls_are_rejects_naming_their_keys() {
    let many: String = (0..10).map(|i| format!("\"k{i}\":{i},")).collect();
    let input = format!(
        "{}\n{{\"foo\":1}}\n{{}}\n{{{many}\"we ird\":0}}\n{{\"call_id\":\"x\",\"foo\":1}}\n",
        call("a")
    );
    let (_, items, error) = read_to_end(input.as_bytes(), InputFormat::Auto);
    assert_eq!(error, None);
    assert_eq!(calls(&items).len(), 1);
    let r = rejects(&items);
    let got: Vec<_> = r
        .iter()
        .map(|r| (r.at.line, r.field.as_deref(), r.reason.as_str()))
        .collect();
    let fields = "(call_id, from_number, to_number, start_timestamp, ...)";
    assert_eq!(
        got,
        [
            (
                Some(2),
                None,
                format!("JSON object has none of the call fields {fields}; its keys: foo").as_str()
            ),
            (
                Some(3),
                None,
                format!("record is an empty JSON object, with none of the call fields {fields}")
                    .as_str()
            ),
            (
                Some(4),
                None,
                format!(
                    "JSON object has none of the call fields {fields}; its keys: k0, k1, k2, \
                     k3, k4, k5, k6, k7, ... (11 keys in all)"
                )
                .as_str()
            ),
        ]
    );
    // `{"call_id":"x"}` has a call field: it is a record (skipped, no numbers).
    assert!(matches!(
        items.last(),
        Some(crate::model::Item::Skipped(
            crate::model::SkipReason::NoNumbers,
            _
        ))
    ));
    // Any call-shaped key makes a record, whatever its value; webhook envelopes too.
    for input in [
        &br#"{"from_number":null}"#[..],
        br#"{"event":"transcript_updated"}"#,
        br#"{"call_analysis":{}}"#,
    ] {
        let (_, _, error) = read_to_end(input, InputFormat::Ndjson);
        assert_eq!(error, None, "{:?}", String::from_utf8_lossy(input));
    }
}
