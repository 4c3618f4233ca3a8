//! The per-file transaction: one IMMEDIATE transaction per file, items taken one by one
//! and buffered into batches (`upsert` writes them), rejects kept with their locator,
//! sums handed over by a `Presummer` written a slice per batch, and at `finish` the last
//! rollup changes, burst re-detection and the file's row in `run_files`, all committed
//! together or not at all. Dropping a load without `finish` rolls everything back.

use rusqlite::{Transaction, TransactionBehavior, params};

use super::presum::{PresumLink, Presummed, Tally};
use super::staged::{PreparedCall, Staged, stage};
use super::upsert::{INSERT_CALL, UPDATE_CALL};
use crate::error::Result;
use crate::model::Item;
use crate::store::keys::CallIndex;
use crate::store::load::redetect_number;
use crate::store::raw_statement::RawStatement;
use crate::store::rollups::Writing;
use crate::store::{FileCounts, LoadSettings, Store};

#[cfg(test)]
mod tests;

/// An open per-file transaction. Dropping it without `finish` rolls everything back.
pub struct FileLoad<'a> {
    /// The call insert and update, on the connection `tx` runs on.
    pub(super) insert: RawStatement<'a>,
    pub(super) update: RawStatement<'a>,
    pub(super) tx: Transaction<'a>,
    pub(super) run_id: i64,
    pub(super) ordinal: i64,
    pub(super) name: String,
    pub(super) settings: LoadSettings,
    pub(super) pruned_before: Option<i64>,
    pub(super) batch: Vec<PreparedCall>,
    /// Counts, and rollup changes and burst stretches not yet written. With a `presums`
    /// link, the writer's corrections to the sums a `Presummer` made, and the calls it did
    /// not count (see `add_presums`).
    pub(super) tally: Tally,
    pub(super) index: CallIndex,
    /// Set when a `Presummer` sums contributions ahead (`expect_presums`).
    pub(super) presums: Option<PresumLink>,
    /// Where written batches go to be freed (`recycle_into`); dropped here without one.
    pub(super) spent: Option<std::sync::mpsc::Sender<Vec<PreparedCall>>>,
    /// The set of sums being written, a slice after each batch of calls.
    pub(super) writing: Option<Writing>,
}

impl Store {
    /// Starts loading file number `ordinal` of run `run_id` in one IMMEDIATE transaction.
    pub fn begin_file(
        &mut self,
        run_id: i64,
        ordinal: i64,
        name: &str,
        settings: &LoadSettings,
    ) -> Result<FileLoad<'_>> {
        let pruned_before = self.pruned_before()?;
        // The transaction and the statements share one borrow of the connection, held for
        // the load's life. `&mut self` keeps anyone else from opening a transaction on it.
        let conn = &self.conn;
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(|e| self.wrap(e))?;
        let index = CallIndex::open(&tx)?;
        let (insert, update) = (
            RawStatement::prepare(conn, &INSERT_CALL)?,
            RawStatement::prepare(conn, UPDATE_CALL)?,
        );
        Ok(FileLoad {
            insert,
            update,
            index,
            presums: None,
            tx,
            run_id,
            ordinal,
            name: name.to_string(),
            settings: settings.clone(),
            pruned_before,
            batch: Vec::with_capacity(settings.batch_size),
            tally: Tally::default(),
            spent: None,
            writing: None,
        })
    }
}

impl FileLoad<'_> {
    /// From now on every call's contribution comes from a `Presummer` over the same
    /// items; the load itself only records corrections.
    pub(super) fn expect_presums(&mut self, link: PresumLink) {
        self.presums = Some(link);
    }

    /// Hands each written batch to `bin` instead of freeing it here, so the thread that
    /// allocated the calls can free them (cheaper than freeing across threads).
    pub(super) fn recycle_into(&mut self, bin: std::sync::mpsc::Sender<Vec<PreparedCall>>) {
        self.spent = Some(bin);
    }

    /// Writes one batch of the parser thread's sums, with the corrections made so far.
    /// Every correction is for a call counted in this batch or an earlier one, so no
    /// rollup row ever goes below zero on the way. Corrections still to come (calls not
    /// yet written) are applied by later batches or by `finish`.
    pub(super) fn add_presums(&mut self, mut sums: Presummed) -> Result<()> {
        // The previous set first: this one may hold corrections to it.
        self.finish_writing()?;
        sums.deltas.merge_from(&mut self.tally.pending.deltas);
        for (number, lo, hi) in sums.stretches() {
            self.tally.pending.widen(number, lo, hi);
        }
        // Written a slice after each batch of calls (`flush`), so the parser is not
        // stopped while a whole set is written.
        self.writing = Some(Writing::start(sums.deltas));
        Ok(())
    }

    /// Writes what is left of the set of sums being written.
    fn finish_writing(&mut self) -> Result<()> {
        if let Some(mut w) = self.writing.take() {
            w.step(&self.tx, usize::MAX)?;
        }
        Ok(())
    }

    /// Takes one reader item. Without a `Presummer` feeding the load (outside the
    /// pipeline), the load makes every sum itself.
    pub fn add(&mut self, item: Item) -> Result<()> {
        let staged = stage(item, &self.settings);
        self.add_staged(staged)
    }

    /// Takes one item prepared by `stage`.
    pub(super) fn add_staged(&mut self, item: Staged) -> Result<()> {
        self.tally.counts.read += 1;
        match item {
            Staged::Call(call) => {
                if call.before_horizon(self.pruned_before) {
                    // Counted as skipped (`SkipReason::BeforePruneHorizon`); the hours it
                    // would touch keep their rollups.
                    self.tally.counts.skipped += 1;
                    return Ok(());
                }
                if call.unknown_reason {
                    self.tally.counts.unknown_reasons += 1;
                }
                self.batch.push(call);
                if self.batch.len() >= self.settings.batch_size {
                    self.flush()?;
                }
            }
            Staged::Skipped => self.tally.counts.skipped += 1,
            Staged::Rejected(rej) => {
                self.tally.counts.rejected += 1;
                self.tx
                    .prepare_cached(
                        "INSERT INTO rejects (run_id, file, line, record, field, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        self.run_id,
                        self.name,
                        rej.at.line.map(|l| l as i64),
                        rej.at.record as i64,
                        rej.field,
                        rej.reason,
                        rej.raw
                    ])?;
            }
        }
        Ok(())
    }

    /// Re-detects bursts over each touched number's changed stretch.
    fn redetect_bursts(&self) -> Result<()> {
        let mut numbers: Vec<(&str, i64, i64)> = self.tally.pending.stretches().collect();
        numbers.sort_unstable();
        for (number, lo, hi) in numbers {
            redetect_number(&self.tx, number, lo, hi, &self.settings.bursts)?;
        }
        Ok(())
    }

    /// Flushes, re-detects bursts, records the file and commits.
    pub fn finish(mut self, sha256: &str, bytes: u64, shape: &str) -> Result<FileCounts> {
        self.flush()?;
        // With presums, every sum was handed over before this; what is left are corrections
        // to them, written after them.
        self.finish_writing()?;
        self.tally.pending.deltas.apply(&self.tx)?;
        self.redetect_bursts()?;
        let c = self.tally.counts;
        self.tx.execute(
            "INSERT INTO run_files (run_id, ordinal, name, sha256, bytes, shape, read, inserted, updated, unchanged, skipped, rejected, status) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'ok')",
            params![
                self.run_id,
                self.ordinal,
                self.name,
                sha256,
                bytes as i64,
                shape,
                c.read as i64,
                c.inserted as i64,
                c.updated as i64,
                c.unchanged as i64,
                c.skipped as i64,
                c.rejected as i64
            ],
        )?;
        self.tx.execute(
            "UPDATE runs SET files = files + 1, read = read + ?2, inserted = inserted + ?3, updated = updated + ?4, \
             unchanged = unchanged + ?5, skipped = skipped + ?6, rejected = rejected + ?7, unknown_reasons = unknown_reasons + ?8 \
             WHERE id = ?1",
            params![
                self.run_id,
                c.read as i64,
                c.inserted as i64,
                c.updated as i64,
                c.unchanged as i64,
                c.skipped as i64,
                c.rejected as i64,
                c.unknown_reasons as i64
            ],
        )?;
        self.tx.commit()?;
        Ok(c)
    }
}
