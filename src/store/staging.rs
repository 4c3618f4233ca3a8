//! Staging for large files into large databases: batches are appended to a temporary
//! table and written in one global `call_id` order at the end, so each leaf of the big
//! `call_id` index is dirtied about once per file instead of once per batch (the spills
//! and WAL growth that made appends slow). Temporary tables live in a temp file, outside
//! the WAL, and vanish with the connection; the file's transaction still commits at once.

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::model::{CallRecord, Direction};
use crate::store::load::PreparedCall;

const COLUMNS: &str = "call_id, direction, our_number, other_number, call_status, agent_id, disconnection_reason, \
     start_ms, end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, number_flags, \
     placed, short, completeness, fingerprint";

/// Creates (or empties) the staging table.
pub(crate) fn begin(tx: &Connection) -> Result<()> {
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.nh_staging; DROP TABLE IF EXISTS temp.nh_sorted;
         CREATE TEMP TABLE nh_staging (seq INTEGER PRIMARY KEY, {COLUMNS});"
    ))?;
    Ok(())
}

/// Appends a batch in arrival order.
pub(crate) fn append(tx: &Connection, batch: &[PreparedCall]) -> Result<()> {
    let mut ins = tx.prepare_cached(&format!(
        "INSERT INTO temp.nh_staging ({COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    ))?;
    for c in batch {
        let r = &c.rec;
        ins.execute(params![
            r.call_id,
            r.direction.as_str(),
            r.our_number,
            r.other_number,
            r.call_status,
            r.agent_id,
            r.disconnection_reason,
            r.start_ms,
            r.end_ms,
            r.duration_ms,
            r.in_voicemail,
            r.user_sentiment,
            r.call_successful,
            r.number_flags,
            c.placed,
            c.short,
            c.completeness,
            c.fingerprint
        ])?;
    }
    Ok(())
}

/// Sorts what was staged by `call_id` (file order among versions of one call) with
/// SQLite's external sorter; `chunk` then reads it back a batch at a time.
pub(crate) fn sort(tx: &Connection) -> Result<()> {
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE nh_sorted AS SELECT {COLUMNS} FROM temp.nh_staging ORDER BY call_id, seq;
         DROP TABLE temp.nh_staging;"
    ))?;
    Ok(())
}

/// Up to `limit` sorted calls after row `after`; returns them and the last row read.
pub(crate) fn chunk(tx: &Connection, after: i64, limit: usize) -> Result<(Vec<PreparedCall>, i64)> {
    let mut st = tx.prepare_cached(&format!(
        "SELECT rowid, {COLUMNS} FROM temp.nh_sorted WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
    ))?;
    let mut rows = st.query(params![after, limit as i64])?;
    let (mut out, mut last) = (Vec::with_capacity(limit), after);
    while let Some(r) = rows.next()? {
        last = r.get(0)?;
        let dir: String = r.get(2)?;
        let rec = CallRecord {
            call_id: r.get(1)?,
            direction: Direction::parse(&dir).unwrap_or(Direction::Outbound),
            our_number: r.get(3)?,
            other_number: r.get(4)?,
            call_status: r.get(5)?,
            agent_id: r.get(6)?,
            disconnection_reason: r.get(7)?,
            start_ms: r.get(8)?,
            end_ms: r.get(9)?,
            duration_ms: r.get(10)?,
            in_voicemail: r.get(11)?,
            user_sentiment: r.get(12)?,
            call_successful: r.get(13)?,
            number_flags: r.get(14)?,
        };
        out.push(PreparedCall::restored(
            Box::new(rec),
            r.get(15)?,
            r.get(16)?,
            r.get(17)?,
            r.get(18)?,
        ));
    }
    Ok((out, last))
}

/// Drops the temporary tables.
pub(crate) fn end(tx: &Connection) -> Result<()> {
    tx.execute_batch("DROP TABLE IF EXISTS temp.nh_staging; DROP TABLE IF EXISTS temp.nh_sorted;")?;
    Ok(())
}
