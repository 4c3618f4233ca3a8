//! One file per command; `run` turns parsed flags into a validated context and
//! dispatches. Nothing here computes analytics or formats rows.

mod backtest;
mod backup;
mod bursts;
mod check;
mod completions;
mod config;
mod evaluate;
mod export;
mod html_report;
pub mod ingest;
mod man;
mod mark;
mod number;
mod numbers;
mod pool;
mod prune;
mod pull;
mod rebuild;
mod rejects;
mod risky;
mod runs;
pub mod score;
mod simulate;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{Cli, Command, WidthArgs};
use crate::config::{Settings, resolve_db_path};
use crate::error::Result;
use crate::report::width::Width;
use crate::store::freshness::AsOfMoment;
use crate::store::{DbLocation, Store, WriteLock};
use crate::time::{now_ms, parse_moment_at};

/// Flags validated and settings loaded, before any domain code runs.
pub struct Ctx {
    pub settings: Settings,
    pub db: PathBuf,
    /// The per-user default path (its directory may be created) or one the user gave.
    pub db_location: DbLocation,
    pub quiet: bool,
    pub lock_timeout: Duration,
    /// Progress bars only for a person at a terminal.
    pub progress: bool,
    /// Messages saying what was done ("wrote 40 numbers to rotation.csv") only for a
    /// person at a terminal: quiet under cron, where they would be mailed every run.
    pub chatty: bool,
    /// How wide tables may be (`--wide`, `--width`, a pipe, `$COLUMNS`, the terminal).
    pub width: Width,
    /// The `--db` the user gave on the command line, repeated in the commands we suggest.
    pub db_flag: Option<PathBuf>,
}

impl Ctx {
    /// A message for people on stderr, unless `-q`.
    pub fn say(&self, msg: &str) {
        if !self.quiet {
            eprintln!("numhealth: {msg}");
        }
    }

    /// What a command did, on stderr for a person at a terminal (not under cron, not with
    /// `-q`): the file is there, the data on stdout; nothing went wrong.
    pub fn done(&self, msg: &str) {
        if self.chatty {
            eprintln!("numhealth: {msg}");
        }
    }

    /// An error that does not end the command, on stderr even with `-q`.
    pub fn error(&self, msg: &str) {
        eprintln!("numhealth: error: {msg}");
    }

    /// Takes the write lock and opens the database for writing.
    pub fn open_writer(&self) -> Result<(WriteLock, Store)> {
        Store::open_writer(&self.db, self.db_location, self.lock_timeout, |m| {
            self.say(m)
        })
    }

    pub fn open_reader(&self) -> Result<Store> {
        Store::open_ro(&self.db)
    }

    /// Opens the database to read, as of `as_of`, and tells the person (unless `-q`) when
    /// its newest data is older than `score.stale_after_hours` (read-only views warn; they
    /// do not refuse).
    pub fn open_reader_at(&self, as_of: &AsOfMoment) -> Result<Store> {
        let store = self.open_reader()?;
        let fresh = store.check_freshness(as_of, self.settings.score.stale_after_hours)?;
        if let Some(w) = fresh.warning() {
            self.say(&w);
        }
        Ok(store)
    }

    /// The moment `text` of the flag `flag` (`--before`, `--since`, ...) in milliseconds;
    /// a timestamp with no zone is taken as UTC and the person is told so (unless `-q`).
    pub fn moment(&self, flag: &str, text: &str) -> Result<i64> {
        let m = parse_moment_at(flag, text, now_ms())?;
        if let Some(note) = m.note(flag, text) {
            self.say(&note);
        }
        Ok(m.ms)
    }

    /// The moment of an `--as-of` flag, now when it was not given, noting (unless `-q`)
    /// a timestamp with no zone taken as UTC.
    pub fn as_of(&self, flag: Option<&str>) -> Result<AsOfMoment> {
        Ok(AsOfMoment {
            ms: match flag {
                Some(text) => self.moment("--as-of", text)?,
                None => now_ms(),
            },
            given: flag.map(|s| s.trim().to_string()),
        })
    }
}

/// A command line clap refused, or `--help`/`--version`: help and version print on
/// stdout and exit 0 (quietly if stdout is closed); an error prints on stderr with
/// numhealth's own prefix and exits 64 (EX_USAGE).
pub fn usage_error(e: clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    let rendered = e.render().to_string();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = crate::report::write_stdout(rendered.as_bytes());
            std::process::ExitCode::SUCCESS
        }
        _ => {
            let text = rendered.strip_prefix("error: ").unwrap_or(&rendered);
            eprint!("numhealth: error: {text}");
            std::process::ExitCode::from(crate::error::exit::USAGE)
        }
    }
}

/// The `--db` and `--lock-timeout` given after the command, if it takes them.
fn store_flags(command: &Command) -> (Option<PathBuf>, Option<u64>) {
    use crate::cli::{DbArgs, WriterArgs};
    let reader = |a: &DbArgs| (a.db.clone(), None);
    let writer = |a: &WriterArgs| (a.db.clone(), a.lock_timeout);
    match command {
        Command::Ingest(a) => writer(&a.store),
        Command::Pull(a) => writer(&a.store),
        Command::Score(a) => writer(&a.store),
        Command::Rejects(a) => writer(&a.store),
        Command::Prune(a) => writer(&a.store),
        Command::Rebuild(a) => writer(&a.store),
        Command::Mark(a) => writer(&a.store),
        Command::Numbers(a) => reader(&a.store),
        Command::Risky(a) => reader(&a.store),
        Command::Number(a) => reader(&a.store),
        Command::Bursts(a) => reader(&a.store),
        Command::Export(a) => match &a.what {
            crate::cli::ExportWhat::Rotation(r) => reader(&r.store),
        },
        Command::Runs(a) => reader(&a.store),
        Command::Pool(a) => reader(&a.store),
        Command::Report(a) => reader(&a.store),
        Command::Backup(a) => reader(&a.store),
        Command::Check(a) => reader(&a.store),
        Command::Backtest(a) => reader(&a.store),
        Command::Config
        | Command::Simulate(_)
        | Command::Evaluate(_)
        | Command::Completions(_)
        | Command::Man => (None, None),
    }
}

/// The `--width`/`--wide` of a command that prints tables.
fn width_flags(command: &Command) -> WidthArgs {
    match command {
        Command::Risky(a) => a.width,
        Command::Number(a) => a.width,
        Command::Numbers(a) => a.width,
        Command::Bursts(a) => a.width,
        Command::Rejects(a) => a.width,
        Command::Runs(a) => a.width,
        Command::Pool(a) => a.width,
        Command::Backtest(a) => a.width,
        _ => WidthArgs::default(),
    }
}

pub fn run(cli: Cli) -> Result<u8> {
    let settings = Settings::load(cli.config.as_deref())?;
    let (sub_db, sub_lock_timeout) = store_flags(&cli.command);
    let given_db = sub_db.or(cli.db);
    let db = resolve_db_path(given_db.as_deref())?;
    let ctx = Ctx {
        db_flag: given_db.clone(),
        settings,
        db,
        db_location: if given_db.is_none()
            && std::env::var_os("NUMHEALTH_DB").is_none_or(|v| v.is_empty())
        {
            DbLocation::Default
        } else {
            DbLocation::Given
        },
        quiet: cli.quiet,
        lock_timeout: Duration::from_secs(sub_lock_timeout.or(cli.lock_timeout).unwrap_or(0)),
        progress: !cli.quiet && std::io::stderr().is_terminal(),
        chatty: !cli.quiet && std::io::stderr().is_terminal(),
        width: {
            let w = width_flags(&cli.command);
            Width::resolve(w.width, w.wide)
        },
    };
    let db = ctx.db.clone();
    dispatch(&ctx, cli.command).map_err(|e| e.at_db(&db))
}

fn dispatch(ctx: &Ctx, command: Command) -> Result<u8> {
    match command {
        Command::Ingest(a) => ingest::run(ctx, a),
        Command::Pull(a) => pull::run(ctx, a),
        Command::Score(a) => score::run(ctx, a),
        Command::Risky(a) => risky::run(ctx, a),
        Command::Numbers(a) => numbers::run(ctx, a),
        Command::Mark(a) => mark::run(ctx, a),
        Command::Number(a) => number::run(ctx, a),
        Command::Bursts(a) => bursts::run(ctx, a),
        Command::Export(a) => export::run(ctx, a),
        Command::Pool(a) => pool::run(ctx, a),
        Command::Report(a) => html_report::run(ctx, a),
        Command::Rejects(a) => rejects::run(ctx, a),
        Command::Runs(a) => runs::run(ctx, a),
        Command::Config => config::run(ctx),
        Command::Prune(a) => prune::run(ctx, a),
        Command::Backup(a) => backup::run(ctx, a),
        Command::Rebuild(_) => rebuild::run(ctx),
        Command::Check(a) => check::run(ctx, a),
        Command::Simulate(a) => simulate::run(ctx, a),
        Command::Evaluate(a) => evaluate::run(ctx, a),
        Command::Backtest(a) => backtest::run(ctx, a),
        Command::Completions(a) => completions::run(a),
        Command::Man => man::run(),
    }
}
