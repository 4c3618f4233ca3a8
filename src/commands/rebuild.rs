//! `numhealth rebuild`: recompute rollups and bursts from raw calls with the current settings.

use crate::commands::Ctx;
use crate::error::{Result, exit};

pub fn run(ctx: &Ctx) -> Result<u8> {
    let (_lock, mut store) = ctx.open_writer()?;
    let n = store.rebuild(ctx.settings.short_call_ms(), &ctx.settings.bursts)?;
    ctx.done(&format!("rebuilt rollups and bursts from {n} raw calls"));
    Ok(exit::OK)
}
