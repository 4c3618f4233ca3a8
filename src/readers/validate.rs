//! Turns one `Wire` record (from any input shape) into a `CallRecord`, a skip, or a
//! reject reason naming the field, so every shape applies exactly the same rules.
//!
//! Policies worth knowing:
//! - `call_type` `web_call` is skipped before anything else is looked at; an absent
//!   `call_type` means a phone call; any other value is a reject.
//! - An absent `direction` is taken as outbound (our number is `from_number`).
//! - `call_analysis` is advisory: a wrong type there (`in_voicemail: "maybe"`) makes
//!   that one field absent instead of rejecting the whole call.
//! - `disconnection_reason` values are kept as they are, known or not.
//! - Numbers: see `numbers` (normalised to E.164, unknown ranges kept and flagged). Only
//!   our own number must be valid: the other party's (`to_number` outbound,
//!   `from_number` inbound) that is not a usable phone number is kept as given (trimmed,
//!   at most 64 bytes; empty if not text) and flagged `OTHER_NUMBER_UNKNOWN_RANGE`, so
//!   an odd lead number does not cost our number the attempt.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use phonenumber::country::Id;

use super::numbers::{NumCheck, Numbers};
use super::wire::{Analysis, ObjOr, Val, Wire, describe, show};
use crate::model::{CallRecord, Direction, SkipReason, Text, number_flags};

/// Longest accepted `call_id`, bytes.
pub const MAX_CALL_ID_BYTES: usize = 256;
/// 2015-01-01T00:00:00Z: nothing older is a plausible call time.
const EARLIEST_MS: i64 = 1_420_070_400_000;
const DAY_MS: i64 = 86_400_000;

/// What a readable record amounts to.
#[derive(Debug)]
pub(crate) enum Verdict {
    Call(Box<CallRecord>),
    Skip(SkipReason),
}

/// Why a record is rejected: the field to blame (if any) and a sentence.
#[derive(Debug, PartialEq)]
pub(crate) struct Problem {
    pub field: Option<&'static str>,
    pub reason: String,
}

fn problem(field: &'static str, reason: String) -> Problem {
    Problem {
        field: Some(field),
        reason,
    }
}

/// Validation rules plus the phone-number cache.
pub(crate) struct Validator {
    earliest_ms: i64,
    latest_ms: i64,
    max_duration_ms: i64,
    max_age_days: i64,
    max_duration_hours: i64,
    numbers: Numbers,
}

impl Validator {
    pub(crate) fn new(opts: &super::ReaderOptions) -> Result<Validator, String> {
        let region: Id = opts
            .default_region
            .trim()
            .to_ascii_uppercase()
            .parse()
            .map_err(|_| {
                format!(
                    "default region {:?} is not an ISO 3166 region code like \"US\"",
                    opts.default_region
                )
            })?;
        let age_ms = opts.max_age_days.max(0).saturating_mul(DAY_MS);
        Ok(Validator {
            earliest_ms: EARLIEST_MS.max(opts.now_ms.saturating_sub(age_ms)),
            latest_ms: opts.now_ms.saturating_add(2 * DAY_MS),
            max_duration_ms: opts.max_duration_hours.max(0).saturating_mul(3_600_000),
            max_age_days: opts.max_age_days,
            max_duration_hours: opts.max_duration_hours,
            numbers: Numbers::new(region),
        })
    }

    /// A call object or a webhook event (`event` + `call`). Ignored events are skipped;
    /// `call_started`/`call_ended`/`call_analyzed` must carry a call object.
    /// `iso` allows ISO 8601 times (CSV).
    pub(crate) fn check_record(&mut self, w: &Wire<'_>, iso: bool) -> Result<Verdict, Problem> {
        match &w.event {
            Val::Absent | Val::Null => self.check_call(w, iso),
            Val::Str(ev) => match ev.as_ref() {
                "call_started" | "call_ended" | "call_analyzed" => match &w.call {
                    ObjOr::Obj(call) => self.check_call(call, iso),
                    ObjOr::Absent | ObjOr::Null => Err(problem(
                        "call",
                        format!("event {} has no call object", show(ev)),
                    )),
                    ObjOr::Other(kind) => Err(problem(
                        "call",
                        format!("call in event {} must be an object, found {kind}", show(ev)),
                    )),
                },
                _ => Ok(Verdict::Skip(SkipReason::IgnoredEvent)),
            },
            other => Err(problem(
                "event",
                format!("event must be a string, found {}", describe(other)),
            )),
        }
    }

    /// One call object.
    pub(crate) fn check_call(&mut self, w: &Wire<'_>, iso: bool) -> Result<Verdict, Problem> {
        match opt_str(&w.call_type, "call_type")? {
            Some("web_call") => return Ok(Verdict::Skip(SkipReason::WebCall)),
            None | Some("phone_call") => {}
            Some(other) => {
                return Err(problem(
                    "call_type",
                    format!("call_type {} is not phone_call or web_call", show(other)),
                ));
            }
        }
        let call_id = match &w.call_id {
            Val::Str(s) if s.is_empty() => {
                return Err(problem("call_id", "call_id is empty".into()));
            }
            Val::Str(s) if s.len() > MAX_CALL_ID_BYTES => {
                return Err(problem(
                    "call_id",
                    format!(
                        "call_id {} is {} bytes long (at most {MAX_CALL_ID_BYTES})",
                        show(s),
                        s.len()
                    ),
                ));
            }
            Val::Str(s) => s,
            Val::Absent | Val::Null => return Err(problem("call_id", "call_id is missing".into())),
            other => {
                return Err(problem(
                    "call_id",
                    format!("call_id must be a string, found {}", describe(other)),
                ));
            }
        };
        // Absent direction: assume outbound, the platform's usual case for fleets we score.
        let direction = match opt_str(&w.direction, "direction")? {
            None => Direction::Outbound,
            Some(s) => Direction::parse(s).ok_or_else(|| {
                problem(
                    "direction",
                    format!("direction {} is not inbound or outbound", show(s)),
                )
            })?,
        };
        let ((ours, ours_field), other) = match direction {
            Direction::Outbound => ((&w.from_number, "from_number"), &w.to_number),
            Direction::Inbound => ((&w.to_number, "to_number"), &w.from_number),
        };
        let Some(ours) = number_text(ours, ours_field)? else {
            return Ok(Verdict::Skip(SkipReason::NoNumbers));
        };
        let mut flags = 0;
        let our_number = self.our_number(&ours, ours_field, &mut flags)?;
        let other_number = self.other_number(other, &mut flags);

        let start_ms = self.moment(&w.start_timestamp, "start_timestamp", iso)?;
        let end_ms = self.moment(&w.end_timestamp, "end_timestamp", iso)?;
        if let (Some(s), Some(e)) = (start_ms, end_ms)
            && e < s
        {
            return Err(problem(
                "end_timestamp",
                format!(
                    "end_timestamp {e} ({}) is before start_timestamp {s} ({})",
                    rfc3339(e),
                    rfc3339(s)
                ),
            ));
        }
        let duration_ms = ms_value(&w.duration_ms, "duration_ms", false)?;
        if let Some(d) = duration_ms {
            if d < 0 {
                return Err(problem(
                    "duration_ms",
                    format!("duration_ms {d} is negative"),
                ));
            }
            if d > self.max_duration_ms {
                return Err(problem(
                    "duration_ms",
                    format!(
                        "duration_ms {d} is longer than the {} h maximum",
                        self.max_duration_hours
                    ),
                ));
            }
        }
        let disconnection_reason =
            opt_str(&w.disconnection_reason, "disconnection_reason")?.map(Text::from);
        let call_status = match opt_str(&w.call_status, "call_status")? {
            Some(s) => Text::from(s),
            None if end_ms.is_some() || disconnection_reason.is_some() => Text::const_new("ended"),
            None => Text::const_new("registered"),
        };
        let agent_id = opt_str(&w.agent_id, "agent_id")?.map(str::to_owned);
        let (in_voicemail, user_sentiment, call_successful) = match &w.call_analysis {
            ObjOr::Obj(a) => analysis(a),
            _ => (None, None, None),
        };
        Ok(Verdict::Call(Box::new(CallRecord {
            call_id: call_id.to_string(),
            direction,
            our_number,
            other_number,
            call_status,
            agent_id,
            disconnection_reason,
            start_ms,
            end_ms,
            duration_ms,
            in_voicemail,
            user_sentiment,
            call_successful,
            number_flags: flags,
        })))
    }

    /// Our own number: it must be a phone number (E.164, or national in the default
    /// region).
    fn our_number(
        &mut self,
        raw: &str,
        field: &'static str,
        flags: &mut i64,
    ) -> Result<Text, Problem> {
        match self.numbers.check(raw) {
            NumCheck::Ok {
                e164,
                unknown_range,
            } => {
                if unknown_range {
                    *flags |= number_flags::OUR_NUMBER_UNKNOWN_RANGE;
                }
                Ok(e164)
            }
            NumCheck::Bad => Err(problem(
                field,
                format!(
                    "{field} {} is not a valid phone number (expected E.164 like +14155550123)",
                    show(raw)
                ),
            )),
        }
    }

    /// The other party's number: normalised when it is a phone number; otherwise kept
    /// as given (bounded) and flagged. Absent is empty.
    fn other_number(&mut self, v: &Val<'_>, flags: &mut i64) -> Text {
        let raw = match number_text(v, "other") {
            Ok(Some(raw)) => raw,
            Ok(None) => return Text::default(),
            Err(_) => {
                *flags |= number_flags::OTHER_NUMBER_UNKNOWN_RANGE;
                return Text::default();
            }
        };
        // The other party (a lead) is nearly always a new number, and a metadata lookup costs
        // more than the rest of the record: an already-E.164 lead is taken on its form alone.
        // Our own caller numbers (few, cached) always get the full libphonenumber check.
        if super::numbers::is_e164(&raw) {
            return Text::from(raw.as_ref());
        }
        match self.numbers.check(&raw) {
            NumCheck::Ok {
                e164,
                unknown_range,
            } => {
                if unknown_range {
                    *flags |= number_flags::OTHER_NUMBER_UNKNOWN_RANGE;
                }
                e164
            }
            NumCheck::Bad => {
                *flags |= number_flags::OTHER_NUMBER_UNKNOWN_RANGE;
                let mut end = raw.len().min(super::numbers::MAX_NUMBER_BYTES);
                while !raw.is_char_boundary(end) {
                    end -= 1;
                }
                Text::from(raw.get(..end).unwrap_or_default())
            }
        }
    }

    /// A timestamp field: parsed, then checked to lie in a plausible window.
    fn moment(&self, v: &Val<'_>, field: &'static str, iso: bool) -> Result<Option<i64>, Problem> {
        let Some(ms) = ms_value(v, field, iso)? else {
            return Ok(None);
        };
        let why = if ms < EARLIEST_MS {
            let hint = if (1_000_000_000..100_000_000_000).contains(&ms) {
                " (it looks like seconds; expected milliseconds)"
            } else {
                ""
            };
            format!("is before 2015-01-01{hint}")
        } else if ms < self.earliest_ms {
            format!(
                "is more than {} days old (ingest.max_age_days)",
                self.max_age_days
            )
        } else if ms > self.latest_ms {
            "is more than 2 days in the future".to_owned()
        } else {
            return Ok(Some(ms));
        };
        Err(problem(
            field,
            format!("{field} {ms} ({}) is implausible: it {why}", rfc3339(ms)),
        ))
    }
}

/// An optional string field; a non-string is a reject naming the field.
fn opt_str<'v>(v: &'v Val<'_>, field: &'static str) -> Result<Option<&'v str>, Problem> {
    match v {
        Val::Absent | Val::Null => Ok(None),
        Val::Str(s) => {
            let s = s.trim();
            Ok(if s.is_empty() { None } else { Some(s) })
        }
        other => Err(problem(
            field,
            format!("{field} must be a string, found {}", describe(other)),
        )),
    }
}

/// A phone number field: a string, or an integer written without `+`.
fn number_text<'v>(v: &'v Val<'_>, field: &'static str) -> Result<Option<Cow<'v, str>>, Problem> {
    match v {
        Val::Int(i) if *i > 0 => Ok(Some(Cow::Owned(i.to_string()))),
        Val::BigInt(u) => Ok(Some(Cow::Owned(u.to_string()))),
        other => Ok(opt_str(other, field)?.map(Cow::Borrowed)),
    }
}

/// Milliseconds from a JSON integer, an integral float, a numeric string, or (with
/// `iso`) an ISO 8601 / RFC 3339 time (no offset means UTC).
fn ms_value(v: &Val<'_>, field: &'static str, iso: bool) -> Result<Option<i64>, Problem> {
    let not_integer = |shown: String| {
        problem(
            field,
            format!("{field} {shown} is not a whole number of milliseconds"),
        )
    };
    match v {
        Val::Absent | Val::Null => Ok(None),
        Val::Int(i) => Ok(Some(*i)),
        Val::BigInt(u) => Err(problem(field, format!("{field} {u} is out of range"))),
        Val::Float(f) => float_ms(*f)
            .map(Some)
            .ok_or_else(|| not_integer(f.to_string())),
        Val::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if let Ok(i) = t.parse::<i64>() {
                return Ok(Some(i));
            }
            let numeric = t
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
            if numeric && let Ok(f) = t.parse::<f64>() {
                return float_ms(f).map(Some).ok_or_else(|| not_integer(show(t)));
            }
            if iso && let Some(ms) = iso_ms(t) {
                return Ok(Some(ms));
            }
            let expected = if iso {
                "epoch ms or ISO 8601"
            } else {
                "epoch ms"
            };
            Err(problem(
                field,
                format!("{field} {} is not a number ({expected})", show(t)),
            ))
        }
        other => Err(problem(
            field,
            format!(
                "{field} must be a number (epoch ms), found {}",
                describe(other)
            ),
        )),
    }
}

fn float_ms(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.223_372_036_854_775e18).then_some(f as i64)
}

fn iso_ms(t: &str) -> Option<i64> {
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp_millis());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .map(|n| Utc.from_utc_datetime(&n).timestamp_millis())
}

fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "out of range".to_owned())
}

fn analysis(a: &Analysis<'_>) -> (Option<bool>, Option<Text>, Option<bool>) {
    let flag = |v: &Val<'_>| match v {
        Val::Bool(b) => Some(*b),
        Val::Str(s) => {
            let is = |words: [&str; 3]| words.iter().any(|w| s.trim().eq_ignore_ascii_case(w));
            if is(["true", "1", "yes"]) {
                Some(true)
            } else if is(["false", "0", "no"]) {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    };
    let sentiment = match &a.user_sentiment {
        Val::Str(s) if !s.trim().is_empty() => Some(Text::from(s.trim())),
        _ => None,
    };
    (flag(&a.in_voicemail), sentiment, flag(&a.call_successful))
}

#[cfg(test)]
mod tests;
