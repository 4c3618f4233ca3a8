//! Streams a List Calls v2 array or v3 page(s) without loading the document: an
//! iterative byte scanner walks the top-level structure (strings, escapes, nesting
//! depth as a counter), cuts out each array element's bytes (capped), and hands them
//! to the shared JSON record parser. A broken or unterminated top level is rejected
//! once, and reading stops. If nothing read was a JSON object with a call field (only
//! structure errors, elements that are not objects, or objects like `{"error": ...}`),
//! the input holds nothing recognisable (`unrecognised`); an empty array or page is fine.

use std::io::{self, BufRead};

use super::detect::is_ws;
use super::record::{json_item, reject};
use super::source::{Replay, fill};
use super::unrecognised::{Record, Seen, Unrecognised};
use super::validate::Validator;
use crate::model::{Item, Locator, MAX_RAW_BYTES};

/// Element buffers above this capacity are given back after use.
const KEEP_BUF_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Before the top-level value.
    Start,
    /// Inside a page object, expecting a key or `}`.
    ObjKey,
    /// After a page member's value: `,` or `}`.
    ObjAfterValue,
    /// Inside an array, expecting an element or `]`.
    ArrElem,
    /// After an element: `,` or `]`.
    ArrAfterElem,
    /// After the top-level value: only whitespace, or (after a page) another page.
    AfterTop,
    Done,
}

pub(crate) struct JsonParser {
    src: Replay,
    cap: usize,
    st: St,
    /// 1-based line of the next unread byte.
    line: u64,
    ordinal: u64,
    /// The array being read is a page's `items` (else the top-level v2 array).
    in_items: bool,
    items_seen: bool,
    elem: Vec<u8>,
    overflow: bool,
    elem_len: u64,
    /// What the element just read was (`NotObject` for structure rejects).
    record: Record,
    seen: Seen,
}

/// Whether any of the 8 bytes in `w` is `"`, `\\` or a newline (SWAR zero-byte test).
fn string_special(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    (zero(w ^ (LO * u64::from(b'"')))
        | zero(w ^ (LO * u64::from(b'\\')))
        | zero(w ^ (LO * u64::from(b'\n'))))
        != 0
}

fn found(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

impl JsonParser {
    pub(crate) fn new(src: Replay, cap: usize) -> JsonParser {
        JsonParser {
            src,
            cap,
            st: St::Start,
            line: 1,
            ordinal: 0,
            in_items: false,
            items_seen: false,
            elem: Vec::new(),
            overflow: false,
            elem_len: 0,
            record: Record::NotObject,
            seen: Seen::default(),
        }
    }

    /// At the end of the input: whether nothing in it was recognisable.
    pub(crate) fn unrecognised(&self) -> Option<Unrecognised> {
        self.seen.verdict()
    }

    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.elem.capacity()
    }

    fn at(&mut self, line: u64) -> Locator {
        self.ordinal += 1;
        Locator {
            line: Some(line),
            record: self.ordinal,
        }
    }

    /// Skips whitespace; the next byte (not consumed), or `None` at end of input.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = fill(&mut self.src)?;
            if buf.is_empty() {
                return Ok(None);
            }
            let ws = buf.iter().position(|&b| !is_ws(b));
            let n = ws.unwrap_or(buf.len());
            let skipped = buf.get(..n).unwrap_or_default();
            self.line += skipped.iter().filter(|&&b| b == b'\n').count() as u64;
            let next = buf.get(n).copied();
            self.src.consume(n);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    fn bump(&mut self) {
        self.src.consume(1);
    }

    /// The top level is broken: one reject for the remainder, then stop.
    fn broken(&mut self, what: &str) -> Item {
        let line = self.line;
        let sample = fill(&mut self.src).map(|b| {
            b.get(..b.len().min(MAX_RAW_BYTES))
                .unwrap_or_default()
                .to_vec()
        });
        let raw = sample.unwrap_or_default();
        self.st = St::Done;
        let at = self.at(line);
        reject(
            at,
            None,
            format!(
                "JSON structure broken at line {line}: {what}; the rest of the input was not read"
            ),
            &raw,
        )
    }

    fn unterminated(&mut self, what: &str, line: u64, raw_from_elem: bool) -> Item {
        self.st = St::Done;
        let raw = if raw_from_elem {
            std::mem::take(&mut self.elem)
        } else {
            Vec::new()
        };
        let at = self.at(line);
        reject(at, None, format!("unexpected end of input: {what}"), &raw)
    }

    fn close_array(&mut self) {
        self.st = if self.in_items {
            St::ObjAfterValue
        } else {
            St::AfterTop
        };
        self.in_items = false;
    }

    /// Consumes one JSON value starting at the next byte, keeping up to `cap` of its
    /// bytes in `elem` when `capture`. False if the input ends inside it.
    fn scan_value(&mut self, capture: bool) -> io::Result<bool> {
        if self.elem.capacity() > KEEP_BUF_BYTES {
            self.elem = Vec::new();
        }
        self.elem.clear();
        self.overflow = false;
        self.elem_len = 0;
        let Some(&first) = fill(&mut self.src)?.first() else {
            return Ok(false);
        };
        let bare = !matches!(first, b'{' | b'[' | b'"');
        let (mut depth, mut in_str, mut esc) = (0u64, false, false);
        loop {
            let buf = fill(&mut self.src)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let (mut end, mut newlines) = (None, 0u64);
            let mut i = 0;
            while let Some(&c) = buf.get(i) {
                if in_str {
                    if esc {
                        esc = false;
                    } else if c == b'"' {
                        in_str = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else if c == b'\\' {
                        esc = true;
                    } else if c == b'\n' {
                        newlines += 1;
                    } else {
                        // Most bytes are string content: skip 8 at a time.
                        i += 1;
                        while let Some(Ok(word)) = buf.get(i..i + 8).map(<[u8; 8]>::try_from) {
                            if string_special(u64::from_le_bytes(word)) {
                                break;
                            }
                            i += 8;
                        }
                        continue;
                    }
                } else if bare {
                    if matches!(c, b',' | b']' | b'}') || is_ws(c) {
                        end = Some(i);
                        break;
                    }
                } else {
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                end = Some(i + 1);
                                break;
                            }
                        }
                        b'\n' => newlines += 1,
                        _ => {}
                    }
                }
                i += 1;
            }
            let used = end.unwrap_or(buf.len());
            if capture {
                let room = self.cap.saturating_sub(self.elem.len());
                self.elem
                    .extend_from_slice(buf.get(..used.min(room)).unwrap_or_default());
                self.overflow |= used > room;
            }
            self.elem_len += used as u64;
            self.line += newlines;
            self.src.consume(used);
            if end.is_some() {
                return Ok(true);
            }
        }
    }

    pub(crate) fn next_item(&mut self, v: &mut Validator) -> Option<io::Result<Item>> {
        match self.step(v) {
            Ok(item) => item.map(|item| {
                let record = std::mem::replace(&mut self.record, Record::NotObject);
                self.seen.note(&item, record);
                Ok(item)
            }),
            Err(e) => {
                self.st = St::Done;
                Some(Err(e))
            }
        }
    }

    fn step(&mut self, v: &mut Validator) -> io::Result<Option<Item>> {
        loop {
            match self.st {
                St::Done => return Ok(None),
                St::Start => match self.peek()? {
                    None => self.st = St::Done,
                    Some(b'[') => {
                        self.bump();
                        self.st = St::ArrElem;
                    }
                    Some(b'{') => {
                        self.bump();
                        self.items_seen = false;
                        self.st = St::ObjKey;
                    }
                    Some(b) => {
                        let what = format!(
                            "expected '[' (List Calls v2) or '{{' (v3 page), found {}",
                            found(b)
                        );
                        return Ok(Some(self.broken(&what)));
                    }
                },
                St::ObjKey => match self.peek()? {
                    None => {
                        return Ok(Some(self.unterminated(
                            "the page object has no closing '}'",
                            self.line,
                            false,
                        )));
                    }
                    Some(b'}') => {
                        if let Some(item) = self.close_page() {
                            return Ok(Some(item));
                        }
                    }
                    Some(b'"') => {
                        if let Some(item) = self.member()? {
                            return Ok(Some(item));
                        }
                    }
                    Some(b) => {
                        return Ok(Some(
                            self.broken(&format!("expected a key or '}}', found {}", found(b))),
                        ));
                    }
                },
                St::ObjAfterValue => match self.peek()? {
                    None => {
                        return Ok(Some(self.unterminated(
                            "the page object has no closing '}'",
                            self.line,
                            false,
                        )));
                    }
                    Some(b',') => {
                        self.bump();
                        self.st = St::ObjKey;
                    }
                    Some(b'}') => {
                        if let Some(item) = self.close_page() {
                            return Ok(Some(item));
                        }
                    }
                    Some(b) => {
                        return Ok(Some(
                            self.broken(&format!("expected ',' or '}}', found {}", found(b))),
                        ));
                    }
                },
                St::ArrElem => match self.peek()? {
                    None => {
                        return Ok(Some(self.unterminated(
                            "the JSON array has no closing ']'",
                            self.line,
                            false,
                        )));
                    }
                    Some(b']') => {
                        self.bump();
                        self.close_array();
                    }
                    Some(b',') => {
                        let line = self.line;
                        self.bump();
                        let at = self.at(line);
                        return Ok(Some(reject(at, None, "empty array element".into(), b",")));
                    }
                    Some(b'}') => {
                        return Ok(Some(
                            self.broken("expected an array element or ']', found '}'"),
                        ));
                    }
                    Some(_) => return self.element(v).map(Some),
                },
                St::ArrAfterElem => match self.peek()? {
                    None => {
                        return Ok(Some(self.unterminated(
                            "the JSON array has no closing ']'",
                            self.line,
                            false,
                        )));
                    }
                    Some(b',') => {
                        self.bump();
                        self.st = St::ArrElem;
                    }
                    Some(b']') => {
                        self.bump();
                        self.close_array();
                    }
                    Some(b) => {
                        let what = format!(
                            "expected ',' or ']' after element {}, found {}",
                            self.ordinal,
                            found(b)
                        );
                        return Ok(Some(self.broken(&what)));
                    }
                },
                St::AfterTop => match self.peek()? {
                    None => self.st = St::Done,
                    // Several v3 pages back to back (e.g. one per line) are read in turn.
                    Some(b'{') if self.items_seen => {
                        self.bump();
                        self.items_seen = false;
                        self.st = St::ObjKey;
                    }
                    Some(b) => {
                        let what = format!(
                            "unexpected data after the end of the JSON document, found {}",
                            found(b)
                        );
                        return Ok(Some(self.broken(&what)));
                    }
                },
            }
        }
    }

    /// At a page's closing `}`.
    fn close_page(&mut self) -> Option<Item> {
        self.bump();
        self.st = St::AfterTop;
        if self.items_seen {
            return None;
        }
        let line = self.line;
        let at = self.at(line);
        self.st = St::Done;
        Some(reject(
            at,
            None,
            "JSON object has no \"items\" array (expected a List Calls v3 page)".into(),
            b"",
        ))
    }

    /// A page member `"key": value`, at the opening quote of the key.
    fn member(&mut self) -> io::Result<Option<Item>> {
        let line = self.line;
        if !self.scan_value(true)? {
            return Ok(Some(self.unterminated(
                "a key of the page object is not terminated",
                line,
                true,
            )));
        }
        let is_items = self.elem == b"\"items\"";
        match self.peek()? {
            Some(b':') => self.bump(),
            None => {
                return Ok(Some(self.unterminated(
                    "the page object has no closing '}'",
                    self.line,
                    false,
                )));
            }
            Some(b) => {
                return Ok(Some(
                    self.broken(&format!("expected ':' after a key, found {}", found(b))),
                ));
            }
        }
        match self.peek()? {
            None => Ok(Some(self.unterminated(
                "the page object has no closing '}'",
                self.line,
                false,
            ))),
            Some(b'[') if is_items => {
                self.bump();
                self.items_seen = true;
                self.in_items = true;
                self.st = St::ArrElem;
                Ok(None)
            }
            Some(b) => {
                let line = self.line;
                if !self.scan_value(false)? {
                    return Ok(Some(self.unterminated(
                        "a value in the page object is not terminated",
                        line,
                        false,
                    )));
                }
                self.st = St::ObjAfterValue;
                if !is_items {
                    return Ok(None);
                }
                let at = self.at(line);
                Ok(Some(reject(
                    at,
                    Some("items"),
                    format!("\"items\" is not an array (found {})", found(b)),
                    b"",
                )))
            }
        }
    }

    /// One array element: cut out, then parsed and validated.
    fn element(&mut self, v: &mut Validator) -> io::Result<Item> {
        let line = self.line;
        if !self.scan_value(true)? {
            let what = format!(
                "array element {} (line {line}) is not terminated",
                self.ordinal + 1
            );
            return Ok(self.unterminated(&what, line, true));
        }
        self.st = St::ArrAfterElem;
        let at = self.at(line);
        if self.overflow {
            let reason = format!(
                "record longer than {} bytes ({} bytes); element skipped",
                self.cap, self.elem_len
            );
            return Ok(reject(at, None, reason, &self.elem));
        }
        let (item, record) = json_item(&self.elem, at, v);
        self.record = record;
        Ok(item)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn swar_finds_special_bytes_anywhere() {
        for pos in 0..8 {
            for special in [b'"', b'\\', b'\n'] {
                let mut w = *b"abcdefgh";
                w[pos] = special;
                assert!(super::string_special(u64::from_le_bytes(w)));
            }
        }
        let plain = [
            *b"abcdefgh",
            [0u8; 8],
            [0xff; 8],
            *b"!#[]{}:,",
            [0x21, 0x23, 0x5b, 0x5d, 0x0b, 0x09, 0x0d, 0x80],
        ];
        for w in plain {
            assert!(!super::string_special(u64::from_le_bytes(w)), "{w:?}");
        }
    }
}
