//! Generated documentation on stdout: shell completion scripts and the man page, both
//! made from the clap definition in `cli`, so they always list the real flags.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;

/// Writes the completion script for `shell` to stdout.
pub fn write_completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "numhealth", &mut buf);
    super::write_stdout(&buf)
}

/// Writes the man page (roff): the top-level page followed by one section per command.
pub fn write_man_page() -> Result<()> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| crate::error::Error::Other(format!("rendering the man page: {e}")))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let _ = writeln!(buf, ".SH \"NUMHEALTH {}\"", name.to_uppercase());
        let section = sub.clone().bin_name(format!("numhealth {name}"));
        let man = clap_mangen::Man::new(section);
        man.render_synopsis_section(&mut buf)
            .and_then(|_| man.render_options_section(&mut buf))
            .map_err(|e| crate::error::Error::Other(format!("rendering the man page: {e}")))?;
    }
    super::write_stdout(&buf)
}
