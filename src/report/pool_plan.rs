//! How the pool plan looks: `numhealth pool` as a table for people (short headers, fitted
//! to the terminal), CSV and JSON for scripts (full names), and the notes on what limits
//! the figures.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::pool::plan_capacity::{CapacityPlan, CapacityRow, GroupBy};
use crate::report::fit::{Layout, Shorten};
use crate::report::width::Width;
use crate::report::{self, Format, Table};
use crate::store::pool_demand::PoolPlan;
use crate::time::rfc3339;

/// The CSV and JSON columns after the first (`area_code` or `group`).
pub const COLUMNS: [&str; 17] = [
    "region",
    "country",
    "time_zone",
    "numbers",
    "active",
    "probation",
    "resting",
    "retired",
    "released",
    "calls_per_day",
    "lead_calls_per_day",
    "capacity_per_day",
    "utilisation",
    "flagged_share",
    "replacements_needed",
    "spare",
    "back_within_7d",
];

/// The person's table: short headers; in a narrow terminal released, retired, utilisation
/// and capacity go first, and the region is shortened.
pub const LAYOUT: Layout = Layout {
    drop: &["rel", "ret", "util", "cap/d", "region"],
    shorten: &[Shorten::text("region", 10)],
};

/// The name of the first column.
pub fn first_column(by: GroupBy) -> &'static str {
    match by {
        GroupBy::AreaCode => "area_code",
        GroupBy::State | GroupBy::Country => "group",
    }
}

fn fixed(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}

fn share(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| fixed(v, 4))
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.0}%", v * 100.0))
}

fn flagged_percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// Every row then the totals, all columns, as CSV shows them.
pub fn full_table(plan: &CapacityPlan) -> Table {
    let mut headers = vec![first_column(plan.by)];
    headers.extend(COLUMNS);
    let mut t = Table::new(&headers);
    for r in plan.rows.iter().chain([&plan.totals]) {
        let mut row = vec![
            r.group.clone(),
            r.region.clone(),
            r.country.clone(),
            r.time_zone.clone(),
        ];
        row.extend(r.status_counts().map(|n| n.to_string()));
        row.extend([
            fixed(r.calls_per_day, 2),
            fixed(r.lead_calls_per_day, 2),
            r.capacity_per_day.to_string(),
            share(r.utilisation),
            share(r.flagged_share),
            r.replacements_needed.to_string(),
            r.spare.to_string(),
            r.back_within_7d.to_string(),
        ]);
        t.push(row);
    }
    t
}

/// The short table for people: every row then the totals.
pub fn person_table(plan: &CapacityPlan) -> Table {
    let first = match plan.by {
        GroupBy::AreaCode => "area",
        GroupBy::State | GroupBy::Country => "group",
    };
    let mut t = Table::new(&[
        first, "region", "nums", "act", "prob", "rest", "ret", "rel", "calls/d", "lead/d", "cap/d",
        "util", "flagged", "buy", "spare",
    ]);
    for r in plan.rows.iter().chain([&plan.totals]) {
        let region = match plan.by {
            GroupBy::Country => r.country.clone(),
            _ => r.region.clone(),
        };
        let mut row = vec![r.group.clone(), region];
        row.extend(r.status_counts().map(|n| n.to_string()));
        row.extend([
            fixed(r.calls_per_day, 1),
            fixed(r.lead_calls_per_day, 1),
            r.capacity_per_day.to_string(),
            percent(r.utilisation),
            flagged_percent(r.flagged_share),
            r.replacements_needed.to_string(),
            r.spare.to_string(),
        ]);
        t.push(row);
    }
    t
}

/// One row as JSON, its first key `area_code` or `group`, then the row's fields.
#[derive(Serialize)]
pub struct RowJson<'a> {
    #[serde(flatten)]
    name: BTreeMap<&'static str, &'a str>,
    #[serde(flatten)]
    row: &'a CapacityRow,
}

fn row_json(by: GroupBy, r: &CapacityRow) -> RowJson<'_> {
    RowJson {
        name: [(first_column(by), r.group.as_str())].into_iter().collect(),
        row: r,
    }
}

/// The whole plan as JSON: the window, the cap, the rows and the totals.
#[derive(Serialize)]
pub struct PlanJson<'a> {
    as_of: String,
    by: GroupBy,
    window_start: String,
    window_end: String,
    window_days: f64,
    normal_daily_cap: i64,
    lead_calls_pruned_before: Option<String>,
    rows: Vec<RowJson<'a>>,
    totals: RowJson<'a>,
}

pub fn plan_json(p: &PoolPlan) -> PlanJson<'_> {
    let plan = &p.plan;
    PlanJson {
        as_of: rfc3339(plan.as_of_ms),
        by: plan.by,
        window_start: rfc3339(p.window_start_ms),
        window_end: rfc3339(p.window_end_ms),
        window_days: plan.days,
        normal_daily_cap: plan.normal_daily_cap,
        lead_calls_pruned_before: p.lead_pruned_before_ms.map(rfc3339),
        rows: plan.rows.iter().map(|r| row_json(plan.by, r)).collect(),
        totals: row_json(plan.by, &plan.totals),
    }
}

/// What a person should know about the figures (for stderr): a short window, pruned calls.
pub fn notes(p: &PoolPlan) -> Vec<String> {
    let mut out = Vec::new();
    if p.plan.days < 7.0 {
        out.push(format!(
            "the data covers {:.1} of the last 7 days (from {}): calls per day are averaged over those",
            p.plan.days,
            rfc3339(p.window_start_ms)
        ));
    }
    if let Some(t) = p.lead_pruned_before_ms {
        out.push(format!(
            "raw calls before {} were pruned: lead_calls_per_day counts only the calls after it",
            rfc3339(t)
        ));
    }
    out
}

/// Prints the plan: the person's table fitted to `width`, or the full CSV or JSON.
pub fn print(format: Format, p: &PoolPlan, width: Width) -> Result<()> {
    match format {
        Format::Table => report::emit_fitted(format, &person_table(&p.plan), &LAYOUT, width, &()),
        Format::Csv => report::emit(format, &full_table(&p.plan), &()),
        Format::Json => report::emit_json(&plan_json(p)),
    }
}
