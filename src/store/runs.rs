//! Ingest runs, their files and the records kept aside: what the nightly job did.

use rusqlite::params;
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
    pub rejected: u64,
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
                "SELECT files, read, inserted, updated, unchanged, skipped, rejected FROM runs WHERE id = ?1",
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
}
