//! Gets the disk writing a long load's write-ahead log while the load runs. A 1M-call
//! file writes ~250 MB of WAL inside one transaction; the checkpoint at commit first
//! fsyncs it, and waiting for all of it then took about half a second with both cores
//! idle. Syncing the WAL every fraction of a second during the load leaves that fsync
//! little to do. Durability is unchanged: SQLite still makes its own fsyncs.
//!
//! Only the `-wal` file is synced: SQLite holds no POSIX lock on it, whereas opening and
//! closing a second descriptor of the database file itself would drop SQLite's locks.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is synced during a load.
const EVERY: Duration = Duration::from_millis(250);

/// Syncs the WAL of the database at `db` on a helper thread until dropped.
pub struct WalFlusher {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<u32>>,
}

impl WalFlusher {
    pub fn start(db: &Path) -> WalFlusher {
        let wal = wal_path(db);
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-flush".into())
            .spawn(move || {
                let mut synced = 0;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    // Missing (not created yet) or unreadable: nothing to do this time.
                    if let Ok(f) = File::open(&wal)
                        && f.sync_data().is_ok()
                    {
                        synced += 1;
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
    pub fn stop(mut self) -> u32 {
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
        let t = std::time::Instant::now();
        let synced = f.stop();
        assert!(synced >= 1, "synced {synced} times");
        assert!(t.elapsed() < EVERY, "stopping waits for no tick");
        // No WAL at all: runs and stops without syncing.
        let none = WalFlusher::start(&dir.path().join("none.db"));
        std::thread::sleep(EVERY * 2);
        assert_eq!(none.stop(), 0);
    }
}
