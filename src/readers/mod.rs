//! Readers turn bytes into records: they detect the input shape, stream it with flat
//! memory, validate each record and yield `Item`s. They never touch SQL.
//!
//! Layers, bottom up: `source` (count + SHA-256 the raw bytes, gunzip, replay what
//! detection peeked), `detect` (which shape), one parser per shape (`ndjson`, `json`,
//! `csv_rows`, with `csv_shape` measuring rows against the header), `wire` (the typed borrowed form of a record), `validate` (the rules) and
//! `unrecognised` (when a whole input holds nothing that is call data).
//! A bad record is an `Item::Rejected` and reading goes on; only I/O and decompression
//! failures, and an input in which nothing can be recognised as call data (see
//! `unrecognised` for the rule), are `Err`, after which the iterator ends. An input of
//! nothing but whitespace is `Shape::Empty` (`FileReader::is_empty`) and yields nothing.

mod csv_rows;
mod csv_shape;
mod detect;
mod json;
mod ndjson;
pub mod numbers;
mod record;
mod source;
mod unrecognised;
mod validate;
mod wire;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::config::IngestConfig;
use crate::model::Item;

pub use validate::MAX_CALL_ID_BYTES;

/// The most bytes one record (an NDJSON line, an array element, a CSV row) may have.
/// A longer one is rejected and skipped without being held in memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Which parser to use; `Auto` sniffs the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Auto,
    Ndjson,
    Json,
    Csv,
}

/// What the reader found the input to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One call object per line.
    NdjsonCalls,
    /// One webhook event `{"event", "call"}` per line.
    NdjsonEvents,
    /// List Calls v3 page `{"items": [...], ...}`.
    V3Page,
    /// List Calls v2 bare array.
    V2Array,
    Csv,
    Empty,
}

impl Shape {
    /// The name a load records for the shape (`run_files.shape`).
    pub fn name(self) -> &'static str {
        match self {
            Shape::NdjsonCalls => "ndjson_calls",
            Shape::NdjsonEvents => "ndjson_webhook_events",
            Shape::V3Page => "list_calls_v3_page",
            Shape::V2Array => "list_calls_v2_array",
            Shape::Csv => "csv",
            Shape::Empty => "empty",
        }
    }
}

/// Validation settings shared by every reader.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    pub format: InputFormat,
    /// ISO 3166 region for national-format numbers.
    pub default_region: String,
    /// "Now" for plausibility checks, epoch ms.
    pub now_ms: i64,
    pub max_age_days: i64,
    pub max_duration_hours: i64,
}

impl ReaderOptions {
    /// The settings' limits, and `region` (the `--region` flag) or else the settings'
    /// default region; an unknown region is a usage error.
    pub fn from_settings(
        ingest: &IngestConfig,
        format: InputFormat,
        region: Option<&str>,
        now_ms: i64,
    ) -> crate::error::Result<ReaderOptions> {
        let region = region.unwrap_or(&ingest.default_region).to_uppercase();
        if region.parse::<phonenumber::country::Id>().is_err() {
            return Err(crate::error::Error::Usage(format!(
                "--region {region:?} is not an ISO 3166 region code like US or GB"
            )));
        }
        Ok(ReaderOptions {
            format,
            default_region: region,
            now_ms,
            max_age_days: ingest.max_age_days,
            max_duration_hours: ingest.max_duration_hours,
        })
    }
}

/// A failure that stops reading the file (I/O, broken gzip, nothing recognisable in it);
/// records already yielded must not be committed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    pub message: String,
}

enum Parser {
    Empty,
    Ndjson(ndjson::NdjsonParser),
    Json(json::JsonParser),
    Csv(Box<csv_rows::CsvParser>),
}

impl Parser {
    /// At the end of the input: whether nothing in it was recognisable.
    fn unrecognised(&self) -> Option<unrecognised::Unrecognised> {
        match self {
            Parser::Empty => None,
            Parser::Ndjson(p) => p.unrecognised(),
            Parser::Json(p) => p.unrecognised(),
            Parser::Csv(p) => p.unrecognised(),
        }
    }
}

/// A streaming reader over one input.
pub struct FileReader {
    name: String,
    gz: bool,
    raw: source::Raw,
    total: Option<u64>,
    shape: Shape,
    /// The input's first bytes, to say what it looked like if nothing is recognised.
    head: Vec<u8>,
    parser: Parser,
    validator: validate::Validator,
    done: bool,
}

impl FileReader {
    /// Opens a path (`-` is stdin); `.gz` is decompressed transparently.
    pub fn open(path: &Path, opts: &ReaderOptions) -> Result<FileReader, ReadError> {
        if path.as_os_str() == "-" {
            return FileReader::build("stdin", Box::new(io::stdin()), None, false, opts);
        }
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| ReadError {
            message: format!("cannot open {name}: {e}"),
        })?;
        let total = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let gz = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        FileReader::build(&name, Box::new(file), total, gz, opts)
    }

    /// Reads from any byte source (pull uses this for API pages); `name` is for messages.
    pub fn from_reader(
        name: &str,
        input: Box<dyn Read + Send>,
        opts: &ReaderOptions,
    ) -> Result<FileReader, ReadError> {
        let gz = name.to_ascii_lowercase().ends_with(".gz");
        FileReader::build(name, input, None, gz, opts)
    }

    fn build(
        name: &str,
        input: Box<dyn Read + Send>,
        total: Option<u64>,
        gz_name: bool,
        opts: &ReaderOptions,
    ) -> Result<FileReader, ReadError> {
        let validator = validate::Validator::new(opts).map_err(|message| ReadError { message })?;
        let raw = source::Raw::new(input);
        let fail = |gz: bool, e: io::Error| read_error(name, gz, &e);
        let (decoded, gz) = source::decoded(raw.clone(), gz_name).map_err(|e| fail(gz_name, e))?;
        let (shape, src) =
            detect::detect(decoded, opts.format, MAX_RECORD_BYTES).map_err(|e| fail(gz, e))?;
        let head = unrecognised::head(src.peeked());
        let parser = match shape {
            Shape::Empty => Parser::Empty,
            Shape::NdjsonCalls | Shape::NdjsonEvents => {
                Parser::Ndjson(ndjson::NdjsonParser::new(src, MAX_RECORD_BYTES))
            }
            Shape::V3Page | Shape::V2Array => {
                Parser::Json(json::JsonParser::new(src, MAX_RECORD_BYTES))
            }
            Shape::Csv => Parser::Csv(Box::new(csv_rows::CsvParser::new(src, MAX_RECORD_BYTES))),
        };
        Ok(FileReader {
            name: name.to_owned(),
            gz,
            raw,
            total,
            shape,
            head,
            parser,
            validator,
            done: false,
        })
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether the input is empty: no bytes, or only whitespace (and a BOM), after any
    /// gzip decoding. Known from the start; such an input yields no item and no error.
    pub fn is_empty(&self) -> bool {
        self.shape == Shape::Empty
    }

    /// Raw bytes consumed so far (compressed bytes for .gz), for progress.
    pub fn bytes_read(&self) -> u64 {
        self.raw.bytes_read()
    }

    /// Size of the input if known (regular files), for progress.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    /// SHA-256 (hex) of every raw byte read; complete once the iterator is exhausted.
    pub fn sha256_hex(&self) -> String {
        self.raw.sha256_hex()
    }

    /// Whether the input was gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gz
    }

    /// The name used in messages (the path, `stdin`, or the name given to `from_reader`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn read_error(name: &str, gz: bool, e: &io::Error) -> ReadError {
    let what = if gz { "reading gzip data" } else { "reading" };
    ReadError {
        message: format!("{name}: {what}: {e}"),
    }
}

impl Iterator for FileReader {
    type Item = Result<Item, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let v = &mut self.validator;
        let next = match &mut self.parser {
            Parser::Empty => None,
            Parser::Ndjson(p) => p.next_item(v),
            Parser::Json(p) => p.next_item(v),
            Parser::Csv(p) => p.next_item(v),
        };
        match next {
            Some(Ok(item)) => Some(Ok(item)),
            Some(Err(e)) => {
                self.done = true;
                self.parser = Parser::Empty;
                Some(Err(read_error(&self.name, self.gz, &e)))
            }
            None => {
                self.done = true;
                let refused = self.parser.unrecognised();
                self.parser = Parser::Empty;
                if let Some(why) = refused {
                    let what = unrecognised::message(&why, &self.head, MAX_RECORD_BYTES);
                    return Some(Err(ReadError {
                        message: format!("{}: {what}", self.name),
                    }));
                }
                // The parser may stop before the end (after a JSON array, or a broken
                // one): hash the rest so the digest covers the whole input.
                self.raw
                    .drain()
                    .err()
                    .map(|e| Err(read_error(&self.name, false, &e)))
            }
        }
    }
}
