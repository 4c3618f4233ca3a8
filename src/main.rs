//! The `numhealth` binary: parse flags, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = numhealth::cli::Cli::parse();
    match numhealth::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("numhealth: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
