//! The tables each command shows, built from store rows and assessments.

use crate::health::score::Assessment;
use crate::report::Table;
use crate::store::{BurstRow, RejectRow, RunFileRow, RunRow, RunTotals};
use crate::time::rfc3339;

/// The ingest/pull summary as a two-column table.
pub fn summary(t: &RunTotals, pages: Option<u64>) -> Table {
    let mut tab = Table::new(&["", "count"]);
    let mut rows = vec![
        ("files", t.files),
        ("read", t.read),
        ("inserted", t.inserted),
        ("updated", t.updated),
        ("unchanged", t.unchanged),
        ("skipped", t.skipped),
        ("rejected", t.rejected),
    ];
    if let Some(p) = pages {
        rows.push(("pages", p));
    }
    for (k, v) in rows {
        tab.push(vec![k.to_string(), v.to_string()]);
    }
    tab
}

pub fn runs(rows: &[RunRow]) -> Table {
    let mut t = Table::new(&[
        "id",
        "kind",
        "started",
        "finished",
        "status",
        "files",
        "pages",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "skipped",
        "rejected",
        "unknown_reasons",
    ]);
    for r in rows {
        t.push(vec![
            r.id.to_string(),
            r.kind.clone(),
            r.started.clone(),
            r.finished.clone().unwrap_or_default(),
            r.status.clone(),
            r.files.to_string(),
            r.pages.to_string(),
            r.read.to_string(),
            r.inserted.to_string(),
            r.updated.to_string(),
            r.unchanged.to_string(),
            r.skipped.to_string(),
            r.rejected.to_string(),
            r.unknown_reasons.to_string(),
        ]);
    }
    t
}

pub fn run_files(rows: &[RunFileRow]) -> Table {
    let mut t = Table::new(&[
        "run",
        "file",
        "shape",
        "bytes",
        "sha256",
        "read",
        "inserted",
        "updated",
        "unchanged",
        "skipped",
        "rejected",
        "status",
        "message",
    ]);
    for r in rows {
        t.push(vec![
            r.run_id.to_string(),
            r.name.clone(),
            r.shape.clone().unwrap_or_default(),
            r.bytes.to_string(),
            r.sha256.clone().unwrap_or_default(),
            r.read.to_string(),
            r.inserted.to_string(),
            r.updated.to_string(),
            r.unchanged.to_string(),
            r.skipped.to_string(),
            r.rejected.to_string(),
            r.status.clone(),
            r.message.clone().unwrap_or_default(),
        ]);
    }
    t
}

pub fn rejects(rows: &[RejectRow], raw_width: usize) -> Table {
    let mut t = Table::new(&["run", "file", "line", "record", "field", "reason", "raw"]);
    for r in rows {
        let raw: String = if raw_width == usize::MAX {
            r.raw.clone()
        } else {
            r.raw.chars().take(raw_width).collect()
        };
        t.push(vec![
            r.run_id.to_string(),
            r.file.clone(),
            r.line.map(|l| l.to_string()).unwrap_or_default(),
            r.record.to_string(),
            r.field.clone().unwrap_or_default(),
            r.reason.clone(),
            raw,
        ]);
    }
    t
}

/// A person's table shows the first reason and how many more; CSV and JSON carry them all.
fn reasons_cell(reasons: &[String], full: bool) -> String {
    match (full, reasons) {
        (true, _) => reasons.join("; "),
        (false, []) => String::new(),
        (false, [one]) => one.clone(),
        (false, [first, rest @ ..]) => format!("{first} (+{} more)", rest.len()),
    }
}

/// Columns of `risky` (CSV and table): the contract's first six, then the components.
/// With `full_reasons` false (tables), long reason lists are shortened.
pub fn assessments(rows: &[&Assessment], full_reasons: bool) -> Table {
    let mut t = Table::new(&[
        "number",
        "score",
        "level",
        "action",
        "rest_until",
        "reasons",
        "flags",
        "failures",
        "bursts",
        "engagement",
        "pacing",
        "evidence",
        "attempts",
    ]);
    for a in rows {
        let c = &a.components;
        t.push(vec![
            a.number.clone(),
            format!("{:.1}", a.score),
            a.level.as_str().to_string(),
            a.action.as_str().to_string(),
            a.rest_until.clone().unwrap_or_default(),
            reasons_cell(&a.reasons, full_reasons),
            format!("{:.1}", c.flags),
            format!("{:.1}", c.failures),
            format!("{:.1}", c.bursts),
            format!("{:.1}", c.engagement),
            format!("{:.1}", c.pacing),
            format!("{:.1}", c.evidence),
            a.attempts.to_string(),
        ]);
    }
    t
}

/// The rotation list for dialers.
pub fn rotation(rows: &[&Assessment]) -> Table {
    let mut t = Table::new(&[
        "number",
        "action",
        "rest_until",
        "score",
        "level",
        "reasons",
    ]);
    for a in rows {
        t.push(vec![
            a.number.clone(),
            a.action.as_str().to_string(),
            a.rest_until.clone().unwrap_or_default(),
            format!("{:.1}", a.score),
            a.level.as_str().to_string(),
            a.reasons.join("; "),
        ]);
    }
    t
}

pub fn bursts(rows: &[BurstRow]) -> Table {
    let mut t = Table::new(&["number", "start", "end", "minutes", "calls", "short_calls"]);
    for b in rows {
        t.push(vec![
            b.number.clone(),
            rfc3339(b.start_ms),
            rfc3339(b.end_ms),
            format!("{:.1}", (b.end_ms - b.start_ms) as f64 / 60_000.0),
            b.calls.to_string(),
            b.short_calls.to_string(),
        ]);
    }
    t
}
