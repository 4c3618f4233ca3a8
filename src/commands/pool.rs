//! `numhealth pool`: numbers, calls and capacity per area code (or state, or country) as
//! of a moment, and how many numbers to buy.

use crate::cli::PoolArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::rules;
use crate::store::pool_demand::capacity_plan;

pub fn run(ctx: &Ctx, args: PoolArgs) -> Result<u8> {
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let store = ctx.open_reader_at(&as_of)?;
    let plan = capacity_plan(&store, &rules, as_of.ms, args.by.into())?;
    for note in report::pool_plan::notes(&plan) {
        ctx.say(&note);
    }
    report::pool_plan::print(args.format.into(), &plan, ctx.width)?;
    Ok(exit::OK)
}
