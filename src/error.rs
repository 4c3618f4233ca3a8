//! The error type every command returns, and the exit codes users' scripts depend on.

use std::path::Path;

/// Exit codes (documented in the README).
pub mod exit {
    /// Everything done.
    pub const OK: u8 = 0;
    /// Failure: nothing half-applied from the file or run that failed.
    pub const FAILURE: u8 = 1;
    /// Finished, but some records were rejected (see `numhealth rejects`).
    pub const REJECTS: u8 = 2;
    /// Another numhealth run holds the database's write lock.
    pub const LOCKED: u8 = 3;
    /// The newest data is too old to judge "now" (`score.stale_after_hours`).
    pub const STALE: u8 = 4;
    /// The command line was wrong: unknown flag, bad value, missing argument (EX_USAGE).
    pub const USAGE: u8 = 64;
}

/// A failure that ends the command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    /// The database cannot be used, said in words (a missing directory, a newer schema).
    #[error("database {path}: {message}")]
    Database { path: String, message: String },
    /// SQLite failed on the database: its error is the `source`. `?` converts SQLite
    /// errors where the path is not at hand, leaving `path` empty until `at_db` names it.
    #[error("database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} is locked by another numhealth run (pid {holder}); try again when it finishes, or pass --lock-timeout SECS to wait"
    )]
    Locked { path: String, holder: String },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("{0}")]
    Other(String),
    /// The data is too old to judge "now" (`score.stale_after_hours`): exit 4.
    #[error("{0}")]
    Stale(String),
    /// Standard output was closed by its reader (`| head`): stop quietly.
    #[error("standard output was closed")]
    StdoutClosed,
}

impl Error {
    /// A failure of the database at `db`, said in words.
    pub fn database(db: &Path, message: impl Into<String>) -> Error {
        Error::Database {
            path: db.display().to_string(),
            message: message.into(),
        }
    }

    /// Names the database `db` in an error that names none yet; any other error is
    /// returned as it is. The one way a database path is attached to an error: the store
    /// calls it on SQLite's errors, `commands::run` on whatever reaches it unnamed.
    pub fn at_db(self, db: &Path) -> Error {
        let named = || db.display().to_string();
        match self {
            Error::Sqlite { path, source } if path.is_empty() => Error::Sqlite {
                path: named(),
                source,
            },
            Error::Database { path, message } if path.is_empty() => Error::Database {
                path: named(),
                message,
            },
            e => e,
        }
    }

    /// An error writing to stdout: a closed pipe is [`Error::StdoutClosed`].
    pub fn from_stdout(e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::StdoutClosed
        } else {
            Error::Other(format!("writing to standard output: {e}"))
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Locked { .. } => exit::LOCKED,
            Error::Usage(_) => exit::USAGE,
            Error::Stale(_) => exit::STALE,
            Error::StdoutClosed => exit::OK,
            _ => exit::FAILURE,
        }
    }
}

impl From<rusqlite::Error> for Error {
    /// A SQLite error with no path yet (see `at_db`).
    fn from(source: rusqlite::Error) -> Self {
        Error::Sqlite {
            path: String::new(),
            source,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Other(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_sqlite_error_is_named_once_and_kept_as_the_source() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let sqlite = conn
            .execute("INSERT INTO nowhere VALUES (1)", [])
            .unwrap_err();
        let text = sqlite.to_string();
        let e = Error::from(sqlite).at_db(Path::new("/d/nh.db"));
        assert_eq!(e.to_string(), format!("database /d/nh.db: {text}"));
        let source = e.source().expect("the SQLite error is the source");
        assert!(
            source.downcast_ref::<rusqlite::Error>().is_some(),
            "{source:?}"
        );
        // Named once: a second path does not replace the first.
        let again = e.at_db(Path::new("/other.db"));
        assert_eq!(again.to_string(), format!("database /d/nh.db: {text}"));
        assert_eq!(again.exit_code(), exit::FAILURE);
    }

    #[test]
    fn worded_failures_have_no_source_and_other_errors_pass_unnamed() {
        let e = Error::database(Path::new("x.db"), "schema version 9");
        assert_eq!(e.to_string(), "database x.db: schema version 9");
        assert!(e.source().is_none());
        let usage = Error::Usage("bad flag".into()).at_db(Path::new("x.db"));
        assert_eq!(usage.to_string(), "bad flag");
    }
}
