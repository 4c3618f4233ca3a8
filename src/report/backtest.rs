//! How `numhealth backtest` looks: the figures in plain English and one row per number
//! (fitted to the terminal), or JSON with exactly the figures and `numbers`.

use std::io::Write;

use serde::Serialize;

use crate::cli::SummaryFormat;
use crate::error::Result;
use crate::health::backtest::{NumberRow, span_text};
use crate::report::fit::{self, Layout};
use crate::report::width::Width;
use crate::report::{Format, Table, io, to_stdout, write_json, write_rows};
use crate::store::backtest::Backtest;
use crate::time::{plural, rfc3339};

/// The per-number table: first_warning goes first in a narrow terminal (lead_days says
/// how far ahead it was); number, first_flag, lead_days and false_alarm always stay.
pub const LAYOUT: Layout = Layout {
    drop: &["first_warning"],
    shorten: &[],
};

/// The JSON document: the figures, then one row per number.
#[derive(Debug, Serialize)]
pub struct BacktestJson {
    pub numbers_flagged: usize,
    pub warned_before_flag: usize,
    pub lead_days_median: Option<f64>,
    pub warned_1d_share: Option<f64>,
    pub false_alarms: usize,
    pub warned_unflagged_share: Option<f64>,
    pub numbers: Vec<RowJson>,
}

#[derive(Debug, Serialize)]
pub struct RowJson {
    pub number: String,
    pub first_flag: Option<String>,
    pub first_warning: Option<String>,
    pub lead_days: Option<f64>,
    pub false_alarm: bool,
}

impl RowJson {
    fn of(r: &NumberRow) -> RowJson {
        RowJson {
            number: r.number.clone(),
            first_flag: r.first_flag_ms.map(rfc3339),
            first_warning: r.first_warning_ms.map(rfc3339),
            lead_days: r.lead_days,
            false_alarm: r.false_alarm,
        }
    }
}

pub fn json(b: &Backtest) -> BacktestJson {
    let s = &b.summary;
    BacktestJson {
        numbers_flagged: s.numbers_flagged,
        warned_before_flag: s.warned_before_flag,
        lead_days_median: s.lead_days_median,
        warned_1d_share: s.warned_1d_share,
        false_alarms: s.false_alarms,
        warned_unflagged_share: s.warned_unflagged_share,
        numbers: s.numbers.iter().map(RowJson::of).collect(),
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.0}%", 100.0 * part as f64 / whole as f64)
}

/// The figures in sentences, for people.
pub fn prose(b: &Backtest) -> Vec<String> {
    let (p, s) = (&b.plan, &b.summary);
    let horizon = span_text(p.horizon_ms);
    let numbers = |n: usize| plural(n as i64, "number", "numbers");
    let mut lines = vec![format!(
        "Replayed scoring every {} from {} to {} ({}, after {} in the {horizon} before it so that early spam marks have their lead-up), judging each moment from the data before it; nothing was recorded. {} assessed.",
        span_text(p.step_ms),
        rfc3339(p.since_ms),
        rfc3339(p.until_ms),
        plural(b.steps_in_range as i64, "step", "steps"),
        plural((b.steps - b.steps_in_range) as i64, "step", "steps"),
        numbers(s.numbers_assessed),
    )];
    if s.numbers_flagged == 0 {
        lines.push(
            "No number was marked as spam for the first time in the range, so there is no lead time to measure."
                .into(),
        );
    } else {
        lines.push(format!(
            "First marked as spam in the range: {}.",
            numbers(s.numbers_flagged)
        ));
        let mut warned = format!(
            "Warned (throttle, rest or retire; not for pacing alone) within {horizon} before that first mark: {} of {} ({})",
            s.warned_before_flag,
            s.numbers_flagged,
            percent(s.warned_before_flag, s.numbers_flagged)
        );
        if let Some(m) = s.lead_days_median {
            warned.push_str(&format!(", a median of {m:.2} days ahead"));
        }
        if let Some(share) = s.warned_1d_share {
            warned.push_str(&format!(
                "; {:.0}% of the flagged numbers were warned at least a day ahead",
                100.0 * share
            ));
        }
        warned.push('.');
        lines.push(warned);
        if s.flagged_unjudged > 0 {
            lines.push(format!(
                "{} of the flagged were first marked before any step had data on them (their calls in the database begin with, or shortly before, that mark), so nothing could have warned them; a --since later than the start of the data leaves them out.",
                s.flagged_unjudged
            ));
        }
    }
    lines.push(format!(
        "False alarms (rested or retired at a step with no spam mark in the rest period before it or the {horizon} after it, while its calls over those {horizon} failed not significantly more often than the fleet's): {}.",
        numbers(s.false_alarms)
    ));
    lines.push(if s.unflagged == 0 {
        "No number went unmarked through the range, so warnings of clean numbers cannot be counted."
            .into()
    } else {
        format!(
            "Warned although never marked as spam (from the lookback before the range to {horizon} after it): {} of {} ({}).",
            s.warned_unflagged,
            numbers(s.unflagged),
            percent(s.warned_unflagged, s.unflagged)
        )
    });
    lines
}

/// One row per number: flagged in the range first (by first flag), then the numbers
/// warned in it.
pub fn table(rows: &[NumberRow]) -> Table {
    let mut t = Table::new(&[
        "number",
        "first_flag",
        "first_warning",
        "lead_days",
        "false_alarm",
    ]);
    for r in rows {
        t.push(vec![
            r.number.clone(),
            r.first_flag_ms.map(rfc3339).unwrap_or_default(),
            r.first_warning_ms.map(rfc3339).unwrap_or_default(),
            r.lead_days.map(|d| format!("{d:.2}")).unwrap_or_default(),
            if r.false_alarm { "yes" } else { "no" }.into(),
        ]);
    }
    t
}

fn write_text(out: &mut dyn Write, b: &Backtest, width: Width) -> Result<()> {
    for line in prose(b) {
        match width {
            Width::Columns(n) => {
                for part in fit::wrap(&line, n, "  ") {
                    writeln!(out, "{part}").map_err(io)?;
                }
            }
            Width::Natural | Width::Wide => writeln!(out, "{line}").map_err(io)?,
        }
    }
    writeln!(out).map_err(io)?;
    if b.summary.numbers.is_empty() {
        writeln!(out, "No number was flagged or warned in the range.").map_err(io)?;
        return Ok(());
    }
    writeln!(out, "numbers flagged or warned in the range:").map_err(io)?;
    let t = table(&b.summary.numbers);
    write_rows(out, Format::Table, &t.fitted(width, &LAYOUT), &())
}

/// Prints a backtest: sentences and a table for people, or JSON.
pub fn backtest(format: SummaryFormat, b: &Backtest, width: Width) -> Result<()> {
    match format {
        SummaryFormat::Table => to_stdout(|out| write_text(out, b, width)),
        SummaryFormat::Json => to_stdout(|out| write_json(out, &json(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::backtest::{Plan, Summary};

    fn sample() -> Backtest {
        let day = 86_400_000;
        let t0 = 1_793_491_200_000;
        Backtest {
            plan: Plan {
                since_ms: t0,
                until_ms: t0 + 30 * day,
                step_ms: 6 * 3_600_000,
                horizon_ms: 7 * day,
                data_end_ms: t0 + 30 * day,
            },
            steps: 149,
            steps_in_range: 121,
            first_call_ms: t0,
            newest_call_ms: t0 + 30 * day,
            summary: Summary {
                numbers_flagged: 2,
                warned_before_flag: 1,
                lead_days_median: Some(2.5),
                warned_1d_share: Some(0.5),
                false_alarms: 1,
                warned_unflagged_share: Some(0.25),
                numbers_assessed: 6,
                unflagged: 4,
                warned_unflagged: 1,
                flagged_unjudged: 1,
                numbers: vec![
                    NumberRow {
                        number: "+14155550100".into(),
                        first_flag_ms: Some(t0 + 5 * day),
                        first_warning_ms: Some(t0 + 5 * day - 60 * 3_600_000),
                        lead_days: Some(2.5),
                        false_alarm: false,
                    },
                    NumberRow {
                        number: "+14155550101".into(),
                        first_flag_ms: None,
                        first_warning_ms: Some(t0 + day),
                        lead_days: None,
                        false_alarm: true,
                    },
                ],
            },
        }
    }

    #[test]
    fn json_has_exactly_the_figures_and_the_rows() {
        let mut out = Vec::new();
        write_json(&mut out, &json(&sample())).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Keys in this order, as printed.
        let order = [
            "numbers_flagged",
            "warned_before_flag",
            "lead_days_median",
            "warned_1d_share",
            "false_alarms",
            "warned_unflagged_share",
            "numbers",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|k| text.find(&format!("\n  \"{k}\"")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_object().unwrap().len(), order.len());
        let row = v["numbers"][0].as_object().unwrap();
        let mut row_keys: Vec<&str> = row.keys().map(|k| k.as_str()).collect();
        row_keys.sort_unstable();
        assert_eq!(
            row_keys,
            [
                "false_alarm",
                "first_flag",
                "first_warning",
                "lead_days",
                "number"
            ]
        );
        assert_eq!(v["numbers"][0]["first_flag"], "2026-11-06T00:00:00Z");
        assert_eq!(v["numbers"][0]["first_warning"], "2026-11-03T12:00:00Z");
        assert_eq!(v["numbers"][1]["first_flag"], serde_json::Value::Null);
        assert_eq!(v["numbers"][1]["false_alarm"], true);
    }

    #[test]
    fn sentences_say_the_figures_and_the_table_fits() {
        let b = sample();
        let text = prose(&b).join("\n");
        assert!(
            text.contains("every 6h from 2026-11-01T00:00:00Z"),
            "{text}"
        );
        assert!(
            text.contains("1 of 2 (50%), a median of 2.50 days ahead"),
            "{text}"
        );
        assert!(text.contains("than the fleet's): 1 number."), "{text}");
        assert!(
            text.contains("1 of the flagged were first marked before any step had data"),
            "{text}"
        );
        assert!(
            text.contains("50% of the flagged numbers were warned at least a day ahead"),
            "{text}"
        );
        assert!(text.contains("1 of 4 numbers (25%)"), "{text}");
        let t = table(&b.summary.numbers);
        let fitted = t.fitted(Width::Columns(70), &LAYOUT);
        assert!(!fitted.headers.contains(&"first_warning".to_string()));
        assert!(fitted.render().lines().all(|l| l.chars().count() <= 70));
        assert_eq!(t.rows[1][3], "", "no lead without a flag");
        assert_eq!(t.rows[1][4], "yes");
    }
}
