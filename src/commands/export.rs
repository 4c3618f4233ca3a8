//! `numhealth export rotation`: the list dialers consume, written atomically: each
//! number's verdict, its status in the pool at the moment (after the last score run,
//! only the changes time makes; before it, what was recorded then), its caps and its
//! calls today. Stale data as of now is refused (exit 4) unless `--allow-stale`; only
//! `score` raises the alert.

use crate::cli::{ExportArgs, ExportWhat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::rules;
use crate::store::pool::rotation_at;

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<u8> {
    let ExportWhat::Rotation(args) = args.what;
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let store = ctx.open_reader()?;
    let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
    if let Some(w) = fresh.gate("export rotation", args.allow_stale)? {
        ctx.say(&w);
    }
    let rows = rotation_at(&store, &rules, as_of.ms)?;
    report::scores::rotation(&rows, args.output.as_deref())?;
    if let Some(path) = &args.output {
        ctx.done(&format!(
            "wrote {} numbers to {}",
            rows.len(),
            report::output_name(path)
        ));
    }
    Ok(exit::OK)
}
