//! `numhealth config`: print the effective settings as TOML (a starting config file).

use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;

pub fn run(ctx: &Ctx) -> Result<u8> {
    report::maintenance::settings(&ctx.settings.to_toml())?;
    Ok(exit::OK)
}
