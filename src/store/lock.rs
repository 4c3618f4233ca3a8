//! The single-writer lock: one writing run (ingest, pull, score, prune, rebuild) at a
//! time per database, held on `<db>.lock` with an OS file lock so a killed run frees it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held while a writer runs; released on drop or process death.
pub struct WriteLock {
    _file: File,
}

fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl WriteLock {
    /// Takes the lock, waiting up to `timeout`; `on_wait` is called once if we must wait.
    pub fn acquire(
        db: &Path,
        timeout: Duration,
        mut on_wait: impl FnMut(&str),
    ) -> Result<WriteLock> {
        let path = lock_path(db);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| {
                Error::database(db, format!("cannot open lock file {}: {e}", path.display()))
            })?;
        let started = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    if started.elapsed() >= timeout {
                        return Err(Error::Locked {
                            path: db.display().to_string(),
                            holder,
                        });
                    }
                    if !told {
                        on_wait(&format!(
                            "waiting up to {}s for another numhealth run (pid {holder}) to release {}",
                            timeout.as_secs(),
                            db.display()
                        ));
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(Error::database(
                        db,
                        format!("cannot lock {}: {e}", path.display()),
                    ));
                }
            }
        }
        // Record who holds it, for the next run's message.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(WriteLock { _file: file })
    }
}

fn read_holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(32).read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        "unknown".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_then_admitted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = WriteLock::acquire(&db, Duration::ZERO, |_| {}).unwrap();
        let err = WriteLock::acquire(&db, Duration::from_millis(200), |_| {})
            .err()
            .unwrap();
        assert_eq!(err.exit_code(), crate::error::exit::LOCKED);
        assert!(err.to_string().contains(&std::process::id().to_string()));
        drop(first);
        assert!(WriteLock::acquire(&db, Duration::ZERO, |_| {}).is_ok());
    }
}
