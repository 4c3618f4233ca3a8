//! `numhealth completions SHELL`: the shell completion script, from the clap definition.

use crate::cli::CompletionsArgs;
use crate::error::{Result, exit};
use crate::report;

pub fn run(args: CompletionsArgs) -> Result<u8> {
    report::help::write_completions(args.shell)?;
    Ok(exit::OK)
}
