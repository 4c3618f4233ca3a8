//! How wide a table may be, decided once per run: `--wide`, then `--width N`; output that
//! is not a terminal (a pipe, a file) gets the natural width; a terminal gets `$COLUMNS`,
//! else its own width.

use std::io::IsTerminal;

/// The room a table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// As wide as the rows are (stdout is not a terminal, or its width is unknown).
    #[default]
    Natural,
    /// Everything in full, even what a table for people normally shortens (`--wide`).
    Wide,
    /// At most this many columns: tables drop and shorten columns to fit.
    Columns(usize),
}

impl Width {
    /// The width for this run's stdout, from the flags and the environment.
    pub fn resolve(flag: Option<usize>, wide: bool) -> Width {
        decide(
            flag,
            wide,
            std::io::stdout().is_terminal(),
            std::env::var("COLUMNS").ok().as_deref(),
            || terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)),
        )
    }
}

/// `--wide` > `--width N` > not a terminal (natural) > `$COLUMNS` > the terminal's width.
fn decide(
    flag: Option<usize>,
    wide: bool,
    terminal: bool,
    columns_env: Option<&str>,
    terminal_width: impl FnOnce() -> Option<usize>,
) -> Width {
    if wide {
        return Width::Wide;
    }
    if let Some(n) = flag {
        return Width::Columns(n);
    }
    if !terminal {
        return Width::Natural;
    }
    let from_env = columns_env.and_then(|c| c.trim().parse::<usize>().ok());
    match from_env.filter(|&n| n > 0).or_else(terminal_width) {
        Some(n) if n > 0 => Width::Columns(n),
        _ => Width::Natural,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_terminal() -> Option<usize> {
        None
    }

    #[test]
    fn flags_come_first_then_the_environment_then_the_terminal() {
        let term = || Some(100);
        assert_eq!(decide(Some(70), true, true, Some("90"), term), Width::Wide);
        assert_eq!(
            decide(Some(70), false, true, Some("90"), term),
            Width::Columns(70)
        );
        assert_eq!(
            decide(None, false, true, Some("90"), term),
            Width::Columns(90)
        );
        assert_eq!(decide(None, false, true, None, term), Width::Columns(100));
        assert_eq!(
            decide(None, false, true, Some("wide"), term),
            Width::Columns(100),
            "a COLUMNS that is not a number is ignored"
        );
        assert_eq!(
            decide(None, false, true, Some("0"), no_terminal),
            Width::Natural
        );
    }

    #[test]
    fn a_pipe_gets_the_natural_width_unless_a_width_is_given() {
        let term = || Some(100);
        assert_eq!(decide(None, false, false, Some("90"), term), Width::Natural);
        assert_eq!(
            decide(Some(60), false, false, Some("90"), term),
            Width::Columns(60)
        );
        assert_eq!(decide(None, true, false, None, term), Width::Wide);
    }
}
