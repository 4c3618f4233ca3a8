//! Unit tests for the validation rules, fed through the JSON wire form.

use super::*;
use crate::readers::{InputFormat, ReaderOptions};

/// 2026-11-20T12:00:00Z
const NOW: i64 = 1_795_176_000_000;
/// 2026-11-20T10:00:00Z
const T0: i64 = 1_795_168_800_000;

fn validator_in(region: &str) -> Validator {
    let opts = ReaderOptions {
        format: InputFormat::Auto,
        default_region: region.into(),
        now_ms: NOW,
        max_age_days: 365,
        max_duration_hours: 4,
    };
    Validator::new(&opts).unwrap()
}

fn check_in(region: &str, json: &str) -> Result<Verdict, Problem> {
    let w: Wire = serde_json::from_str(json).unwrap();
    validator_in(region).check_record(&w, false)
}

fn check(json: &str) -> Result<Verdict, Problem> {
    check_in("us", json)
}

fn call(json: &str) -> CallRecord {
    match check(json) {
        Ok(Verdict::Call(c)) => *c,
        other => panic!("expected a call from {json}: {other:?}"),
    }
}

fn rejected(json: &str) -> (&'static str, String) {
    match check(json) {
        Err(Problem {
            field: Some(f),
            reason,
        }) => (f, reason),
        other => panic!("expected a reject from {json}: {other:?}"),
    }
}

#[test]
fn full_outbound_call() {
    let c = call(&format!(
        r#"{{"call_id":"c1","call_type":"phone_call","agent_id":"ag","call_status":"ended","direction":"outbound",
        "from_number":"+14155550123","to_number":"(212) 555-1234","start_timestamp":{T0},"end_timestamp":{},
        "disconnection_reason":"brand_new_reason","call_analysis":{{"in_voicemail":false,"user_sentiment":"Negative","call_successful":"yes"}}}}"#,
        T0 + 5000
    ));
    assert_eq!(c.call_id, "c1");
    assert_eq!(c.direction, Direction::Outbound);
    assert_eq!(c.our_number, "+14155550123");
    assert_eq!(c.other_number, "+12125551234");
    assert_eq!(c.disconnection_reason.as_deref(), Some("brand_new_reason"));
    assert_eq!(
        (c.start_ms, c.end_ms, c.duration_ms),
        (Some(T0), Some(T0 + 5000), None)
    );
    assert_eq!(
        (
            c.in_voicemail,
            c.user_sentiment.as_deref(),
            c.call_successful
        ),
        (Some(false), Some("Negative"), Some(true))
    );
    assert_eq!(c.number_flags, 0);
}

#[test]
fn inbound_swaps_numbers_and_defaults() {
    let c = call(
        r#"{"call_id":"c","direction":"inbound","from_number":"+12125551234","to_number":"+14155550123"}"#,
    );
    assert_eq!(
        (c.our_number.as_str(), c.other_number.as_str()),
        ("+14155550123", "+12125551234")
    );
    assert_eq!(c.call_status, "registered");
    // No direction: outbound. Missing other party is allowed.
    let c = call(
        r#"{"call_id":"c","from_number":"+14155550123","disconnection_reason":"dial_failed"}"#,
    );
    assert_eq!(
        (c.direction, c.other_number.as_str(), c.call_status.as_str()),
        (Direction::Outbound, "", "ended")
    );
}

#[test]
fn skips_web_calls_first_and_calls_without_our_number() {
    assert!(matches!(
        check(r#"{"call_type":"web_call","direction":"sideways"}"#),
        Ok(Verdict::Skip(SkipReason::WebCall))
    ));
    let none = check(r#"{"call_id":"c","from_number":"","to_number":null}"#);
    assert!(matches!(none, Ok(Verdict::Skip(SkipReason::NoNumbers))));
    let ours_missing =
        check(r#"{"call_id":"c","direction":"inbound","from_number":"+14155550123"}"#);
    assert!(matches!(
        ours_missing,
        Ok(Verdict::Skip(SkipReason::NoNumbers))
    ));
}

#[test]
fn events_dispatch() {
    assert!(matches!(
        check(r#"{"event":"transcript_updated"}"#),
        Ok(Verdict::Skip(SkipReason::IgnoredEvent))
    ));
    let ev = r#"{"event":"call_analyzed","call":{"call_id":"e","from_number":"+14155550123","call_analysis":{"in_voicemail":"maybe"}}}"#;
    let Ok(Verdict::Call(c)) = check(ev) else {
        panic!()
    };
    assert_eq!((c.call_id.as_str(), c.in_voicemail), ("e", None));
    assert_eq!(rejected(r#"{"event":"call_ended"}"#).0, "call");
    assert_eq!(rejected(r#"{"event":"call_ended","call":[1]}"#).0, "call");
    assert_eq!(rejected(r#"{"event":5,"call":{}}"#).0, "event");
}

#[test]
fn call_id_rules() {
    assert_eq!(
        rejected(r#"{"from_number":"+14155550123"}"#),
        ("call_id", "call_id is missing".into())
    );
    assert_eq!(rejected(r#"{"call_id":""}"#).1, "call_id is empty");
    assert_eq!(
        rejected(r#"{"call_id":12}"#).1,
        "call_id must be a string, found number 12"
    );
    let long = format!(r#"{{"call_id":"{}"}}"#, "x".repeat(MAX_CALL_ID_BYTES + 1));
    assert!(rejected(&long).1.contains("257 bytes long"));
    assert_eq!(
        rejected(r#"{"call_id":"c","call_type":"sip"}"#).0,
        "call_type"
    );
    assert_eq!(
        rejected(r#"{"call_id":"c","direction":"sideways"}"#).0,
        "direction"
    );
}

#[test]
fn numbers_normalised_flagged_or_rejected() {
    let c = call(r#"{"call_id":"c","from_number":"+19995550123","to_number":"+447911123456"}"#);
    assert_eq!(
        (c.our_number.as_str(), c.other_number.as_str()),
        ("+19995550123", "+447911123456")
    );
    assert_eq!(c.number_flags, number_flags::OUR_NUMBER_UNKNOWN_RANGE);
    // A lead already in E.164 is taken on its form alone (no metadata lookup, no flag);
    // a lead in national format still goes through libphonenumber.
    let c = call(r#"{"call_id":"c","from_number":"+14155550123","to_number":"+8881234567"}"#);
    assert_eq!(
        (c.other_number.as_str(), c.number_flags),
        ("+8881234567", 0)
    );
    let c = call(r#"{"call_id":"c","from_number":"+14155550123","to_number":"(212) 555-2368"}"#);
    assert_eq!(c.other_number, "+12125552368");
    let c = call(r#"{"call_id":"c","from_number":14155550123}"#);
    assert_eq!(c.our_number, "+14155550123");
    let (field, reason) =
        rejected(r#"{"call_id":"c","from_number":"12345","to_number":"+12125551234"}"#);
    assert_eq!(field, "from_number");
    assert_eq!(
        reason,
        r#"from_number "12345" is not a valid phone number (expected E.164 like +14155550123)"#
    );
    assert_eq!(
        rejected(r#"{"call_id":"c","direction":"inbound","from_number":"+12125551234","to_number":"call me"}"#).0,
        "to_number"
    );
    assert_eq!(
        rejected(r#"{"call_id":"c","from_number":"+1415555012\u0000"}"#).0,
        "from_number"
    );
    assert_eq!(
        rejected(r#"{"call_id":"c","from_number":true}"#).0,
        "from_number"
    );
}

#[test]
fn an_unusable_other_party_number_is_kept_as_given_and_flagged() {
    let flag = number_flags::OTHER_NUMBER_UNKNOWN_RANGE;
    // A drama-range UK mobile (not a valid number) dialled from our valid London number.
    let gb = |json: &str| match check_in("GB", json) {
        Ok(Verdict::Call(c)) => *c,
        other => panic!("expected a call from {json}: {other:?}"),
    };
    let c = gb(r#"{"call_id":"c","from_number":"020 7946 0000","to_number":"07700 900123"}"#);
    assert_eq!(
        (
            c.our_number.as_str(),
            c.other_number.as_str(),
            c.number_flags
        ),
        ("+442079460000", "07700 900123", flag)
    );
    // Inbound: the caller is the other party.
    let c = gb(
        r#"{"call_id":"c","direction":"inbound","from_number":" 12345 ","to_number":"+442079460000"}"#,
    );
    assert_eq!(
        (
            c.our_number.as_str(),
            c.other_number.as_str(),
            c.number_flags
        ),
        ("+442079460000", "12345", flag)
    );
    // Kept bounded; not text at all: empty. Both flagged.
    let long = "9".repeat(100);
    let c = call(&format!(
        r#"{{"call_id":"c","from_number":"+14155550123","to_number":"{long}"}}"#
    ));
    assert_eq!((c.other_number.len(), c.number_flags), (64, flag));
    let c = call(r#"{"call_id":"c","from_number":"+14155550123","to_number":{"x":1}}"#);
    assert_eq!((c.other_number.as_str(), c.number_flags), ("", flag));
    // Absent stays empty and unflagged; our own number must still be valid.
    let c = call(r#"{"call_id":"c","from_number":"+14155550123","to_number":null}"#);
    assert_eq!((c.other_number.as_str(), c.number_flags), ("", 0));
    let (field, _) = match check_in(
        "GB",
        r#"{"call_id":"c","from_number":"07700 900123","to_number":"020 7946 0000"}"#,
    ) {
        Err(Problem {
            field: Some(f),
            reason,
        }) => (f, reason),
        other => panic!("{other:?}"),
    };
    assert_eq!(field, "from_number");
}

#[test]
fn times_accept_floats_and_strings_only_when_integral() {
    let c = call(&format!(
        r#"{{"call_id":"c","from_number":"+14155550123","start_timestamp":{T0}.0,"end_timestamp":"{}","duration_ms":"1.2e4"}}"#,
        T0 + 12_000
    ));
    assert_eq!(
        (c.start_ms, c.end_ms, c.duration_ms),
        (Some(T0), Some(T0 + 12_000), Some(12_000))
    );
    let c = call(r#"{"call_id":"c","from_number":"+14155550123","start_timestamp":1.7951688e12}"#);
    assert_eq!(c.start_ms, Some(1_795_168_800_000));
    let base = r#""call_id":"c","from_number":"+14155550123""#;
    let (f, r) = rejected(&format!(r#"{{{base},"start_timestamp":"abc"}}"#));
    assert_eq!(
        (f, r.as_str()),
        (
            "start_timestamp",
            r#"start_timestamp "abc" is not a number (epoch ms)"#
        )
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"start_timestamp":{T0}.5}}"#)).0,
        "start_timestamp"
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"start_timestamp":"NaN"}}"#)).0,
        "start_timestamp"
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"end_timestamp":[1]}}"#)).0,
        "end_timestamp"
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"duration_ms":1e300}}"#)).0,
        "duration_ms"
    );
    // ISO is for CSV only.
    assert_eq!(
        rejected(&format!(
            r#"{{{base},"start_timestamp":"2026-11-20T10:00:00Z"}}"#
        ))
        .0,
        "start_timestamp"
    );
}

#[test]
fn implausible_times_and_order() {
    let base = r#""call_id":"c","from_number":"+14155550123""#;
    let (f, r) = rejected(&format!(r#"{{{base},"start_timestamp":1795168800}}"#));
    assert_eq!(f, "start_timestamp");
    assert!(
        r.contains("implausible") && r.contains("looks like seconds"),
        "{r}"
    );
    let future = NOW + 3 * DAY_MS;
    assert!(
        rejected(&format!(r#"{{{base},"end_timestamp":{future}}}"#))
            .1
            .contains("in the future")
    );
    let old = NOW - 400 * DAY_MS;
    assert!(
        rejected(&format!(r#"{{{base},"start_timestamp":{old}}}"#))
            .1
            .contains("more than 365 days old")
    );
    let (f, r) = rejected(&format!(
        r#"{{{base},"start_timestamp":{T0},"end_timestamp":{}}}"#,
        T0 - 1
    ));
    assert_eq!(f, "end_timestamp");
    assert!(r.contains("is before start_timestamp"), "{r}");
    assert_eq!(
        rejected(&format!(r#"{{{base},"duration_ms":-1}}"#)),
        ("duration_ms", "duration_ms -1 is negative".into())
    );
    assert!(
        rejected(&format!(r#"{{{base},"duration_ms":{}}}"#, 5 * 3_600_000))
            .1
            .contains("4 h maximum")
    );
}

#[test]
fn strings_must_be_strings() {
    let base = r#""call_id":"c","from_number":"+14155550123""#;
    assert_eq!(
        rejected(&format!(r#"{{{base},"disconnection_reason":7}}"#)).0,
        "disconnection_reason"
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"call_status":{{}}}}"#)).0,
        "call_status"
    );
    assert_eq!(
        rejected(&format!(r#"{{{base},"agent_id":false}}"#)).0,
        "agent_id"
    );
    let c = call(&format!(
        r#"{{{base},"call_status":"brand_new","call_analysis":[1]}}"#
    ));
    assert_eq!(
        (c.call_status.as_str(), c.in_voicemail),
        ("brand_new", None)
    );
}

#[test]
fn iso_times_for_csv() {
    assert_eq!(iso_ms("2026-11-20T14:03:00Z"), Some(1_795_183_380_000));
    assert_eq!(
        iso_ms("2026-11-20T14:03:00.123+00:00"),
        Some(1_795_183_380_123)
    );
    assert_eq!(iso_ms("2026-11-20 14:03:00"), Some(1_795_183_380_000));
    assert_eq!(iso_ms("2026-11-20T16:03:00+02:00"), Some(1_795_183_380_000));
    assert_eq!(iso_ms("yesterday"), None);
    assert_eq!(
        ms_value(
            &Val::Str("2026-11-20 14:03:00".into()),
            "start_timestamp",
            true
        ),
        Ok(Some(1_795_183_380_000))
    );
    let e = ms_value(&Val::Str("abc".into()), "start_timestamp", true).unwrap_err();
    assert_eq!(
        e.reason,
        r#"start_timestamp "abc" is not a number (epoch ms or ISO 8601)"#
    );
}

#[test]
fn bad_region_is_an_error() {
    let opts = ReaderOptions {
        format: InputFormat::Auto,
        default_region: "XX".into(),
        now_ms: NOW,
        max_age_days: 1,
        max_duration_hours: 1,
    };
    assert!(Validator::new(&opts).err().unwrap().contains("\"XX\""));
}
