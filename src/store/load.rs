//! Loading one file's records: one transaction per file, batches sorted by key, upserts
//! keyed on `call_id`, hourly rollups adjusted by `new - old` and bursts re-detected for
//! the touched stretch of each number, all committed together or not at all.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::Result;
use crate::health::bursts::{BurstConfig, CallPoint, detect};
use crate::health::rollup::{hour_of, is_short_attempt};
use crate::health::taxonomy::{ReasonClass, classify};
use crate::model::{CallRecord, Direction, Item, Reject, SkipReason};
use crate::store::marks;
use crate::store::rollups::RollupDeltas;
use crate::store::{Store, meta};

/// What loading needs to know besides the records.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    pub short_call_ms: i64,
    pub bursts: BurstConfig,
    /// When the run started: the moment a call with no timestamps at all counts at.
    pub received_ms: i64,
    /// Records buffered, sorted and written together.
    pub batch_size: usize,
    /// Rollup deltas (number x hour) summed in memory before they are written.
    pub max_pending_rollups: usize,
}

/// Per-file (and, summed, per-run) counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub unknown_reasons: u64,
}

impl FileCounts {
    pub fn add(&mut self, o: &FileCounts) {
        self.read += o.read;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.skipped += o.skipped;
        self.rejected += o.rejected;
        self.unknown_reasons += o.unknown_reasons;
    }
}

/// `short` column: 1 short dialled outbound call, 0 other dialled outbound call,
/// -1 not a dialled attempt (inbound, platform fault).
pub(crate) fn short_flag(rec: &CallRecord, short_call_ms: i64) -> i64 {
    if rec.direction == Direction::Inbound {
        return -1;
    }
    if let Some(r) = rec.disconnection_reason.as_deref()
        && classify(r) == ReasonClass::Platform
    {
        return -1;
    }
    i64::from(is_short_attempt(rec, short_call_ms))
}

const CALL_COLUMNS: &str = "call_id, direction, our_number, other_number, call_status, agent_id, disconnection_reason, \
     start_ms, end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, number_flags";

pub(crate) fn call_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallRecord> {
    let dir: String = r.get(1)?;
    Ok(CallRecord {
        call_id: r.get(0)?,
        direction: Direction::parse(&dir).unwrap_or(Direction::Outbound),
        our_number: r.get(2)?,
        other_number: r.get(3)?,
        call_status: r.get(4)?,
        agent_id: r.get(5)?,
        disconnection_reason: r.get(6)?,
        start_ms: r.get(7)?,
        end_ms: r.get(8)?,
        duration_ms: r.get(9)?,
        in_voicemail: r.get(10)?,
        user_sentiment: r.get(11)?,
        call_successful: r.get(12)?,
        number_flags: r.get(13)?,
    })
}

/// A call with everything derived from the record alone already computed (fingerprint,
/// completeness rank, short flag, placement), so that work can run on parser threads
/// while the SQLite thread only writes.
pub struct PreparedCall {
    rec: Box<CallRecord>,
    fingerprint: i64,
    completeness: i64,
    short: i64,
    /// Where a first delivery counts: start, else end, else the run's receive time.
    placed: i64,
    unknown_reason: bool,
}

impl PreparedCall {
    pub fn new(rec: Box<CallRecord>, settings: &LoadSettings) -> PreparedCall {
        let unknown_reason = rec
            .disconnection_reason
            .as_deref()
            .is_some_and(|r| classify(r) == ReasonClass::Unknown);
        PreparedCall {
            fingerprint: rec.fingerprint(),
            completeness: rec.completeness(),
            short: short_flag(&rec, settings.short_call_ms),
            placed: rec.placed_ms(settings.received_ms),
            unknown_reason,
            rec,
        }
    }
}

/// A reader item made ready for loading (see `stage`).
pub enum Staged {
    Call(PreparedCall),
    Skipped,
    Rejected(Box<Reject>),
}

/// Prepares one reader item for `FileLoad::add_staged`; pure, callable from any thread.
pub fn stage(item: Item, settings: &LoadSettings) -> Staged {
    match item {
        Item::Call(rec, _) => Staged::Call(PreparedCall::new(rec, settings)),
        Item::Skipped(..) => Staged::Skipped,
        Item::Rejected(rej) => Staged::Rejected(rej),
    }
}

/// An open per-file transaction. Dropping it without `finish` rolls everything back.
pub struct FileLoad<'a> {
    tx: Transaction<'a>,
    run_id: i64,
    ordinal: i64,
    name: String,
    settings: LoadSettings,
    pruned_before: Option<i64>,
    batch: Vec<PreparedCall>,
    counts: FileCounts,
    /// number -> (earliest, latest) placed_ms touched, for burst re-detection.
    touched: HashMap<String, (i64, i64)>,
    /// Rollup changes not yet written.
    deltas: RollupDeltas,
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
        let pruned_before = self
            .meta_get(meta::PRUNED_BEFORE_MS)?
            .and_then(|v| v.parse().ok());
        let path = self.path().display().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| crate::error::Error::Database {
                path,
                message: e.to_string(),
            })?;
        Ok(FileLoad {
            tx,
            run_id,
            ordinal,
            name: name.to_string(),
            settings: settings.clone(),
            pruned_before,
            batch: Vec::with_capacity(settings.batch_size),
            counts: FileCounts::default(),
            touched: HashMap::new(),
            deltas: RollupDeltas::default(),
        })
    }
}

impl FileLoad<'_> {
    pub fn counts(&self) -> FileCounts {
        self.counts
    }

    /// Takes one reader item.
    pub fn add(&mut self, item: Item) -> Result<()> {
        let staged = stage(item, &self.settings);
        self.add_staged(staged)
    }

    /// Takes one item prepared by `stage`.
    pub fn add_staged(&mut self, item: Staged) -> Result<()> {
        self.counts.read += 1;
        match item {
            Staged::Call(call) => {
                if let Some(horizon) = self.pruned_before
                    && call
                        .rec
                        .start_ms
                        .or(call.rec.end_ms)
                        .is_some_and(|at| at < horizon)
                {
                    let _ = SkipReason::BeforePruneHorizon;
                    self.counts.skipped += 1;
                    return Ok(());
                }
                if call.unknown_reason {
                    self.counts.unknown_reasons += 1;
                }
                self.batch.push(call);
                if self.batch.len() >= self.settings.batch_size {
                    self.flush()?;
                }
            }
            Staged::Skipped => self.counts.skipped += 1,
            Staged::Rejected(rej) => {
                self.counts.rejected += 1;
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

    /// Writes the buffered records in key order and applies their rollup deltas.
    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        // Stable: two versions of one call in a file are applied in file order.
        batch.sort_by(|a, b| a.rec.call_id.cmp(&b.rec.call_id));
        let short_ms = self.settings.short_call_ms;
        let deltas = &mut self.deltas;
        {
            let mut insert = self.tx.prepare_cached(&format!(
                "INSERT INTO calls ({CALL_COLUMNS}, placed_ms, short, completeness, fingerprint, run_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
                 ON CONFLICT (call_id) DO NOTHING"
            ))?;
            let mut select = self.tx.prepare_cached(&format!(
                "SELECT {CALL_COLUMNS}, placed_ms, completeness, fingerprint, short FROM calls WHERE call_id = ?1"
            ))?;
            let mut update = self.tx.prepare_cached(
                "UPDATE calls SET direction = ?2, our_number = ?3, other_number = ?4, call_status = ?5, agent_id = ?6, \
                 disconnection_reason = ?7, start_ms = ?8, end_ms = ?9, duration_ms = ?10, in_voicemail = ?11, \
                 user_sentiment = ?12, call_successful = ?13, number_flags = ?14, placed_ms = ?15, short = ?16, \
                 completeness = ?17, fingerprint = ?18, run_id = ?19 WHERE call_id = ?1",
            )?;
            for call in &batch {
                let rec = &*call.rec;
                let (completeness, fingerprint, short, fresh_placed) =
                    (call.completeness, call.fingerprint, call.short, call.placed);
                let write = |st: &mut rusqlite::CachedStatement<'_>, placed: i64| {
                    st.execute(params![
                        rec.call_id,
                        rec.direction.as_str(),
                        rec.our_number,
                        rec.other_number,
                        rec.call_status,
                        rec.agent_id,
                        rec.disconnection_reason,
                        rec.start_ms,
                        rec.end_ms,
                        rec.duration_ms,
                        rec.in_voicemail,
                        rec.user_sentiment,
                        rec.call_successful,
                        rec.number_flags,
                        placed,
                        short,
                        completeness,
                        fingerprint,
                        self.run_id
                    ])
                };
                if write(&mut insert, fresh_placed)? == 1 {
                    self.counts.inserted += 1;
                    deltas.add(rec, fresh_placed, short, short_ms, 1);
                    touch(&mut self.touched, &rec.our_number, fresh_placed);
                    continue;
                }
                let (old, old_placed, old_completeness, old_fingerprint, old_short) = select
                    .query_row([&rec.call_id], |r| {
                        Ok((
                            call_from_row(r)?,
                            r.get::<_, i64>(14)?,
                            r.get::<_, i64>(15)?,
                            r.get::<_, i64>(16)?,
                            r.get::<_, i64>(17)?,
                        ))
                    })?;
                if old_fingerprint == fingerprint || completeness < old_completeness {
                    self.counts.unchanged += 1;
                    continue;
                }
                // A version without timestamps keeps the moment the call was first placed at.
                let placed = rec.start_ms.or(rec.end_ms).unwrap_or(old_placed);
                write(&mut update, placed)?;
                self.counts.updated += 1;
                deltas.add(&old, old_placed, old_short, short_ms, -1);
                deltas.add(rec, placed, short, short_ms, 1);
                touch(&mut self.touched, &old.our_number, old_placed);
                touch(&mut self.touched, &rec.our_number, placed);
            }
        }
        if self.deltas.len() >= self.settings.max_pending_rollups {
            self.deltas.apply(&self.tx)?;
        }
        batch.clear();
        self.batch = batch;
        Ok(())
    }

    /// Re-detects bursts over each touched number's changed stretch.
    fn redetect_bursts(&self) -> Result<()> {
        let mut numbers: Vec<(&String, &(i64, i64))> = self.touched.iter().collect();
        numbers.sort();
        for (number, &(lo, hi)) in numbers {
            redetect_number(&self.tx, number, lo, hi, &self.settings.bursts)?;
        }
        Ok(())
    }

    /// Flushes, re-detects bursts, records the file and commits.
    pub fn finish(mut self, sha256: &str, bytes: u64, shape: &str) -> Result<FileCounts> {
        self.flush()?;
        self.deltas.apply(&self.tx)?;
        self.redetect_bursts()?;
        let c = self.counts;
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

fn touch(touched: &mut HashMap<String, (i64, i64)>, number: &str, at: i64) {
    match touched.get_mut(number) {
        Some((lo, hi)) => {
            *lo = (*lo).min(at);
            *hi = (*hi).max(at);
        }
        None => {
            touched.insert(number.to_string(), (at, at));
        }
    }
}

/// Replaces the stored bursts of `number` around `[lo, hi]` with a fresh detection.
/// The stretch widens until no detected burst touches its edges, so an episode that
/// continues beyond the changed calls is seen whole.
pub(crate) fn redetect_number(
    tx: &rusqlite::Connection,
    number: &str,
    lo: i64,
    hi: i64,
    cfg: &BurstConfig,
) -> Result<()> {
    let w = cfg.window_ms().max(1);
    let (mut a, mut b) = (lo.saturating_sub(w), hi.saturating_add(w));
    let mut overlap = tx.prepare_cached("SELECT min(start_ms), max(end_ms) FROM bursts WHERE number = ?1 AND start_ms <= ?3 AND end_ms >= ?2")?;
    let mut marks_q = tx.prepare_cached(
        "SELECT hour, marks FROM number_hourly WHERE number = ?1 AND hour BETWEEN ?2 AND ?3 ORDER BY hour",
    )?;
    let mut found = Vec::new();
    for _ in 0..64 {
        // Widen until no stored burst sticks out of the stretch: every burst the final
        // DELETE removes must lie wholly inside what is re-detected (known bug 4: widening
        // once could reach a neighbouring burst and delete it after reading only its tail).
        loop {
            let (s, e): (Option<i64>, Option<i64>) =
                overlap.query_row(params![number, a, b], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let (Some(s), Some(e)) = (s, e) else { break };
            let (na, nb) = (a.min(s.saturating_sub(w)), b.max(e.saturating_add(w)));
            if (na, nb) == (a, b) {
                break;
            }
            (a, b) = (na, nb);
        }
        let mut points: Vec<CallPoint> = Vec::new();
        let mut rows = marks_q.query(params![number, hour_of(a), hour_of(b)])?;
        while let Some(r) = rows.next()? {
            let hour: i64 = r.get(0)?;
            let blob = r.get_ref(1)?.as_blob().unwrap_or_default();
            let Some(m) = marks::decode(blob) else {
                return Err(crate::error::Error::Other(format!(
                    "number_hourly.marks of {number} at hour {hour} is corrupt; run `numhealth rebuild`"
                )));
            };
            points.extend(marks::points(hour, &m).filter(|p| p.at_ms >= a && p.at_ms <= b));
        }
        found = detect(&points, cfg);
        let left = found.first().is_some_and(|x| x.start_ms < a + w);
        let right = found.last().is_some_and(|x| x.end_ms > b - w);
        if !left && !right {
            break;
        }
        if left {
            a = a.saturating_sub(4 * w);
        }
        if right {
            b = b.saturating_add(4 * w);
        }
    }
    tx.prepare_cached("DELETE FROM bursts WHERE number = ?1 AND start_ms <= ?3 AND end_ms >= ?2")?
        .execute(params![number, a, b])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO bursts (number, start_ms, end_ms, calls, short_calls) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (number, start_ms) DO UPDATE SET end_ms = excluded.end_ms, calls = excluded.calls, short_calls = excluded.short_calls",
    )?;
    for x in found {
        ins.execute(params![
            number,
            x.start_ms,
            x.end_ms,
            x.calls,
            x.short_calls
        ])?;
    }
    Ok(())
}

impl Store {
    /// Refuses to mix rollups computed with different cut-offs: the first run records
    /// them, later runs must match (or `numhealth rebuild` recomputes everything).
    pub fn check_ingest_settings(&self, short_call_ms: i64, bursts: &BurstConfig) -> Result<()> {
        let want_bursts = serde_json::to_string(bursts).unwrap_or_default();
        match (
            self.meta_get(meta::SHORT_CALL_MS)?,
            self.meta_get(meta::BURST_SETTINGS)?,
        ) {
            (Some(s), Some(b)) => {
                if s != short_call_ms.to_string() || b != want_bursts {
                    return Err(self.db_error(format!(
                        "its rollups were computed with short_call_ms={s} and bursts {b}, but the settings now say \
                         short_call_ms={short_call_ms} and bursts {want_bursts}; run `numhealth rebuild` to recompute them, \
                         or restore the old settings"
                    )));
                }
            }
            _ => {
                self.meta_set(meta::SHORT_CALL_MS, &short_call_ms.to_string())?;
                self.meta_set(meta::BURST_SETTINGS, &want_bursts)?;
            }
        }
        Ok(())
    }

    /// The stored version of one call, if any.
    pub fn get_call(&self, call_id: &str) -> Result<Option<CallRecord>> {
        self.conn
            .query_row(
                &format!("SELECT {CALL_COLUMNS} FROM calls WHERE call_id = ?1"),
                [call_id],
                call_from_row,
            )
            .optional()
            .map_err(|e| self.wrap(e))
    }
}
