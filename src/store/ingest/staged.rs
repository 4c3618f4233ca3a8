//! Reader items made ready for loading: everything derived from a record alone
//! (fingerprint, completeness rank, short flag, placement, lookup slot) is computed here,
//! on the parser thread, so the SQLite thread only writes.

use crate::health::taxonomy::{ReasonClass, classify};
use crate::model::{CallRecord, Item, Reject};
use crate::store::LoadSettings;
use crate::store::keys;
use crate::store::load::short_flag;

/// A call with everything derived from the record alone already computed.
pub(super) struct PreparedCall {
    pub(super) rec: Box<CallRecord>,
    pub(super) fingerprint: i64,
    pub(super) completeness: i64,
    pub(super) short: i64,
    /// Where a first delivery counts: start, else end, else the run's receive time.
    pub(super) placed: i64,
    pub(super) unknown_reason: bool,
    /// Lookup slot (see `store::keys`).
    pub(super) key: i64,
    pub(super) anchor: i64,
    /// Already counted as new by a `Presummer`.
    pub(super) counted: bool,
}

impl PreparedCall {
    pub(super) fn new(rec: Box<CallRecord>, settings: &LoadSettings) -> PreparedCall {
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
            key: keys::call_key(&rec.call_id),
            anchor: keys::anchor_day(rec.start_ms),
            counted: false,
            rec,
        }
    }

    /// Calls from before the prune horizon are skipped (their hours keep their rollups).
    pub(super) fn before_horizon(&self, horizon: Option<i64>) -> bool {
        horizon.is_some_and(|h| {
            self.rec
                .start_ms
                .or(self.rec.end_ms)
                .is_some_and(|at| at < h)
        })
    }
}

/// A reader item made ready for loading (see `stage`).
pub(super) enum Staged {
    Call(PreparedCall),
    Skipped,
    Rejected(Box<Reject>),
}

/// Prepares one reader item for `FileLoad::add_staged`; pure, callable from any thread.
pub(super) fn stage(item: Item, settings: &LoadSettings) -> Staged {
    match item {
        Item::Call(rec, _) => Staged::Call(PreparedCall::new(rec, settings)),
        Item::Skipped(..) => Staged::Skipped,
        Item::Rejected(rej) => Staged::Rejected(rej),
    }
}
