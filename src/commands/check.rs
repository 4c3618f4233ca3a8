//! `numhealth check`: integrity check, counts and a content checksum.

use crate::cli::CheckArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let r = store.check()?;
    report::maintenance::check(&r, args.format.into())?;
    Ok(if r.integrity == "ok" {
        exit::OK
    } else {
        exit::FAILURE
    })
}
