//! Inputs in which nothing can be recognised as call data fail as a whole instead of
//! landing as "read 0, rejected 0". The rule, for an input that is not empty (an input
//! of nothing but whitespace and a BOM is `Shape::Empty`, reported as empty):
//!
//! - Read as CSV: its header (the first row) must name a `call_id` column. Without one
//!   the file is refused when the header is read, before any row.
//!   A header that names neither number column, or no `from_number` and no `direction`
//!   (so every row is outbound and lacks its own number), is refused the same way.
//! - Read as JSON (NDJSON lines, a v2 array, v3 pages): at least one record (a line, an
//!   array element) must be a JSON object carrying one of the call shape's keys (see
//!   `Wire::has_call_field`), whatever validation then says of it. An object with none
//!   (an API error body like `{"error": "unauthorized"}`, or `{}`) is a reject naming its
//!   keys. If the input yielded records or structure errors and not one such object,
//!   the file is refused at its end (the rejects already yielded go with it: the file
//!   is rolled back).
//!
//! So a CSV with a proper header whose rows are all bad, or NDJSON with garbage lines
//! or foreign objects among good ones, still gives rejects (exit 2); an empty array or
//! page, or a header with no rows, is a valid input holding no calls. The refusal says
//! what the input looked like, judged from its first bytes (kept by the reader when it
//! detects the shape), so nothing is read twice and nothing more is buffered.

use crate::model::Item;

/// Bytes of the input's start kept to describe it.
pub(crate) const HEAD_BYTES: usize = 256;
/// Characters of the input's first line shown in a message.
const SHOWN_CHARS: usize = 40;
const NOTHING: &str = "no call records recognised";
/// The columns suggested when a CSV header has no `call_id`.
const EXPECTED_COLUMNS: &str = "call_id (required), direction, from_number, to_number, \
     start_timestamp, end_timestamp, duration_ms, disconnection_reason";
/// The call fields named when a JSON object has none of them.
const CALL_FIELDS: &str = "call_id, from_number, to_number, start_timestamp, ...";

/// Why a non-empty input held nothing recognisable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unrecognised {
    /// A CSV header without a `call_id` column: the header row (as CSV text, bounded),
    /// its number of columns, and whether it was cut at the record limit.
    CsvHeader {
        header: String,
        columns: usize,
        cut: bool,
    },
    /// A CSV header with a `call_id` column but without the number column every row
    /// would need for our own number: the header row (as CSV text, bounded), and
    /// whether it has a `direction` column (if so, neither number column is there).
    CsvNoOwnNumber { header: String, direction: bool },
    /// JSON records were read and none was an object: how many, and the first one's
    /// line and reject reason.
    NoObject {
        records: u64,
        line: Option<u64>,
        reason: String,
    },
    /// JSON records were read, some of them objects, and no object carried a call
    /// field: how many records and objects, and the first object's line and keys (as
    /// `Keys::list` shows them, empty for `{}`).
    NoCallFields {
        records: u64,
        objects: u64,
        line: Option<u64>,
        keys: String,
    },
}

/// What one JSON record turned out to be, for the rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Record {
    /// Not a JSON object (or not readable as one).
    NotObject,
    /// An object with none of the call fields: its keys, as `Keys::list` shows them.
    NoCallFields(String),
    /// An object with at least one call field, whatever validation said of it.
    Call,
}

/// The reject reason for an object with none of the call fields (`keys` as
/// `Keys::list` shows them).
pub(crate) fn no_call_fields_reason(keys: &str) -> String {
    if keys.is_empty() {
        format!("record is an empty JSON object, with none of the call fields ({CALL_FIELDS})")
    } else {
        format!("JSON object has none of the call fields ({CALL_FIELDS}); its keys: {keys}")
    }
}

/// What a JSON parser has yielded, to apply the rule at the end of the input.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    records: u64,
    /// Objects with at least one call field.
    calls: u64,
    /// Objects with none.
    foreign: u64,
    /// The first record that was not an object: its line and reject reason.
    first: Option<(Option<u64>, String)>,
    /// The first object without call fields: its line and keys.
    first_foreign: Option<(Option<u64>, String)>,
}

impl Seen {
    /// One item yielded, and what its record was.
    pub(crate) fn note(&mut self, item: &Item, record: Record) {
        self.records += 1;
        let line = match item {
            Item::Call(_, at) | Item::Skipped(_, at) => at.line,
            Item::Rejected(r) => r.at.line,
        };
        match record {
            Record::Call => self.calls += 1,
            Record::NoCallFields(keys) => {
                self.foreign += 1;
                self.first_foreign.get_or_insert((line, keys));
            }
            Record::NotObject => {
                if self.first.is_none()
                    && let Item::Rejected(r) = item
                {
                    self.first = Some((line, r.reason.clone()));
                }
            }
        }
    }

    /// At the end of the input: records but no object with a call field means nothing
    /// was recognised.
    pub(crate) fn verdict(&self) -> Option<Unrecognised> {
        if self.calls > 0 || self.records == 0 {
            return None;
        }
        if let Some((line, keys)) = self.first_foreign.clone() {
            return Some(Unrecognised::NoCallFields {
                records: self.records,
                objects: self.foreign,
                line,
                keys,
            });
        }
        let (line, reason) = self.first.clone().unwrap_or_default();
        Some(Unrecognised::NoObject {
            records: self.records,
            line,
            reason,
        })
    }
}

/// The input's first bytes after leading whitespace (the BOM is already gone), bounded.
pub(crate) fn head(peeked: &[u8]) -> Vec<u8> {
    let from = peeked
        .iter()
        .position(|&b| !super::detect::is_ws(b))
        .unwrap_or(peeked.len());
    let rest = peeked.get(from..).unwrap_or_default();
    rest.get(..rest.len().min(HEAD_BYTES))
        .unwrap_or_default()
        .to_vec()
}

/// What the start of an input looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Looks {
    Html,
    Xml,
    Markup,
    Binary,
    Json,
    Text,
}

fn looks(head: &[u8]) -> Looks {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // Cut inside a character at the end of the head: still text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or("")
        }
        Err(_) => return Looks::Binary,
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return Looks::Binary;
    }
    let lower = text.to_ascii_lowercase();
    let html = ["<!doctype html", "<html", "<head", "<body"]
        .iter()
        .any(|tag| lower.contains(tag));
    match text.as_bytes().first() {
        Some(b'<') if html => Looks::Html,
        Some(b'<') if lower.starts_with("<?xml") => Looks::Xml,
        Some(b'<') => Looks::Markup,
        Some(b'{' | b'[') => Looks::Json,
        _ => Looks::Text,
    }
}

/// The first line of `head`, quoted in backticks, control characters escaped, cut at
/// `SHOWN_CHARS` characters (marked `…` when more follows or may follow).
fn first_line(head: &[u8]) -> String {
    let end = head
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(head.len());
    let line = String::from_utf8_lossy(head.get(..end).unwrap_or_default());
    show(&line, end == head.len() && head.len() >= HEAD_BYTES)
}

/// `text` in backticks, escaped and cut; `more` when it is known to go on.
fn show(text: &str, more: bool) -> String {
    let mut out = String::from("`");
    let mut chars = text.chars();
    for c in chars.by_ref().take(SHOWN_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if more || chars.next().is_some() {
        out.push('…');
    }
    out.push('`');
    out
}

fn hex_start(head: &[u8]) -> String {
    let mut s: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    if head.len() > 8 {
        s.push("…".into());
    }
    s.join(" ")
}

/// The refusal (without the input's name) for `why`, saying what the input looked like
/// from `head` (see `head`); `cap` is the record limit.
pub(crate) fn message(why: &Unrecognised, head: &[u8], cap: usize) -> String {
    let start = first_line(head);
    match why {
        Unrecognised::CsvNoOwnNumber { header, direction } => {
            let why = if *direction {
                "no from_number and no to_number column, so no row has our own number"
            } else {
                "no from_number column and no direction column, so every row is an outbound \
                 call without our own number (from_number)"
            };
            return format!(
                "the CSV header has {why} and no row can be read (header: {}); expected \
                 columns named like the call object's fields: {EXPECTED_COLUMNS}",
                show(header, false)
            );
        }
        Unrecognised::NoCallFields {
            records,
            objects,
            line,
            keys,
        } if matches!(looks(head), Looks::Json | Looks::Text) => {
            return no_call_fields(*records, *objects, *line, keys);
        }
        _ => {}
    }
    match looks(head) {
        Looks::Html => format!("{NOTHING}: it looks like an HTML page (starts with {start})"),
        Looks::Xml => format!("{NOTHING}: it looks like XML (starts with {start})"),
        Looks::Markup => format!("{NOTHING}: it looks like HTML or XML (starts with {start})"),
        Looks::Binary => format!(
            "{NOTHING}: it looks like binary data, not JSON or CSV text (starts with bytes {})",
            hex_start(head)
        ),
        Looks::Json => match why {
            Unrecognised::CsvHeader { .. } | Unrecognised::CsvNoOwnNumber { .. } => format!(
                "{NOTHING}: it looks like JSON, not CSV (starts with {start}); \
                 leave --input-format at auto to read it as JSON"
            ),
            Unrecognised::NoCallFields {
                records,
                objects,
                line,
                keys,
            } => no_call_fields(*records, *objects, *line, keys),
            Unrecognised::NoObject {
                records,
                line,
                reason,
            } => {
                let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
                if *records == 1 {
                    format!(
                        "{NOTHING}: its only record{at} could not be read as a JSON object: {reason}"
                    )
                } else {
                    format!(
                        "{NOTHING}: none of its {records} records could be read as a JSON object; \
                         the first{at}: {reason}"
                    )
                }
            }
        },
        Looks::Text => match why {
            Unrecognised::CsvHeader { cut: true, .. } => format!(
                "{NOTHING}: its first line is longer than the {} MiB record limit and is not \
                 JSON or a CSV header (starts with {start})",
                cap >> 20
            ),
            Unrecognised::CsvHeader {
                header, columns, ..
            } if *columns > 1 => format!(
                "the CSV header has no call_id column, so no row can be read (header: {}); \
                 expected columns named like the call object's fields: {EXPECTED_COLUMNS}",
                show(header, false)
            ),
            _ => match separator(head) {
                Some(sep) => format!(
                    "{NOTHING}: it looks like values separated by {sep} (starts with {start}); \
                     numhealth reads comma-separated CSV with a call_id column"
                ),
                None => {
                    format!("{NOTHING}: it is plain text, not JSON or CSV (starts with {start})")
                }
            },
        },
    }
}

/// The refusal of JSON whose objects carry none of the call fields (see `NoCallFields`).
fn no_call_fields(records: u64, objects: u64, line: Option<u64>, keys: &str) -> String {
    let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    if records == 1 {
        let what = if keys.is_empty() {
            "an empty JSON object, with none of the call fields".to_owned()
        } else {
            format!("a JSON object with none of the call fields (keys: {keys})")
        };
        return format!(
            "{NOTHING}: its only record{at} is {what}; is it an error response saved as a \
             file? (a call record has keys like {CALL_FIELDS})"
        );
    }
    let others = match records.saturating_sub(objects) {
        0 => String::new(),
        1 => ", 1 is not an object".to_owned(),
        n => format!(", {n} are not objects"),
    };
    let objects = match objects {
        1 => "1 is a JSON object".to_owned(),
        n => format!("{n} are JSON objects"),
    };
    let first = if keys.is_empty() {
        "is empty".to_owned()
    } else {
        format!("has the keys {keys}")
    };
    format!(
        "{NOTHING}: none of its {records} records has any of the call fields ({CALL_FIELDS}): \
         {objects} without them{others}; the first object{at} {first}"
    )
}

/// A separator other than a comma on the first line, named for a message.
fn separator(head: &[u8]) -> Option<&'static str> {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    [(b';', "semicolons"), (b'\t', "tabs"), (b'|', "bars")]
        .iter()
        .find(|(b, _)| line.contains(b))
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_header(header: &str, columns: usize, cut: bool) -> Unrecognised {
        Unrecognised::CsvHeader {
            header: header.into(),
            columns,
            cut,
        }
    }

    #[test]
    fn says_what_the_input_looks_like() {
        let one = csv_header("x", 1, false);
        let m = |head: &[u8], why: &Unrecognised| message(why, head, 16 << 20);
        assert_eq!(
            m(b"<!DOCTYPE html>\n<html><body>502</body></html>", &one),
            "no call records recognised: it looks like an HTML page (starts with `<!DOCTYPE html>`)"
        );
        assert!(m(b"<?xml version=\"1.0\"?><a/>", &one).contains("looks like XML"));
        assert!(m(b"<rss>", &one).contains("looks like HTML or XML"));
        assert_eq!(
            m(b"zzzz", &one),
            "no call records recognised: it is plain text, not JSON or CSV (starts with `zzzz`)"
        );
        assert!(m(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", &one).ends_with(
            "binary data, not JSON or CSV text (starts with bytes 50 4b 03 04 14 00 00 00 …)"
        ));
        assert!(m(b"a;b;c\n1;2;3", &one).contains("separated by semicolons"));
        let long = vec![b'z'; HEAD_BYTES];
        let msg = m(&long, &csv_header("zzz", 1, true));
        assert!(
            msg.contains("first line is longer than the 16 MiB record limit")
                && msg.contains(&format!("`{}…`", "z".repeat(SHOWN_CHARS))),
            "{msg}"
        );
        let msg = m(b"id,from\n1,2\n", &csv_header("id,from", 2, false));
        assert!(
            msg.starts_with("the CSV header has no call_id column")
                && msg.contains("(header: `id,from`)")
                && msg.contains("call_id (required), direction, from_number"),
            "{msg}"
        );
        assert!(m(b"{\"call_id\":\"a\"}", &one).contains("looks like JSON, not CSV"));
        let no_object = Unrecognised::NoObject {
            records: 3,
            line: Some(1),
            reason: "record is a number, not a JSON object".into(),
        };
        assert_eq!(
            m(b"[1,2,3]", &no_object),
            "no call records recognised: none of its 3 records could be read as a JSON object; \
             the first (line 1): record is a number, not a JSON object"
        );
        // Control characters are escaped, a multibyte character cut at the end is text.
        assert_eq!(show("a\u{1b}b", false), "`a\\u{1b}b`");
        assert_eq!(looks("zé".as_bytes().get(..2).unwrap()), Looks::Text);
    }

    #[test]
    fn head_skips_leading_whitespace_and_is_bounded() {
        assert_eq!(head(b" \r\n\tab"), b"ab");
        assert_eq!(head(&[b'x'; 1000]).len(), HEAD_BYTES);
        assert!(head(b"   ").is_empty());
    }
}
