//! Pre-summing: rollup contributions and burst stretches summed on the parser thread, every
//! call counted as if it were new, while the SQLite thread writes. The load (`FileLoad`)
//! then only takes back the calls that turn out to be re-deliveries, which are few on a
//! nightly load; its corrections are merged into the next set of sums before that set is
//! written, so no rollup row ever goes below zero. `PresumLink` is how the load talks back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::staged::{PreparedCall, Staged};
use crate::store::rollups::RollupDeltas;
use crate::store::{FileCounts, LoadSettings};

/// What a `FileLoad` tells the `Presummer` feeding it: stop counting (the file is mostly
/// re-deliveries, which would only be counted and taken back), and hand over the sums now
/// (the load's own corrections have grown to the limit and wait for them).
#[derive(Clone, Default)]
pub(super) struct PresumLink(Arc<LinkState>);

#[derive(Default)]
struct LinkState {
    off: AtomicBool,
    sums_wanted: AtomicBool,
}

impl PresumLink {
    /// True while the load has asked the parser to stop counting.
    #[inline]
    pub(super) fn is_off(&self) -> bool {
        self.0.off.load(Relaxed)
    }

    /// The load asks the parser to stop (or resume) counting ahead.
    #[inline]
    pub(super) fn set_off(&self, off: bool) {
        self.0.off.store(off, Relaxed);
    }

    /// The load asks for the sums so far with the next item.
    #[inline]
    pub(super) fn want_sums(&self) {
        self.0.sums_wanted.store(true, Relaxed);
    }

    /// Whether the load asked for the sums, clearing the request.
    #[inline]
    fn sums_wanted(&self) -> bool {
        // A plain load first: the swap (a locked write) only when the load asked.
        let flag = &self.0.sums_wanted;
        flag.load(Relaxed) && flag.swap(false, Relaxed)
    }
}

/// Rollup contributions and burst stretches of a set of calls.
#[derive(Default)]
pub(super) struct Presummed {
    pub(super) deltas: RollupDeltas,
    /// (earliest, latest) placed_ms touched, by the number's id in `deltas`, for burst
    /// re-detection; `UNTOUCHED` for none.
    touched: Vec<(i64, i64)>,
}

const UNTOUCHED: (i64, i64) = (i64::MAX, i64::MIN);

impl Presummed {
    /// Adds a call as new: its contribution, and its moment to its number's stretch.
    fn count_new(&mut self, call: &PreparedCall, short_call_ms: i64) {
        let id = self
            .deltas
            .add(&call.rec, call.placed, call.short, short_call_ms, 1);
        self.widen_id(id, call.placed, call.placed);
    }

    /// Widens `number`'s touched stretch to cover `at`.
    pub(super) fn touch(&mut self, number: &str, at: i64) {
        self.widen(number, at, at);
    }

    /// Widens `number`'s touched stretch to cover `[lo, hi]`.
    pub(super) fn widen(&mut self, number: &str, lo: i64, hi: i64) {
        let id = self.deltas.intern(number);
        self.widen_id(id, lo, hi);
    }

    fn widen_id(&mut self, id: u32, lo: i64, hi: i64) {
        let i = id as usize;
        if self.touched.len() <= i {
            self.touched.resize(i + 1, UNTOUCHED);
        }
        if let Some((l, h)) = self.touched.get_mut(i) {
            *l = (*l).min(lo);
            *h = (*h).max(hi);
        }
    }

    /// Each touched number and its stretch.
    pub(super) fn stretches(&self) -> impl Iterator<Item = (&str, i64, i64)> {
        (0u32..)
            .zip(&self.touched)
            .filter(|(_, span)| **span != UNTOUCHED)
            .map(|(id, &(lo, hi))| (self.deltas.name(id), lo, hi))
    }
}

/// A load's counts and the rollup changes it has not written yet. With a `PresumLink`,
/// the changes are the load's corrections to the sums a `Presummer` made, and the calls it
/// did not count.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) counts: FileCounts,
    pub(super) pending: Presummed,
}

impl Tally {
    /// Counts a first-time call, and adds it to the sums unless a `Presummer` did.
    pub(super) fn inserted(&mut self, call: &PreparedCall, short_call_ms: i64) {
        self.counts.inserted += 1;
        if !call.counted {
            self.pending.count_new(call, short_call_ms);
        }
    }
}

/// Builds `Presummed` sets alongside a reader; each (the last one too) goes to
/// `FileLoad::add_presums` after the items it counted.
pub(super) struct Presummer {
    sums: Presummed,
    link: PresumLink,
    short_call_ms: i64,
    max_pending: usize,
    pruned_before: Option<i64>,
}

impl Presummer {
    /// `pruned_before`: the store's prune horizon (`Store::pruned_before`).
    pub(super) fn new(
        settings: &LoadSettings,
        pruned_before: Option<i64>,
        link: PresumLink,
    ) -> Presummer {
        Presummer {
            sums: Presummed::default(),
            link,
            short_call_ms: settings.short_call_ms,
            max_pending: settings.max_pending_rollups,
            pruned_before,
        }
    }

    /// Counts one staged item (unless the load said stop); returns the sums so far once
    /// they reach the pending limit or the load asks for them.
    pub(super) fn count(&mut self, item: &mut Staged) -> Option<Presummed> {
        if let Staged::Call(c) = item
            && !self.link.is_off()
            && !c.before_horizon(self.pruned_before)
        {
            self.sums.count_new(c, self.short_call_ms);
            c.counted = true;
        }
        (self.link.sums_wanted() || self.sums.deltas.len() >= self.max_pending)
            .then(|| std::mem::take(&mut self.sums))
    }

    pub(super) fn finish(self) -> Presummed {
        self.sums
    }
}
