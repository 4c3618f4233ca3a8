//! Command-line flags, and nothing else: clap structs only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "numhealth",
    version,
    about = "Keeps outbound caller numbers out of \"Spam Likely\"",
    after_help = "Exit codes: 0 ok; 1 failure; 2 finished but some records were rejected; 3 database locked by another run."
)]
pub struct Cli {
    /// SQLite database [default: $NUMHEALTH_DB, else the per-user data directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// TOML settings [default: $NUMHEALTH_CONFIG, else the per-user config file, else built-in]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// No progress and no messages except errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Seconds a writer waits for another run's lock before exiting with code 3
    #[arg(long, global = true, value_name = "SECS", default_value_t = 0)]
    pub lock_timeout: u64,
    #[command(subcommand)]
    pub command: Command,
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
    /// One number's story: timeline, bursts, components, action, score history
    Number(NumberArgs),
    /// Short-call bursts
    Bursts(BurstsArgs),
    /// Export lists for dialers
    Export(ExportArgs),
    /// Records that could not be read, with file, line, field and reason
    Rejects(RejectsArgs),
    /// What each ingest/pull run did
    Runs(RunsArgs),
    /// Print the effective settings as TOML
    Config,
    /// Delete raw calls older than a moment; rollups, bursts and score history stay
    Prune(PruneArgs),
    /// Take a consistent copy of the database while others write
    Backup(BackupArgs),
    /// Recompute rollups and bursts from the stored raw calls (after changing cut-offs)
    Rebuild,
    /// Integrity check, counts and a checksum of stored calls, rollups and bursts
    Check(CheckArgs),
    /// Generate a simulated fleet with planted patterns and its ground truth
    Simulate(SimulateArgs),
    /// Score simulated fleets against their ground truth (accuracy evaluation)
    Evaluate(EvaluateArgs),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files to load; `-` reads standard input
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Region for numbers in national format [default: settings' ingest.default_region]
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Pull calls that started at or after this moment [default: the stored watermark minus overlap]
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Pull calls that started before this moment [default: now]
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct AsOf {
    /// Judge as of this moment: RFC 3339, or a date meaning 00:00 UTC [default: now]
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct RiskyArgs {
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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct NumberArgs {
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
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct BurstsArgs {
    #[arg(long, value_name = "E164")]
    pub number: Option<String>,
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
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
    /// The rotation list as CSV: number, action, rest_until, score, reasons
    Rotation(RotationArgs),
}

#[derive(Debug, Args)]
pub struct RotationArgs {
    #[command(flatten)]
    pub as_of: AsOf,
    /// Write here atomically (created 0600) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RejectsArgs {
    /// Only rejects from this run
    #[arg(long, value_name = "ID")]
    pub run: Option<i64>,
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete raw calls placed before this moment (RFC 3339 or date)
    #[arg(long, value_name = "T")]
    pub before: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Destination file (must not exist)
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Directory to write the fleet into (created)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// First seed
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many fleets (consecutive seeds)
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    #[arg(long, default_value_t = 60)]
    pub numbers: usize,
    #[arg(long, default_value_t = 21)]
    pub days: i64,
    #[arg(long, default_value_t = 60)]
    pub calls_per_day: u32,
    /// Last simulated day (YYYY-MM-DD) [default: 2026-11-20]
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}
