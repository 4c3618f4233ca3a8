//! `numhealth number E164`: one number's story: daily timeline, bursts, components,
//! action, reasons and score history.

use chrono::NaiveDate;
use serde::Serialize;

use crate::cli::{Format, NumberArgs, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::health::score::{Assessment, NumberHistory, assess};
use crate::health::timeline::daily;
use crate::model::HourCounts;
use crate::readers::numbers::normalize_number;
use crate::report::{self, Table, views};
use crate::store::{BurstRow, ScoreHistoryRow};
use crate::time::rfc3339;

#[derive(Serialize)]
struct Day {
    date: NaiveDate,
    #[serde(flatten)]
    counts: HourCounts,
    answer_rate: Option<f64>,
    reputation_failure_rate: Option<f64>,
}

#[derive(Serialize)]
struct Story<'a> {
    number: &'a str,
    as_of: String,
    first_seen: Option<String>,
    last_marked_as_spam: Option<String>,
    assessment: &'a Assessment,
    days: Vec<Day>,
    bursts: Vec<serde_json::Value>,
    history: Vec<ScoreHistoryRow>,
}

fn rate(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

pub fn run(ctx: &Ctx, args: NumberArgs) -> Result<u8> {
    let number = normalize_number(&ctx.settings.ingest.default_region, &args.number)?;
    let tz: chrono_tz::Tz = args.tz.parse().map_err(|_| {
        Error::Usage(format!(
            "--tz {:?} is not an IANA time zone like America/New_York",
            args.tz
        ))
    })?;
    if !(1..=400).contains(&args.days) {
        return Err(Error::Usage("--days must be between 1 and 400".into()));
    }
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let lookback = ctx.settings.score.lookback_days.max(args.days);
    let inputs = store.scoring_inputs(as_of, lookback, Some(&number))?;
    let Some(history) = inputs.histories.into_iter().next() else {
        return Err(Error::Usage(format!(
            "{number} has no calls before {} in {}",
            rfc3339(as_of),
            ctx.db.display()
        )));
    };
    // Score with the configured lookback, show `--days` of timeline.
    let window_start = (as_of / 3_600_000) - ctx.settings.score.lookback_days * 24;
    let scored = NumberHistory {
        hours: history
            .hours
            .iter()
            .filter(|(h, _)| *h >= window_start)
            .cloned()
            .collect(),
        ..history.clone()
    };
    let assessment = assess(&scored, &inputs.fleet, &ctx.settings.score, as_of);
    let since_hour = (as_of / 3_600_000) - args.days * 24;
    let shown: Vec<(i64, HourCounts)> = history
        .hours
        .iter()
        .filter(|(h, _)| *h >= since_hour)
        .cloned()
        .collect();
    let days: Vec<Day> = daily(&shown, tz)
        .into_iter()
        .map(|(date, c)| Day {
            date,
            answer_rate: rate(c.human, c.attempts - c.pending),
            reputation_failure_rate: rate(
                c.reputation_failures() + c.marked_as_spam,
                c.attempts - c.pending,
            ),
            counts: c,
        })
        .collect();
    let bursts: Vec<BurstRow> =
        store.list_bursts(Some(&number), Some(since_hour * 3_600_000), Some(as_of))?;
    let history_rows = store.score_history(&number, 30)?;
    let story = Story {
        number: &number,
        as_of: rfc3339(as_of),
        first_seen: Some(rfc3339(history.first_seen_ms)),
        last_marked_as_spam: history.last_spam_ms.map(rfc3339),
        assessment: &assessment,
        days,
        bursts: bursts
            .iter()
            .map(|b| {
                serde_json::json!({"start": rfc3339(b.start_ms), "end": rfc3339(b.end_ms), "calls": b.calls, "short_calls": b.short_calls})
            })
            .collect(),
        history: history_rows,
    };
    match args.format {
        SummaryFormat::Json => report::write_json(std::io::stdout().lock(), &story)?,
        SummaryFormat::Table => print_story(&story, &bursts, tz)?,
    }
    Ok(exit::OK)
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

fn print_story(s: &Story<'_>, bursts: &[BurstRow], tz: chrono_tz::Tz) -> Result<()> {
    let a = s.assessment;
    println!(
        "{}  score {:.1}  level {}  action {}{}",
        s.number,
        a.score,
        a.level.as_str(),
        a.action.as_str(),
        a.rest_until
            .as_deref()
            .map(|d| format!(" until {d}"))
            .unwrap_or_default()
    );
    println!(
        "as of {}; first seen {}; last marked_as_spam {}",
        s.as_of,
        s.first_seen.as_deref().unwrap_or("-"),
        s.last_marked_as_spam.as_deref().unwrap_or("never")
    );
    for r in &a.reasons {
        println!("  - {r}");
    }
    println!();
    report::emit(Format::Table, &views::assessments(&[a], false), &())?;
    println!("\ndaily timeline ({tz}):");
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
    for d in &s.days {
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
    report::emit(Format::Table, &t, &())?;
    if !bursts.is_empty() {
        println!("\nbursts:");
        report::emit(Format::Table, &views::bursts(bursts), &())?;
    }
    if !s.history.is_empty() {
        println!("\nscore history:");
        let mut h = Table::new(&["as_of", "score", "level", "action"]);
        for r in &s.history {
            h.push(vec![
                rfc3339(r.as_of_ms),
                format!("{:.1}", r.score),
                r.level.clone(),
                r.action.clone(),
            ]);
        }
        report::emit(Format::Table, &h, &())?;
    }
    Ok(())
}
