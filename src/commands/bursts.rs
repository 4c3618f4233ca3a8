//! `numhealth bursts`: the stored short-call bursts.

use crate::cli::BurstsArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::readers::numbers::normalize_number;
use crate::report;

pub fn run(ctx: &Ctx, args: BurstsArgs) -> Result<u8> {
    let since = args
        .since
        .as_deref()
        .map(|s| ctx.moment("--since", s))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| ctx.moment("--until", s))
        .transpose()?;
    let number = args
        .number
        .as_deref()
        .map(|n| normalize_number(&ctx.settings.ingest.default_region, n))
        .transpose()?;
    let store = ctx.open_reader()?;
    let rows = store.list_bursts(number.as_deref(), since, until)?;
    report::listings::bursts(&rows, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
