//! Ingest runs, their files and the records kept aside: what the nightly job did. A
//! reject is stored once, keyed by the xxh3 hash of its raw text, its field and reason.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

/// Totals of a run, as the summary prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunTotals {
    pub files: u64,
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// Rejected records newly kept aside.
    pub rejected: u64,
    /// Rejected records that were already kept aside (not stored again).
    pub already_rejected: u64,
    /// Inputs that were empty (no bytes, or only whitespace).
    pub empty_files: u64,
}

/// The key of a reject's raw text: xxh3-64, as SQLite stores it (`rejects.raw_hash`).
pub(crate) fn raw_hash(raw: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(raw.as_bytes()) as i64
}

/// `nh_raw_hash(text)`: `raw_hash` in SQL (the migration that added the key uses it).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("nh_raw_hash", 1, flags, |ctx: &Context<'_>| {
        Ok(match ctx.get_raw(0) {
            rusqlite::types::ValueRef::Text(t) => Some(xxhash_rust::xxh3::xxh3_64(t) as i64),
            _ => None,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub kind: String,
    pub started: String,
    pub finished: Option<String>,
    pub status: String,
    pub files: i64,
    pub pages: i64,
    pub read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub rejected: i64,
    pub unknown_reasons: i64,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunFileRow {
    pub run_id: i64,
    pub name: String,
    pub sha256: Option<String>,
    pub bytes: i64,
    pub shape: Option<String>,
    pub read: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub rejected: i64,
    pub status: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectRow {
    pub id: i64,
    pub run_id: i64,
    pub file: String,
    pub line: Option<i64>,
    pub record: i64,
    pub field: Option<String>,
    pub reason: String,
    pub raw: String,
}

impl Store {
    /// Records the start of a run (committed at once, so `runs` shows a run in progress).
    pub fn begin_run(&self, kind: &str, started_ms: i64) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO runs (kind, started_ms) VALUES (?1, ?2)",
                params![kind, started_ms],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Closes a run with its final status and an optional message.
    pub fn finish_run(
        &self,
        run_id: i64,
        finished_ms: i64,
        status: &str,
        message: Option<&str>,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET finished_ms = ?2, status = ?3, message = ?4 WHERE id = ?1",
                params![run_id, finished_ms, status, message],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Adds fetched pages to a pull run.
    pub fn add_pages(&self, run_id: i64, pages: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET pages = pages + ?2 WHERE id = ?1",
                params![run_id, pages],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    /// Records a file that failed and was rolled back.
    pub fn record_failed_file(
        &self,
        run_id: i64,
        ordinal: i64,
        name: &str,
        message: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO run_files (run_id, ordinal, name, status, message) VALUES (?1, ?2, ?3, 'failed', ?4)",
                params![run_id, ordinal, name, message],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(())
    }

    pub fn run_totals(&self, run_id: i64) -> Result<RunTotals> {
        self.conn
            .query_row(
                "SELECT files, read, inserted, updated, unchanged, skipped, rejected, already_rejected, \
                     (SELECT count(*) FROM run_files WHERE run_id = ?1 AND status = 'ok' AND shape = 'empty') \
                 FROM runs WHERE id = ?1",
                [run_id],
                |r| {
                    Ok(RunTotals {
                        files: r.get::<_, i64>(0)? as u64,
                        read: r.get::<_, i64>(1)? as u64,
                        inserted: r.get::<_, i64>(2)? as u64,
                        updated: r.get::<_, i64>(3)? as u64,
                        unchanged: r.get::<_, i64>(4)? as u64,
                        skipped: r.get::<_, i64>(5)? as u64,
                        rejected: r.get::<_, i64>(6)? as u64,
                        already_rejected: r.get::<_, i64>(7)? as u64,
                        empty_files: r.get::<_, i64>(8)? as u64,
                    })
                },
            )
            .map_err(|e| self.wrap(e))
    }

    /// The most recent runs, newest first.
    pub fn list_runs(&self, limit: i64) -> Result<Vec<RunRow>> {
        self.query_rows(
            "SELECT id, kind, started_ms, finished_ms, status, files, pages, read, inserted, updated, unchanged, \
                 skipped, rejected, unknown_reasons, message FROM runs ORDER BY id DESC LIMIT ?1",
            [limit],
            |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    started: crate::time::rfc3339(r.get(2)?),
                    finished: r.get::<_, Option<i64>>(3)?.map(crate::time::rfc3339),
                    status: r.get(4)?,
                    files: r.get(5)?,
                    pages: r.get(6)?,
                    read: r.get(7)?,
                    inserted: r.get(8)?,
                    updated: r.get(9)?,
                    unchanged: r.get(10)?,
                    skipped: r.get(11)?,
                    rejected: r.get(12)?,
                    unknown_reasons: r.get(13)?,
                    message: r.get(14)?,
                })
            },
        )
    }

    /// The files of the given runs.
    pub fn run_files(&self, run_ids: &[i64]) -> Result<Vec<RunFileRow>> {
        let mut out = Vec::new();
        for id in run_ids {
            out.extend(self.query_rows(
                "SELECT run_id, name, sha256, bytes, shape, read, inserted, updated, unchanged, skipped, rejected, status, message \
                 FROM run_files WHERE run_id = ?1 ORDER BY ordinal",
                [id],
                |r| {
                    Ok(RunFileRow {
                        run_id: r.get(0)?,
                        name: r.get(1)?,
                        sha256: r.get(2)?,
                        bytes: r.get(3)?,
                        shape: r.get(4)?,
                        read: r.get(5)?,
                        inserted: r.get(6)?,
                        updated: r.get(7)?,
                        unchanged: r.get(8)?,
                        skipped: r.get(9)?,
                        rejected: r.get(10)?,
                        status: r.get(11)?,
                        message: r.get(12)?,
                    })
                },
            )?);
        }
        Ok(out)
    }

    /// Rejected records, newest first, optionally of one run.
    pub fn list_rejects(&self, run_id: Option<i64>, limit: i64) -> Result<Vec<RejectRow>> {
        self.query_rows(
            "SELECT id, run_id, file, line, record, field, reason, raw FROM rejects \
                 WHERE ?1 IS NULL OR run_id = ?1 ORDER BY id DESC LIMIT ?2",
            params![run_id, limit],
            |r| {
                Ok(RejectRow {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    file: r.get(2)?,
                    line: r.get(3)?,
                    record: r.get(4)?,
                    field: r.get(5)?,
                    reason: r.get(6)?,
                    raw: r.get(7)?,
                })
            },
        )
    }

    /// Deletes the rejects of runs that started before `before_ms` (of run `run_id` only,
    /// if given); returns how many.
    pub fn clear_rejects_before(&self, before_ms: i64, run_id: Option<i64>) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM rejects WHERE run_id IN \
                 (SELECT id FROM runs WHERE started_ms < ?1 AND (?2 IS NULL OR id = ?2))",
                params![before_ms, run_id],
            )
            .map_err(|e| self.wrap(e))
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, params};

    use super::raw_hash;
    use crate::store::{MIGRATION_SQL, Store, keys, marks, migrations, pool};

    /// The migration that keys rejects drops the duplicates stored before it (the first
    /// one stored stays), a NULL field included, and hashes the raw text as loads do.
    #[test]
    fn the_rejects_key_migration_keeps_the_first_of_each_reject() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let mut conn = Connection::open(&path).unwrap();
        marks::register(&conn).unwrap();
        keys::register(&conn).unwrap();
        pool::register(&conn).unwrap();
        let before = MIGRATION_SQL
            .iter()
            .position(|sql| sql.contains("rejects_key"))
            .unwrap();
        migrations().to_version(&mut conn, before).unwrap();
        conn.execute(
            "INSERT INTO runs (id, kind, started_ms) VALUES (1, 'ingest', 10), (2, 'ingest', 20)",
            [],
        )
        .unwrap();
        let add = |run: i64, field: Option<&str>, reason: &str, raw: &str| {
            conn.execute(
                "INSERT INTO rejects (run_id, file, record, field, reason, raw) VALUES (?1, 'f', 1, ?2, ?3, ?4)",
                params![run, field, reason, raw],
            )
            .unwrap();
        };
        for run in [1, 2] {
            add(run, Some("from_number"), "bad number", "{\"a\":1}");
            add(run, None, "not an object", "[1]");
        }
        add(2, Some("to_number"), "bad number", "{\"a\":1}");
        drop(conn);

        let s = Store::open_rw(&path, false).unwrap();
        let kept: Vec<(i64, Option<String>, i64)> = s
            .query_rows(
                "SELECT run_id, field, raw_hash FROM rejects ORDER BY id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        let h = raw_hash("{\"a\":1}");
        assert_eq!(
            kept,
            [
                (1, Some("from_number".into()), h),
                (1, None, raw_hash("[1]")),
                (2, Some("to_number".into()), h),
            ]
        );
        assert_eq!(s.clear_rejects_before(15, Some(2)).unwrap(), 0);
        assert_eq!(s.clear_rejects_before(15, None).unwrap(), 2);
        assert_eq!(s.list_rejects(None, 10).unwrap().len(), 1);
    }
}
