//! Printing: tables for people, CSV and JSON for machines. Data goes to stdout; this
//! module never decides what to compute, only how it looks.

pub mod progress;
pub mod run_summary;
pub mod views;

use std::io::Write;

use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::cli::Format;
use crate::error::{Error, Result};

/// Rows of text with a header, rendered as a table or CSV.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// A plain-text table for people.
    pub fn render(&self) -> String {
        let mut b = Builder::default();
        b.push_record(self.headers.iter().cloned());
        for r in &self.rows {
            b.push_record(r.iter().cloned());
        }
        let mut t = b.build();
        t.with(Style::psql());
        t.to_string()
    }

    /// CSV with a header row; cells that a spreadsheet would run as a formula are defused.
    pub fn write_csv(&self, out: impl Write) -> Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let io = |e: csv::Error| Error::Other(format!("writing CSV: {e}"));
        w.write_record(&self.headers).map_err(io)?;
        for r in &self.rows {
            w.write_record(r.iter().map(|c| defuse_formula(c).into_owned()))
                .map_err(io)?;
        }
        w.flush()
            .map_err(|e| Error::Other(format!("writing CSV: {e}")))?;
        Ok(())
    }
}

/// Prefixes `'` to a cell starting with `=`, `+`, `-`, `@`, tab or CR unless it is a plain
/// number (so `+14155550100` and `-3.5` stay as they are).
pub fn defuse_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.len() > 1
        && cell[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !cell.starts_with(['=', '@', '\t', '\r']);
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes `value` as pretty JSON plus a newline.
pub fn write_json<T: Serialize + ?Sized>(mut out: impl Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| Error::Other(format!("writing JSON: {e}")))?;
    writeln!(out).map_err(|e| Error::Other(format!("writing JSON: {e}")))?;
    Ok(())
}

/// Prints rows in the chosen format to stdout: `table` and `json_value` are two views of
/// the same data.
pub fn emit<T: Serialize + ?Sized>(format: Format, table: &Table, json_value: &T) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = match format {
        Format::Table => {
            writeln!(out, "{}", table.render()).map_err(|e| Error::Other(e.to_string()))
        }
        Format::Csv => table.write_csv(&mut out),
        Format::Json => write_json(&mut out, json_value),
    };
    match r {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(Error::Other(m)) if m.contains("Broken pipe") => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_numbers_kept() {
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse_formula("+1+2"), "'+1+2");
        assert_eq!(defuse_formula("+14155550100"), "+14155550100");
        assert_eq!(defuse_formula("-3.5"), "-3.5");
        assert_eq!(defuse_formula("plain"), "plain");
    }

    #[test]
    fn csv_has_header_and_quotes() {
        let mut t = Table::new(&["a", "b"]);
        t.push(vec!["x,y".into(), "=1+1".into()]);
        let mut buf = Vec::new();
        t.write_csv(&mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "a,b\n\"x,y\",'=1+1\n");
    }
}
