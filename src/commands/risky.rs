//! `numhealth risky`: numbers by descending spam risk, as of a moment, each with its
//! status in the number pool at that moment.

use crate::cli::RiskyArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::rules;
use crate::store::pool::risky_at;

pub fn run(ctx: &Ctx, args: RiskyArgs) -> Result<u8> {
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let store = ctx.open_reader_at(&as_of)?;
    let top = (!args.all).then_some(args.top);
    let rows = risky_at(&store, &rules, as_of.ms, args.min_score, top)?;
    report::scores::risky(args.format, &rows, ctx.width)?;
    Ok(exit::OK)
}
