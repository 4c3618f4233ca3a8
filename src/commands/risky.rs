//! `numhealth risky`: numbers by descending spam risk, as of a moment.

use crate::cli::RiskyArgs;
use crate::commands::Ctx;
use crate::commands::score::assess_all;
use crate::error::{Result, exit};
use crate::report::{self, views};

pub fn run(ctx: &Ctx, args: RiskyArgs) -> Result<u8> {
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let all = assess_all(ctx, &store, as_of)?;
    let mut rows: Vec<_> = all
        .iter()
        .filter(|a| args.min_score.is_none_or(|m| a.score >= m))
        .collect();
    if !args.all {
        rows.truncate(args.top);
    }
    let full = args.format != crate::cli::Format::Table;
    report::emit(args.format, &views::assessments(&rows, full), &rows)?;
    Ok(exit::OK)
}
