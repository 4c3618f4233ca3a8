//! `numhealth rejects`: records kept aside, with file, line, field and reason.

use crate::cli::RejectsArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;

pub fn run(ctx: &Ctx, args: RejectsArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let rows = store.list_rejects(args.run, args.limit)?;
    report::listings::rejects(&rows, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
