//! Readers turn bytes into records: they detect the input shape, stream it with flat
//! memory, validate each record and yield `Item`s. They never touch SQL.
//! PLACEHOLDER interface; the readers helper implements it.

use std::io::Read;
use std::path::Path;

use crate::model::Item;

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

/// A failure that stops reading the file (I/O, broken gzip); records already yielded
/// must not be committed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    pub message: String,
}

/// A streaming reader over one input.
pub struct FileReader {
    _private: (),
}

impl FileReader {
    /// Opens a path (`-` is stdin); `.gz` is decompressed transparently.
    pub fn open(_path: &Path, _opts: &ReaderOptions) -> Result<FileReader, ReadError> {
        Err(ReadError {
            message: "not implemented".into(),
        })
    }

    /// Reads from any byte source (pull uses this for API pages); `name` is for messages.
    pub fn from_reader(
        _name: &str,
        _input: Box<dyn Read + Send>,
        _opts: &ReaderOptions,
    ) -> Result<FileReader, ReadError> {
        Err(ReadError {
            message: "not implemented".into(),
        })
    }

    pub fn shape(&self) -> Shape {
        Shape::Empty
    }

    /// Raw bytes consumed so far (compressed bytes for .gz), for progress.
    pub fn bytes_read(&self) -> u64 {
        0
    }

    /// Size of the input if known (regular files), for progress.
    pub fn total_bytes(&self) -> Option<u64> {
        None
    }

    /// SHA-256 (hex) of every raw byte read; complete once the iterator is exhausted.
    pub fn sha256_hex(&self) -> String {
        String::new()
    }
}

impl Iterator for FileReader {
    type Item = Result<Item, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        None
    }
}
