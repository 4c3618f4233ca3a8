//! `numhealth backtest`: replays the assessment over a past range (read-only) and says how
//! far ahead of each number's first spam mark it warned, and how often it warned or rested
//! numbers that stayed clean.

use crate::cli::BacktestArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::backtest::{Request, backtest};
use crate::time::parse_duration;

pub fn run(ctx: &Ctx, args: BacktestArgs) -> Result<u8> {
    let req = Request {
        since_ms: args
            .since
            .as_deref()
            .map(|t| ctx.moment("--since", t))
            .transpose()?,
        until_ms: args
            .until
            .as_deref()
            .map(|t| ctx.moment("--until", t))
            .transpose()?,
        step_ms: parse_duration("--step", &args.step)?,
        horizon_ms: parse_duration("--horizon", &args.horizon)?,
    };
    let store = ctx.open_reader()?;
    let result = backtest(&store, &ctx.settings.score, &req)?;
    report::backtest::backtest(args.format, &result, ctx.width)?;
    Ok(exit::OK)
}
