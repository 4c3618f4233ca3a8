//! `numhealth rejects`: records kept aside, with file, line, field and reason; with
//! `--clear-before T`, deletes those recorded before T instead.

use crate::cli::RejectsArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;

pub fn run(ctx: &Ctx, args: RejectsArgs) -> Result<u8> {
    if let Some(t) = args.clear_before.as_deref() {
        let before = ctx.moment("--clear-before", t)?;
        let (_lock, store) = ctx.open_writer()?;
        let cleared = store.clear_rejects_before(before, args.run)?;
        report::listings::rejects_cleared(cleared, before, &|m| ctx.say(m));
        return Ok(exit::OK);
    }
    let store = ctx.open_reader()?;
    let rows = store.list_rejects(args.run, args.limit)?;
    report::listings::rejects(&rows, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
