//! `numhealth man`: the man page (roff), from the clap definition.

use crate::error::{Result, exit};
use crate::report;

pub fn run() -> Result<u8> {
    report::help::write_man_page()?;
    Ok(exit::OK)
}
