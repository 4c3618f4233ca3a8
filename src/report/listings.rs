//! What is stored, listed: ingest and pull runs with their files, rejected records, bursts.

use std::borrow::Cow;

use serde::Serialize;

use crate::error::Result;
use crate::report::width::Width;
use crate::report::{Format, emit_fitted, io, layouts, to_stdout, views, write_rows};
use crate::store::{BurstRow, RejectRow, RunFileRow, RunRow};
use crate::time::rfc3339;

#[derive(Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    run: &'a RunRow,
    file_list: Vec<&'a RunFileRow>,
}

/// The runs; a table is followed by a second table of their files, JSON nests them.
pub fn runs(runs: &[RunRow], files: &[RunFileRow], format: Format, width: Width) -> Result<()> {
    let json: Vec<RunJson> = runs
        .iter()
        .map(|r| RunJson {
            run: r,
            file_list: files.iter().filter(|f| f.run_id == r.id).collect(),
        })
        .collect();
    to_stdout(|out| {
        let table = views::runs(runs);
        let shown = match format {
            Format::Table => table.fitted(width, &layouts::RUNS),
            Format::Csv | Format::Json => Cow::Borrowed(&table),
        };
        write_rows(out, format, &shown, &json)?;
        if format == Format::Table && !files.is_empty() {
            writeln!(out).map_err(io)?;
            let table = views::run_files(files);
            let table = table.fitted(width, &layouts::RUN_FILES);
            write_rows(out, Format::Table, &table, &())?;
        }
        Ok(())
    })
}

/// Rejected records; a table shortens each raw record to 60 characters (unless `--wide`)
/// and fits the terminal's width.
pub fn rejects(rows: &[RejectRow], format: Format, width: Width) -> Result<()> {
    let raw_width = if format == Format::Table && width != Width::Wide {
        60
    } else {
        usize::MAX
    };
    let table = views::rejects(rows, raw_width);
    emit_fitted(format, &table, &layouts::REJECTS, width, rows)
}

/// Tells how many rejects `rejects --clear-before` deleted.
pub fn rejects_cleared(cleared: usize, before_ms: i64, say: &dyn Fn(&str)) {
    let noun = if cleared == 1 { "reject" } else { "rejects" };
    say(&format!(
        "cleared {cleared} {noun} recorded before {}",
        rfc3339(before_ms)
    ));
}

#[derive(Serialize)]
struct BurstJson<'a> {
    number: &'a str,
    start: String,
    end: String,
    /// From start to end, in minutes to one decimal (as the table and CSV show it).
    minutes: f64,
    calls: i64,
    short_calls: i64,
    /// Short calls the number's own pace predicts from start to end.
    expected: f64,
    /// Poisson tail probability of `short_calls` at that expectation.
    p_value: f64,
    reason: String,
}

/// A burst's length in minutes, rounded to one decimal exactly as the table and CSV
/// print it (`{:.1}`), so the three outputs agree.
fn minutes_shown(b: &BurstRow) -> f64 {
    let minutes = (b.end_ms - b.start_ms) as f64 / 60_000.0;
    format!("{minutes:.1}").parse().unwrap_or(minutes)
}

/// Stored bursts.
pub fn bursts(rows: &[BurstRow], format: Format, width: Width) -> Result<()> {
    let json: Vec<BurstJson> = rows
        .iter()
        .map(|b| BurstJson {
            number: &b.number,
            start: rfc3339(b.start_ms),
            end: rfc3339(b.end_ms),
            minutes: minutes_shown(b),
            calls: b.calls,
            short_calls: b.short_calls,
            expected: b.expected,
            p_value: b.p_value,
            reason: views::burst_reason(b),
        })
        .collect();
    let table = views::bursts(rows, format == Format::Table);
    emit_fitted(format, &table, &layouts::BURSTS, width, &json)
}
