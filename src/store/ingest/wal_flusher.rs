//! Gets the disk writing a long load's write-ahead log while the load runs. A large file
//! writes hundreds of megabytes of WAL inside one transaction; the checkpoint at commit
//! first fsyncs it, and would wait for all of it then with both cores idle. Syncing the
//! WAL every fraction of a second during the load leaves that fsync little to do
//! (BENCHMARKS.md, "fsync waits at commit"). Durability is unchanged: SQLite still makes
//! its own fsyncs.
//!
//! Once the WAL has grown large, the database file is synced on the same beat too: the
//! checkpoint at commit copies the whole WAL into it and then fsyncs it, and syncing
//! while the copy runs overlaps that wait with the copy.
//!
//! The WAL is opened afresh each time (SQLite holds no POSIX lock on it). The database
//! file is opened once per process and never closed: closing any descriptor of a file
//! drops every POSIX lock the process holds on it, SQLite's included.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the files are synced during a load.
const EVERY: Duration = Duration::from_millis(100);

/// A WAL this large means a checkpoint worth overlapping with syncs of the database.
const BIG_WAL_BYTES: u64 = 64 << 20;

/// Syncs the WAL of the database at `db` on a helper thread until dropped.
pub(super) struct WalFlusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<u32>>,
}

impl WalFlusher {
    pub(super) fn start(db: &Path) -> WalFlusher {
        WalFlusher::start_every(db, EVERY)
    }

    /// [`WalFlusher::start`] with another interval between syncs.
    fn start_every(db: &Path, every: Duration) -> WalFlusher {
        let wal = wal_path(db);
        let db = db.to_path_buf();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-flush".into())
            .spawn(move || {
                let mut synced = 0;
                let mut main: Option<Arc<File>> = None;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    // Missing (not created yet) or unreadable: nothing to do this time.
                    if let Ok(f) = File::open(&wal) {
                        if main.is_none() && f.metadata().is_ok_and(|m| m.len() >= BIG_WAL_BYTES) {
                            main = kept_open(&db);
                        }
                        if f.sync_data().is_ok() {
                            synced += 1;
                        }
                    }
                    if let Some(m) = &main {
                        let _ = m.sync_data();
                    }
                }
                synced
            })
            .ok();
        WalFlusher {
            stop: Some(stop),
            thread,
        }
    }

    /// Stops the helper; returns how many times it synced the WAL.
    pub(super) fn stop(mut self) -> u32 {
        self.halt()
    }

    fn halt(&mut self) -> u32 {
        drop(self.stop.take());
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for WalFlusher {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The process's own descriptor of database file `db`, opened on first use and kept open
/// for the life of the process (see the module comment).
fn kept_open(db: &Path) -> Option<Arc<File>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Arc<File>>>> = OnceLock::new();
    let mut open = OPEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(f) = open.get(db) {
        return Some(f.clone());
    }
    let f = Arc::new(File::open(db).ok()?);
    open.insert(db.to_path_buf(), f.clone());
    Some(f)
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_the_wal_while_running_and_stops_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(wal_path(&db), b"wal bytes").unwrap();
        let f = WalFlusher::start(&db);
        std::thread::sleep(EVERY * 3);
        let synced = f.stop();
        assert!(synced >= 1, "synced {synced} times");
        // Stopping does not wait for the next tick: with an hour between syncs, stop
        // still returns (a flusher that slept out its interval would take the hour).
        let slow = WalFlusher::start_every(&db, Duration::from_secs(3600));
        let (done, returned) = mpsc::channel();
        std::thread::spawn(move || done.send(slow.stop()).ok());
        let synced = returned.recv_timeout(Duration::from_secs(60));
        assert_eq!(synced, Ok(0), "stop waited for the hourly tick");
        // No WAL at all: runs and stops without syncing.
        let none = WalFlusher::start(&dir.path().join("none.db"));
        std::thread::sleep(EVERY * 2);
        assert_eq!(none.stop(), 0);
    }
}
