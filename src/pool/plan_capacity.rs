//! Pool planning by area code: how many numbers each area code has in each status, how
//! many calls its numbers place and how many its callees receive, what today's caps allow,
//! and how many numbers to buy (`replacements_needed`) or could spare. Pure: the store
//! gathers the counts (`store::pool_demand`), this module groups them and applies the
//! formulas.
//!
//! Per area code, with `days` the length of the demand window (7, less when the data
//! begins inside it) and `cap` the pool's normal daily cap:
//! - `calls_per_day` = the area code's numbers' attempts in the window / `days`;
//! - `lead_calls_per_day` = attempts to callees in the area code / `days` (what local
//!   presence must cover);
//! - `capacity_per_day` = the sum of today's daily caps of its dialable numbers (active,
//!   probation);
//! - `need` = ceil(max(calls_per_day, lead_calls_per_day) / `cap`);
//! - `replacements_needed` = max(0, `need` - dialable - resting numbers back within 7 days);
//! - `spare` = max(0, dialable - `need`).
//!
//! Grouped by state or country, each figure is the sum over the group's area codes (local
//! presence is per area code, so one area code's spare numbers do not cover another's
//! need); the totals row is the sum of the rows.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::health::area_codes::{lookup_npa, npa_of_number};
use crate::health::rollup::HOUR_MS;
use crate::pool::Status;

/// Resting numbers whose rest ends within this long count towards the need.
pub const BACK_WITHIN_MS: i64 = 7 * 24 * HOUR_MS;

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupBy {
    AreaCode,
    State,
    Country,
}

/// Where a number (ours or a callee's) belongs: a NANP area code, else a country calling
/// code, else nowhere known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaKey {
    /// The 3-digit NPA of a `+1NXXNXXXXXX` number.
    Nanp(String),
    /// A country calling code other than 1.
    Country(u16),
    /// Not a number we can place.
    Other,
}

impl AreaKey {
    /// The area of an E.164 number.
    pub fn of(number: &str) -> AreaKey {
        if let Some(npa) = npa_of_number(number) {
            return AreaKey::Nanp(npa.to_string());
        }
        let Some(digits) = number.strip_prefix('+') else {
            return AreaKey::Other;
        };
        if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return AreaKey::Other;
        }
        if digits.starts_with('1') {
            // +1 but not a valid NANP shape.
            return AreaKey::Other;
        }
        country_code_prefix(digits).map_or(AreaKey::Other, AreaKey::Country)
    }

    /// How the table shows it: `415`, `+44`, `other`.
    pub fn label(&self) -> String {
        match self {
            AreaKey::Nanp(npa) => npa.clone(),
            AreaKey::Country(cc) => format!("+{cc}"),
            AreaKey::Other => "other".into(),
        }
    }

    /// Its state or province (NANP), else its country's region code, and its country and
    /// time zone, as far as known.
    pub fn place(&self) -> Place {
        match self {
            AreaKey::Nanp(npa) => match lookup_npa(npa) {
                Some(a) => Place {
                    region: a.region.clone(),
                    country: a.country.clone(),
                    time_zone: a.tz.name().to_string(),
                },
                None => Place {
                    region: "unknown NANP area".into(),
                    country: "NANP".into(),
                    time_zone: String::new(),
                },
            },
            AreaKey::Country(cc) => {
                let id = main_region(*cc).unwrap_or_default();
                Place {
                    region: id.clone(),
                    country: id,
                    time_zone: String::new(),
                }
            }
            AreaKey::Other => Place {
                region: "other".into(),
                country: "other".into(),
                time_zone: String::new(),
            },
        }
    }
}

/// The country calling code a digit string (after `+`) starts with: calling codes are
/// prefix-free, so at most one of its first 1 to 3 digits is one.
pub fn country_code_prefix(digits: &str) -> Option<u16> {
    (1..=3).find_map(|n| {
        let code: u16 = digits.get(..n)?.parse().ok()?;
        phonenumber::metadata::DATABASE
            .by_code(&code)
            .is_some()
            .then_some(code)
    })
}

/// The main region (ISO code) of a country calling code.
fn main_region(code: u16) -> Option<String> {
    let all = phonenumber::metadata::DATABASE.by_code(&code)?;
    all.iter()
        .find(|m| m.is_main_country_for_code())
        .or_else(|| all.first())
        .map(|m| m.id().to_string())
}

/// Where an area is: state or province, country, time zone (empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub region: String,
    pub country: String,
    pub time_zone: String,
}

/// One of our numbers as the plan sees it at the as-of moment.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedNumber {
    pub number: String,
    pub status: Status,
    /// Today's daily cap (0 unless it may dial).
    pub daily_cap: i64,
    /// Resting: when the rest ends (ms).
    pub rest_ends_ms: Option<i64>,
    /// Its attempts and `marked_as_spam` in the demand window.
    pub attempts: i64,
    pub marked_as_spam: i64,
}

/// Everything the plan reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInputs {
    pub as_of_ms: i64,
    /// Length of the demand window in days (7, less when the data begins inside it).
    pub days: f64,
    /// The pool's normal calls per number per day.
    pub normal_daily_cap: i64,
    pub numbers: Vec<PlannedNumber>,
    /// Attempts in the window by the callee's area.
    pub lead_attempts: BTreeMap<AreaKey, i64>,
}

/// One row of the plan (an area code, a state or a country), or the totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CapacityRow {
    /// The area code (`415`, `+44`), the state or the country; `total` for the totals.
    /// (Not serialized: the report names its key `area_code` or `group`.)
    #[serde(skip)]
    pub group: String,
    pub region: String,
    pub country: String,
    pub time_zone: String,
    pub numbers: i64,
    pub active: i64,
    pub probation: i64,
    pub resting: i64,
    pub retired: i64,
    pub released: i64,
    pub calls_per_day: f64,
    pub lead_calls_per_day: f64,
    pub capacity_per_day: i64,
    /// `calls_per_day / capacity_per_day`; none without capacity.
    pub utilisation: Option<f64>,
    /// Share of the group's numbers' calls marked as spam; none without calls.
    pub flagged_share: Option<f64>,
    pub replacements_needed: i64,
    pub spare: i64,
    /// Resting numbers whose rest ends within 7 days.
    pub back_within_7d: i64,
    /// The attempts and spam marks behind the rates.
    pub attempts: i64,
    pub lead_attempts: i64,
    pub marked_as_spam: i64,
}

impl CapacityRow {
    /// Its numbers and their counts by status: numbers, active, probation, resting,
    /// retired, released (the order every report shows them in).
    pub fn status_counts(&self) -> [i64; 6] {
        [
            self.numbers,
            self.active,
            self.probation,
            self.resting,
            self.retired,
            self.released,
        ]
    }

    pub fn dialable(&self) -> i64 {
        self.active + self.probation
    }

    fn add(&mut self, o: &CapacityRow) {
        self.numbers += o.numbers;
        self.active += o.active;
        self.probation += o.probation;
        self.resting += o.resting;
        self.retired += o.retired;
        self.released += o.released;
        self.calls_per_day += o.calls_per_day;
        self.lead_calls_per_day += o.lead_calls_per_day;
        self.capacity_per_day += o.capacity_per_day;
        self.replacements_needed += o.replacements_needed;
        self.spare += o.spare;
        self.back_within_7d += o.back_within_7d;
        self.attempts += o.attempts;
        self.lead_attempts += o.lead_attempts;
        self.marked_as_spam += o.marked_as_spam;
    }

    /// The rates from the summed counts.
    fn finish_rates(&mut self) {
        self.utilisation =
            (self.capacity_per_day > 0).then(|| self.calls_per_day / self.capacity_per_day as f64);
        self.flagged_share =
            (self.attempts > 0).then(|| self.marked_as_spam as f64 / self.attempts as f64);
    }
}

/// The plan: one row per group, busiest need first, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityPlan {
    pub by: GroupBy,
    pub as_of_ms: i64,
    pub days: f64,
    pub normal_daily_cap: i64,
    pub rows: Vec<CapacityRow>,
    pub totals: CapacityRow,
}

/// Numbers needed for `calls_per_day` at `cap` a day: the ceiling, robust to the float
/// division landing a hair above a whole number.
pub fn numbers_needed(calls_per_day: f64, cap: i64) -> i64 {
    if cap <= 0 || !calls_per_day.is_finite() || calls_per_day <= 0.0 {
        return 0;
    }
    (calls_per_day / cap as f64 - 1e-9).ceil().max(0.0) as i64
}

/// One area code's row from its numbers and its callees' attempts.
fn area_row(
    key: &AreaKey,
    numbers: &[&PlannedNumber],
    lead_attempts: i64,
    inputs: &PlanInputs,
) -> CapacityRow {
    let place = key.place();
    let mut row = CapacityRow {
        group: key.label(),
        region: place.region,
        country: place.country,
        time_zone: place.time_zone,
        lead_attempts,
        ..CapacityRow::default()
    };
    let back_by = inputs.as_of_ms.saturating_add(BACK_WITHIN_MS);
    for n in numbers {
        row.numbers += 1;
        match n.status {
            Status::Active => row.active += 1,
            Status::Probation => row.probation += 1,
            Status::Resting => {
                row.resting += 1;
                if n.rest_ends_ms.is_some_and(|t| t <= back_by) {
                    row.back_within_7d += 1;
                }
            }
            Status::Retired => row.retired += 1,
            Status::Released => row.released += 1,
        }
        if n.status.may_dial() {
            row.capacity_per_day += n.daily_cap.max(0);
        }
        row.attempts += n.attempts;
        row.marked_as_spam += n.marked_as_spam;
    }
    let per_day = |x: i64| {
        if inputs.days > 0.0 {
            x as f64 / inputs.days
        } else {
            0.0
        }
    };
    row.calls_per_day = per_day(row.attempts);
    row.lead_calls_per_day = per_day(lead_attempts);
    let need = numbers_needed(
        row.calls_per_day.max(row.lead_calls_per_day),
        inputs.normal_daily_cap,
    );
    row.replacements_needed = (need - row.dialable() - row.back_within_7d).max(0);
    row.spare = (row.dialable() - need).max(0);
    row.finish_rates();
    row
}

/// Groups the fleet by area code (then by state or country when asked) and applies the
/// formulas. Rows come busiest need first: most replacements needed, then most lead calls,
/// then by name.
pub fn plan_capacity(inputs: &PlanInputs, by: GroupBy) -> CapacityPlan {
    let mut areas: BTreeMap<AreaKey, Vec<&PlannedNumber>> = BTreeMap::new();
    for n in &inputs.numbers {
        areas.entry(AreaKey::of(&n.number)).or_default().push(n);
    }
    for key in inputs.lead_attempts.keys() {
        areas.entry(key.clone()).or_default();
    }
    let area_rows = areas.iter().map(|(key, numbers)| {
        let lead = inputs.lead_attempts.get(key).copied().unwrap_or(0);
        area_row(key, numbers, lead, inputs)
    });
    let mut rows: Vec<CapacityRow> = match by {
        GroupBy::AreaCode => area_rows.collect(),
        GroupBy::State | GroupBy::Country => {
            let mut groups: BTreeMap<String, CapacityRow> = BTreeMap::new();
            for r in area_rows {
                let name = if by == GroupBy::State {
                    r.region.clone()
                } else {
                    r.country.clone()
                };
                let g = groups.entry(name.clone()).or_insert_with(|| CapacityRow {
                    group: name,
                    country: r.country.clone(),
                    ..CapacityRow::default()
                });
                if g.country != r.country {
                    g.country = "several".into();
                }
                if by == GroupBy::State {
                    g.region = g.group.clone();
                }
                g.add(&r);
            }
            groups
                .into_values()
                .map(|mut g| {
                    g.finish_rates();
                    g
                })
                .collect()
        }
    };
    rows.sort_by(|a, b| {
        b.replacements_needed
            .cmp(&a.replacements_needed)
            .then(b.lead_attempts.cmp(&a.lead_attempts))
            .then_with(|| a.group.cmp(&b.group))
    });
    let mut totals = CapacityRow {
        group: "total".into(),
        ..CapacityRow::default()
    };
    for r in &rows {
        totals.add(r);
    }
    totals.finish_rates();
    CapacityPlan {
        by,
        as_of_ms: inputs.as_of_ms,
        days: inputs.days,
        normal_daily_cap: inputs.normal_daily_cap,
        rows,
        totals,
    }
}

#[cfg(test)]
mod tests;
