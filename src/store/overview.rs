//! Everything the HTML report shows, gathered as of a moment: how fresh the data is, the
//! fleet's days and shaded hours over the lookback, every number's verdict
//! (`assess_pool`) with its status at the moment and the action that agrees with it, the risk table with each number's score
//! history, one section per number that needs action (its days, bursts, transitions),
//! capped, and the pool plan.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::params;

use crate::error::Result;
use crate::health::assessment::{Action, Assessment};
use crate::health::overview::{self, DayPoint, HourMark};
use crate::health::rollup::HOUR_MS;
use crate::model::HourCounts;
use crate::pool::plan_capacity::GroupBy;
use crate::pool::rotation::action;
use crate::pool::{Entry, Rules, Status, Transition};
use crate::store::assess::assess_pool;
use crate::store::freshness::{AsOfMoment, Freshness};
use crate::store::pool::views::entries_for;
use crate::store::pool_demand::{PoolPlan, capacity_plan};
use crate::store::{BurstRow, ScoreHistoryRow, Store, end_hour_exclusive};

/// Score runs a number's sparkline and score chart show, at most.
pub const HISTORY_RUNS: i64 = 60;

/// A number in the risk table.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRow {
    pub assessment: Assessment,
    /// The action that agrees with its status, as `export rotation` gives it
    /// (`pool::rotation::action`): a probation number the score would rest reads `monitor`.
    pub action: Action,
    /// Its status at the moment (active when the pool has no row for it).
    pub status: Status,
    /// Its registry row at the moment, if the pool has one.
    pub entry: Option<Entry>,
    /// Its recorded scores as of the moment, oldest first.
    pub history: Vec<ScoreHistoryRow>,
    /// Whether it needs action (and so a section, unless the cap left it out).
    pub needs_action: bool,
}

/// The section of a number that needs action (its verdict is its risk row).
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSection {
    /// Index of its row in [`Overview::risk`].
    pub risk_row: usize,
    /// Its UTC days over the lookback.
    pub days: Vec<DayPoint>,
    pub bursts: Vec<BurstRow>,
    /// Its transitions up to the moment.
    pub transitions: Vec<Transition>,
}

/// The report's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub as_of: AsOfMoment,
    pub freshness: Freshness,
    /// The stale-data warning, if any (as `risky` prints it).
    pub warning: Option<String>,
    pub lookback_days: i64,
    /// The lookback's first and last UTC day.
    pub first_day: i64,
    pub last_day: i64,
    pub fleet_days: Vec<DayPoint>,
    pub marked_hours: Vec<(i64, HourMark)>,
    /// Numbers scored, and by status and action at the moment.
    pub numbers: usize,
    pub by_status: BTreeMap<Status, usize>,
    pub by_action: BTreeMap<Action, usize>,
    /// Riskiest first.
    pub risk: Vec<RiskRow>,
    pub sections: Vec<NumberSection>,
    /// Numbers needing action whose section the cap left out.
    pub sections_left_out: usize,
    pub pool: PoolPlan,
}

impl Store {
    /// One number's hourly rollups in `[start_hour, end_hour)`, by hour (through the
    /// `(number, hour)` key: `stream_histories` with `only` walks the whole table).
    pub fn number_hours(
        &self,
        number: &str,
        start_hour: i64,
        end_hour: i64,
    ) -> Result<Vec<(i64, HourCounts)>> {
        self.query_rows(
            &format!(
                "SELECT hour, {} FROM number_hourly WHERE number = ?1 AND hour >= ?2 AND hour < ?3 ORDER BY hour",
                HourCounts::FIELDS.join(", ")
            ),
            params![number, start_hour, end_hour],
            |r| {
                let mut a = [0i64; 18];
                for (i, x) in a.iter_mut().enumerate() {
                    *x = r.get(i + 1)?;
                }
                Ok((r.get(0)?, HourCounts::from_array(a)))
            },
        )
    }
}

/// Gathers the report as of `as_of`: at most `max_sections` number sections, riskiest
/// first.
pub fn gather_overview(
    store: &Store,
    rules: &Rules<'_>,
    as_of: &AsOfMoment,
    max_sections: usize,
) -> Result<Overview> {
    let cfg = rules.score;
    let as_of_ms = as_of.ms;
    let fresh = store.check_freshness(as_of, cfg.stale_after_hours)?;
    let freshness = store.data_freshness()?;
    let end_hour = end_hour_exclusive(as_of_ms);
    let start_hour = end_hour - cfg.lookback_days * 24;
    let (first_day, last_day) = (start_hour.div_euclid(24), (end_hour - 1).div_euclid(24));
    let fleet = store.fleet_hours(start_hour, end_hour)?;
    let fleet_days = overview::days(
        fleet.hours.iter().map(|(h, c)| (*h, c)),
        first_day,
        last_day,
    );
    let marked_hours = overview::marked_hours(&fleet, cfg);

    let registry = store.pool_status_at(as_of_ms, rules)?;
    let assessments = assess_pool(store, rules, as_of_ms, &registry)?;
    let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
    let mut by_action: BTreeMap<Action, usize> = BTreeMap::new();
    let assessed: HashSet<String> = assessments.iter().map(|a| a.number.clone()).collect();
    // Each number's row, or the one the next run would register (as `export` gives it).
    let rows = entries_for(store, &mut registry.clone(), &assessments, as_of_ms, rules)?;
    let mut risk = Vec::new();
    for (a, row) in assessments.into_iter().zip(rows) {
        let entry = registry.get(&a.number).cloned();
        let status = row.status;
        let act = action(&row, Some(a.action), as_of_ms, rules);
        *by_status.entry(status).or_default() += 1;
        *by_action.entry(act).or_default() += 1;
        if !overview::in_risk_table(&a, status) {
            continue;
        }
        risk.push(RiskRow {
            history: store.score_history(&a.number, as_of_ms, HISTORY_RUNS)?,
            needs_action: overview::needs_action(&a, status),
            action: act,
            assessment: a,
            status,
            entry,
        });
    }
    // Registered numbers that never placed a call are counted by status too.
    for (number, e) in &registry {
        if !assessed.contains(number) && !scored(store, number)? {
            *by_status.entry(e.status).or_default() += 1;
        }
    }

    let wanted: Vec<usize> = (0..risk.len()).filter(|&i| risk[i].needs_action).collect();
    let sections_left_out = wanted.len().saturating_sub(max_sections);
    let mut bursts: HashMap<String, Vec<BurstRow>> = HashMap::new();
    if !wanted.is_empty() && max_sections > 0 {
        for b in store.list_bursts(None, Some(start_hour * HOUR_MS), Some(as_of_ms))? {
            bursts.entry(b.number.clone()).or_default().push(b);
        }
    }
    let mut sections = Vec::new();
    for &i in wanted.iter().take(max_sections) {
        let number = risk[i].assessment.number.clone();
        let hours = store.number_hours(&number, start_hour, end_hour)?;
        sections.push(NumberSection {
            risk_row: i,
            days: overview::days(hours.iter().map(|(h, c)| (*h, c)), first_day, last_day),
            bursts: bursts.remove(&number).unwrap_or_default(),
            transitions: store
                .pool_transitions(&number)?
                .into_iter()
                .filter(|t| t.at_ms <= as_of_ms)
                .collect(),
        });
    }
    let pool = capacity_plan(store, rules, as_of_ms, GroupBy::AreaCode)?;
    Ok(Overview {
        as_of: as_of.clone(),
        freshness,
        warning: fresh.warning(),
        lookback_days: cfg.lookback_days,
        first_day,
        last_day,
        fleet_days,
        marked_hours,
        numbers: by_status.values().sum(),
        by_status,
        by_action,
        risk,
        sections,
        sections_left_out,
        pool,
    })
}

/// Whether the number has rollups (and so a verdict): registered numbers without any are
/// counted by status separately.
fn scored(store: &Store, number: &str) -> Result<bool> {
    store
        .conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM number_hourly WHERE number = ?1)",
            params![number],
            |r| r.get(0),
        )
        .map_err(|e| store.wrap(e))
}
