//! `numhealth rejects`: records kept aside, with file, line, field and reason.

use crate::cli::{Format, RejectsArgs};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report::{self, views};

pub fn run(ctx: &Ctx, args: RejectsArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let rows = store.list_rejects(args.run, args.limit)?;
    let width = if args.format == Format::Table {
        60
    } else {
        usize::MAX
    };
    report::emit(args.format, &views::rejects(&rows, width), &rows)?;
    Ok(exit::OK)
}
