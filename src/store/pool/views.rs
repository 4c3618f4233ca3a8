//! The pool as the commands show it at a moment: every registered number's status from
//! one answer, `pool::status_at` (the registry projected after the last score run, the
//! recorded row before it), with verdicts for `risky`, latest recorded scores for
//! `numbers`, and calls today for the rotation list dialers read.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;
use rusqlite::params;

use crate::error::Result;
use crate::health::assessment::{Action, Assessment};
use crate::health::rollup::{HOUR_MS, contribution};
use crate::model::HourCounts;
use crate::pool::caps::{calls_today, remaining_today};
use crate::pool::rotation::{action, unregistered};
use crate::pool::{Entry, Rules, Status, Transition, status_at};
use crate::store::Store;
use crate::store::assess::{assess_pool, riskiest};
use crate::store::keys::UNANCHORED;
use crate::store::load::{CALL_COLUMNS, call_from_row};

/// One registered number in `numbers`: its row at the moment and its latest recorded score.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRow {
    pub entry: Entry,
    pub score: Option<f64>,
}

/// A verdict with the number's status at the same moment (as a first run would register
/// a number the pool has not seen yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub assessment: Assessment,
    pub entry: Entry,
}

/// One row of the rotation list.
#[derive(Debug, Clone, PartialEq)]
pub struct RotationRow {
    pub number: String,
    /// `None` for a registered number with no calls before the moment (added by an operator).
    pub assessment: Option<Assessment>,
    pub entry: Entry,
    /// The action that agrees with the status (`pool::rotation::action`).
    pub action: Action,
    /// Calls placed so far in the number's local day, and what its daily cap leaves.
    pub calls_today: i64,
    pub remaining_today: i64,
}

/// One number's status at a moment, and its whole history.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberPool {
    pub entry: Option<Entry>,
    pub transitions: Vec<Transition>,
}

impl Store {
    /// Every registered number's row at `at_ms`, by number.
    pub fn pool_status_at(&self, at_ms: i64, rules: &Rules<'_>) -> Result<BTreeMap<String, Entry>> {
        let registry = self.pool_registry()?;
        let last_run = self.last_score_run_ms()?;
        // At or after the last transition, each row's history is not needed to answer.
        let mut history: HashMap<String, Vec<Transition>> = HashMap::new();
        if self.pool_last_transition_ms()?.is_some_and(|l| at_ms < l) {
            for t in self.pool_transitions_all()? {
                history.entry(t.number.clone()).or_default().push(t);
            }
        }
        let mut out = BTreeMap::new();
        for e in &registry {
            let ts = history.remove(&e.number).unwrap_or_default();
            if let Some(s) = status_at(Some(e), &ts, at_ms, last_run, rules) {
                out.insert(e.number.clone(), s);
            }
        }
        Ok(out)
    }

    /// The registry at `at_ms` (only numbers in `only`, unless empty) with each number's
    /// score in the last run as of then.
    pub fn pool_numbers_at(
        &self,
        at_ms: i64,
        rules: &Rules<'_>,
        only: &[Status],
    ) -> Result<Vec<PoolRow>> {
        let scores = self.scores_at(at_ms)?;
        Ok(self
            .pool_status_at(at_ms, rules)?
            .into_values()
            .filter(|e| only.is_empty() || only.contains(&e.status))
            .map(|entry| PoolRow {
                score: scores.get(&entry.number).copied(),
                entry,
            })
            .collect())
    }

    /// One number's row at `at_ms` and its transitions.
    pub fn pool_number_at(
        &self,
        number: &str,
        at_ms: i64,
        rules: &Rules<'_>,
    ) -> Result<NumberPool> {
        let current = self.pool_entry(number)?;
        let transitions = self.pool_transitions(number)?;
        let last_run = self.last_score_run_ms()?;
        Ok(NumberPool {
            entry: status_at(current.as_ref(), &transitions, at_ms, last_run, rules),
            transitions,
        })
    }

    /// Every transition, by number, in recorded order.
    fn pool_transitions_all(&self) -> Result<Vec<Transition>> {
        self.query_rows(
            &format!(
                "SELECT {} FROM pool_transitions ORDER BY number, at_ms, id",
                super::TRANSITION_COLUMNS
            ),
            [],
            super::transition_row,
        )
    }

    /// Calls `number` placed so far in its local day (`tz`) at `at_ms`, from its hourly
    /// rollups; the hour `at_ms` falls in counts `so_far`'s calls when given.
    pub fn calls_today(
        &self,
        number: &str,
        tz: Tz,
        at_ms: i64,
        so_far: Option<&HashMap<String, i64>>,
    ) -> Result<i64> {
        let hour = at_ms.div_euclid(HOUR_MS);
        let mut hours = self.query_rows(
            "SELECT hour, attempts FROM number_hourly WHERE number = ?1 AND hour >= ?2 AND hour <= ?3",
            params![number, hour - 48, hour],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    HourCounts {
                        attempts: r.get(1)?,
                        ..HourCounts::default()
                    },
                ))
            },
        )?;
        if let Some(so_far) = so_far {
            hours.retain(|(h, _)| *h != hour);
            let attempts = so_far.get(number).copied().unwrap_or(0);
            hours.push((
                hour,
                HourCounts {
                    attempts,
                    ..HourCounts::default()
                },
            ));
        }
        Ok(calls_today(&hours, tz, at_ms))
    }

    /// Each number's calls in the hour `at_ms` falls in that were placed before it, from
    /// the raw calls, when the store holds calls after that hour (a view of a past moment,
    /// where the hour's rollup would count calls placed after `at_ms` too) and that hour's
    /// raw calls are kept. `None`: the rollup's whole hour is right (a live view: nothing
    /// was placed after `at_ms` yet; within the newest hour the rollup is used too, so a
    /// live export reads no raw calls).
    pub fn as_of_hour_so_far(&self, at_ms: i64) -> Result<Option<HashMap<String, i64>>> {
        let hour = at_ms.div_euclid(HOUR_MS);
        let start = hour * HOUR_MS;
        let later = self.newest_hour()?.is_some_and(|n| n > hour);
        let kept = self.pruned_before()?.is_none_or(|p| p <= start);
        if !later || !kept {
            return Ok(None);
        }
        let day = start.div_euclid(24 * HOUR_MS);
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CALL_COLUMNS} FROM calls WHERE anchor_day IN (?1, ?2) \
                 AND placed_ms >= ?3 AND placed_ms < ?4"
            ))
            .map_err(|e| self.wrap(e))?;
        let mut rows = st
            .query(params![day, UNANCHORED, start, at_ms])
            .map_err(|e| self.wrap(e))?;
        let mut out: HashMap<String, i64> = HashMap::new();
        while let Some(r) = rows.next().map_err(|e| self.wrap(e))? {
            let call = call_from_row(r).map_err(|e| self.wrap(e))?;
            // Attempts do not depend on the short-call cut-off.
            let attempts = contribution(&call, 0).attempts;
            if attempts > 0 {
                *out.entry(call.our_number.to_string()).or_default() += attempts;
            }
        }
        Ok(Some(out))
    }
}

/// Each verdict's number's row at the moment, or the one the next run would register.
pub(crate) fn entries_for(
    store: &Store,
    rows: &mut BTreeMap<String, Entry>,
    verdicts: &[Assessment],
    at_ms: i64,
    rules: &Rules<'_>,
) -> Result<Vec<Entry>> {
    let new: Vec<Assessment> = verdicts
        .iter()
        .filter(|a| !rows.contains_key(&a.number))
        .cloned()
        .collect();
    let pool_exists = store.has_score_run_by(at_ms)?;
    let mut new = unregistered(&new, at_ms, pool_exists, rules);
    Ok(verdicts
        .iter()
        .map(|a| {
            rows.remove(&a.number)
                .or_else(|| new.remove(&a.number))
                .unwrap_or_else(|| {
                    Entry::new(
                        &a.number,
                        Status::Active,
                        at_ms,
                        Default::default(),
                        String::new(),
                    )
                })
        })
        .collect())
}

/// `risky`: the first `top` (all when `None`) of the numbers scoring at least
/// `min_score`, riskiest first, each with its status at `at_ms`.
pub fn risky_at(
    store: &Store,
    rules: &Rules<'_>,
    at_ms: i64,
    min_score: Option<f64>,
    top: Option<usize>,
) -> Result<Vec<Rated>> {
    let mut rows = store.pool_status_at(at_ms, rules)?;
    let all = assess_pool(store, rules, at_ms, &rows)?;
    let shown: Vec<Assessment> = riskiest(&all, min_score, top)
        .into_iter()
        .cloned()
        .collect();
    let entries = entries_for(store, &mut rows, &shown, at_ms, rules)?;
    Ok(shown
        .into_iter()
        .zip(entries)
        .map(|(assessment, entry)| Rated { assessment, entry })
        .collect())
}

/// The rotation list at `at_ms`: every scored number riskiest first, then registered
/// numbers with no calls yet, by number; each with its status, the action that agrees
/// with it and its calls today in its own zone.
pub fn rotation_at(store: &Store, rules: &Rules<'_>, at_ms: i64) -> Result<Vec<RotationRow>> {
    let mut rows = store.pool_status_at(at_ms, rules)?;
    let all = assess_pool(store, rules, at_ms, &rows)?;
    let entries = entries_for(store, &mut rows, &all, at_ms, rules)?;
    let so_far = store.as_of_hour_so_far(at_ms)?;
    let listed = all
        .into_iter()
        .map(Some)
        .zip(entries)
        .chain(rows.into_values().map(|e| (None, e)));
    let mut out = Vec::new();
    for (assessment, entry) in listed {
        let number = entry.number.clone();
        let calls = store.calls_today(&number, rules.zones.tz(&number), at_ms, so_far.as_ref())?;
        out.push(RotationRow {
            action: action(&entry, assessment.as_ref().map(|a| a.action), at_ms, rules),
            calls_today: calls,
            remaining_today: remaining_today(entry.caps, calls),
            number,
            assessment,
            entry,
        });
    }
    Ok(out)
}
