//! What loading and rebuilding share: the load settings and counts, the `calls` row
//! mapping, the short-attempt flag, burst re-detection over a changed stretch, and the
//! check that rollups are never mixed across settings. The engine that loads a source
//! (threads, pre-summing, the per-file transaction) is `store::ingest`.

use rusqlite::{OptionalExtension, params};

use crate::config::Settings;
use crate::error::Result;
use crate::health::bursts::{BurstConfig, CallPoint, Pace, find_with};
use crate::health::rollup::{HOUR_MS, hour_of, is_short_attempt};
use crate::health::taxonomy::{ReasonClass, classify};
use crate::model::{CallRecord, Direction};
use crate::store::marks;
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

impl LoadSettings {
    /// The settings' cut-offs, for a run that started at `received_ms`.
    pub fn from_settings(settings: &Settings, received_ms: i64) -> LoadSettings {
        LoadSettings {
            short_call_ms: settings.short_call_ms(),
            bursts: settings.bursts,
            received_ms,
            batch_size: 20_000,
            // Bounds the memory of summed rollups: ~130 bytes a delta with its attempt
            // marks, and up to two such sets alive at once on a file of new calls (the
            // parser's sums, and the set being written a slice per batch). On a file of
            // re-deliveries the parser stops counting, and the writer's corrections ask
            // for the sums once they reach the limit. Each set written is one pass over
            // every touched number's part of `number_hourly`, so the limit is sized for a
            // day of a 20,000-number fleet (~240k number-hours) to take two passes, not
            // four (BENCHMARKS.md, "Tried and not kept").
            max_pending_rollups: 120_000,
        }
    }
}

/// Per-file (and, summed, per-run) counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// Rejected records newly kept aside.
    pub rejected: u64,
    pub unknown_reasons: u64,
    /// Rejected records already kept aside by an earlier load (not stored again).
    pub already_rejected: u64,
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
        self.already_rejected += o.already_rejected;
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

/// The record columns of `calls`, in the order `call_from_row` reads them.
pub(super) const CALL_COLUMNS: &str = "call_id, direction, our_number, other_number, call_status, agent_id, disconnection_reason, \
     start_ms, end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, number_flags";

pub(crate) fn call_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallRecord> {
    let dir: String = r.get(1)?;
    Ok(CallRecord {
        call_id: r.get(0)?,
        direction: Direction::parse(&dir).unwrap_or(Direction::Outbound),
        our_number: r.get::<_, String>(2)?.into(),
        other_number: r.get::<_, String>(3)?.into(),
        call_status: r.get::<_, String>(4)?.into(),
        agent_id: r.get(5)?,
        disconnection_reason: r.get::<_, Option<String>>(6)?.map(Into::into),
        start_ms: r.get(7)?,
        end_ms: r.get(8)?,
        duration_ms: r.get(9)?,
        in_voicemail: r.get(10)?,
        user_sentiment: r.get::<_, Option<String>>(11)?.map(Into::into),
        call_successful: r.get(12)?,
        number_flags: r.get(13)?,
    })
}

impl Store {
    /// The prune horizon: calls that started before it are skipped by loads.
    pub fn pruned_before(&self) -> Result<Option<i64>> {
        Ok(self
            .meta_get(meta::PRUNED_BEFORE_MS)?
            .and_then(|v| v.parse().ok()))
    }
}

/// Replaces the stored bursts of `number` around `[lo, hi]` (the stretch whose calls
/// changed) with a fresh detection, equal to what a detection over all of the number's
/// calls finds there.
///
/// A window's verdict depends on its own calls and on the pace of the hours within
/// `baseline_hours` of its first hour, so every window starting within `baseline_hours`
/// of a changed hour is re-judged: the stretch starts that far before `lo` and ends that
/// far after `hi` (plus a window), and the pace is read from marks `baseline_hours`
/// further out still. The stretch then widens until no detected or stored burst touches
/// its edges, so an episode that continues beyond it is seen whole.
pub(crate) fn redetect_number(
    tx: &rusqlite::Connection,
    number: &str,
    lo: i64,
    hi: i64,
    cfg: &BurstConfig,
) -> Result<()> {
    let w = cfg.window_ms().max(1);
    let reach = cfg.baseline_ms();
    let first_hour = |t: i64| t.div_euclid(HOUR_MS) * HOUR_MS;
    let (mut a, mut b) = (
        first_hour(lo)
            .saturating_sub(reach)
            .min(lo.saturating_sub(w)),
        (first_hour(hi).saturating_add(HOUR_MS + reach)).saturating_add(w),
    );
    let mut overlap = tx.prepare_cached("SELECT min(start_ms), max(end_ms) FROM bursts WHERE number = ?1 AND start_ms <= ?3 AND end_ms >= ?2")?;
    let mut marks_q = tx.prepare_cached(
        "SELECT hour, marks FROM number_hourly WHERE number = ?1 AND hour BETWEEN ?2 AND ?3 ORDER BY hour",
    )?;
    let mut found = Vec::new();
    for _ in 0..64 {
        // Widen until no stored burst sticks out of the stretch: every burst the final
        // DELETE removes must lie wholly inside what is re-detected (widening only once
        // could reach a neighbouring burst and delete it after reading only its tail).
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
        // Every call of the hours the pace of a window in [a, b] reads.
        let mut all: Vec<CallPoint> = Vec::new();
        let mut rows = marks_q.query(params![
            number,
            hour_of(a).saturating_sub(cfg.baseline_hours),
            hour_of(b).saturating_add(cfg.baseline_hours)
        ])?;
        while let Some(r) = rows.next()? {
            let hour: i64 = r.get(0)?;
            let blob = r.get_ref(1)?.as_blob().unwrap_or_default();
            let Some(m) = marks::decode(blob) else {
                return Err(crate::error::Error::Other(format!(
                    "number_hourly.marks of {number} at hour {hour} is corrupt; run `numhealth rebuild`"
                )));
            };
            all.extend(marks::points(hour, &m));
        }
        let pace = Pace::of(&all);
        let from = all.partition_point(|p| p.at_ms < a);
        let to = all.partition_point(|p| p.at_ms <= b);
        found = find_with(&all[from..to], &pace, cfg);
        let left = found.first().is_some_and(|x| x.burst.start_ms < a + w);
        let right = found.last().is_some_and(|x| x.burst.end_ms > b - w);
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
        "INSERT INTO bursts (number, start_ms, end_ms, calls, short_calls, expected, p_value) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (number, start_ms) DO UPDATE SET end_ms = excluded.end_ms, calls = excluded.calls, \
         short_calls = excluded.short_calls, expected = excluded.expected, p_value = excluded.p_value",
    )?;
    for x in found {
        ins.execute(params![
            number,
            x.burst.start_ms,
            x.burst.end_ms,
            x.burst.calls,
            x.burst.short_calls,
            x.expected,
            x.p_value
        ])?;
    }
    Ok(())
}

/// Re-detects every number's bursts from the stored marks (all hours, pruned ones too),
/// replacing all stored bursts: what the schema upgrade to the pace-relative method runs.
pub(crate) fn redetect_all(tx: &rusqlite::Connection, cfg: &BurstConfig) -> Result<()> {
    let spans: Vec<(String, i64, i64)> = {
        let mut st = tx.prepare(
            "SELECT number, min(hour), max(hour) FROM number_hourly WHERE length(marks) > 0 GROUP BY number",
        )?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    tx.execute("DELETE FROM bursts", [])?;
    for (n, lo, hi) in spans {
        redetect_number(
            tx,
            &n,
            lo.saturating_mul(HOUR_MS),
            hi.saturating_mul(HOUR_MS) + HOUR_MS - 1,
            cfg,
        )?;
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
                // Compared as values: settings stored before a key existed read it as its
                // default (the schema upgrade re-detected their bursts with it).
                let same_bursts = b == want_bursts
                    || serde_json::from_str::<BurstConfig>(&b).is_ok_and(|was| was == *bursts);
                if s != short_call_ms.to_string() || !same_bursts {
                    return Err(self.db_error(format!(
                        "{} since the rollups were built; run `numhealth rebuild` to recompute them \
                         with the new settings, or restore the old ones",
                        settings_changed(&s, &b, short_call_ms, bursts)
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

    /// The stored version of one call, if any. Reads every call (no index is kept on the
    /// id alone); for tests and one-off lookups, not for loading.
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

/// The settings that differ from those the rollups were built with, named as the config
/// file names them: "ingest.short_call_secs changed from 6 to 8".
fn settings_changed(
    stored_short_ms: &str,
    stored_bursts: &str,
    short_call_ms: i64,
    bursts: &BurstConfig,
) -> String {
    let secs = |ms: i64| {
        if ms % 1000 == 0 {
            (ms / 1000).to_string()
        } else {
            format!("{}", ms as f64 / 1000.0)
        }
    };
    let mut changed = Vec::new();
    if stored_short_ms != short_call_ms.to_string() {
        let was = stored_short_ms
            .parse()
            .map_or_else(|_| format!("{stored_short_ms:?} ms"), secs);
        changed.push(format!(
            "ingest.short_call_secs changed from {was} to {}",
            secs(short_call_ms)
        ));
    }
    match serde_json::from_str::<BurstConfig>(stored_bursts) {
        Ok(was) => {
            let num = |x: f64| format!("{x}");
            for (key, old, new) in [
                (
                    "window_minutes",
                    was.window_minutes.to_string(),
                    bursts.window_minutes.to_string(),
                ),
                (
                    "min_short_calls",
                    was.min_short_calls.to_string(),
                    bursts.min_short_calls.to_string(),
                ),
                (
                    "min_span_seconds",
                    was.min_span_seconds.to_string(),
                    bursts.min_span_seconds.to_string(),
                ),
                (
                    "baseline_hours",
                    was.baseline_hours.to_string(),
                    bursts.baseline_hours.to_string(),
                ),
                (
                    "floor_per_hour",
                    num(was.floor_per_hour),
                    num(bursts.floor_per_hour),
                ),
                ("max_p", num(was.max_p), num(bursts.max_p)),
            ] {
                if old != new {
                    changed.push(format!("bursts.{key} changed from {old} to {new}"));
                }
            }
        }
        Err(_) => changed.push(format!(
            "the [bursts] settings changed from {stored_bursts} to {}",
            serde_json::to_string(bursts).unwrap_or_default()
        )),
    }
    if changed.is_empty() {
        // Stored in another spelling of the same values: name them all.
        changed.push(format!(
            "the short-call and [bursts] settings were recorded as {stored_short_ms} ms and {stored_bursts}"
        ));
    }
    changed.join(" and ")
}
