//! The `numhealth` binary: parse flags, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: records are allocated on the parser thread and freed on the SQLite thread,
/// a pattern glibc malloc handles poorly (a tenth of ingest time went to consolidation).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match numhealth::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return numhealth::commands::usage_error(e),
    };
    match numhealth::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(numhealth::error::Error::StdoutClosed) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("numhealth: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
