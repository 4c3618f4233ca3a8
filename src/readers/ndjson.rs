//! NDJSON: one call object or webhook event per line, read with a hard per-line cap.
//! A longer line becomes one reject and the rest of it is skipped without buffering.
//! Lines that are not JSON objects, or objects with none of the call fields, are
//! rejects; if no line at all is a call-shaped object, the input holds nothing
//! recognisable (`unrecognised`).

use std::io::{self, BufRead, Read};

use super::record::{json_item, reject};
use super::source::{Replay, fill};
use super::unrecognised::{Record, Seen, Unrecognised};
use super::validate::Validator;
use crate::model::{Item, Locator};

/// Line buffers above this capacity are given back after use.
const KEEP_BUF_BYTES: usize = 1 << 20;

pub(crate) struct NdjsonParser {
    src: Replay,
    cap: usize,
    line_no: u64,
    ordinal: u64,
    buf: Vec<u8>,
    seen: Seen,
}

impl NdjsonParser {
    pub(crate) fn new(src: Replay, cap: usize) -> NdjsonParser {
        NdjsonParser {
            src,
            cap,
            line_no: 0,
            ordinal: 0,
            buf: Vec::with_capacity(8 * 1024),
            seen: Seen::default(),
        }
    }

    /// At the end of the input: whether nothing in it was recognisable.
    pub(crate) fn unrecognised(&self) -> Option<Unrecognised> {
        self.seen.verdict()
    }

    #[cfg(test)]
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    pub(crate) fn next_item(&mut self, v: &mut Validator) -> Option<io::Result<Item>> {
        Some(self.next_record(v)?.map(|(item, record)| {
            self.seen.note(&item, record);
            item
        }))
    }

    /// The next line's item, and what the line was.
    fn next_record(&mut self, v: &mut Validator) -> Option<io::Result<(Item, Record)>> {
        loop {
            if self.buf.capacity() > KEEP_BUF_BYTES {
                self.buf = Vec::with_capacity(8 * 1024);
            }
            match self.next_in_place(v) {
                Ok(InPlace::Item(item, record)) => return Some(Ok((item, record))),
                Ok(InPlace::Blank) => continue,
                Ok(InPlace::NotWhole) => {}
                Err(e) => return Some(Err(e)),
            }
            self.buf.clear();
            let limit = self.cap as u64 + 1;
            let n = match (&mut self.src).take(limit).read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            if n == 0 {
                return None;
            }
            self.line_no += 1;
            let at_line = self.line_no;
            if self.buf.last() != Some(&b'\n') && self.buf.len() > self.cap {
                // Over-long: skip to the end of the line without keeping its bytes.
                let skipped = loop {
                    match self.src.skip_until(b'\n') {
                        Ok(s) => break s,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Some(Err(e)),
                    }
                };
                self.ordinal += 1;
                let at = Locator {
                    line: Some(at_line),
                    record: self.ordinal,
                };
                let total = self.buf.len() + skipped;
                let reason = format!(
                    "record longer than {} bytes ({total} bytes); line skipped",
                    self.cap
                );
                return Some(Ok((reject(at, None, reason, &self.buf), Record::NotObject)));
            }
            let mut line = self.buf.as_slice();
            while let Some((last, rest)) = line.split_last()
                && (*last == b'\n' || *last == b'\r')
            {
                line = rest;
            }
            if line.iter().all(|&b| super::detect::is_ws(b)) {
                continue;
            }
            self.ordinal += 1;
            let at = Locator {
                line: Some(at_line),
                record: self.ordinal,
            };
            return Some(Ok(json_item(line, at, v)));
        }
    }

    /// The common case: the next line, newline included, is already in the read buffer
    /// and within the cap, so it is parsed where it lies instead of being copied out.
    fn next_in_place(&mut self, v: &mut Validator) -> io::Result<InPlace> {
        let avail = fill(&mut self.src)?;
        let Some(end) = memchr::memchr(b'\n', avail).filter(|&end| end <= self.cap) else {
            return Ok(InPlace::NotWhole);
        };
        let mut line = avail.get(..end).unwrap_or_default();
        self.line_no += 1;
        while let Some(rest) = line.strip_suffix(b"\r") {
            line = rest;
        }
        let got = if line.iter().all(|&b| super::detect::is_ws(b)) {
            InPlace::Blank
        } else {
            self.ordinal += 1;
            let at = Locator {
                line: Some(self.line_no),
                record: self.ordinal,
            };
            let (item, record) = json_item(line, at, v);
            InPlace::Item(item, record)
        };
        self.src.consume(end + 1);
        Ok(got)
    }
}

/// What `next_in_place` found.
enum InPlace {
    /// A line's item, and what the line was.
    Item(Item, Record),
    Blank,
    /// No whole line in the buffer (or one over the cap): read it the copying way.
    NotWhole,
}
