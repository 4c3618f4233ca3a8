//! `numhealth score`: judge every number as of a moment and record the run, so each
//! number's risk history can be shown.

use crate::cli::ScoreArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::assess_and_record;

pub fn run(ctx: &Ctx, args: ScoreArgs) -> Result<u8> {
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let (_lock, mut store) = ctx.open_writer()?;
    let settings = ctx.settings.to_toml();
    let run = assess_and_record(&mut store, &ctx.settings.score, as_of, &settings)?;
    report::scores::score_summary(args.format, run.run_id, as_of, &run.assessments)?;
    Ok(exit::OK)
}
