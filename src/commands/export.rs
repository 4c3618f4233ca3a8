//! `numhealth export rotation`: the list dialers consume, written atomically. Stale data
//! as of now is refused (exit 4) unless `--allow-stale`; only `score` raises the alert.

use crate::cli::{ExportArgs, ExportWhat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::assess_all;
use crate::store::freshness::AsOfMoment;

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<u8> {
    let ExportWhat::Rotation(args) = args.what;
    let as_of = AsOfMoment::from_flag(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
    if let Some(w) = fresh.gate("export rotation", args.allow_stale)? {
        ctx.say(&w);
    }
    let all = assess_all(&store, &ctx.settings.score, as_of.ms)?;
    let rows: Vec<_> = all.iter().collect();
    report::scores::rotation(&rows, args.output.as_deref())?;
    if let Some(path) = &args.output {
        ctx.say(&format!(
            "wrote {} numbers to {}",
            rows.len(),
            path.display()
        ));
    }
    Ok(exit::OK)
}
