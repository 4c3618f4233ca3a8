//! Reads that feed analytics and reports: scoring inputs from hourly rollups (never raw
//! calls), bursts, score runs and a number's score history.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;

use crate::error::Result;
use crate::health::bursts::Burst;
use crate::health::rollup::HOUR_MS;
use crate::health::score::{Assessment, FleetHours, NumberHistory};
use crate::model::HourCounts;
use crate::store::Store;

/// Everything scoring needs, as of a moment.
#[derive(Debug, Clone, Default)]
pub struct ScoringInputs {
    pub histories: Vec<NumberHistory>,
    pub fleet: FleetHours,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurstRow {
    pub number: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub calls: i64,
    pub short_calls: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreHistoryRow {
    pub run_id: i64,
    pub as_of_ms: i64,
    pub score: f64,
    pub level: String,
    pub action: String,
}

fn counts_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<HourCounts> {
    let mut a = [0i64; 18];
    for (i, x) in a.iter_mut().enumerate() {
        *x = r.get(first + i)?;
    }
    Ok(HourCounts::from_array(a))
}

/// Hours wholly before `as_of_ms`: rollups are hourly, so as-of rounds down to the hour.
pub fn end_hour_exclusive(as_of_ms: i64) -> i64 {
    as_of_ms.div_euclid(HOUR_MS)
}

impl Store {
    /// Per-number histories and fleet totals for scoring as of `as_of_ms`, looking back
    /// `lookback_days`. With `only`, just that number (the fleet is still the whole fleet).
    pub fn scoring_inputs(
        &self,
        as_of_ms: i64,
        lookback_days: i64,
        only: Option<&str>,
    ) -> Result<ScoringInputs> {
        let mut histories = Vec::new();
        let fleet = self.for_each_history(as_of_ms, lookback_days, only, |_, h| {
            histories.push(h);
            Ok(())
        })?;
        Ok(ScoringInputs { histories, fleet })
    }

    /// Streams one number's history at a time to `f` (with the fleet totals, computed first),
    /// so memory holds one number, not the fleet. Returns the fleet totals.
    pub fn for_each_history(
        &self,
        as_of_ms: i64,
        lookback_days: i64,
        only: Option<&str>,
        mut f: impl FnMut(&FleetHours, NumberHistory) -> Result<()>,
    ) -> Result<FleetHours> {
        let end = end_hour_exclusive(as_of_ms);
        let start = end - lookback_days * 24;
        let fleet = self.fleet_hours(start, end)?;
        let mut bursts: std::collections::HashMap<String, Vec<Burst>> =
            std::collections::HashMap::new();
        {
            let mut st = self
                .conn
                .prepare(
                    "SELECT number, start_ms, end_ms, calls, short_calls FROM bursts \
                     WHERE start_ms >= ?1 AND start_ms < ?2 AND (?3 IS NULL OR number = ?3) ORDER BY number, start_ms",
                )
                .map_err(|e| self.wrap(e))?;
            let mut rows = st
                .query(params![start * HOUR_MS, as_of_ms, only])
                .map_err(|e| self.wrap(e))?;
            while let Some(r) = rows.next().map_err(|e| self.wrap(e))? {
                let number: String = r.get(0).map_err(|e| self.wrap(e))?;
                let b = Burst {
                    start_ms: r.get(1).map_err(|e| self.wrap(e))?,
                    end_ms: r.get(2).map_err(|e| self.wrap(e))?,
                    calls: r.get(3).map_err(|e| self.wrap(e))?,
                    short_calls: r.get(4).map_err(|e| self.wrap(e))?,
                };
                bursts.entry(number).or_default().push(b);
            }
        }
        let cols = HourCounts::FIELDS.join(", ");
        let sql = format!(
            "SELECT number, hour, {cols} FROM number_hourly WHERE hour < ?1 AND (?2 IS NULL OR number = ?2) ORDER BY number, hour"
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
        let mut rows = st.query(params![end, only]).map_err(|e| self.wrap(e))?;
        let mut current: Option<NumberHistory> = None;
        while let Some(r) = rows.next().map_err(|e| self.wrap(e))? {
            let number = r
                .get_ref(0)
                .map_err(|e| self.wrap(e))?
                .as_str()
                .map_err(|e| self.wrap(e.into()))?;
            if current.as_ref().is_none_or(|h| h.number != number) {
                let hour: i64 = r.get(1).map_err(|e| self.wrap(e))?;
                if let Some(mut done) = current.take() {
                    done.bursts = bursts.remove(&done.number).unwrap_or_default();
                    f(&fleet, done)?;
                }
                current = Some(NumberHistory {
                    number: number.to_string(),
                    first_seen_ms: hour * HOUR_MS,
                    hours: Vec::new(),
                    bursts: Vec::new(),
                    last_spam_ms: None,
                    last_reputation_ms: None,
                });
            }
            let hour: i64 = r.get(1).map_err(|e| self.wrap(e))?;
            let c = counts_at(r, 2).map_err(|e| self.wrap(e))?;
            let Some(h) = current.as_mut() else { continue };
            if c.marked_as_spam > 0 {
                h.last_spam_ms = Some(hour * HOUR_MS);
            }
            if c.reputation_failures() + c.marked_as_spam > 0 {
                h.last_reputation_ms = Some(hour * HOUR_MS);
            }
            if hour >= start {
                h.hours.push((hour, c));
            }
        }
        if let Some(mut done) = current.take() {
            done.bursts = bursts.remove(&done.number).unwrap_or_default();
            f(&fleet, done)?;
        }
        Ok(fleet)
    }

    /// The whole fleet's counters per hour in `[start, end)` (hours since epoch), kept at
    /// ingest in `fleet_hourly`.
    pub fn fleet_hours(&self, start: i64, end: i64) -> Result<FleetHours> {
        let sql = format!(
            "SELECT hour, {} FROM fleet_hourly WHERE hour >= ?1 AND hour < ?2",
            HourCounts::FIELDS.join(", ")
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
        let mut out = BTreeMap::new();
        let mut rows = st.query(params![start, end]).map_err(|e| self.wrap(e))?;
        while let Some(r) = rows.next().map_err(|e| self.wrap(e))? {
            let hour: i64 = r.get(0).map_err(|e| self.wrap(e))?;
            out.insert(hour, counts_at(r, 1).map_err(|e| self.wrap(e))?);
        }
        Ok(FleetHours { hours: out })
    }

    /// Stored bursts, optionally of one number, whose start lies in `[since, until)`.
    pub fn list_bursts(
        &self,
        number: Option<&str>,
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    ) -> Result<Vec<BurstRow>> {
        self.query_rows(
            "SELECT number, start_ms, end_ms, calls, short_calls FROM bursts \
             WHERE (?1 IS NULL OR number = ?1) AND start_ms >= ?2 AND start_ms < ?3 ORDER BY start_ms, number",
            params![number, since_ms.unwrap_or(i64::MIN), until_ms.unwrap_or(i64::MAX)],
            |r| {
                Ok(BurstRow {
                    number: r.get(0)?,
                    start_ms: r.get(1)?,
                    end_ms: r.get(2)?,
                    calls: r.get(3)?,
                    short_calls: r.get(4)?,
                })
            },
        )
    }

    /// Records one scoring run and every number's result in one transaction.
    pub fn record_scores(
        &mut self,
        as_of_ms: i64,
        created_ms: i64,
        settings: &str,
        results: &[Assessment],
    ) -> Result<i64> {
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Store::wrap_at(&path, e))?;
        tx.execute(
            "INSERT INTO score_runs (as_of_ms, created_ms, numbers, settings) VALUES (?1, ?2, ?3, ?4)",
            params![as_of_ms, created_ms, results.len() as i64, settings],
        )?;
        let run_id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare(
                "INSERT INTO scores (run_id, number, score, level, action, rest_until, flags, failures, bursts, engagement, \
                 pacing, evidence, attempts, reasons) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for a in results {
                let c = &a.components;
                ins.execute(params![
                    run_id,
                    a.number,
                    a.score,
                    a.level.as_str(),
                    a.action.as_str(),
                    a.rest_until,
                    c.flags,
                    c.failures,
                    c.bursts,
                    c.engagement,
                    c.pacing,
                    c.evidence,
                    a.attempts,
                    serde_json::to_string(&a.reasons).unwrap_or_else(|_| "[]".into())
                ])?;
            }
        }
        tx.commit()?;
        Ok(run_id)
    }

    /// One number's recorded scores, oldest first.
    pub fn score_history(&self, number: &str, limit: i64) -> Result<Vec<ScoreHistoryRow>> {
        let mut rows = self.query_rows(
            "SELECT s.run_id, r.as_of_ms, s.score, s.level, s.action FROM scores s JOIN score_runs r ON r.id = s.run_id \
             WHERE s.number = ?1 ORDER BY r.as_of_ms DESC, s.run_id DESC LIMIT ?2",
            params![number, limit],
            |r| {
                Ok(ScoreHistoryRow {
                    run_id: r.get(0)?,
                    as_of_ms: r.get(1)?,
                    score: r.get(2)?,
                    level: r.get(3)?,
                    action: r.get(4)?,
                })
            },
        )?;
        rows.reverse();
        Ok(rows)
    }
}
