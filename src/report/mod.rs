//! Printing: tables for people, CSV and JSON for machines. Data goes to stdout; this
//! module never decides what to compute, only how it looks.

pub mod backtest;
pub mod evaluation;
pub mod fit;
pub mod help;
pub mod html;
pub mod layouts;
pub mod listings;
pub mod maintenance;
pub mod number;
pub mod pool;
pub mod pool_plan;
pub mod progress;
pub mod run_summary;
pub mod scores;
pub mod views;
pub mod width;

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::error::{Error, Result};
use crate::report::fit::Layout;
use crate::report::width::Width;

/// How results are shown: a table for people, CSV or JSON for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

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

    /// This table for a terminal `width` columns wide (see [`fit::fit`]); as it is for
    /// [`Width::Natural`] and [`Width::Wide`].
    pub fn fitted(&self, width: Width, layout: &Layout) -> Cow<'_, Table> {
        match width {
            Width::Columns(n) => Cow::Owned(fit::fit(self, n, layout)),
            Width::Natural | Width::Wide => Cow::Borrowed(self),
        }
    }

    /// CSV with a header row; cells that a spreadsheet would run as a formula are defused.
    pub fn write_csv(&self, out: impl Write) -> Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let csv_error = |e: csv::Error| match e.into_kind() {
            csv::ErrorKind::Io(e) => io(e),
            other => Error::Other(format!("writing CSV: {other:?}")),
        };
        w.write_record(&self.headers).map_err(csv_error)?;
        for r in &self.rows {
            w.write_record(r.iter().map(|c| defuse_formula(c).into_owned()))
                .map_err(csv_error)?;
        }
        w.flush().map_err(io)
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
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => io(kind.into()),
        None => Error::Other(format!("writing JSON: {e}")),
    })?;
    writeln!(out).map_err(io)
}

/// Writes rows in the chosen format: `table` and `json_value` are two views of the same data.
pub fn write_rows<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    format: Format,
    table: &Table,
    json_value: &T,
) -> Result<()> {
    match format {
        Format::Table => writeln!(out, "{}", table.render()).map_err(io),
        Format::Csv => table.write_csv(out),
        Format::Json => write_json(out, json_value),
    }
}

/// Prints rows in the chosen format to stdout (see `write_rows`).
pub fn emit<T: Serialize + ?Sized>(
    format: impl Into<Format>,
    table: &Table,
    json_value: &T,
) -> Result<()> {
    to_stdout(|out| write_rows(out, format.into(), table, json_value))
}

/// Like [`emit`], a table fitted to `width` by `layout` (CSV and JSON are never cut).
pub fn emit_fitted<T: Serialize + ?Sized>(
    format: impl Into<Format>,
    table: &Table,
    layout: &Layout,
    width: Width,
    json_value: &T,
) -> Result<()> {
    let format = format.into();
    if format == Format::Table {
        emit(format, &table.fitted(width, layout), json_value)
    } else {
        emit(format, table, json_value)
    }
}

/// Prints `value` as pretty JSON to stdout (see [`write_json`]).
pub fn emit_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    to_stdout(|out| write_json(out, value))
}

/// Runs `write` on stdout and flushes. A reader that went away (`| head`) ends the
/// output as [`Error::StdoutClosed`], which `main` turns into a quiet exit, never a panic.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write(&mut out).and_then(|()| out.flush().map_err(io))
}

/// A failed write to the output: a closed pipe becomes [`Error::StdoutClosed`].
fn io(e: std::io::Error) -> Error {
    Error::from_stdout(e)
}

/// Writes bytes to stdout and flushes (see [`to_stdout`]).
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    to_stdout(|out| out.write_all(bytes).map_err(io))
}

/// Writes an output file (`-o`) so that a reader sees the old file or the whole new one,
/// never part of it: `write` fills a temporary file (0600) in the same directory, which is
/// synced and then renamed over the file. A symbolic link is followed: the file it points
/// at is replaced and the link stays (a dialer reading through it sees the new list). A
/// FIFO or a device (`/dev/stdout`) is written straight into, and `-` means stdout.
/// `what` names the file in errors ("the report").
pub fn write_atomically(
    path: &std::path::Path,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let fail = |m: String| Error::Input {
        path: path.display().to_string(),
        message: m,
    };
    if path.as_os_str() == "-" {
        return to_stdout(write);
    }
    let target = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(fail("is a directory; name a file".into())),
        Ok(m) if !m.is_file() => {
            // A FIFO, a terminal or another device: no rename can stand in for it.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| fail(format!("cannot open it for writing: {e}")))?;
            write(&mut f)?;
            return f.flush().map_err(|e| fail(e.to_string()));
        }
        Ok(_) => std::fs::canonicalize(path).map_err(|e| fail(e.to_string()))?,
        Err(_) => link_target(path).unwrap_or_else(|| path.to_path_buf()),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".numhealth-")
        .tempfile_in(dir)
        .map_err(|e| fail(format!("cannot create a file in {}: {e}", dir.display())))?;
    write(&mut tmp)?;
    tmp.flush()
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail(e.to_string()))?;
    tmp.persist(&target)
        .map_err(|e| fail(format!("cannot move {what} into place: {}", e.error)))?;
    Ok(())
}

/// How messages name an output path: "stdout" for `-`.
pub fn output_name(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "stdout".into()
    } else {
        path.display().to_string()
    }
}

/// A failed write to the output `path` of [`write_atomically`]: on stdout (`-`) a closed
/// pipe ends the output quietly, as on every other command.
pub fn output_error(path: &std::path::Path, e: std::io::Error) -> Error {
    if path.as_os_str() == "-" {
        io(e)
    } else {
        Error::Input {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// Where a symbolic link to a file that does not exist yet points (relative to the link's
/// directory), so that the file is created there and the link kept; `None` for a path that
/// is no link.
fn link_target(path: &std::path::Path) -> Option<std::path::PathBuf> {
    let to = std::fs::read_link(path).ok()?;
    Some(match path.parent() {
        Some(dir) if to.is_relative() => dir.join(to),
        _ => to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(path: &std::path::Path, text: &str) -> Result<()> {
        write_atomically(path, "the list", |out| {
            out.write_all(text.as_bytes())
                .map_err(|e| output_error(path, e))
        })
    }

    #[test]
    fn an_output_through_a_symlink_replaces_its_target_and_keeps_the_link() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("dialer")).unwrap();
        let target = d.path().join("dialer/rotation.csv");
        std::fs::write(&target, "old list\n").unwrap();
        let link = d.path().join("rotation.csv");
        std::os::unix::fs::symlink("dialer/rotation.csv", &link).unwrap();
        put(&link, "new list\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new list\n");
        // No temporary file left in either directory.
        for dir in [d.path(), &d.path().join("dialer")] {
            let names: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert!(
                names.iter().all(|n| !n.starts_with(".numhealth-")),
                "{names:?}"
            );
        }
        // A link to a file that does not exist yet creates it there.
        let dangling = d.path().join("later.csv");
        std::os::unix::fs::symlink("dialer/later.csv", &dangling).unwrap();
        put(&dangling, "first\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("dialer/later.csv")).unwrap(),
            "first\n"
        );
    }

    #[test]
    fn a_fifo_is_written_into_and_a_directory_refused() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("feed.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        put(&fifo, "through the pipe\n").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe\n");
        assert!(
            !std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_file()
        );
        let e = put(d.path(), "x").unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
    }

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
