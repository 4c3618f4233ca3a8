//! The error type every command returns, and the exit codes users' scripts depend on.

use std::process::ExitCode;

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
    #[error("database {path}: {message}")]
    Database { path: String, message: String },
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
    /// Names the database in a SQLite error raised where the path was not at hand.
    pub fn with_db_path(self, db: &std::path::Path) -> Error {
        match self {
            Error::Database { path, message } if path.is_empty() => Error::Database {
                path: db.display().to_string(),
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
    fn from(e: rusqlite::Error) -> Self {
        Error::Database {
            path: String::new(),
            message: e.to_string(),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Other(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a command reports back to `main`: its exit code.
pub fn to_exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}
