//! `numhealth numbers`: the number pool as of a moment, one row per registered number
//! (status, rest date, caps, who decided and why, latest recorded score).

use crate::cli::NumbersArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::pool::Status;
use crate::report;
use crate::store::assess::rules;

pub fn run(ctx: &Ctx, args: NumbersArgs) -> Result<u8> {
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let only: Vec<Status> = args.status.into_iter().map(Status::from).collect();
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let store = ctx.open_reader()?;
    let rows = store.pool_numbers_at(as_of.ms, &rules, &only)?;
    report::pool::numbers(args.format.into(), &rows, ctx.width)?;
    Ok(exit::OK)
}
