//! Keeping the database healthy over time: pruning raw calls, online backup, rebuilding
//! rollups and bursts from raw calls, and an integrity/content check for operators and
//! the crash harness.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::health::bursts::BurstConfig;
use crate::health::rollup::{HOUR_MS, contribution, hour_of};
use crate::model::HourCounts;
use crate::store::load::{call_from_row, redetect_number, short_flag};
use crate::store::rollups::{fleet_mismatches, refill_fleet};
use crate::store::{Store, meta};
use crate::store::{keys, marks};

/// What `prune` did.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PruneOutcome {
    pub deleted_calls: u64,
    pub horizon_ms: i64,
    /// Score rows deleted by thinning (`prune_and_thin`), and the start of the window in
    /// which every run keeps every row (`None`: no run recorded, nothing thinned).
    pub thinned_scores: u64,
    pub scores_full_since_ms: Option<i64>,
}

const DAY_MS: i64 = 24 * HOUR_MS;

/// What `check` reports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckReport {
    pub integrity: String,
    pub calls: i64,
    pub rollup_rows: i64,
    pub bursts: i64,
    /// `fleet_hourly` holds the sums of `number_hourly` in every hour.
    pub fleet_totals_agree: bool,
    /// Every rollup row's attempt marks match the raw calls (from the prune horizon on).
    pub attempt_marks_agree: bool,
    /// xxh3 over every stored call, rollup row and burst, in key order.
    pub checksum: String,
}

/// The score rows thinning deletes (`?1` the start of the full window, `?2` a day in ms):
/// before the window, every row of a number but the last of its UTC day.
const THINNED: &str = "SELECT run_id, number FROM ( \
     SELECT s.run_id, s.number, row_number() OVER ( \
         PARTITION BY s.number, r.as_of_ms / ?2 ORDER BY r.as_of_ms DESC, r.id DESC) AS k \
     FROM scores s JOIN score_runs r ON r.id = s.run_id WHERE r.as_of_ms < ?1) \
 WHERE k > 1";

/// Where thinning's full window starts: `retention_days` UTC days before the newest run's
/// day; `None` without runs.
fn thin_since(conn: &Connection, retention_days: i64) -> rusqlite::Result<Option<i64>> {
    let newest: Option<i64> =
        conn.query_row("SELECT max(as_of_ms) FROM score_runs", [], |r| r.get(0))?;
    Ok(newest.map(|n| n.div_euclid(DAY_MS) * DAY_MS - retention_days.max(0) * DAY_MS))
}

impl Store {
    /// Deletes raw calls placed before `before_ms` (rounded down to the hour). Rollups,
    /// bursts and score history stay, so scores for windows the rollups cover do not change;
    /// later deliveries of calls before the horizon are skipped, not double counted.
    pub fn prune(&mut self, before_ms: i64) -> Result<PruneOutcome> {
        let horizon = prune_horizon(before_ms);
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::from(e).at_db(&path))?;
        let deleted = tx.execute("DELETE FROM calls WHERE placed_ms < ?1", [horizon])?;
        tx.execute(
            "DELETE FROM call_overflow WHERE call NOT IN (SELECT rowid FROM calls)",
            [],
        )?;
        let old: Option<i64> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [meta::PRUNED_BEFORE_MS],
                |r| r.get::<_, String>(0),
            )
            .ok()
            .and_then(|v| v.parse().ok());
        let new = old.map_or(horizon, |o| o.max(horizon));
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![meta::PRUNED_BEFORE_MS, new.to_string()],
        )?;
        tx.commit()?;
        Ok(PruneOutcome {
            deleted_calls: deleted as u64,
            horizon_ms: new,
            thinned_scores: 0,
            scores_full_since_ms: None,
        })
    }

    /// `prune`, then thins the recorded scores to `score_retention_days` (see
    /// `thin_scores`).
    pub fn prune_and_thin(
        &mut self,
        before_ms: i64,
        score_retention_days: i64,
    ) -> Result<PruneOutcome> {
        let mut out = self.prune(before_ms)?;
        let (deleted, since) = self.thin_scores(score_retention_days)?;
        out.thinned_scores = deleted;
        out.scores_full_since_ms = since;
        Ok(out)
    }

    /// Keeps every per-number score row of the runs in the last `retention_days` UTC days
    /// before the newest run's as-of (from that day's midnight back), and before that
    /// one row per number per UTC day: that of the day's last run (latest as-of, then
    /// highest id). Runs themselves stay. Returns the rows deleted and the window's start.
    pub fn thin_scores(&mut self, retention_days: i64) -> Result<(u64, Option<i64>)> {
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::from(e).at_db(&path))?;
        let Some(since) = thin_since(&tx, retention_days)? else {
            return Ok((0, None));
        };
        let deleted = tx.execute(
            &format!("DELETE FROM scores WHERE (run_id, number) IN ({THINNED})"),
            params![since, DAY_MS],
        )?;
        tx.commit()?;
        Ok((deleted as u64, Some(since)))
    }

    /// The score rows `thin_scores(retention_days)` would delete, and the window's start.
    pub fn thin_preview(&self, retention_days: i64) -> Result<(u64, Option<i64>)> {
        let Some(since) = thin_since(&self.conn, retention_days).map_err(|e| self.wrap(e))? else {
            return Ok((0, None));
        };
        let n: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM ({THINNED})"),
                params![since, DAY_MS],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))?;
        Ok((n.max(0) as u64, Some(since)))
    }

    /// What [`Store::prune_and_thin`] would do, done on nothing: the raw calls it would
    /// delete, the horizon it would record and the score rows it would thin
    /// (`prune --dry-run`).
    pub fn prune_preview(&self, before_ms: i64, score_retention_days: i64) -> Result<PruneOutcome> {
        let (thinned, since) = self.thin_preview(score_retention_days)?;
        let horizon = prune_horizon(before_ms);
        let doomed: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM calls WHERE placed_ms < ?1",
                [horizon],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))?;
        let old = self.pruned_before()?;
        Ok(PruneOutcome {
            deleted_calls: doomed.max(0) as u64,
            horizon_ms: old.map_or(horizon, |o| o.max(horizon)),
            thinned_scores: thinned,
            scores_full_since_ms: since,
        })
    }

    /// Copies the database to `dest` (must not exist) with SQLite's online backup API, in one
    /// step so the copy is one consistent snapshot while others write. Written to a private
    /// temporary file beside `dest`, then renamed into place.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let shown = dest.display().to_string();
        let fail = |message: String| Error::Database {
            path: shown.clone(),
            message,
        };
        if dest.exists() {
            return Err(fail("already exists; choose a new file name".into()));
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(".numhealth-backup-")
            .tempfile_in(dir)
            .map_err(|e| fail(format!("cannot create a file in {}: {e}", dir.display())))?;
        {
            let mut dst = Connection::open(tmp.path()).map_err(|e| Error::from(e).at_db(dest))?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)
                .map_err(|e| Error::from(e).at_db(dest))?;
            backup
                .step(-1)
                .map_err(|e| fail(format!("backup failed: {e}")))?;
        }
        tmp.persist_noclobber(dest)
            .map_err(|e| fail(format!("cannot move the copy into place: {}", e.error)))?;
        Ok(())
    }

    /// Recomputes `short` flags, hourly rollups and bursts from the raw calls with the given
    /// cut-offs, in one transaction; rollups older than the prune horizon are kept as they are.
    pub fn rebuild(&mut self, short_call_ms: i64, bursts: &BurstConfig) -> Result<u64> {
        let horizon = self.pruned_before()?.unwrap_or(i64::MIN);
        let horizon_hour = if horizon == i64::MIN {
            i64::MIN
        } else {
            hour_of(horizon)
        };
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::from(e).at_db(&path))?;
        // A call_id stored twice (a re-delivery whose start moved to another day, before
        // the loader looked there): keep its most complete version, the latest on a tie.
        tx.execute(
            "DELETE FROM calls WHERE rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER \
             (PARTITION BY call_id ORDER BY completeness DESC, rowid DESC) AS nth FROM calls \
             WHERE call_id IN (SELECT call_id FROM calls GROUP BY call_id HAVING count(*) > 1)) \
             WHERE nth > 1)",
            [],
        )?;
        tx.execute(
            "DELETE FROM call_overflow WHERE call NOT IN (SELECT rowid FROM calls)",
            [],
        )?;
        tx.execute("DELETE FROM number_hourly WHERE hour >= ?1", [horizon_hour])?;
        tx.execute("DELETE FROM bursts WHERE start_ms >= ?1", [horizon])?;
        let cols = HourCounts::FIELDS.join(", ");
        let marks: Vec<String> = (3..3 + HourCounts::FIELDS.len())
            .map(|i| format!("?{i}"))
            .collect();
        let mut calls = 0u64;
        {
            let mut upd = tx.prepare("UPDATE calls SET short = ?2 WHERE rowid = ?1")?;
            let mut ins = tx.prepare(&format!(
                "INSERT INTO number_hourly (number, hour, {cols}, marks) VALUES (?1, ?2, {}, ?21)",
                marks.join(", ")
            ))?;
            let mut st = tx.prepare(
                "SELECT call_id, direction, our_number, other_number, call_status, agent_id, disconnection_reason, start_ms, \
                 end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, number_flags, placed_ms, short, rowid \
                 FROM calls ORDER BY our_number, placed_ms",
            )?;
            let mut rows = st.query([])?;
            let mut current: Option<(String, i64, HourCounts, Vec<u32>)> = None;
            let mut spans: Vec<(String, i64, i64)> = Vec::new();
            let mut flush =
                |cur: &mut Option<(String, i64, HourCounts, Vec<u32>)>| -> rusqlite::Result<()> {
                    if let Some((n, h, c, m)) = cur
                        && !c.is_zero()
                    {
                        m.sort_unstable();
                        let blob = marks::encode(m);
                        let a = c.to_array();
                        let mut v: Vec<&dyn rusqlite::ToSql> = vec![n, h];
                        v.extend(a.iter().map(|x| x as &dyn rusqlite::ToSql));
                        v.push(&blob);
                        ins.execute(v.as_slice())?;
                    }
                    Ok(())
                };
            while let Some(r) = rows.next()? {
                let rec = call_from_row(r)?;
                let placed: i64 = r.get(14)?;
                let old_short: i64 = r.get(15)?;
                calls += 1;
                let short = short_flag(&rec, short_call_ms);
                if short != old_short {
                    upd.execute(params![r.get::<_, i64>(16)?, short])?;
                }
                let hour = hour_of(placed);
                let same = current
                    .as_ref()
                    .is_some_and(|(n, h, _, _)| *n == rec.our_number && *h == hour);
                if !same {
                    flush(&mut current)?;
                    current = Some((
                        rec.our_number.to_string(),
                        hour,
                        HourCounts::default(),
                        Vec::new(),
                    ));
                }
                if let Some((_, _, c, m)) = current.as_mut() {
                    c.add_scaled(&contribution(&rec, short_call_ms), 1);
                    if short >= 0 {
                        m.push(marks::mark(placed, short));
                    }
                }
                match spans.last_mut() {
                    Some((n, _, hi)) if *n == rec.our_number => *hi = placed,
                    _ => spans.push((rec.our_number.to_string(), placed, placed)),
                }
            }
            flush(&mut current)?;
            drop(rows);
            for (n, lo, hi) in spans {
                redetect_number(&tx, &n, lo, hi, bursts)?;
            }
        }
        refill_fleet(&tx, horizon_hour)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![meta::SHORT_CALL_MS, short_call_ms.to_string()],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![meta::BURST_SETTINGS, serde_json::to_string(bursts).unwrap_or_default()],
        )?;
        tx.commit()?;
        Ok(calls)
    }

    /// `PRAGMA integrity_check` plus counts and a checksum of the stored content.
    pub fn check(&self) -> Result<CheckReport> {
        // One read transaction: every count and comparison sees the same snapshot, even
        // while a writer commits (dropped at the end, which ends it).
        let _snapshot = self
            .conn
            .unchecked_transaction()
            .map_err(|e| self.wrap(e))?;
        let mut integrity: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.wrap(e))?;
        let horizon = self.pruned_before()?.unwrap_or(i64::MIN);
        let wrap = |e| self.wrap(e);
        let fleet_off = fleet_mismatches(&self.conn).map_err(wrap)?;
        let marks_off = marks_mismatches(&self.conn, horizon).map_err(wrap)?;
        let keys_off = keys::key_mismatches(&self.conn).map_err(wrap)?;
        let repeated = keys::duplicate_ids(&self.conn).map_err(wrap)?;
        let rollups = "`numhealth rebuild` recomputes them";
        for (off, note) in [
            (
                fleet_off,
                format!(
                    "fleet_hourly differs from the sums of number_hourly in {fleet_off} hour(s); {rollups}"
                ),
            ),
            (
                marks_off,
                format!(
                    "number_hourly.marks differs from the raw calls in {marks_off} hour(s); {rollups}"
                ),
            ),
            (
                keys_off,
                format!(
                    "{keys_off} call(s) filed under the wrong lookup key (anchor_day, call_key)"
                ),
            ),
            (
                repeated,
                format!(
                    "{repeated} call_id(s) stored more than once; `numhealth rebuild` keeps the most complete version of each"
                ),
            ),
        ] {
            if off > 0 {
                integrity = if integrity == "ok" {
                    note
                } else {
                    format!("{integrity}; {note}")
                };
            }
        }
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut count = |sql: &str| -> Result<i64> {
            let mut st = self.conn.prepare(sql).map_err(|e| self.wrap(e))?;
            let ncols = st.column_count();
            let mut rows = st.query([]).map_err(|e| self.wrap(e))?;
            let mut n = 0;
            while let Some(r) = rows.next().map_err(|e| self.wrap(e))? {
                n += 1;
                for i in 0..ncols {
                    let v: rusqlite::types::Value = r.get(i).map_err(|e| self.wrap(e))?;
                    h.update(format!("{v:?}|").as_bytes());
                }
                h.update(b"\n");
            }
            Ok(n)
        };
        let calls =
            count("SELECT call_id, fingerprint, placed_ms, short FROM calls ORDER BY call_id")?;
        // Marks are verified against the raw calls above, not hashed: the checksum stays
        // comparable with databases written before they existed.
        let rollup_rows = count(&format!(
            "SELECT number, hour, {} FROM number_hourly ORDER BY number, hour",
            HourCounts::FIELDS.join(", ")
        ))?;
        let bursts = count("SELECT * FROM bursts ORDER BY number, start_ms")?;
        Ok(CheckReport {
            integrity,
            calls,
            rollup_rows,
            bursts,
            fleet_totals_agree: fleet_off == 0,
            attempt_marks_agree: marks_off == 0,
            checksum: format!("{:016x}", h.digest()),
        })
    }
}

/// The moment `prune` cuts at: `before_ms` rounded down to the hour, so rollup hours are
/// kept or dropped whole.
fn prune_horizon(before_ms: i64) -> i64 {
    before_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// Rollup rows at or after the prune horizon whose attempt marks differ from the marks the
/// raw calls give (pruned hours keep marks their calls no longer back). The calls are
/// streamed in (number, hour) order, each group compared with its row by key, so memory
/// stays flat on any database.
fn marks_mismatches(conn: &Connection, horizon_ms: i64) -> rusqlite::Result<i64> {
    let from_hour = if horizon_ms == i64::MIN {
        i64::MIN
    } else {
        hour_of(horizon_ms)
    };
    let mut stored_q =
        conn.prepare("SELECT marks FROM number_hourly WHERE number = ?1 AND hour = ?2")?;
    // Compares one group of marks from the calls with its row; true if the row has marks.
    let mut compare =
        |key: &(String, i64), want: &mut Vec<u32>| -> rusqlite::Result<(bool, bool)> {
            want.sort_unstable();
            let blob: Option<Vec<u8>> = stored_q
                .query_row(params![key.0, key.1], |r| r.get(0))
                .optional()?;
            let stored = blob.as_deref().and_then(marks::decode);
            let has_marks = stored.as_ref().is_some_and(|m| !m.is_empty());
            Ok((stored.as_deref() == Some(want.as_slice()), has_marks))
        };
    let mut calls_st = conn.prepare(
        "SELECT our_number, placed_ms, short FROM calls WHERE short >= 0 AND placed_ms >= ?1 \
         ORDER BY our_number, placed_ms",
    )?;
    let mut rows = calls_st.query([from_hour.saturating_mul(HOUR_MS)])?;
    let (mut off, mut rows_matched_with_marks) = (0i64, 0i64);
    let mut group: Option<((String, i64), Vec<u32>)> = None;
    loop {
        let next = match rows.next()? {
            Some(r) => Some((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            )),
            None => None,
        };
        let same = matches!((&group, &next), (Some((k, _)), Some((n, p, _))) if k.0 == *n && k.1 == hour_of(*p));
        if !same && let Some((key, mut want)) = group.take() {
            let (equal, has_marks) = compare(&key, &mut want)?;
            off += i64::from(!equal);
            rows_matched_with_marks += i64::from(has_marks);
        }
        let Some((number, placed, short)) = next else {
            break;
        };
        group
            .get_or_insert_with(|| ((number, hour_of(placed)), Vec::new()))
            .1
            .push(marks::mark(placed, short));
    }
    // Rows holding marks that no call group reached.
    let with_marks: i64 = conn.query_row(
        "SELECT count(*) FROM number_hourly WHERE hour >= ?1 AND length(marks) > 0",
        [from_hour],
        |r| r.get(0),
    )?;
    Ok(off + (with_marks - rows_matched_with_marks))
}
