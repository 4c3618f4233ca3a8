//! All SQL lives here: opening the database privately, migrations, the write lock,
//! loading records, and the queries that feed analytics and reports.

pub mod assess;
pub mod backtest;
pub mod freshness;
pub mod ingest;
mod keys;
mod load;
mod lock;
mod maintenance;
mod marks;
pub mod outbox;
pub mod overview;
pub mod pool;
pub mod pool_demand;
mod query;
#[allow(unsafe_code)]
mod raw_statement;
mod rollups;
mod runs;
pub mod story;
mod two_readers;

use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use crate::error::{Error, Result};

pub use load::{FileCounts, LoadSettings};
pub use lock::WriteLock;
pub use maintenance::{CheckReport, PruneOutcome};
pub use query::{BurstRow, HistoryScan, ScoreHistoryRow, ScoringInputs, end_hour_exclusive};
pub use runs::{RejectRow, RunFileRow, RunRow, RunTotals};

/// Page size of new databases, bytes.
const PAGE_SIZE: i64 = 16_384;

/// The schema, one numbered file per version, applied in order.
const MIGRATION_SQL: &[&str] = &[
    include_str!("../../sql/0001_init.sql"),
    include_str!("../../sql/0002_fleet_hourly.sql"),
    include_str!("../../sql/0003_call_keys.sql"),
    include_str!("../../sql/0004_scores_trend.sql"),
    include_str!("../../sql/0005_outbox.sql"),
    include_str!("../../sql/0006_pool.sql"),
    include_str!("../../sql/0007_score_alerts.sql"),
    include_str!("../../sql/0008_rejects_key.sql"),
    include_str!("../../sql/0009_burst_pace.sql"),
    include_str!("../../sql/0010_transition_own_caps.sql"),
];

/// The migration (1-based version) after which every burst is re-detected.
const REDETECT_BURSTS_AT: usize = 9;

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATION_SQL
            .iter()
            .enumerate()
            .map(|(i, sql)| {
                if i + 1 == REDETECT_BURSTS_AT {
                    M::up_with_hook(sql, redetect_bursts_hook)
                } else {
                    M::up(sql)
                }
            })
            .collect(),
    )
}

/// Version 9's hook: bursts found by the old fixed-count rule are re-detected by the
/// pace-relative scan from the stored attempt marks, inside the migration's transaction
/// (so the upgrade commits with its bursts or not at all), with the stored settings (keys
/// they predate read as their defaults), which are then stored in full.
fn redetect_bursts_hook(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    use crate::health::bursts::BurstConfig;
    let stored: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [meta::BURST_SETTINGS],
            |r| r.get(0),
        )
        .optional()?;
    let cfg = stored
        .as_deref()
        .and_then(|s| serde_json::from_str::<BurstConfig>(s).ok())
        .unwrap_or_default();
    load::redetect_all(tx, &cfg)
        .map_err(|e| rusqlite_migration::HookError::Hook(format!("re-detecting bursts: {e}")))?;
    if stored.is_some() {
        tx.execute(
            "UPDATE meta SET value = ?2 WHERE key = ?1",
            params![
                meta::BURST_SETTINGS,
                serde_json::to_string(&cfg).unwrap_or_default()
            ],
        )?;
    }
    Ok(())
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATION_SQL.len() as i64
}

/// Where a database path came from, which decides whether its directory may be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbLocation {
    /// The per-user default: numhealth's own data directory, created (0700) when missing.
    Default,
    /// Chosen by the user (`--db`, `NUMHEALTH_DB`): a missing directory is an error.
    Given,
}

/// An open database.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The way writing commands open a database: checks its directory (creating a missing
    /// default one, 0700), takes the write lock (waiting up to `lock_timeout`, telling
    /// `on_wait` once), then opens the file (created 0600) and applies migrations.
    pub fn open_writer(
        path: &Path,
        location: DbLocation,
        lock_timeout: Duration,
        on_wait: impl FnMut(&str),
    ) -> Result<(WriteLock, Store)> {
        refuse_directory(path)?;
        ensure_directory(path, location)?;
        let lock = WriteLock::acquire(path, lock_timeout, on_wait)?;
        let store = Store::open_file_rw(path)?;
        Ok((lock, store))
    }

    /// Opens for writing without the write lock, for a database no other run writes (a
    /// scratch database, tests). `create_parent`: a missing directory is created as for
    /// `DbLocation::Default`.
    pub fn open_rw(path: &Path, create_parent: bool) -> Result<Store> {
        let location = if create_parent {
            DbLocation::Default
        } else {
            DbLocation::Given
        };
        refuse_directory(path)?;
        ensure_directory(path, location)?;
        Store::open_file_rw(path)
    }

    /// Opens the file for writing (created 0600) in a directory that exists.
    fn open_file_rw(path: &Path) -> Result<Store> {
        // Create the file ourselves so it is private from the first byte.
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::database(path, format!("cannot open for writing: {e}")))?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::from(e).at_db(path))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        // Refuse a newer database before anything writes to it (even the switch to WAL).
        store.configure(false).map_err(|e| store.wrap(e))?;
        store.refuse_newer()?;
        store.configure(true).map_err(|e| store.wrap(e))?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing database for reading; a missing file is a clear error.
    pub fn open_ro(path: &Path) -> Result<Store> {
        refuse_directory(path)?;
        if !path.exists() {
            return Err(Error::database(
                path,
                "no database here yet; run `numhealth ingest FILE` (or `pull`) first, or pass --db",
            ));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::from(e).at_db(path))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        let version = store
            .configure(false)
            .and_then(|()| {
                store
                    .conn
                    .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            })
            .map_err(|e| read_only_hint(path, e))?;
        if version != schema_version() {
            let hint = if version > schema_version() {
                "it was written by a newer numhealth; upgrade numhealth"
            } else {
                "run any writing command (e.g. `numhealth score`) to upgrade it"
            };
            return Err(store.db_error(format!(
                "schema version {version}, this numhealth reads {}: {hint}",
                schema_version()
            )));
        }
        Ok(store)
    }

    fn configure(&self, write: bool) -> rusqlite::Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(30))?;
        if write {
            // Takes effect only when the file is created (before WAL mode writes its
            // header); an existing database keeps its page size. 16 KiB pages mean a
            // quarter of the WAL frames, page writes and B-tree splits of 4 KiB ones for
            // the same rows (BENCHMARKS.md: ingest and append both faster).
            self.conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "cache_size", -32_000)?;
        // Temporary sorts (rebuild orders every raw call) spill to files, not memory.
        self.conn.pragma_update(None, "temp_store", "FILE")?;
        marks::register(&self.conn)?;
        keys::register(&self.conn)?;
        pool::register(&self.conn)?;
        runs::register(&self.conn)?;
        Ok(())
    }

    fn user_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.wrap(e))
    }

    fn refuse_newer(&self) -> Result<()> {
        let version = self.user_version()?;
        if version > schema_version() {
            return Err(self.db_error(format!(
                "schema version {version} is newer than this numhealth knows ({}); it was left untouched: upgrade numhealth",
                schema_version()
            )));
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        self.refuse_newer()?;
        migrations()
            .to_latest(&mut self.conn)
            .map_err(|e| self.db_error(format!("migrating the schema failed: {e}")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second, read-only connection to the same database, for a reader on another thread.
    pub fn open_twin(&self) -> Result<Store> {
        Store::open_ro(&self.path)
    }

    /// A failure of this database, said in words.
    pub(crate) fn db_error(&self, message: String) -> Error {
        Error::database(&self.path, message)
    }

    /// A SQLite error on this database, kept as the error's source.
    pub(crate) fn wrap(&self, e: rusqlite::Error) -> Error {
        Error::from(e).at_db(&self.path)
    }

    /// Runs a query and maps every row, wrapping SQLite errors with the database path.
    pub(crate) fn query_rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| self.wrap(e))?;
        st.query_map(params, map)
            .and_then(|it| it.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.wrap(e))
    }

    pub fn meta_get(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.wrap(e))
    }

    pub fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e))
    }
}

/// A read that SQLite refused as a write: in WAL mode a reader needs the `-shm` file
/// beside the database, and creates it when it is missing, which a directory this user
/// may not write to forbids. Says so, and how to fix it.
fn read_only_hint(path: &Path, e: rusqlite::Error) -> Error {
    let refused = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
    );
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    if refused && !Path::new(&shm).exists() {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return Error::database(
            path,
            format!(
                "cannot be read: it is in WAL mode and its directory is not writable by this user, \
             so SQLite cannot create the shared-memory file (-shm) that readers need; let this \
             user write to the directory (`chmod u+w {}`)",
                dir.display()
            ),
        );
    }
    Error::from(e).at_db(path)
}

/// Refuses a database path that is a directory (`--db /tmp`): a usage error naming a file
/// path to give instead.
fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "--db {} is a directory; give a file path such as {}",
            path.display(),
            path.join("numhealth.db").display()
        )));
    }
    Ok(())
}

/// Makes sure the directory `path` goes in exists: a missing one is created (0700, with
/// any missing parents) for the default location, and an error for a given path.
fn ensure_directory(path: &Path, location: DbLocation) -> Result<()> {
    let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.exists() {
        return Ok(());
    }
    match location {
        DbLocation::Default => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| {
                Error::database(
                    path,
                    format!("cannot create directory {}: {e}", dir.display()),
                )
            }),
        DbLocation::Given => Err(Error::database(
            path,
            format!(
                "directory {} does not exist; create it or choose another --db",
                dir.display()
            ),
        )),
    }
}

/// Meta keys.
pub mod meta {
    /// The short-call cut-off (ms) the stored `short` flags and rollups were computed with.
    pub const SHORT_CALL_MS: &str = "short_call_ms";
    /// The burst settings (JSON) stored bursts were detected with.
    pub const BURST_SETTINGS: &str = "burst_settings";
    /// Raw calls placed before this moment (ms) were pruned.
    pub const PRUNED_BEFORE_MS: &str = "pruned_before_ms";
    /// `pull` resumes from here (ms): calls starting before it were committed.
    pub const PULL_WATERMARK_MS: &str = "pull_watermark_ms";
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_read_refused_for_a_missing_shm_file_says_how_to_fix_it() {
        // Root may write anywhere, so the refusal itself cannot be staged here: the error
        // SQLite gives a reader that cannot create `-shm` is built by hand.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.db");
        let refused = || {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some("attempt to write a readonly database".into()),
            )
        };
        let e = read_only_hint(&p, refused()).to_string();
        assert!(e.contains("-shm") && e.contains("chmod u+w"), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        // With the file there, the refusal has another cause: SQLite's own words.
        let mut shm = p.as_os_str().to_owned();
        shm.push("-shm");
        std::fs::write(&shm, b"").unwrap();
        let e = read_only_hint(&p, refused()).to_string();
        assert!(!e.contains("chmod") && e.contains("readonly"), "{e}");
    }

    #[test]
    fn new_database_is_private_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.db");
        let s = Store::open_rw(&p, false).unwrap();
        assert_eq!(s.user_version().unwrap(), schema_version());
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let page: i64 = s
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, PAGE_SIZE);
        drop(s);
        // Reopening is a no-op migration.
        let s = Store::open_rw(&p, false).unwrap();
        assert_eq!(s.user_version().unwrap(), schema_version());
        // A database made with another page size keeps it.
        let old = dir.path().join("old.db");
        let c = Connection::open(&old).unwrap();
        c.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t (x)")
            .unwrap();
        drop(c);
        let s = Store::open_rw(&old, false).unwrap();
        let page: i64 = s
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, 4096);
    }

    #[test]
    fn newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.db");
        drop(Store::open_rw(&p, false).unwrap());
        let c = Connection::open(&p).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let err = Store::open_rw(&p, false).err().unwrap().to_string();
        assert!(err.contains("newer"), "{err}");
        let c = Connection::open(&p).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 99);
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope/n.db");
        let err = Store::open_rw(&p, false).err().unwrap().to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(Store::open_rw(&p, true).is_ok());
    }

    #[test]
    fn a_writer_creates_only_the_default_directory_privately() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("data/numhealth/n.db");
        let open = |at| Store::open_writer(&p, at, std::time::Duration::ZERO, |_| {});
        // A given path's missing directory is refused before the lock file is made.
        let err = open(DbLocation::Given).err().unwrap().to_string();
        assert!(
            err.contains("does not exist") && err.contains(&p.display().to_string()),
            "{err}"
        );
        assert!(!dir.path().join("data").exists());
        let (lock, store) = open(DbLocation::Default).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("data")), 0o700);
        assert_eq!(mode(p.parent().unwrap()), 0o700);
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(&p.with_extension("db.lock")), 0o600);
        assert_eq!(store.user_version().unwrap(), schema_version());
        // The lock is held: a second writer is refused.
        let second = open(DbLocation::Default).err().unwrap();
        assert_eq!(second.exit_code(), crate::error::exit::LOCKED);
        drop((lock, store));
        assert!(open(DbLocation::Given).is_ok());
    }

    #[test]
    fn sqlite_errors_name_the_database_and_keep_their_source() {
        use std::error::Error as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.db");
        let s = Store::open_rw(&p, false).unwrap();
        let err = s
            .query_rows("SELECT x FROM nowhere", [], |r| r.get::<_, i64>(0))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            format!("database {}: no such table: nowhere", p.display())
        );
        assert!(
            err.source()
                .is_some_and(|e| e.downcast_ref::<rusqlite::Error>().is_some())
        );
    }
}
