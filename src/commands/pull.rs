//! `numhealth pull`: fetch call records from the platform's List Calls API.

use crate::cli::PullArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result};

pub fn run(_ctx: &Ctx, _args: PullArgs) -> Result<u8> {
    Err(Error::Other("pull: not implemented yet".into()))
}
