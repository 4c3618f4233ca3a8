//! `numhealth ingest`: load files into the database, one transaction per file, and
//! report what landed.

use crate::cli::{IngestArgs, InputFormat as CliFormat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::readers::{InputFormat, ReaderOptions};
use crate::report::{progress, run_summary};
use crate::store::LoadSettings;
use crate::store::ingest::{self, Inputs, Loading};

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
    let say = |m: &str| ctx.say(m);
    let done = |m: &str| ctx.done(m);
    // Paths are checked before the database is opened: when none can be read, no
    // database is created and nothing is recorded.
    let inputs = Inputs::check(&args.paths, args.recursive)?;
    if inputs.none_readable() {
        run_summary::inputs_refused(&inputs);
        return Ok(exit::FAILURE);
    }
    run_summary::inputs_expanded(&inputs, &done);
    let existed = ctx.db.exists();
    let (_lock, mut store) = ctx.open_writer()?;
    if !existed {
        run_summary::database_created(store.path(), &say);
    }
    let settings = LoadSettings::from_settings(&ctx.settings, now);
    let progress = progress::for_terminal(ctx.progress);
    let loading = Loading {
        opts: &opts,
        settings: &settings,
        progress: &*progress,
        on_failure: &run_summary::input_failed,
        say: &say,
    };
    let outcome = ingest::ingest_inputs(&mut store, &inputs, loading)?;
    run_summary::print(
        &outcome,
        args.format.into(),
        ctx.quiet,
        ctx.db_flag.as_deref(),
        &say,
    )?;
    Ok(outcome.exit_code())
}
