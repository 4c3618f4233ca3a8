//! What the pool plan reads from the store: every number's status at a moment (the
//! registry through `pool::status_at`; a number with calls but no registry row counts as
//! active), each number's attempts and spam marks over the last 7 days from the hourly
//! rollups, and the same attempts counted by the callee's area from the raw calls (read a
//! day at a time through the `(anchor_day, call_key)` index). `capacity_plan` puts them
//! through `pool::plan_capacity`.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::health::rollup::HOUR_MS;
use crate::health::taxonomy::{ReasonClass, classify};
use crate::pool::plan_capacity::{AreaKey, CapacityPlan, GroupBy, PlanInputs, PlannedNumber};
use crate::pool::{Entry, Rules, Status, plan_capacity};
use crate::store::keys::UNANCHORED;
use crate::store::raw_statement::RawStatement;
use crate::store::{Store, end_hour_exclusive, meta};

const DAY_MS: i64 = 24 * HOUR_MS;

/// Days of calls the demand is measured over.
pub const DEMAND_DAYS: i64 = 7;

/// One number's calls in the demand window, from its rollups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowCounts {
    pub attempts: i64,
    pub marked_as_spam: i64,
}

/// The plan and what limits it.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPlan {
    pub plan: CapacityPlan,
    /// Raw calls before this moment (inside the window) were pruned: `lead_calls_per_day`
    /// counts only the calls after it.
    pub lead_pruned_before_ms: Option<i64>,
    /// The window's first moment (ms): the as-of hour minus 7 days, or the first call.
    pub window_start_ms: i64,
    pub window_end_ms: i64,
}

impl Store {
    /// The first hour (since the epoch) any call is rolled up in.
    pub fn first_rollup_hour(&self) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT hour FROM fleet_hourly WHERE attempts + inbound + platform_fault > 0 ORDER BY hour LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.wrap(e))
    }

    /// Every number with a rollup before `end_hour`, with its attempts and spam marks in
    /// `[start_hour, end_hour)` (zero when it placed none then).
    pub fn number_window_counts(
        &self,
        start_hour: i64,
        end_hour: i64,
    ) -> Result<BTreeMap<String, WindowCounts>> {
        let mut q = RawStatement::prepare(
            &self.conn,
            "SELECT number, sum(CASE WHEN hour >= ?1 THEN attempts ELSE 0 END), \
             sum(CASE WHEN hour >= ?1 THEN marked_as_spam ELSE 0 END) \
             FROM number_hourly WHERE hour < ?2 GROUP BY number",
        )
        .map_err(|e| self.wrap(e))?;
        let mut out = BTreeMap::new();
        let mut more = q
            .start(&[start_hour.into(), end_hour.into()])
            .map_err(|e| self.wrap(e))?;
        while more {
            out.insert(
                q.column_text(0).to_string(),
                WindowCounts {
                    attempts: q.column_int(1),
                    marked_as_spam: q.column_int(2),
                },
            );
            more = q.advance().map_err(|e| self.wrap(e))?;
        }
        Ok(out)
    }

    /// Outbound attempts (as the rollups count them: dialled, platform faults excluded)
    /// placed in `[start_ms, end_ms)`, by the callee's area. Reads the raw calls of the
    /// window's UTC days and those filed under no day.
    pub fn callee_attempts(&self, start_ms: i64, end_ms: i64) -> Result<BTreeMap<AreaKey, i64>> {
        let mut out: BTreeMap<AreaKey, i64> = BTreeMap::new();
        if end_ms <= start_ms {
            return Ok(out);
        }
        let first_day = start_ms.div_euclid(DAY_MS);
        let last_day = (end_ms - 1).div_euclid(DAY_MS);
        let mut q = RawStatement::prepare(
            &self.conn,
            "SELECT other_number, disconnection_reason FROM calls \
             WHERE anchor_day >= ?1 AND anchor_day <= ?2 AND direction = 'outbound' \
             AND placed_ms >= ?3 AND placed_ms < ?4",
        )
        .map_err(|e| self.wrap(e))?;
        for (from, to) in [(first_day, last_day), (UNANCHORED, UNANCHORED)] {
            let mut more = q
                .start(&[from.into(), to.into(), start_ms.into(), end_ms.into()])
                .map_err(|e| self.wrap(e))?;
            while more {
                // A NULL reason reads as "": a pending call, which counts as an attempt.
                let reason = q.column_text(1);
                if reason.is_empty() || classify(reason) != ReasonClass::Platform {
                    *out.entry(AreaKey::of(q.column_text(0))).or_default() += 1;
                }
                more = q.advance().map_err(|e| self.wrap(e))?;
            }
            q.finish();
        }
        Ok(out)
    }

    /// Raw calls placed before this moment were pruned.
    pub fn pruned_before_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .meta_get(meta::PRUNED_BEFORE_MS)?
            .and_then(|v| v.parse().ok()))
    }
}

/// The pool plan as of `as_of_ms`, grouped `by` area code, state or country: each
/// number's status at the moment, its last 7 days of calls (from the hourly rollups
/// wholly before the moment) and its callees' (from the raw calls).
pub fn capacity_plan(
    store: &Store,
    rules: &Rules<'_>,
    as_of_ms: i64,
    by: GroupBy,
) -> Result<PoolPlan> {
    let end_hour = end_hour_exclusive(as_of_ms);
    let first_hour = store.first_rollup_hour()?.unwrap_or(end_hour);
    let start_hour = (end_hour - DEMAND_DAYS * 24).max(first_hour.min(end_hour));
    let (start_ms, end_ms) = (start_hour * HOUR_MS, end_hour * HOUR_MS);
    let registry = store.pool_status_at(as_of_ms, rules)?;
    let counts = store.number_window_counts(start_hour, end_hour)?;
    let normal = rules.normal_caps(None);
    let mut numbers: Vec<PlannedNumber> = Vec::with_capacity(counts.len().max(registry.len()));
    let mut push = |number: &str, entry: Option<&Entry>, c: WindowCounts| {
        let (status, daily_cap, rest_ends_ms) = match entry {
            Some(e) => (e.status, e.caps.daily, e.until_ms),
            None => (Status::Active, normal.daily, None),
        };
        numbers.push(PlannedNumber {
            number: number.to_string(),
            status,
            daily_cap: if status.may_dial() { daily_cap } else { 0 },
            rest_ends_ms,
            attempts: c.attempts,
            marked_as_spam: c.marked_as_spam,
        });
    };
    for (number, c) in &counts {
        push(number, registry.get(number), *c);
    }
    for (number, e) in registry.iter().filter(|(n, _)| !counts.contains_key(*n)) {
        push(number, Some(e), WindowCounts::default());
    }
    let pruned = store.pruned_before_ms()?.filter(|p| *p > start_ms);
    let lead_start = pruned.map_or(start_ms, |p| p.min(end_ms));
    let lead_attempts = store.callee_attempts(lead_start, end_ms)?;
    let inputs = PlanInputs {
        as_of_ms,
        days: (end_hour - start_hour).max(0) as f64 / 24.0,
        normal_daily_cap: normal.daily,
        numbers,
        lead_attempts,
    };
    Ok(PoolPlan {
        plan: plan_capacity::plan_capacity(&inputs, by),
        lead_pruned_before_ms: pruned,
        window_start_ms: start_ms,
        window_end_ms: end_ms,
    })
}
