//! Reads that feed analytics and reports: scoring inputs from hourly rollups (never raw
//! calls), bursts, score runs and a number's score history.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::health::bursts::Burst;
use crate::health::rollup::HOUR_MS;
use crate::health::score::{Assessment, FleetHours, NumberHistory};
use crate::model::HourCounts;
use crate::store::Store;
use crate::store::raw_statement::RawStatement;
use crate::time::rfc3339;

/// Which histories `stream_histories` reads.
#[derive(Debug, Clone, Copy)]
pub struct HistoryScan<'a> {
    pub as_of_ms: i64,
    pub lookback_days: i64,
    /// Just this number.
    pub only: Option<&'a str>,
    /// Walk numbers from the last to the first.
    pub descending: bool,
}

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
    /// Short calls the number's own pace predicts from start to end.
    pub expected: f64,
    /// Poisson tail `P(X >= short_calls | expected)`.
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreHistoryRow {
    pub run_id: i64,
    /// The run's as-of moment (RFC 3339, as every time the tool prints), and in ms.
    pub as_of: String,
    pub as_of_ms: i64,
    pub score: f64,
    pub level: String,
    pub action: String,
}

/// The 18 counters starting at column `first` of a raw statement's current row (scoring
/// reads millions of these).
pub(super) fn counts_at(q: &RawStatement<'_>, first: i32) -> HourCounts {
    let mut a = [0i64; 18];
    for (i, x) in (first..).zip(a.iter_mut()) {
        *x = q.column_int(i);
    }
    HourCounts::from_array(a)
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
        let fleet = self.fleet_hours(end - lookback_days * 24, end)?;
        let scan = HistoryScan {
            as_of_ms,
            lookback_days,
            only,
            descending: false,
        };
        let bursts = self.scan_bursts(&scan)?;
        self.stream_histories(&scan, &bursts, |_| true, |h| f(&fleet, h))?;
        Ok(fleet)
    }

    /// Streams number histories in number order (or reverse order), with their bursts from
    /// `bursts` (`scan_bursts`, read once however many readers share it), calling `claim`
    /// as each new number starts: when it returns false the stream stops (two readers
    /// walking the table from both ends use it to meet in the middle without overlap).
    pub fn stream_histories(
        &self,
        scan: &HistoryScan<'_>,
        bursts: &HashMap<String, Vec<Burst>>,
        claim: impl FnMut(&str) -> bool,
        mut f: impl FnMut(NumberHistory) -> Result<()>,
    ) -> Result<()> {
        let end = end_hour_exclusive(scan.as_of_ms);
        let start = end - scan.lookback_days * 24;
        self.stream_number_hours(
            end,
            scan.only,
            scan.descending,
            claim,
            |number, hour| NumberHistory {
                number: number.to_string(),
                first_seen_ms: hour * HOUR_MS,
                hours: Vec::new(),
                bursts: Vec::new(),
                last_spam_ms: None,
                last_reputation_ms: None,
            },
            |h, hour, c| {
                let at = hour * HOUR_MS;
                h.first_seen_ms = h.first_seen_ms.min(at);
                if c.marked_as_spam > 0 {
                    h.last_spam_ms = h.last_spam_ms.max(Some(at));
                }
                if c.reputation_failures() + c.marked_as_spam > 0 {
                    h.last_reputation_ms = h.last_reputation_ms.max(Some(at));
                }
                if hour >= start {
                    h.hours.push((hour, c));
                }
            },
            |mut done| {
                if scan.descending {
                    done.hours.reverse();
                }
                done.bursts = bursts.get(&done.number).cloned().unwrap_or_default();
                f(done)
            },
        )
    }

    /// Walks `number_hourly` before `end_hour` (of `only`, if given) in number order (or
    /// reverse, hours likewise), one number at a time: `claim` as each number starts (false
    /// stops the walk: two readers from both ends meet in the middle that way), `start` makes
    /// its record from its first row, `add` folds each row in, `finish` takes the record.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn stream_number_hours<H>(
        &self,
        end_hour: i64,
        only: Option<&str>,
        descending: bool,
        mut claim: impl FnMut(&str) -> bool,
        mut start: impl FnMut(&str, i64) -> H,
        mut add: impl FnMut(&mut H, i64, HourCounts),
        mut finish: impl FnMut(H) -> Result<()>,
    ) -> Result<()> {
        let order = if descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT number, hour, {} FROM number_hourly WHERE hour < ?1 AND (?2 IS NULL OR number = ?2) \
             ORDER BY number {order}, hour {order}",
            HourCounts::FIELDS.join(", ")
        );
        // Millions of rows of 20 columns: read through the C API (`raw_statement`), which
        // costs a fifth less than rusqlite's checked row access.
        let mut q = RawStatement::prepare(&self.conn, &sql).map_err(|e| self.wrap(e))?;
        let mut more = q
            .start(&[end_hour.into(), only.into()])
            .map_err(|e| self.wrap(e))?;
        let mut current: Option<(String, H)> = None;
        while more {
            let number = q.column_text(0);
            let hour = q.column_int(1);
            if current.as_ref().is_none_or(|(n, _)| n != number) {
                if let Some((_, done)) = current.take() {
                    finish(done)?;
                }
                if !claim(number) {
                    return Ok(());
                }
                current = Some((number.to_string(), start(number, hour)));
            }
            let c = counts_at(&q, 2);
            more = q.advance().map_err(|e| self.wrap(e))?;
            if let Some((_, h)) = current.as_mut() {
                add(h, hour, c);
            }
        }
        if let Some((_, done)) = current.take() {
            finish(done)?;
        }
        Ok(())
    }

    /// The bursts a scan's histories carry (starting in its lookback window), by number,
    /// each sorted by start.
    pub fn scan_bursts(&self, scan: &HistoryScan<'_>) -> Result<HashMap<String, Vec<Burst>>> {
        let since_ms = (end_hour_exclusive(scan.as_of_ms) - scan.lookback_days * 24) * HOUR_MS;
        let mut bursts: HashMap<String, Vec<Burst>> = HashMap::new();
        for b in self.list_bursts(scan.only, Some(since_ms), Some(scan.as_of_ms))? {
            bursts.entry(b.number).or_default().push(Burst {
                start_ms: b.start_ms,
                end_ms: b.end_ms,
                calls: b.calls,
                short_calls: b.short_calls,
            });
        }
        Ok(bursts)
    }

    /// The whole fleet's counters per hour in `[start, end)` (hours since epoch), kept at
    /// ingest in `fleet_hourly`.
    pub fn fleet_hours(&self, start: i64, end: i64) -> Result<FleetHours> {
        let sql = format!(
            "SELECT hour, {} FROM fleet_hourly WHERE hour >= ?1 AND hour < ?2",
            HourCounts::FIELDS.join(", ")
        );
        let mut q = RawStatement::prepare(&self.conn, &sql).map_err(|e| self.wrap(e))?;
        let mut out = BTreeMap::new();
        let mut more = q
            .start(&[start.into(), end.into()])
            .map_err(|e| self.wrap(e))?;
        while more {
            out.insert(q.column_int(0), counts_at(&q, 1));
            more = q.advance().map_err(|e| self.wrap(e))?;
        }
        Ok(FleetHours::new(out))
    }

    /// Stored bursts, optionally of one number, whose start lies in `[since, until)`.
    pub fn list_bursts(
        &self,
        number: Option<&str>,
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    ) -> Result<Vec<BurstRow>> {
        self.query_rows(
            "SELECT number, start_ms, end_ms, calls, short_calls, expected, p_value FROM bursts \
             WHERE (?1 IS NULL OR number = ?1) AND start_ms >= ?2 AND start_ms < ?3 ORDER BY start_ms, number",
            params![number, since_ms.unwrap_or(i64::MIN), until_ms.unwrap_or(i64::MAX)],
            |r| {
                Ok(BurstRow {
                    number: r.get(0)?,
                    start_ms: r.get(1)?,
                    end_ms: r.get(2)?,
                    calls: r.get(3)?,
                    short_calls: r.get(4)?,
                    expected: r.get(5)?,
                    p_value: r.get(6)?,
                })
            },
        )
    }

    /// Records one scoring run and every number's result in one transaction, in which
    /// `also` then writes what belongs with the run (given the run's id: the pool's
    /// transitions, the alert about them), so all of it commits or none does.
    pub fn record_scores<T>(
        &mut self,
        as_of_ms: i64,
        created_ms: i64,
        settings: &str,
        results: &[Assessment],
        also: impl FnOnce(&Connection, i64) -> Result<T>,
    ) -> Result<(i64, T)> {
        use crate::health::components::FIELDS;
        use rusqlite::ToSql;

        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| Error::from(e).at_db(&path))?;
        tx.execute(
            "INSERT INTO score_runs (as_of_ms, created_ms, numbers, settings) VALUES (?1, ?2, ?3, ?4)",
            params![as_of_ms, created_ms, results.len() as i64, settings],
        )?;
        let run_id = tx.last_insert_rowid();
        {
            // One column per score component, named as the list names them.
            let mut columns = vec!["run_id", "number", "score", "level", "action", "rest_until"];
            columns.extend(FIELDS.iter().map(|f| f.name));
            columns.extend(["attempts", "reasons"]);
            let slots: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
            let mut ins = tx.prepare(&format!(
                "INSERT INTO scores ({}) VALUES ({})",
                columns.join(", "),
                slots.join(", ")
            ))?;
            for a in results {
                let components = FIELDS.map(|f| (f.value)(&a.components));
                let reasons = serde_json::to_string(&a.reasons).unwrap_or_else(|_| "[]".into());
                let (level, action) = (a.level.as_str(), a.action.as_str());
                let mut values: Vec<&dyn ToSql> =
                    vec![&run_id, &a.number, &a.score, &level, &action, &a.rest_until];
                values.extend(components.iter().map(|v| v as &dyn ToSql));
                values.extend([&a.attempts as &dyn ToSql, &reasons]);
                ins.execute(values.as_slice())?;
            }
        }
        let extra = also(&tx, run_id)?;
        tx.commit()?;
        Ok((run_id, extra))
    }

    /// The last recorded score run, when it was as of `as_of_ms` and recorded for every
    /// number exactly the score, level, action and rest date of `results` (nothing to
    /// record again).
    pub fn same_as_last_run(&self, as_of_ms: i64, results: &[Assessment]) -> Result<Option<i64>> {
        let last: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, as_of_ms FROM score_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.wrap(e))?;
        let Some((run_id, _)) = last.filter(|&(_, at)| at == as_of_ms) else {
            return Ok(None);
        };
        let mut recorded: Vec<(String, f64, String, String, Option<String>)> = self.query_rows(
            "SELECT number, score, level, action, rest_until FROM scores WHERE run_id = ?1",
            params![run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let mut now: Vec<(String, f64, String, String, Option<String>)> = results
            .iter()
            .map(|a| {
                (
                    a.number.clone(),
                    a.score,
                    a.level.as_str().to_string(),
                    a.action.as_str().to_string(),
                    a.rest_until.clone(),
                )
            })
            .collect();
        let key = |x: &(String, f64, String, String, Option<String>)| x.0.clone();
        recorded.sort_by_key(key);
        now.sort_by_key(key);
        Ok((recorded == now).then_some(run_id))
    }

    /// Notes on a score run the alert deliveries that failed after it committed.
    pub fn note_alert_error(&self, run_id: i64, message: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE score_runs SET alert_error = ?2 WHERE id = ?1",
                params![run_id, message],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// A score run's noted delivery failures, if any.
    pub fn alert_error(&self, run_id: i64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT alert_error FROM score_runs WHERE id = ?1",
                params![run_id],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))
    }

    /// Whether a score run as of `at_ms` or before was recorded (the pool existed then).
    pub fn has_score_run_by(&self, at_ms: i64) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM score_runs WHERE as_of_ms <= ?1)",
                params![at_ms],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))
    }

    /// The as-of moment of the last score run (the policy applied the registry as of it).
    pub fn last_score_run_ms(&self) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT max(as_of_ms) FROM score_runs", [], |r| r.get(0))
            .map_err(|e| self.wrap(e))
    }

    /// Each number's score in the last run as of `at_ms` or before it that kept its rows
    /// (`prune` thins older runs to the last of each day).
    pub fn scores_at(&self, at_ms: i64) -> Result<HashMap<String, f64>> {
        let rows = self.query_rows(
            "SELECT number, score FROM scores WHERE run_id = \
             (SELECT id FROM score_runs r WHERE as_of_ms <= ?1 \
              AND EXISTS (SELECT 1 FROM scores s WHERE s.run_id = r.id) \
              ORDER BY as_of_ms DESC, id DESC LIMIT 1)",
            params![at_ms],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)),
        )?;
        Ok(rows.into_iter().collect())
    }

    /// One number's recorded scores as of `as_of_ms` or before, oldest first: the last
    /// `limit` as-of moments, each once, from the latest run recorded for it.
    pub fn score_history(
        &self,
        number: &str,
        as_of_ms: i64,
        limit: i64,
    ) -> Result<Vec<ScoreHistoryRow>> {
        let mut rows = self.query_rows(
            "SELECT run_id, as_of_ms, score, level, action FROM ( \
               SELECT s.run_id, r.as_of_ms, s.score, s.level, s.action, \
                      row_number() OVER (PARTITION BY r.as_of_ms ORDER BY s.run_id DESC) AS latest \
               FROM scores s JOIN score_runs r ON r.id = s.run_id \
               WHERE s.number = ?1 AND r.as_of_ms <= ?2) \
             WHERE latest = 1 ORDER BY as_of_ms DESC LIMIT ?3",
            params![number, as_of_ms, limit],
            |r| {
                Ok(ScoreHistoryRow {
                    run_id: r.get(0)?,
                    as_of: rfc3339(r.get(1)?),
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
