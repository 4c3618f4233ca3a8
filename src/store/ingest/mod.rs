//! The ingest engine: reading a source into the database. One source is one file of a
//! run, loaded in one transaction (`load_source`); a run is a sequence of them
//! (`RunLoad`, and `ingest_paths` for `numhealth ingest`).
//!
//! Layers, top down: `run` (runs, their files and how a run ends), `pipeline` (the parser
//! thread and the SQLite thread, chunks through a bounded channel, memory recycling, the
//! WAL flusher), `presum` (rollups summed ahead on the parser thread, and how the load
//! talks back), `file_load` (the per-file transaction) and `upsert` (writing a batch of
//! calls), `staged` (what is derived from a record alone).

mod file_load;
mod pipeline;
mod presum;
mod run;
mod staged;
mod upsert;
mod wal_flusher;

#[cfg(test)]
mod tests;

pub use file_load::FileLoad;
pub use run::{Loading, RunLoad, RunOutcome, check_paths, ingest_paths};

use crate::error::Result;
use crate::readers::FileReader;
use crate::store::{FileCounts, LoadSettings, Store};

/// Shows how far the load of a source has read. Called on the loading thread.
pub trait Progress {
    /// A source begins: its name, and its size in bytes when known.
    fn start(&self, name: &str, total_bytes: Option<u64>);
    /// Raw bytes of the current source read so far.
    fn read_to(&self, bytes: u64);
    /// The source is done (loaded, failed or rolled back).
    fn finish(&self);
}

/// Shows nothing (tests, scripts, cron).
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _name: &str, _total_bytes: Option<u64>) {}
    fn read_to(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// How loading one source ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// Committed, with its counts.
    Loaded(FileCounts),
    /// Rolled back and recorded as failed in `run_files`; the message names the source.
    Failed(String),
}

/// Loads everything `reader` yields as file `ordinal` of run `run_id`, in one transaction.
/// On a fatal read error the file is rolled back and recorded as failed, and its message
/// (naming the source) returned as `FileOutcome::Failed`.
pub fn load_source(
    store: &mut Store,
    run_id: i64,
    ordinal: i64,
    name: &str,
    reader: FileReader,
    settings: &LoadSettings,
    progress: &dyn Progress,
) -> Result<FileOutcome> {
    pipeline::Pipeline::new(settings, progress).load(store, run_id, ordinal, name, reader)
}
