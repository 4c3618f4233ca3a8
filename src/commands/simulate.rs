//! `numhealth simulate`: write a simulated fleet (every input shape) and its ground truth.

use crate::cli::SimulateArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result};

pub fn run(_ctx: &Ctx, _args: SimulateArgs) -> Result<u8> {
    Err(Error::Other("simulate: not wired yet".into()))
}
