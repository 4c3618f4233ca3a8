//! The two threads that load one source: the parser thread reads, validates, stages and
//! pre-sums items and sends them in chunks through a bounded channel; the calling thread
//! runs the SQLite transaction (`FileLoad`). Memory stays flat: the channel holds a
//! bounded number of chunks, and written batches go back to the parser thread to be freed
//! there (freeing on the thread that allocated is cheap, and the SQLite thread is the busier
//! one). A `WalFlusher` syncs the write-ahead log while the load runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use super::presum::{PresumLink, Presummed, Presummer};
use super::staged::{PreparedCall, Staged, stage};
use super::wal_flusher::WalFlusher;
use super::{FileOutcome, Progress};
use crate::error::{Error, Result};
use crate::model::Item;
use crate::readers::{FileReader, ReadError};
use crate::store::{LoadSettings, Store};

/// Items per chunk sent from the parser thread.
const CHUNK: usize = 2048;

/// Chunks the parser may run ahead of the writer. With `CHUNK`, this bounds the staged
/// items held between the threads; it must cover more than one write batch
/// (`LoadSettings::batch_size`), or the parser stops each time the writer sorts and writes
/// a batch (BENCHMARKS.md, "The parser was stopped by every write batch").
const CHUNKS_IN_FLIGHT: usize = 16;

/// What a pipeline reads: a `FileReader`, or (in tests) items held in memory.
pub(super) trait ItemSource: Send {
    /// The next item; an `Err` is fatal and ends the source.
    fn next_item(&mut self) -> Option<std::result::Result<Item, ReadError>>;
    /// Raw bytes consumed so far, for progress.
    fn bytes_read(&self) -> u64;
    /// The size of the source if known, for progress.
    fn total_bytes(&self) -> Option<u64>;
    /// What the load records of the source, once it is read to its end.
    fn end(&self) -> SourceEnd;
}

/// What a load records of a source read whole.
pub(super) struct SourceEnd {
    pub sha256: String,
    pub bytes: u64,
    /// The shape's name (`readers::Shape::name`).
    pub shape: &'static str,
}

impl ItemSource for FileReader {
    #[inline]
    fn next_item(&mut self) -> Option<std::result::Result<Item, ReadError>> {
        self.next()
    }

    fn bytes_read(&self) -> u64 {
        FileReader::bytes_read(self)
    }

    fn total_bytes(&self) -> Option<u64> {
        FileReader::total_bytes(self)
    }

    fn end(&self) -> SourceEnd {
        SourceEnd {
            sha256: self.sha256_hex(),
            bytes: FileReader::bytes_read(self),
            shape: self.shape().name(),
        }
    }
}

/// What the parser thread sends the SQLite thread.
enum ToWriter {
    Items(Vec<std::result::Result<Staged, ReadError>>),
    /// Sums of items sent before them.
    Sums(Presummed),
    /// The source reached its end.
    End(FileEnd),
}

/// The last sums, and what the load records of the source.
struct FileEnd {
    sums: Presummed,
    source: SourceEnd,
}

/// Loads one source as one file of a run, in its own transaction.
pub(super) struct Pipeline<'a> {
    settings: &'a LoadSettings,
    progress: &'a dyn Progress,
    /// Items per chunk (`CHUNK`; tests use tiny chunks to interleave sums and items).
    chunk: usize,
    link: PresumLink,
}

impl<'a> Pipeline<'a> {
    pub(super) fn new(settings: &'a LoadSettings, progress: &'a dyn Progress) -> Pipeline<'a> {
        Pipeline {
            settings,
            progress,
            chunk: CHUNK,
            link: PresumLink::default(),
        }
    }

    /// The same pipeline with chunks of `items`.
    #[cfg(test)]
    pub(super) fn with_chunk(self, items: usize) -> Pipeline<'a> {
        Pipeline {
            chunk: items.max(1),
            ..self
        }
    }

    /// How the load and the parser will talk (tests keep a clone to see whether counting
    /// ahead was switched off by the end).
    #[cfg(test)]
    pub(super) fn link(&self) -> &PresumLink {
        &self.link
    }

    /// Loads everything `source` yields as file `ordinal` of run `run_id`, in one
    /// transaction. On a fatal read error the file is rolled back and recorded as failed.
    pub(super) fn load<S: ItemSource>(
        self,
        store: &mut Store,
        run_id: i64,
        ordinal: i64,
        name: &str,
        source: S,
    ) -> Result<FileOutcome> {
        let Pipeline {
            settings,
            progress,
            chunk,
            link,
        } = self;
        progress.start(name, source.total_bytes());
        let position = AtomicU64::new(0);
        let pruned_before = store.pruned_before()?;
        let (spent_tx, spent_rx) = mpsc::channel::<Vec<PreparedCall>>();
        let flusher = WalFlusher::start(store.path());
        let outcome: Result<FileOutcome> = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel::<ToWriter>(CHUNKS_IN_FLIGHT);
            let position = &position;
            let parser_link = link.clone();
            // Tests narrow lookup keys on their own thread; the parser computes keys too.
            #[cfg(test)]
            let key_bits = crate::store::keys::test_key_mask::get().count_ones();
            let parser = scope.spawn(move || {
                #[cfg(test)]
                let _narrow =
                    (key_bits < 64).then(|| crate::store::keys::test_key_mask::narrow(key_bits));
                let sums = Presummer::new(settings, pruned_before, parser_link);
                parse(source, tx, spent_rx, settings, sums, chunk, position)
            });
            let consumed =
                store
                    .begin_file(run_id, ordinal, name, settings)
                    .and_then(|mut load| {
                        load.expect_presums(link);
                        load.recycle_into(spent_tx);
                        for msg in rx.iter() {
                            let chunk = match msg {
                                ToWriter::Items(chunk) => chunk,
                                ToWriter::Sums(sums) => {
                                    load.add_presums(sums)?;
                                    continue;
                                }
                                ToWriter::End(end) => {
                                    load.add_presums(end.sums)?;
                                    let s = end.source;
                                    let counts = load.finish(&s.sha256, s.bytes, s.shape)?;
                                    return Ok(FileOutcome::Loaded(counts));
                                }
                            };
                            for item in chunk {
                                match item {
                                    Ok(it) => load.add_staged(it)?,
                                    // Dropping the load rolls the file back.
                                    Err(e) => {
                                        return Ok(FileOutcome::Failed(format!(
                                            "{name}: {e} (the whole file was rolled back)"
                                        )));
                                    }
                                }
                            }
                            progress.read_to(position.load(Ordering::Relaxed));
                        }
                        // The parser stopped without an error item or an end: it failed.
                        Err(Error::Other(format!("{name}: the reader thread failed")))
                    });
            // Dropping the receiver stops the parser at its next send.
            drop(rx);
            parser
                .join()
                .map_err(|_| Error::Other(format!("{name}: the reader thread failed")))?;
            consumed
        });
        flusher.stop();
        progress.finish();
        let outcome = outcome?;
        if let FileOutcome::Failed(msg) = &outcome {
            store.record_failed_file(run_id, ordinal, name, msg)?;
        }
        Ok(outcome)
    }
}

/// The parser thread: reads, stages and counts items, sends them in chunks of `chunk`,
/// then frees the calls the writer hands back until the writer is done with the file.
fn parse<S: ItemSource>(
    mut source: S,
    tx: mpsc::SyncSender<ToWriter>,
    spent: mpsc::Receiver<Vec<PreparedCall>>,
    settings: &LoadSettings,
    mut sums: Presummer,
    chunk_items: usize,
    position: &AtomicU64,
) {
    let mut chunk = Vec::with_capacity(chunk_items);
    while let Some(item) = source.next_item() {
        let fatal = item.is_err();
        let mut item = item.map(|it| stage(it, settings));
        let full = item.as_mut().ok().and_then(|it| sums.count(it));
        chunk.push(item);
        if chunk.len() == chunk_items || fatal || full.is_some() {
            position.store(source.bytes_read(), Ordering::Relaxed);
            let items = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_items));
            // Sums go after the items they count.
            let sent = tx.send(ToWriter::Items(items)).is_ok()
                && full.is_none_or(|f| tx.send(ToWriter::Sums(f)).is_ok());
            if !sent || fatal {
                return;
            }
            spent.try_iter().for_each(drop);
        }
    }
    let end = FileEnd {
        sums: sums.finish(),
        source: source.end(),
    };
    if tx.send(ToWriter::Items(chunk)).is_ok() && tx.send(ToWriter::End(end)).is_ok() {
        drop(tx);
        // Until the load is finished or dropped (which drops the sender).
        spent.iter().for_each(drop);
    }
}
