//! Shared by the JSON-based parsers: turn one record's bytes into an `Item`, and build
//! rejects with their raw text kept (bounded).

use super::unrecognised::{Record, no_call_fields_reason};
use super::validate::{Problem, Validator, Verdict};
use super::wire::{Keys, Wire};
use crate::model::{Item, Locator, MAX_RAW_BYTES, Reject};

/// The raw text kept with a reject: lossy UTF-8, at most `MAX_RAW_BYTES` bytes.
pub(crate) fn raw_text(bytes: &[u8]) -> String {
    let cut = bytes
        .get(..bytes.len().min(MAX_RAW_BYTES))
        .unwrap_or_default();
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if s.len() > MAX_RAW_BYTES {
        let mut end = MAX_RAW_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

pub(crate) fn reject(at: Locator, field: Option<&str>, reason: String, raw: &[u8]) -> Item {
    Item::Rejected(Box::new(Reject {
        at,
        field: field.map(str::to_owned),
        reason,
        raw: raw_text(raw),
    }))
}

/// The outcome of validation as an `Item`.
pub(crate) fn item(verdict: Result<Verdict, Problem>, at: Locator, raw: &[u8]) -> Item {
    match verdict {
        Ok(Verdict::Call(call)) => Item::Call(call, at),
        Ok(Verdict::Skip(why)) => Item::Skipped(why, at),
        Err(p) => reject(at, p.field, p.reason, raw),
    }
}

fn json_kind(first: u8) -> &'static str {
    match first {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// One JSON record (an NDJSON line or an array element): UTF-8 check, object check,
/// typed parse, call-field check, validation. The `Record` says whether it was a JSON
/// object with a call field (whatever validation said of it), one without, or no object
/// at all: a file with no record of the first kind holds nothing recognisable (see
/// `unrecognised`).
pub(crate) fn json_item(bytes: &[u8], at: Locator, v: &mut Validator) -> (Item, Record) {
    // SIMD validation (simdutf8): the whole record is checked, at a fraction of the cost
    // of `std::str::from_utf8`, with the same error position.
    let text = match simdutf8::compat::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let reason = format!(
                "record is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            );
            return (reject(at, None, reason, bytes), Record::NotObject);
        }
    };
    let first = text
        .bytes()
        .find(|b| !super::detect::is_ws(*b))
        .unwrap_or(b' ');
    if first != b'{' {
        // serde would read an array into the struct positionally: refuse non-objects first.
        let reason = match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => format!("record is {}, not a JSON object", json_kind(first)),
            Err(e) => format!("invalid JSON: {e}"),
        };
        return (reject(at, None, reason, bytes), Record::NotObject);
    }
    match serde_json::from_str::<Wire>(text) {
        Ok(w) if w.has_call_field() => (item(v.check_record(&w, false), at, bytes), Record::Call),
        Ok(_) => {
            // Not a call record at all: say what it holds instead (a second, key-only
            // pass, taken only for such objects).
            let keys = serde_json::from_str::<Keys>(text)
                .map(|k| k.list())
                .unwrap_or_default();
            let reason = no_call_fields_reason(&keys);
            (reject(at, None, reason, bytes), Record::NoCallFields(keys))
        }
        Err(e) => (
            reject(at, None, format!("invalid JSON: {e}"), bytes),
            Record::NotObject,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_text_is_bounded_even_with_multibyte_cut() {
        let mut bytes = vec![b'a'; MAX_RAW_BYTES - 1];
        bytes.extend_from_slice("é".as_bytes());
        bytes.extend_from_slice(&[0xff; 10]);
        let s = raw_text(&bytes);
        assert!(s.len() <= MAX_RAW_BYTES);
        assert!(s.starts_with("aaa"));
        assert_eq!(raw_text(b"\xffok"), "\u{fffd}ok");
    }
}
