//! `numhealth risky`: numbers by descending spam risk, as of a moment.

use crate::cli::RiskyArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::{assess_all, riskiest};
use crate::store::freshness::AsOfMoment;

pub fn run(ctx: &Ctx, args: RiskyArgs) -> Result<u8> {
    let as_of = AsOfMoment::from_flag(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
    if let Some(w) = fresh.warning() {
        ctx.say(&w);
    }
    let all = assess_all(&store, &ctx.settings.score, as_of.ms)?;
    let rows = riskiest(&all, args.min_score, (!args.all).then_some(args.top));
    report::scores::risky(args.format, &rows)?;
    Ok(exit::OK)
}
