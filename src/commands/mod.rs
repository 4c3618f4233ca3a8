//! One file per command; `run` dispatches parsed flags to them.

use crate::cli::Cli;
use crate::error::{Error, Result};

pub fn run(_cli: Cli) -> Result<u8> {
    Err(Error::Other("not implemented".into()))
}
