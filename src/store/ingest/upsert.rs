//! Writing a batch of calls: in key order, the common case (a call seen for the first
//! time) one insert into its own lookup slot; a call starting near midnight UTC is first
//! looked for under the other day too (`keys::neighbour_day`); otherwise the call is found again by its
//! `call_id` (`store::keys`) and its stored version updated when this one is more
//! complete, with the rollups adjusted by `new - old`.

use super::file_load::FileLoad;
use super::staged::PreparedCall;
use crate::error::Result;
use crate::store::keys::{self, CallIndex};
use crate::store::load::{CALL_COLUMNS, call_from_row};
use crate::store::raw_statement::Param;

/// The loader's insert: a taken `(anchor_day, call_key)` slot makes it a no-op.
pub(super) static INSERT_CALL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO calls ({CALL_COLUMNS}, placed_ms, short, completeness, fingerprint, run_id, anchor_day, call_key) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21) \
         ON CONFLICT (anchor_day, call_key) DO NOTHING"
    )
});

/// The loader's update of a stored call with a more complete version.
pub(super) const UPDATE_CALL: &str = "UPDATE calls SET call_id = ?1, direction = ?2, our_number = ?3, other_number = ?4, call_status = ?5, \
     agent_id = ?6, disconnection_reason = ?7, start_ms = ?8, end_ms = ?9, duration_ms = ?10, in_voicemail = ?11, \
     user_sentiment = ?12, call_successful = ?13, number_flags = ?14, placed_ms = ?15, short = ?16, \
     completeness = ?17, fingerprint = ?18, run_id = ?19, anchor_day = ?20, call_key = ?21 WHERE rowid = ?22";

/// The stored version of a call the loader found, by row.
static SELECT_STORED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {CALL_COLUMNS}, placed_ms, completeness, fingerprint, short, anchor_day, call_key \
         FROM calls WHERE rowid = ?1"
    )
});

impl FileLoad<'_> {
    /// Writes the buffered records in key order and applies their rollup deltas.
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        // Key order, so neighbouring inserts share index pages. Stable: two versions of one
        // call (one key) in a file are applied in file order.
        batch.sort_by_key(|c| c.key);
        let found_before = self.tally.counts.unchanged + self.tally.counts.updated;
        let mut i = 0;
        while i < batch.len() {
            // The common case, a call seen for the first time: one insert into its slot.
            let mut refused = false;
            while let Some(call) = batch.get(i) {
                let near_midnight = keys::neighbour_day(call.rec.start_ms).is_some();
                if near_midnight || !self.index.only_in_own_slot(call.anchor) {
                    break;
                }
                let slot = (call.anchor, Some(call.key));
                let params = call_params(call, call.placed, slot, self.run_id);
                if self.insert.execute(&params)? != 1 {
                    refused = true;
                    break;
                }
                self.index.filed(call.anchor);
                let short_ms = self.settings.short_call_ms;
                self.tally.inserted(call, short_ms);
                i += 1;
            }
            // Stopped by a taken slot, or by a call that may be stored elsewhere.
            if let Some(call) = batch.get(i) {
                self.write_call(call, refused)?;
                i += 1;
            }
        }
        // Corrections alone could take rows below zero: they wait for their sums.
        let full = self.tally.pending.deltas.len() >= self.settings.max_pending_rollups;
        if let Some(link) = &self.presums {
            let found = self.tally.counts.unchanged + self.tally.counts.updated - found_before;
            link.set_off(2 * found > batch.len() as u64);
            if full {
                link.want_sums();
            }
        } else if full {
            self.tally.pending.deltas.apply(&self.tx)?;
        }
        if let Some(w) = &mut self.writing {
            // Eight slices a set: written long before the next set comes.
            let rows = self.settings.max_pending_rollups / 8 + 1;
            if w.step(&self.tx, rows)? {
                self.writing = None;
            }
        }
        match &self.spent {
            Some(bin) => {
                let fresh = Vec::with_capacity(self.settings.batch_size);
                // A closed bin (the parser has gone) returns the batch, freed here.
                let _ = bin.send(std::mem::replace(&mut batch, fresh));
            }
            None => batch.clear(),
        }
        self.batch = batch;
        Ok(())
    }

    /// Inserts one call, or updates its stored version when this one is more complete.
    /// `slot_taken`: an insert into its own slot was already refused.
    fn write_call(&mut self, call: &PreparedCall, slot_taken: bool) -> Result<()> {
        let rec = &*call.rec;
        let found = match self.index.find_elsewhere(
            &self.tx,
            &rec.call_id,
            call.key,
            call.anchor,
            keys::neighbour_day(rec.start_ms),
        )? {
            Some(row) => Some(row),
            None => self.insert_new(call, slot_taken)?,
        };
        let Some(row) = found else {
            let short_ms = self.settings.short_call_ms;
            self.tally.inserted(call, short_ms);
            return Ok(());
        };
        let tx = &self.tx;
        if call.counted {
            // Counted as new on the parser thread: take that back first.
            let short_ms = self.settings.short_call_ms;
            self.tally
                .pending
                .deltas
                .add(rec, call.placed, call.short, short_ms, -1);
        }
        let (old, old_placed, old_completeness, old_fingerprint, old_short, old_slot) =
            tx.prepare_cached(&SELECT_STORED)?.query_row([row], |r| {
                Ok((
                    call_from_row(r)?,
                    r.get::<_, i64>(14)?,
                    r.get::<_, i64>(15)?,
                    r.get::<_, i64>(16)?,
                    r.get::<_, i64>(17)?,
                    (r.get::<_, i64>(18)?, r.get::<_, Option<i64>>(19)?),
                ))
            })?;
        if old_fingerprint == call.fingerprint || call.completeness < old_completeness {
            self.tally.counts.unchanged += 1;
            return Ok(());
        }
        // A version without timestamps keeps the moment the call was first placed at.
        let placed = rec.start_ms.or(rec.end_ms).unwrap_or(old_placed);
        let slot = self
            .index
            .refile(tx, row, &rec.call_id, old_slot, rec.start_ms)?;
        let mut params = call_params(call, placed, slot, self.run_id).to_vec();
        params.push(row.into());
        self.update.execute(&params)?;
        self.tally.counts.updated += 1;
        let short_ms = self.settings.short_call_ms;
        self.tally
            .pending
            .deltas
            .add(&old, old_placed, old_short, short_ms, -1);
        self.tally
            .pending
            .deltas
            .add(rec, placed, call.short, short_ms, 1);
        self.tally.pending.touch(&old.our_number, old_placed);
        self.tally.pending.touch(&rec.our_number, placed);
        Ok(())
    }

    /// Stores a call found nowhere else: in its own slot, or, when another id holds the
    /// slot (a hash collision), with no key and listed in `call_overflow`. Returns the row
    /// when the slot holds this very call instead (nothing is written then).
    fn insert_new(&mut self, call: &PreparedCall, slot_taken: bool) -> Result<Option<i64>> {
        let (key, day) = (call.key, call.anchor);
        if !slot_taken
            && self.insert.execute(&call_params(
                call,
                call.placed,
                (day, Some(key)),
                self.run_id,
            ))? == 1
        {
            self.index.filed(day);
            return Ok(None);
        }
        match CallIndex::slot(&self.tx, day, key)? {
            Some((row, id)) if id == call.rec.call_id => Ok(Some(row)),
            _ => {
                self.insert
                    .execute(&call_params(call, call.placed, (day, None), self.run_id))?;
                let row = self.tx.last_insert_rowid();
                self.index.add_overflow(&self.tx, &call.rec.call_id, row)?;
                Ok(None)
            }
        }
    }
}

/// A call's columns, `?1`..`?21` of `INSERT_CALL` and `UPDATE_CALL`.
fn call_params(
    call: &PreparedCall,
    placed: i64,
    slot: (i64, Option<i64>),
    run_id: i64,
) -> [Param<'_>; 21] {
    let rec = &*call.rec;
    [
        rec.call_id.as_str().into(),
        rec.direction.as_str().into(),
        rec.our_number.as_str().into(),
        rec.other_number.as_str().into(),
        rec.call_status.as_str().into(),
        rec.agent_id.as_deref().into(),
        rec.disconnection_reason.as_deref().into(),
        rec.start_ms.into(),
        rec.end_ms.into(),
        rec.duration_ms.into(),
        rec.in_voicemail.into(),
        rec.user_sentiment.as_deref().into(),
        rec.call_successful.into(),
        rec.number_flags.into(),
        placed.into(),
        call.short.into(),
        call.completeness.into(),
        call.fingerprint.into(),
        run_id.into(),
        slot.0.into(),
        slot.1.into(),
    ]
}
