//! CSV exports: a header row naming call object fields, one call per row. Rows are
//! read as byte records (so bad UTF-8 is a reject, not an error), mapped into the same
//! `Wire` form as JSON, and validated with ISO 8601 times allowed. A header without a
//! `call_id` column, or without the number column every row would need, refuses the
//! whole input before any row is read (`unrecognised`). Each row is first measured
//! against the header (`csv_shape`: cut off by the end of the file, shifted, or lacking
//! a column the call needs), then validated.
//!
//! Memory: the csv crate would grow a record without limit, so its input goes through
//! `Guard`, which follows CSV quoting itself and, once a record passes the cap, ends it
//! early for the csv crate (closing an open quote) and drops the rest of that record.
//! The truncated record then becomes a "record longer than ..." reject.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use csv::ByteRecord;

use super::csv_shape::{self, End, Needed};
use super::record::{item, raw_text, reject};
use super::source::{Replay, fill};
use super::unrecognised::Unrecognised;
use super::validate::Validator;
use super::wire::{Analysis, ObjOr, Val, Wire};
use crate::model::{Direction, Item, Locator};

/// Columns we read, in `Wire` order.
const FIELDS: [&str; 14] = [
    "call_id",
    "call_type",
    "agent_id",
    "call_status",
    "direction",
    "from_number",
    "to_number",
    "start_timestamp",
    "end_timestamp",
    "duration_ms",
    "disconnection_reason",
    "in_voicemail",
    "user_sentiment",
    "call_successful",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Q {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: closing, or the first of `""`.
    QuoteInQuoted,
}

/// Where a record starts, as `Guard` saw it. Guard and csv crate agree on what a
/// record is (any line with a byte that is not a terminator), so these line up 1:1
/// with the records the csv crate returns; they give exact line numbers (the csv
/// crate's are one short after CRLF rows) and say which records were cut.
#[derive(Debug)]
struct Start {
    /// Offset in the bytes fed to the csv crate.
    fed_at: u64,
    /// 1-based line in the real input.
    line: u64,
    cut: bool,
    /// Whether the input ended inside this record (set at the end of the input).
    end: End,
}

/// Caps each CSV record at `cap` bytes before the csv crate sees it (see module doc).
pub(crate) struct Guard<R> {
    inner: R,
    cap: usize,
    q: Q,
    in_record: usize,
    at_record_start: bool,
    line: u64,
    skipping: bool,
    pending: &'static [u8],
    fed: u64,
    /// Records started but not yet taken by the parser (bounded by the csv crate's
    /// read-ahead buffer).
    starts: VecDeque<Start>,
}

impl<R: BufRead> Guard<R> {
    pub(crate) fn new(inner: R, cap: usize) -> Guard<R> {
        Guard {
            inner,
            cap,
            q: Q::FieldStart,
            in_record: 0,
            at_record_start: true,
            line: 1,
            skipping: false,
            pending: b"",
            fed: 0,
            starts: VecDeque::new(),
        }
    }
}

/// Advances the quoting state by one byte, as csv-core reads it (double-quote escapes,
/// a quote only opens at the start of a field); true at an unquoted record terminator.
fn step(q: &mut Q, b: u8) -> bool {
    let (next, end) = match (*q, b) {
        (Q::Quoted, b'"') => (Q::QuoteInQuoted, false),
        (Q::Quoted, _) => (Q::Quoted, false),
        (Q::QuoteInQuoted | Q::FieldStart, b'"') => (Q::Quoted, false),
        (_, b',') => (Q::FieldStart, false),
        (_, b'\n' | b'\r') => (Q::FieldStart, true),
        _ => (Q::Unquoted, false),
    };
    *q = next;
    end
}

impl<R: BufRead> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(out.len());
                let (now, later) = self.pending.split_at(n);
                if let Some(dst) = out.get_mut(..n) {
                    dst.copy_from_slice(now);
                }
                self.pending = later;
                self.fed += n as u64;
                return Ok(n);
            }
            let buf = fill(&mut self.inner)?;
            if buf.is_empty() {
                // The end of the input: the last record has no line break after it.
                if !self.at_record_start
                    && let Some(s) = self.starts.back_mut()
                {
                    s.end = if self.q == Q::Quoted {
                        End::OpenQuote
                    } else {
                        End::Eof
                    };
                }
                return Ok(0);
            }
            if self.skipping {
                let mut used = buf.len();
                for (i, &b) in buf.iter().enumerate() {
                    self.line += u64::from(b == b'\n');
                    if step(&mut self.q, b) {
                        self.skipping = false;
                        self.at_record_start = true;
                        self.in_record = 0;
                        used = i + 1;
                        break;
                    }
                }
                self.inner.consume(used);
                continue;
            }
            let (mut n, mut dropped) = (0, 0);
            for &b in buf.iter().take(out.len()) {
                let before = self.q;
                if self.at_record_start && !matches!(b, b'\n' | b'\r') {
                    self.at_record_start = false;
                    self.starts.push_back(Start {
                        fed_at: self.fed + n as u64,
                        line: self.line,
                        cut: false,
                        end: End::Terminated,
                    });
                }
                self.line += u64::from(b == b'\n');
                if step(&mut self.q, b) {
                    self.at_record_start = true;
                    self.in_record = 0;
                } else {
                    self.in_record += 1;
                    if self.in_record > self.cap {
                        // Over the cap: end the record here for the csv crate (closing an
                        // open quote), and drop the rest of it, this byte included.
                        self.pending = if before == Q::Quoted { b"\"\n" } else { b"\n" };
                        self.skipping = true;
                        if let Some(s) = self.starts.back_mut() {
                            s.cut = true;
                        }
                        dropped = 1;
                        break;
                    }
                }
                n += 1;
            }
            if let (Some(dst), Some(src)) = (out.get_mut(..n), buf.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.inner.consume(n + dropped);
            self.fed += n as u64;
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

pub(crate) struct CsvParser {
    rdr: csv::Reader<Guard<Replay>>,
    rec: ByteRecord,
    /// Column index of each of `FIELDS` (first occurrence wins).
    cols: [Option<usize>; FIELDS.len()],
    /// Columns in the header.
    header_len: usize,
    header_read: bool,
    /// Set when the header has no `call_id` column: the input is refused.
    refused: Option<Unrecognised>,
    ordinal: u64,
}

impl CsvParser {
    pub(crate) fn new(src: Replay, cap: usize) -> CsvParser {
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Guard::new(src, cap));
        CsvParser {
            rdr,
            rec: ByteRecord::new(),
            cols: [None; FIELDS.len()],
            header_len: 0,
            header_read: false,
            refused: None,
            ordinal: 0,
        }
    }

    /// Whether the input was refused for its header (no `call_id`, or no number column
    /// any row could use).
    pub(crate) fn unrecognised(&self) -> Option<Unrecognised> {
        self.refused.clone()
    }

    /// Reads the header row; false if there is none, or it names no `call_id` column, or
    /// no row could have our own number: no `from_number` column and either no
    /// `to_number` or no `direction` column (every row outbound).
    fn read_header(&mut self) -> io::Result<bool> {
        self.header_read = true;
        if !self.read()? {
            return Ok(false);
        }
        let (_, cut) = self.locate();
        for (i, name) in self.rec.iter().enumerate() {
            let name = String::from_utf8_lossy(name);
            let name = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            let name = name.strip_prefix("call_analysis.").unwrap_or(&name);
            if let Some(f) = FIELDS.iter().position(|&f| f == name)
                && let Some(slot) = self.cols.get_mut(f)
                && slot.is_none()
            {
                *slot = Some(i);
            }
        }
        self.header_len = self.rec.len();
        if self.cols[0].is_none() {
            self.refused = Some(Unrecognised::CsvHeader {
                header: raw_text(&raw_row(&self.rec)),
                columns: self.rec.len(),
                cut,
            });
            return Ok(false);
        }
        let (direction, from, to) = (self.cols[4], self.cols[5], self.cols[6]);
        if from.is_none() && (to.is_none() || direction.is_none()) {
            self.refused = Some(Unrecognised::CsvNoOwnNumber {
                header: raw_text(&raw_row(&self.rec)),
                direction: direction.is_some(),
            });
            return Ok(false);
        }
        Ok(true)
    }

    fn read(&mut self) -> io::Result<bool> {
        self.rdr
            .read_byte_record(&mut self.rec)
            .map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(e) => e,
                other => io::Error::other(format!("{other:?}")),
            })
    }

    pub(crate) fn next_item(&mut self, v: &mut Validator) -> Option<io::Result<Item>> {
        if !self.header_read {
            match self.read_header() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        loop {
            match self.read() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
            if self.rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue; // a row of empty cells carries nothing
            }
            return Some(Ok(self.row(v)));
        }
    }

    /// The line the record just read starts on, and whether `Guard` cut it.
    fn locate(&mut self) -> (Option<u64>, bool) {
        let (line, cut, _) = self.locate_end();
        (line, cut)
    }

    /// `locate`, and how the input ended after the record.
    fn locate_end(&mut self) -> (Option<u64>, bool, End) {
        let byte = self.rec.position().map_or(0, |p| p.byte());
        let csv_line = self.rec.position().map(|p| p.line());
        let starts = &mut self.rdr.get_mut().starts;
        while starts.front().is_some_and(|s| s.fed_at < byte) {
            starts.pop_front();
        }
        match starts.pop_front() {
            Some(s) => (Some(s.line), s.cut, s.end),
            None => (csv_line, false, End::Terminated),
        }
    }

    fn row(&mut self, v: &mut Validator) -> Item {
        let (line, cut, end) = self.locate_end();
        let cap = self.rdr.get_ref().cap;
        self.ordinal += 1;
        let at = Locator {
            line,
            record: self.ordinal,
        };
        let raw = raw_row(&self.rec);
        if cut {
            return reject(
                at,
                None,
                format!("record longer than {cap} bytes; row skipped"),
                &raw,
            );
        }
        let last = self.rec.len().checked_sub(1).and_then(|i| self.field_at(i));
        if let Some(p) = csv_shape::cut_or_shifted(&self.rec, self.header_len, end, last) {
            return reject(at, p.field, p.reason, &raw);
        }
        if let Some(bad) = self
            .rec
            .iter()
            .position(|f| std::str::from_utf8(f).is_err())
        {
            return reject(
                at,
                None,
                format!("row is not valid UTF-8 (column {})", bad + 1),
                &raw,
            );
        }
        let cell = |f: usize| -> Val<'_> {
            let text = self
                .cols
                .get(f)
                .copied()
                .flatten()
                .and_then(|c| self.rec.get(c));
            match text
                .and_then(|t| std::str::from_utf8(t).ok())
                .map(str::trim)
            {
                Some(t) if !t.is_empty() => Val::Str(Cow::Borrowed(t)),
                _ => Val::Absent,
            }
        };
        if let Some(p) = self.lacks_needed_column() {
            return reject(at, p.field, p.reason, &raw);
        }
        let analysis = Analysis {
            in_voicemail: cell(11),
            user_sentiment: cell(12),
            call_successful: cell(13),
        };
        let w = Wire {
            call_id: cell(0),
            call_type: cell(1),
            agent_id: cell(2),
            call_status: cell(3),
            direction: cell(4),
            from_number: cell(5),
            to_number: cell(6),
            start_timestamp: cell(7),
            end_timestamp: cell(8),
            duration_ms: cell(9),
            disconnection_reason: cell(10),
            call_analysis: ObjOr::Obj(analysis),
            event: Val::Absent,
            call: ObjOr::Absent,
        };
        item(v.check_call(&w, true), at, &raw)
    }
}

impl CsvParser {
    /// Which of `FIELDS` column `i` is read as, if any.
    fn field_at(&self, i: usize) -> Option<&'static str> {
        let f = self.cols.iter().position(|&c| c == Some(i))?;
        FIELDS.get(f).copied()
    }

    /// The row's cell in column `col`, trimmed; `None` if absent or empty.
    fn text(&self, col: Option<usize>) -> Option<&str> {
        let t = std::str::from_utf8(self.rec.get(col?)?).ok()?.trim();
        (!t.is_empty()).then_some(t)
    }

    /// A column the row's call needs and does not have (see `csv_shape`): `call_id`,
    /// and our own number's for its direction. Web calls (skipped) and an unreadable
    /// `direction` (rejected by validation) need no number column here.
    fn lacks_needed_column(&self) -> Option<super::validate::Problem> {
        if self.text(self.cols[1]) == Some("web_call") {
            return None;
        }
        let own = match self.text(self.cols[4]).map(Direction::parse) {
            None | Some(Some(Direction::Outbound)) => Needed {
                name: "from_number",
                col: self.cols[5],
                holds: "an outbound call's own number",
            },
            Some(Some(Direction::Inbound)) => Needed {
                name: "to_number",
                col: self.cols[6],
                holds: "an inbound call's own number",
            },
            Some(None) => return None,
        };
        let call_id = Needed {
            name: "call_id",
            col: self.cols[0],
            holds: "the call's id",
        };
        csv_shape::missing(&[call_id, own], self.rec.len(), self.header_len)
    }
}

/// The row written back as CSV (quoting where needed), for the reject's raw text.
fn raw_row(rec: &ByteRecord) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in rec.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if f.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            out.push(b'"');
            for &b in f {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(f);
        }
        if out.len() > crate::model::MAX_RAW_BYTES {
            break;
        }
    }
    out
}
