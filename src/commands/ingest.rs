//! `numhealth ingest`: load files into the database, one transaction per file, and
//! report what landed.

use crate::cli::{IngestArgs, InputFormat as CliFormat};
use crate::commands::Ctx;
use crate::error::Result;
use crate::readers::{InputFormat, ReaderOptions};
use crate::report::{progress, run_summary};
use crate::store::LoadSettings;
use crate::store::ingest::{self, Loading};

pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<u8> {
    let now = crate::time::now_ms();
    let format = match args.input_format {
        CliFormat::Auto => InputFormat::Auto,
        CliFormat::Ndjson => InputFormat::Ndjson,
        CliFormat::Json => InputFormat::Json,
        CliFormat::Csv => InputFormat::Csv,
    };
    let opts =
        ReaderOptions::from_settings(&ctx.settings.ingest, format, args.region.as_deref(), now)?;
    ingest::check_paths(&args.paths)?;
    let (_lock, mut store) = ctx.open_writer()?;
    let settings = LoadSettings::from_settings(&ctx.settings, now);
    let progress = progress::for_terminal(ctx.progress);
    let loading = Loading {
        opts: &opts,
        settings: &settings,
        progress: &*progress,
        on_failure: &run_summary::input_failed,
    };
    let outcome = ingest::ingest_paths(&mut store, &args.paths, loading)?;
    run_summary::print(&outcome, args.format.into(), &|m| ctx.say(m))?;
    Ok(outcome.exit_code())
}
