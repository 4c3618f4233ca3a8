//! Command-line flags, and nothing else: clap structs only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The exit codes, as `--help` shows them (the README has the same table).
pub const EXIT_CODES: &str = "\
Exit codes:
  0   ok
  1   failure (including refusals that depend on the data)
  2   finished, but some records were rejected (numhealth rejects)
  3   another numhealth run holds the database's write lock
  4   stale data refused (see score.stale_after_hours; --allow-stale)
  64  usage error (unknown flag, bad value, missing argument)";

/// `--version`: the package version, with the git commit when built from a checkout
/// (set by `build.rs`).
pub const VERSION: &str = env!("NUMHEALTH_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "numhealth",
    version = VERSION,
    about = "Keeps outbound caller numbers out of \"Spam Likely\"",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// SQLite database [default: $NUMHEALTH_DB, else the per-user data directory]
    #[arg(long, value_name = "PATH", help_heading = "Global options")]
    pub db: Option<PathBuf>,
    /// TOML settings [default: $NUMHEALTH_CONFIG, else the per-user config file, else built-in]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    pub config: Option<PathBuf>,
    /// No progress and no messages except errors (data still goes to stdout)
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Seconds a writer waits for another run's lock before exiting with code 3
    #[arg(long, value_name = "SECS", help_heading = "Global options")]
    pub lock_timeout: Option<u64>,
    #[command(subcommand)]
    pub command: Command,
}

/// `--db` for commands that read the database (also accepted before the command).
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// SQLite database [default: $NUMHEALTH_DB, else the per-user data directory]
    #[arg(long, value_name = "PATH", help_heading = "Database")]
    pub db: Option<PathBuf>,
}

/// `--db` and `--lock-timeout` for commands that write the database.
#[derive(Debug, Clone, Default, Args)]
pub struct WriterArgs {
    /// SQLite database [default: $NUMHEALTH_DB, else the per-user data directory]
    #[arg(long, value_name = "PATH", help_heading = "Database")]
    pub db: Option<PathBuf>,
    /// Seconds to wait for another run's write lock before exiting with code 3 [default: 0]
    #[arg(long, value_name = "SECS", help_heading = "Database")]
    pub lock_timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
}

impl From<Format> for crate::report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => Self::Table,
            Format::Csv => Self::Csv,
            Format::Json => Self::Json,
        }
    }
}

impl From<SummaryFormat> for crate::report::Format {
    fn from(f: SummaryFormat) -> Self {
        match f {
            SummaryFormat::Table => Self::Table,
            SummaryFormat::Json => Self::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Auto,
    Ndjson,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load call records (NDJSON, webhook events, List Calls v2/v3 JSON, CSV; .gz too; - for stdin)
    Ingest(IngestArgs),
    /// Pull call records from the platform's List Calls API (RETELL_API_KEY, RETELL_BASE_URL)
    Pull(PullArgs),
    /// Score every number and record the run (for cron after ingest)
    Score(ScoreArgs),
    /// Numbers by descending spam risk
    Risky(RiskyArgs),
    /// The number pool: each number's status, rest date and caps, as of a moment
    Numbers(NumbersArgs),
    /// Record an operator's decision on numbers (active, resting until a date, retired, released)
    Mark(MarkArgs),
    /// One number's story: timeline, bursts, components, action, score history
    Number(NumberArgs),
    /// Short-call bursts
    Bursts(BurstsArgs),
    /// Export lists for dialers
    Export(ExportArgs),
    /// Numbers, calls and capacity per area code, and how many numbers to buy
    Pool(PoolArgs),
    /// Write one self-contained HTML report: fleet charts, risk table, numbers needing action, pool
    Report(ReportArgs),
    /// Records that could not be read, with file, line, field and reason
    Rejects(RejectsArgs),
    /// What each ingest/pull run did
    Runs(RunsArgs),
    /// Print the effective settings as TOML (secrets redacted)
    Config,
    /// Delete raw calls older than a moment; rollups, bursts and score history stay
    Prune(PruneArgs),
    /// Take a consistent copy of the database while others write
    Backup(BackupArgs),
    /// Recompute rollups and bursts from the stored raw calls (after changing cut-offs)
    Rebuild(RebuildArgs),
    /// Integrity check, counts and a checksum of stored calls, rollups and bursts
    Check(CheckArgs),
    /// Generate a simulated fleet with planted patterns and its ground truth
    Simulate(SimulateArgs),
    /// Score simulated fleets against their ground truth (accuracy evaluation)
    Evaluate(EvaluateArgs),
    /// Replay scoring over past data: how far ahead of each number's first spam mark it warned
    Backtest(BacktestArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout: `numhealth man | man -l -`
    Man,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    /// Files to load; `-` reads standard input
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Expand a directory into the files below it (sorted by path)
    #[arg(short, long)]
    pub recursive: bool,
    /// Output: a table for people, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
    /// Shape of the input (auto: detected per file)
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Region for numbers in national format [default: settings' ingest.default_region]
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    /// Pull calls that started at or after this moment [default: the stored watermark minus overlap]
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Pull calls that started before this moment [default: now]
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Output: a table for people, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct AsOf {
    /// Judge as of this moment: RFC 3339, a date (00:00 UTC), today, yesterday, 6h ago [default: now]
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Score even if the newest data is older than score.stale_after_hours (else exit 4)
    #[arg(long)]
    pub allow_stale: bool,
    /// Show what the run would change in the number pool; record nothing, send no alert
    #[arg(long)]
    pub dry_run: bool,
    /// Output: one line per change in the number pool, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

/// A number's lifecycle status in the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PoolStatus {
    /// Dialling at the normal pace
    Active,
    /// Back from rest: capped pace on a ramp
    Probation,
    /// Not to be dialled until a date
    Resting,
    /// Not to be dialled again; replace it
    Retired,
    /// Given up by the operator; kept for history
    Released,
}

impl From<PoolStatus> for crate::pool::Status {
    fn from(s: PoolStatus) -> Self {
        match s {
            PoolStatus::Active => Self::Active,
            PoolStatus::Probation => Self::Probation,
            PoolStatus::Resting => Self::Resting,
            PoolStatus::Retired => Self::Retired,
            PoolStatus::Released => Self::Released,
        }
    }
}

/// The statuses an operator may mark (probation is the policy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MarkStatus {
    /// Back to the normal pace (also brings a retired number back)
    Active,
    /// Not to be dialled until --until DATE
    Resting,
    /// Not to be dialled again; replace it
    Retired,
    /// Given up: kept for history, never put back by the policy
    Released,
}

impl From<MarkStatus> for crate::pool::Status {
    fn from(s: MarkStatus) -> Self {
        match s {
            MarkStatus::Active => Self::Active,
            MarkStatus::Resting => Self::Resting,
            MarkStatus::Retired => Self::Retired,
            MarkStatus::Released => Self::Released,
        }
    }
}

#[derive(Debug, Args)]
pub struct NumbersArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Only numbers in this status (repeat for several)
    #[arg(long, value_enum, value_name = "S")]
    pub status: Vec<PoolStatus>,
    #[command(flatten)]
    pub as_of: AsOf,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    /// Caller numbers to mark, E.164 (or national format in the default region)
    #[arg(value_name = "NUMBER", required_unless_present = "from_file")]
    pub numbers: Vec<String>,
    /// Also mark the numbers in FILE (`-`: standard input): one a line, or a CSV with a `number` column
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// The status to record
    #[arg(long, value_enum)]
    pub status: MarkStatus,
    /// Resting: the date the rest ends, at the number's local midnight (YYYY-MM-DD); needed with --status resting
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// A note kept with the change
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Who decided (kept with the change) [default: an operator]
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// When the decision takes effect [default: now]
    #[arg(long, value_name = "T")]
    pub at: Option<String>,
    /// The number's own normal calls per local day from now on
    #[arg(long, value_name = "N")]
    pub daily_cap: Option<i64>,
    /// The number's own normal calls per hour from now on
    #[arg(long, value_name = "N")]
    pub hourly_cap: Option<i64>,
    /// Register numbers the fleet has never used (else they are refused)
    #[arg(long)]
    pub add: bool,
    /// The retired number the marked number replaces (it no longer awaits replacement)
    #[arg(long, value_name = "OLD")]
    pub replaces: Option<String>,
    /// Output: one line per change, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct RiskyArgs {
    #[command(flatten)]
    pub store: DbArgs,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Show the N riskiest numbers
    #[arg(long, value_name = "N", default_value_t = 20, conflicts_with = "all")]
    pub top: usize,
    /// Show every number scored
    #[arg(long)]
    pub all: bool,
    /// Only numbers scoring at least S
    #[arg(long, value_name = "S")]
    pub min_score: Option<f64>,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct NumberArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// The caller number, E.164 (or national format in the default region)
    pub number: String,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Days of timeline to show
    #[arg(long, value_name = "N", default_value_t = 14)]
    pub days: i64,
    /// Time zone for days in the timeline (IANA name)
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub tz: String,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct BurstsArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Only this caller number's bursts (E.164)
    #[arg(long, value_name = "E164")]
    pub number: Option<String>,
    /// Only bursts that end at or after this moment
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only bursts that start before this moment
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportWhat,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The rotation list as CSV: number, action, rest_until, score, reasons, status, caps, calls today
    Rotation(RotationArgs),
}

#[derive(Debug, Args)]
pub struct RotationArgs {
    #[command(flatten)]
    pub store: DbArgs,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Export even if the newest data is older than score.stale_after_hours (else exit 4)
    #[arg(long)]
    pub allow_stale: bool,
    /// Write here atomically (created 0600; a symlink is followed) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What the rows of `numhealth pool` are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PoolGroup {
    /// One row per NANP area code (other countries: per country calling code)
    AreaCode,
    /// One row per state or province (other countries: per country)
    State,
    /// One row per country
    Country,
}

impl From<PoolGroup> for crate::pool::plan_capacity::GroupBy {
    fn from(g: PoolGroup) -> Self {
        match g {
            PoolGroup::AreaCode => Self::AreaCode,
            PoolGroup::State => Self::State,
            PoolGroup::Country => Self::Country,
        }
    }
}

#[derive(Debug, Args)]
pub struct PoolArgs {
    #[command(flatten)]
    pub store: DbArgs,
    #[command(flatten)]
    pub as_of: AsOf,
    /// One row per area code, state or country
    #[arg(long, value_enum, default_value_t = PoolGroup::AreaCode)]
    pub by: PoolGroup,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: DbArgs,
    #[command(flatten)]
    pub as_of: AsOf,
    /// Write the report here, atomically (created 0600; a symlink is followed; `-` for
    /// stdout); it opens offline in any browser
    #[arg(short, long, value_name = "FILE", default_value = "report.html")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RejectsArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    /// Only rejects from this run
    #[arg(long, value_name = "ID")]
    pub run: Option<i64>,
    /// Show at most N rejects, newest first
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: i64,
    /// Delete the rejects recorded before this moment (instead of listing)
    #[arg(long, value_name = "T")]
    pub clear_before: Option<String>,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Show the N most recent runs
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: i64,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub store: WriterArgs,
    /// Delete raw calls placed before this moment (not in the future)
    #[arg(long, value_name = "T")]
    pub before: String,
    /// Count what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Destination file (must not exist)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub store: WriterArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Output: a table for people, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Directory to write the fleet into (created; must be empty unless --force)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a directory that already has files (they may be overwritten)
    #[arg(long)]
    pub force: bool,
    /// Random seed: the same seed and sizes give the same fleet
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Caller numbers in the fleet
    #[arg(long, default_value_t = 40)]
    pub numbers: usize,
    /// Days of history
    #[arg(long, default_value_t = 14)]
    pub days: i64,
    /// Last day of the simulated window (YYYY-MM-DD) [default: 2026-11-20]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Average outbound calls per number per day
    #[arg(long, default_value_t = 60)]
    pub calls_per_day: u32,
    /// Write the calls as one NDJSON file only (for benchmarks), not every input shape
    #[arg(long)]
    pub ndjson_only: bool,
    /// Fleet model: easy (the original) or hard (low answer rates, local hours, small bursts, a one-provider outage)
    #[arg(long, value_enum, default_value_t = SimProfile::Easy)]
    pub profile: SimProfile,
}

/// The simulator's fleet model (`sim::Profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimProfile {
    Easy,
    Hard,
}

impl From<SimProfile> for crate::sim::Profile {
    fn from(p: SimProfile) -> Self {
        match p {
            SimProfile::Easy => crate::sim::Profile::Easy,
            SimProfile::Hard => crate::sim::Profile::Hard,
        }
    }
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// First seed
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many fleets (consecutive seeds), at least 1
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: u64,
    /// Caller numbers in each fleet
    #[arg(long, default_value_t = 60, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub numbers: usize,
    /// Days of history in each fleet
    #[arg(long, default_value_t = 21, value_parser = clap::value_parser!(i64).range(2..))]
    pub days: i64,
    /// Average outbound calls per number per day
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub calls_per_day: u32,
    /// Last simulated day (YYYY-MM-DD) [default: 2026-11-20]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    /// Fleet model: easy (the original) or hard; hard also reports the figures (sweep, bursts, lead time, outage, baseline; JSON becomes {"fleets": [...], "aggregate": {...}})
    #[arg(long, value_enum, default_value_t = SimProfile::Easy)]
    pub profile: SimProfile,
    /// Also report the figures (as for --profile hard) for easy fleets
    #[arg(long)]
    pub figures: bool,
    /// Output: a table for people, CSV or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `numhealth backtest`.
#[derive(Debug, Args)]
#[command(after_help = BACKTEST_HELP)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub store: DbArgs,
    /// Start of the range whose first spam marks are judged [default: 30 days before --until, or the first call's hour]
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// End of the range [default: the end of the newest call's hour]
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Time between replayed assessments: a whole number and m, h or d (30m, 6h, 1d)
    #[arg(long, value_name = "DURATION", default_value = "6h")]
    pub step: String,
    /// How far ahead of a first spam mark a warning counts, and how long after a rest a number is watched
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub horizon: String,
    #[command(flatten)]
    pub width: WidthArgs,
    /// Output: the figures in words and one row per number, or JSON for scripts
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

/// What `numhealth backtest --help` adds after the flags.
const BACKTEST_HELP: &str = "\
Replays the assessment every --step from --since to --until (starting one --horizon
earlier, so that early flags have their lead-up), as `score` would have judged each
moment from the data before it; records nothing and changes nothing in the pool.
A warning is a throttle, rest or retire for a spam-mark, failure or burst reason
(a throttle for pacing alone is not). Figures (docs/backtest.md):
  numbers_flagged         numbers whose first marked_as_spam ever is in the range
  warned_before_flag      of them, warned within --horizon before that mark
  lead_days_median        median days between the first such warning and the mark
  warned_1d_share         share of the flagged warned at least a day ahead
  false_alarms            numbers rested or retired with no spam mark in the rest
                          period before or the --horizon after, whose calls over that
                          --horizon failed not significantly more than the fleet's
  warned_unflagged_share  share of the numbers never flagged that were warned

Exit codes: 0 ok; 1 no calls stored or none in the range; 64 bad flags (a --step or
--horizon that is not a positive duration, --since not before --until, more than
10000 steps).";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How wide a table may be.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct WidthArgs {
    /// Fit tables to N columns: the least useful columns go first, long text ends in "…" (README: Table width) [default: $COLUMNS, else the terminal's width; not cut when not a terminal]
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "wide",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000)
    )]
    pub width: Option<usize>,
    /// Show every column in full, whatever the width
    #[arg(long)]
    pub wide: bool,
}
