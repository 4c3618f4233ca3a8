//! The tables each command shows, built from store rows and assessments.

use crate::health::assessment::Assessment;
use crate::health::components::FIELDS;
use crate::pool::Status;
use crate::report::Table;
use crate::store::pool::{Rated, RotationRow};
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

/// Columns of `risky` (CSV and table): the contract's first six, then every component
/// (`components::FIELDS`), then attempts. With `full_reasons` false (tables), long reason
/// lists are shortened.
pub fn assessments(rows: &[&Assessment], full_reasons: bool) -> Table {
    let mut headers = vec![
        "number",
        "score",
        "level",
        "action",
        "rest_until",
        "reasons",
    ];
    headers.extend(FIELDS.iter().map(|f| f.name));
    headers.push("attempts");
    let mut t = Table::new(&headers);
    for a in rows {
        let mut row = vec![
            a.number.clone(),
            format!("{:.1}", a.score),
            a.level.as_str().to_string(),
            a.action.as_str().to_string(),
            a.rest_until.clone().unwrap_or_default(),
            reasons_cell(&a.reasons, full_reasons),
        ];
        row.extend(
            FIELDS
                .iter()
                .map(|f| format!("{:.1}", (f.value)(&a.components))),
        );
        row.push(a.attempts.to_string());
        t.push(row);
    }
    t
}

/// Puts a column named `name` at `at` (or last), one value per row.
fn insert_column(t: &mut Table, at: usize, name: &str, values: impl IntoIterator<Item = String>) {
    let at = at.min(t.headers.len());
    t.headers.insert(at, name.to_string());
    for (row, v) in t.rows.iter_mut().zip(values) {
        row.insert(at.min(row.len()), v);
    }
}

/// Columns of `risky`: those of `assessments`, with each number's pool `status` after
/// the contract's first six.
pub fn risky(rows: &[Rated], full_reasons: bool) -> Table {
    let verdicts: Vec<&Assessment> = rows.iter().map(|r| &r.assessment).collect();
    let mut t = assessments(&verdicts, full_reasons);
    let statuses = rows.iter().map(|r| r.entry.status.as_str().to_string());
    insert_column(&mut t, 6, "status", statuses);
    t
}

/// The reasons of a rotation row, after what says why the pool has not followed the
/// score when it has not (`pool::rotation::not_followed`).
fn rotation_reasons(
    a: &crate::health::assessment::Assessment,
    action: crate::health::assessment::Action,
    e: &crate::pool::Entry,
) -> String {
    let reasons = a.reasons.join("; ");
    match crate::pool::rotation::not_followed(a, action, e) {
        Some(why) if reasons.is_empty() => why,
        Some(why) => format!("{why}: {reasons}"),
        None => reasons,
    }
}

/// The rotation list for dialers: the contract's first six columns (`number, action,
/// rest_until, score, level, reasons`), then the pool's (`status, since, until,
/// daily_cap, hourly_cap, calls_today, remaining_today`), then every component. `action`
/// and `rest_until` agree with the status; a number with no calls yet has no score.
pub fn rotation(rows: &[RotationRow]) -> Table {
    let mut headers = vec![
        "number",
        "action",
        "rest_until",
        "score",
        "level",
        "reasons",
        "status",
        "since",
        "until",
        "daily_cap",
        "hourly_cap",
        "calls_today",
        "remaining_today",
    ];
    headers.extend(FIELDS.iter().map(|f| f.name));
    let mut t = Table::new(&headers);
    for r in rows {
        let e = &r.entry;
        let a = r.assessment.as_ref();
        let until = e.until.map(|d| d.to_string()).unwrap_or_default();
        let rest_until = if e.status == Status::Resting {
            until.clone()
        } else {
            String::new()
        };
        let mut row = vec![
            r.number.clone(),
            r.action.as_str().to_string(),
            rest_until,
            a.map(|a| format!("{:.1}", a.score)).unwrap_or_default(),
            a.map(|a| a.level.as_str().to_string()).unwrap_or_default(),
            a.map(|a| rotation_reasons(a, r.action, e))
                .unwrap_or_default(),
            e.status.as_str().to_string(),
            rfc3339(e.since_ms),
            until,
            e.caps.daily.to_string(),
            e.caps.hourly.to_string(),
            r.calls_today.to_string(),
            r.remaining_today.to_string(),
        ];
        row.extend(FIELDS.iter().map(|f| {
            a.map(|a| format!("{:.1}", (f.value)(&a.components)))
                .unwrap_or_default()
        }));
        t.push(row);
    }
    t
}

/// Stored bursts: `reason` (a sentence for people) only in the table, not in CSV.
pub fn bursts(rows: &[BurstRow], with_reason: bool) -> Table {
    let mut cols = vec![
        "number",
        "start",
        "end",
        "minutes",
        "calls",
        "short_calls",
        "expected",
    ];
    if with_reason {
        cols.push("reason");
    }
    let mut t = Table::new(&cols);
    for b in rows {
        let minutes = (b.end_ms - b.start_ms) as f64 / 60_000.0;
        let mut row = vec![
            b.number.clone(),
            rfc3339(b.start_ms),
            rfc3339(b.end_ms),
            format!("{minutes:.1}"),
            b.calls.to_string(),
            b.short_calls.to_string(),
            format!("{:.1}", b.expected),
        ];
        if with_reason {
            row.push(burst_reason(b));
        }
        t.push(row);
    }
    t
}

/// "14 short calls in 3.5 minutes where its pace predicts about 1.2".
pub fn burst_reason(b: &BurstRow) -> String {
    let minutes = (b.end_ms - b.start_ms) as f64 / 60_000.0;
    let about = if b.expected < 0.05 {
        "almost none".to_string()
    } else if b.expected < 10.0 {
        format!("about {:.1}", b.expected)
    } else {
        format!("about {:.0}", b.expected)
    };
    format!(
        "{} short calls in {minutes:.1} minutes where its pace predicts {about}",
        b.short_calls
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assessment::{Action, Components, Level, Metrics};
    use crate::report::{Format, write_rows};

    #[test]
    fn a_row_the_pool_did_not_follow_says_why_and_leaves_nothing_dangling() {
        let mut a = assessment();
        let e = crate::pool::Entry::new(
            &a.number,
            crate::pool::Status::Retired,
            0,
            crate::pool::Caps::NONE,
            "marked retired by an operator".into(),
        );
        let said = rotation_reasons(&a, Action::Retire, &e);
        assert_eq!(
            said,
            "retired in the pool (marked retired by an operator), so retire here; the score alone says monitor: because"
        );
        a.reasons.clear();
        let said = rotation_reasons(&a, Action::Retire, &e);
        assert!(said.ends_with("the score alone says monitor"), "{said}");
        assert_eq!(rotation_reasons(&a, Action::Monitor, &e), "");
    }

    /// An assessment whose components all differ, so a column showing the wrong one fails.
    fn assessment() -> Assessment {
        Assessment {
            number: "+14155550100".into(),
            score: 42.0,
            level: Level::Elevated,
            action: Action::Monitor,
            rest_until: None,
            rest_cause: None,
            components: Components {
                flags: 1.5,
                failures: 2.5,
                bursts: 3.5,
                engagement: 4.5,
                pacing: 5.5,
                evidence: 6.5,
                trend: 7.5,
            },
            reasons: vec!["because".into()],
            attempts: 9,
            metrics: Metrics::default(),
        }
    }

    fn written(format: Format, rows: &[&Assessment]) -> String {
        let mut out = Vec::new();
        write_rows(&mut out, format, &assessments(rows, true), rows).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_component_is_in_risky_csv_and_json() {
        let a = assessment();
        let csv = written(Format::Csv, &[&a]);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let json: serde_json::Value = serde_json::from_str(&written(Format::Json, &[&a])).unwrap();
        let components = json[0]["components"].as_object().unwrap();
        assert_eq!(components.len(), FIELDS.len(), "{components:?}");
        for f in FIELDS {
            let want = (f.value)(&a.components);
            let i = header.iter().position(|h| *h == f.name);
            let i = i.unwrap_or_else(|| panic!("{} not in {header:?}", f.name));
            assert_eq!(row[i], format!("{want:.1}"), "{}", f.name);
            assert_eq!(components[f.name].as_f64(), Some(want), "{}", f.name);
        }
    }

    #[test]
    fn the_list_follows_the_json_order() {
        let json = serde_json::to_string(&assessment().components).unwrap();
        let at: Vec<usize> = FIELDS
            .iter()
            .map(|f| json.find(&format!("\"{}\":", f.name)).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
    }
}
