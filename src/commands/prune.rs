//! `numhealth prune`: delete old raw calls; rollups, bursts and score history stay, the
//! per-number score rows thinned beyond `pool.score_retention_days` to one a day.

use crate::cli::PruneArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::time::parse_moment;

pub fn run(ctx: &Ctx, args: PruneArgs) -> Result<u8> {
    let before = parse_moment("--before", &args.before)?;
    let (_lock, mut store) = ctx.open_writer()?;
    let out = store.prune_and_thin(before, ctx.settings.pool.score_retention_days)?;
    report::maintenance::pruned(&out)?;
    Ok(exit::OK)
}
