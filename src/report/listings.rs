//! What is stored, listed: ingest and pull runs with their files, rejected records, bursts.

use serde::Serialize;

use crate::error::Result;
use crate::report::{Format, emit, io, to_stdout, views, write_rows};
use crate::store::{BurstRow, RejectRow, RunFileRow, RunRow};
use crate::time::rfc3339;

#[derive(Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    run: &'a RunRow,
    file_list: Vec<&'a RunFileRow>,
}

/// The runs; a table is followed by a second table of their files, JSON nests them.
pub fn runs(runs: &[RunRow], files: &[RunFileRow], format: Format) -> Result<()> {
    let json: Vec<RunJson> = runs
        .iter()
        .map(|r| RunJson {
            run: r,
            file_list: files.iter().filter(|f| f.run_id == r.id).collect(),
        })
        .collect();
    to_stdout(|out| {
        write_rows(out, format, &views::runs(runs), &json)?;
        if format == Format::Table && !files.is_empty() {
            writeln!(out).map_err(io)?;
            write_rows(out, Format::Table, &views::run_files(files), &())?;
        }
        Ok(())
    })
}

/// Rejected records; a table shortens each raw record to 60 characters.
pub fn rejects(rows: &[RejectRow], format: Format) -> Result<()> {
    let width = if format == Format::Table {
        60
    } else {
        usize::MAX
    };
    emit(format, &views::rejects(rows, width), rows)
}

#[derive(Serialize)]
struct BurstJson<'a> {
    number: &'a str,
    start: String,
    end: String,
    calls: i64,
    short_calls: i64,
}

/// Stored bursts.
pub fn bursts(rows: &[BurstRow], format: Format) -> Result<()> {
    let json: Vec<BurstJson> = rows
        .iter()
        .map(|b| BurstJson {
            number: &b.number,
            start: rfc3339(b.start_ms),
            end: rfc3339(b.end_ms),
            calls: b.calls,
            short_calls: b.short_calls,
        })
        .collect();
    emit(format, &views::bursts(rows), &json)
}
