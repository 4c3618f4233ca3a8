//! How the number pool looks: `numbers`' registry (table, CSV, JSON), and one number's
//! status and transitions as `number` shows them.

use serde::Serialize;

use crate::error::Result;
use crate::pool::{Entry, Source, Status, Transition};
use crate::report::width::Width;
use crate::report::{Format, Table, emit_fitted, layouts};
use crate::store::pool::PoolRow;
use crate::time::rfc3339;

/// A registry row as published: `numbers`' JSON, `number`'s `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusJson<'a> {
    pub number: &'a str,
    pub status: Status,
    pub since: String,
    pub until: Option<String>,
    pub daily_cap: i64,
    pub hourly_cap: i64,
    pub source: Source,
    pub reason: &'a str,
    pub note: Option<&'a str>,
}

impl<'a> StatusJson<'a> {
    pub fn of(e: &'a Entry) -> StatusJson<'a> {
        StatusJson {
            number: &e.number,
            status: e.status,
            since: rfc3339(e.since_ms),
            until: e.until.map(|d| d.to_string()),
            daily_cap: e.caps.daily,
            hourly_cap: e.caps.hourly,
            source: e.source,
            reason: &e.reason,
            note: e.note.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct NumbersJson<'a> {
    #[serde(flatten)]
    status: StatusJson<'a>,
    score: Option<f64>,
}

/// A transition as published in `number`'s JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionJson<'a> {
    pub at: String,
    pub from: Option<Status>,
    pub to: Status,
    pub until: Option<String>,
    pub daily_cap: i64,
    pub hourly_cap: i64,
    pub reason: &'a str,
    pub source: Source,
    pub score_run: Option<i64>,
    pub by: Option<&'a str>,
    pub note: Option<&'a str>,
}

impl<'a> TransitionJson<'a> {
    pub fn of(t: &'a Transition) -> TransitionJson<'a> {
        TransitionJson {
            at: rfc3339(t.at_ms),
            from: t.from,
            to: t.to,
            until: t.until.map(|d| d.to_string()),
            daily_cap: t.caps.daily,
            hourly_cap: t.caps.hourly,
            reason: &t.reason,
            source: t.source,
            score_run: t.score_run,
            by: t.by.as_deref(),
            note: t.note.as_deref(),
        }
    }
}

/// `numbers`: one row per registered number.
pub fn numbers_table(rows: &[PoolRow]) -> Table {
    let mut t = Table::new(&[
        "number",
        "status",
        "since",
        "until",
        "daily_cap",
        "hourly_cap",
        "source",
        "reason",
        "note",
        "score",
    ]);
    for r in rows {
        let e = &r.entry;
        t.push(vec![
            e.number.clone(),
            e.status.as_str().to_string(),
            rfc3339(e.since_ms),
            e.until.map(|d| d.to_string()).unwrap_or_default(),
            e.caps.daily.to_string(),
            e.caps.hourly.to_string(),
            e.source.as_str().to_string(),
            e.reason.clone(),
            e.note.clone().unwrap_or_default(),
            r.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
        ]);
    }
    t
}

/// Prints `numbers` in `format`, a table fitted to `width`.
pub fn numbers(format: Format, rows: &[PoolRow], width: Width) -> Result<()> {
    let json: Vec<NumbersJson<'_>> = rows
        .iter()
        .map(|r| NumbersJson {
            status: StatusJson::of(&r.entry),
            score: r.score,
        })
        .collect();
    emit_fitted(
        format,
        &numbers_table(rows),
        &layouts::NUMBERS,
        width,
        &json,
    )
}

/// `number`'s pool line: `pool: resting until 2026-12-19 since ...; 0 a day, 0 an hour
/// (policy): reason`.
pub fn status_line(e: Option<&Entry>) -> String {
    let Some(e) = e else {
        return "pool: not registered yet (the next score run registers it)".into();
    };
    let until = e.until.map(|d| format!(" until {d}")).unwrap_or_default();
    let note = e
        .note
        .as_deref()
        .map(|n| format!(" [note: {n}]"))
        .unwrap_or_default();
    format!(
        "pool: {}{until} since {}; {} ({}): {}{note}",
        e.status.as_str(),
        rfc3339(e.since_ms),
        crate::pool::policy::caps_text(e.caps),
        e.source.as_str(),
        e.reason
    )
}

/// `number`'s transitions table, oldest first.
pub fn transitions_table(ts: &[Transition]) -> Table {
    let mut t = Table::new(&[
        "at",
        "from",
        "to",
        "until",
        "daily_cap",
        "hourly_cap",
        "source",
        "by",
        "reason",
    ]);
    for x in ts {
        t.push(vec![
            rfc3339(x.at_ms),
            x.from.map_or("new", Status::as_str).to_string(),
            x.to.as_str().to_string(),
            x.until.map(|d| d.to_string()).unwrap_or_default(),
            x.caps.daily.to_string(),
            x.caps.hourly.to_string(),
            x.source.as_str().to_string(),
            x.by.clone().unwrap_or_default(),
            x.reason.clone(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::Caps;
    use crate::report::write_rows;

    #[test]
    fn numbers_rows_carry_the_registry_and_the_score() {
        let mut e = Entry::new(
            "+14155550100",
            Status::Resting,
            1_763_596_800_000,
            Caps::NONE,
            "resting until 2025-12-20: flags".into(),
        );
        e.until = Some("2025-12-20".parse().unwrap());
        e.note = Some("carrier ticket 7".into());
        let rows = [PoolRow {
            entry: e.clone(),
            score: Some(71.0),
        }];
        let mut out = Vec::new();
        write_rows(&mut out, Format::Csv, &numbers_table(&rows), &()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "number,status,since,until,daily_cap,hourly_cap,source,reason,note,score\n\
             +14155550100,resting,2025-11-20T00:00:00Z,2025-12-20,0,0,policy,resting until 2025-12-20: flags,carrier ticket 7,71.0\n"
        );
        let json = serde_json::to_value(NumbersJson {
            status: StatusJson::of(&e),
            score: Some(71.0),
        })
        .unwrap();
        assert_eq!(json["status"], "resting");
        assert_eq!(json["until"], "2025-12-20");
        assert_eq!(json["score"], 71.0);
        assert!(status_line(Some(&e)).starts_with(
            "pool: resting until 2025-12-20 since 2025-11-20T00:00:00Z; 0 a day, 0 an hour (policy)"
        ));
        assert!(status_line(None).contains("not registered"));
    }
}
