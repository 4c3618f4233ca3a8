//! `numhealth prune`: delete old raw calls; rollups, bursts and score history stay, the
//! per-number score rows thinned beyond `pool.score_retention_days` to one a day.
//! `--dry-run` counts what would go and deletes nothing; a moment in the future is refused.

use crate::cli::PruneArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::report;
use crate::time::now_ms;

pub fn run(ctx: &Ctx, args: PruneArgs) -> Result<u8> {
    let before = ctx.moment("--before", &args.before)?;
    if before > now_ms() {
        return Err(Error::Usage(format!(
            "--before {} is in the future: prune deletes raw calls placed before it, which would be every call",
            args.before.trim()
        )));
    }
    if args.dry_run {
        let store = ctx.open_reader()?;
        let out = store.prune_preview(before, ctx.settings.pool.score_retention_days)?;
        if !ctx.quiet {
            report::maintenance::would_prune(&out)?;
        }
        return Ok(exit::OK);
    }
    let (_lock, mut store) = ctx.open_writer()?;
    let out = store.prune_and_thin(before, ctx.settings.pool.score_retention_days)?;
    if !ctx.quiet {
        report::maintenance::pruned(&out)?;
    }
    Ok(exit::OK)
}
