//! `number`'s story of one caller number: the verdict and its reasons, the components, the
//! daily timeline, its bursts and recorded scores, its status and transitions in the number
//! pool; as text for people or as one JSON document.

use std::io::Write;

use serde::Serialize;

use crate::error::Result;
use crate::health::assessment::Assessment;
use crate::health::daily::DayRates;
use crate::report::fit::{self, Layout};
use crate::report::pool::{StatusJson, TransitionJson, status_line, transitions_table};
use crate::report::width::Width;
use crate::report::{Format, Table, io, layouts, to_stdout, views, write_json, write_rows};
use crate::store::ScoreHistoryRow;
use crate::store::story::NumberStory;
use crate::time::rfc3339;

#[derive(Serialize)]
struct StoryJson<'a> {
    number: &'a str,
    as_of: String,
    first_seen: String,
    last_marked_as_spam: Option<String>,
    assessment: &'a Assessment,
    days: &'a [DayRates],
    bursts: Vec<BurstJson>,
    history: &'a [ScoreHistoryRow],
    /// `null` when the pool has not registered the number yet.
    status: Option<StatusJson<'a>>,
    transitions: Vec<TransitionJson<'a>>,
}

/// A burst in the story's JSON (keys in alphabetical order, as published).
#[derive(Serialize)]
struct BurstJson {
    calls: i64,
    end: String,
    expected: f64,
    p_value: f64,
    short_calls: i64,
    start: String,
}

/// Prints the story to stdout: JSON, or text for people with its tables fitted to
/// `width` (CSV gives the daily timeline).
pub fn print(story: &NumberStory, format: Format, width: Width) -> Result<()> {
    to_stdout(|out| write(out, story, format, width))
}

/// Writes the story in `format`.
fn write(out: &mut dyn Write, s: &NumberStory, format: Format, width: Width) -> Result<()> {
    match format {
        Format::Json => write_json(out, &json(s)),
        Format::Csv => timeline(&s.days).write_csv(out),
        Format::Table => write_text(out, s, width),
    }
}

/// Writes one of the story's tables, fitted to `width`.
fn write_table(out: &mut dyn Write, table: &Table, layout: &Layout, width: Width) -> Result<()> {
    write_rows(out, Format::Table, &table.fitted(width, layout), &())
}

fn json<'a>(s: &'a NumberStory) -> StoryJson<'a> {
    StoryJson {
        number: &s.number,
        as_of: rfc3339(s.as_of_ms),
        first_seen: rfc3339(s.first_seen_ms),
        last_marked_as_spam: s.last_spam_ms.map(rfc3339),
        assessment: &s.assessment,
        days: &s.days,
        bursts: s
            .bursts
            .iter()
            .map(|b| BurstJson {
                calls: b.calls,
                end: rfc3339(b.end_ms),
                expected: b.expected,
                p_value: b.p_value,
                short_calls: b.short_calls,
                start: rfc3339(b.start_ms),
            })
            .collect(),
        history: &s.history,
        status: s.pool.entry.as_ref().map(StatusJson::of),
        transitions: s.pool.transitions.iter().map(TransitionJson::of).collect(),
    }
}

fn write_text(out: &mut dyn Write, s: &NumberStory, width: Width) -> Result<()> {
    let a = &s.assessment;
    let until = a
        .rest_until
        .as_deref()
        .map(|d| format!(" until {d}"))
        .unwrap_or_default();
    let mut prose = vec![
        format!(
            "{}  score {:.1}  level {}  action {}{until}",
            s.number,
            a.score,
            a.level.as_str(),
            a.action.as_str(),
        ),
        format!(
            "as of {}; first seen {}; last marked_as_spam {}",
            rfc3339(s.as_of_ms),
            rfc3339(s.first_seen_ms),
            s.last_spam_ms.map(rfc3339).as_deref().unwrap_or("never")
        ),
        status_line(s.pool.entry.as_ref()),
    ];
    prose.extend(a.reasons.iter().map(|r| format!("  - {r}")));
    for line in &prose {
        match width {
            Width::Columns(n) => {
                for part in fit::wrap(line, n, "    ") {
                    writeln!(out, "{part}").map_err(io)?;
                }
            }
            Width::Natural | Width::Wide => writeln!(out, "{line}").map_err(io)?,
        }
    }
    writeln!(out).map_err(io)?;
    let verdict = views::assessments(&[a], width == Width::Wide);
    write_table(out, &verdict, &layouts::NUMBER_VERDICT, width)?;
    writeln!(out, "\ndaily timeline ({}):", s.tz).map_err(io)?;
    write_table(out, &timeline(&s.days), &layouts::TIMELINE, width)?;
    if !s.bursts.is_empty() {
        writeln!(out, "\nbursts:").map_err(io)?;
        write_table(
            out,
            &views::bursts(&s.bursts, true),
            &layouts::BURSTS,
            width,
        )?;
    }
    if !s.history.is_empty() {
        writeln!(out, "\nscore history:").map_err(io)?;
        write_rows(out, Format::Table, &score_history(&s.history), &())?;
    }
    if !s.pool.transitions.is_empty() {
        writeln!(out, "\npool transitions:").map_err(io)?;
        let t = transitions_table(&s.pool.transitions);
        write_table(out, &t, &layouts::POOL_TRANSITIONS, width)?;
    }
    Ok(())
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// The daily timeline: counts and rates per day.
fn timeline(days: &[DayRates]) -> Table {
    let mut t = Table::new(&[
        "date",
        "attempts",
        "answered",
        "answer%",
        "short_ans",
        "dial_failed",
        "spam",
        "declined",
        "no_answer",
        "rep_fail%",
        "short_calls",
        "inbound",
    ]);
    for d in days {
        let c = &d.counts;
        t.push(vec![
            d.date.to_string(),
            c.attempts.to_string(),
            c.human.to_string(),
            pct(d.answer_rate),
            c.short_human.to_string(),
            c.dial_failed.to_string(),
            c.marked_as_spam.to_string(),
            c.user_declined.to_string(),
            c.no_answer.to_string(),
            pct(d.reputation_failure_rate),
            c.short_calls.to_string(),
            c.inbound.to_string(),
        ]);
    }
    t
}

fn score_history(rows: &[ScoreHistoryRow]) -> Table {
    let mut h = Table::new(&["as_of", "score", "level", "action"]);
    for r in rows {
        h.push(vec![
            rfc3339(r.as_of_ms),
            format!("{:.1}", r.score),
            r.level.clone(),
            r.action.clone(),
        ]);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::daily;
    use crate::model::HourCounts;

    #[test]
    fn rep_fail_counts_a_marked_as_spam_call_once() {
        // One day, two resolved calls: one marked_as_spam, one answered.
        let c = HourCounts {
            attempts: 2,
            connected: 1,
            human: 1,
            marked_as_spam: 1,
            ..HourCounts::default()
        };
        let t = timeline(&daily::timeline(&[(0, c)], 0, chrono_tz::Tz::UTC));
        let col = |name: &str| t.headers.iter().position(|h| h == name).unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0][col("spam")], "1");
        assert_eq!(t.rows[0][col("rep_fail%")], "50.0%");
        assert_eq!(t.rows[0][col("answer%")], "50.0%");
    }
}
