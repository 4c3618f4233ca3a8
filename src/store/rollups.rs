//! Rollup deltas of one file load: per (number, hour) and per fleet hour, summed in memory
//! across batches and written as few upserts as possible, inside the file's transaction.

use std::collections::HashMap;

/// Interned caller numbers hash with a fast hasher (few keys, none chosen by an attacker).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::health::rollup::{contribution, hour_of};
use crate::model::{CallRecord, HourCounts};
use crate::store::marks;

/// Summed `new - old` contributions, per interned caller number and hour.
#[derive(Default)]
pub(crate) struct RollupDeltas {
    /// Interned caller numbers (kept across `apply`), each with its hours' deltas.
    numbers: Vec<NumberDeltas>,
    ids: FastMap<String, u32>,
    /// (number, hour) deltas held.
    len: usize,
}

/// One number's pending deltas, by hour in the order first touched. Calls mostly arrive
/// in time order, so the hour a call lands in is nearly always the last one: found by
/// looking from the back, with no map lookup per call.
struct NumberDeltas {
    name: String,
    hours: Vec<(i64, Delta)>,
}

/// The change to one rollup row: counters, and attempt marks added and taken away.
#[derive(Default)]
struct Delta {
    counts: HourCounts,
    add: Vec<u32>,
    remove: Vec<u32>,
}

impl RollupDeltas {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The interned id of `number` (stable for the life of this value).
    pub(crate) fn intern(&mut self, number: &str) -> u32 {
        if let Some(&id) = self.ids.get(number) {
            return id;
        }
        let id = self.numbers.len() as u32;
        self.numbers.push(NumberDeltas {
            name: number.to_string(),
            hours: Vec::new(),
        });
        self.ids.insert(number.to_string(), id);
        id
    }

    /// The number interned as `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.numbers
            .get(id as usize)
            .map_or("", |n| n.name.as_str())
    }

    /// The delta of (`id`, `hour`), created empty if new.
    fn slot(&mut self, id: u32, hour: i64) -> Option<&mut Delta> {
        let hours = &mut self.numbers.get_mut(id as usize)?.hours;
        let at = match hours.iter().rposition(|(h, _)| *h == hour) {
            Some(at) => at,
            None => {
                hours.push((hour, Delta::default()));
                self.len += 1;
                hours.len() - 1
            }
        };
        hours.get_mut(at).map(|(_, d)| d)
    }

    /// Adds `sign` (+1 or -1) times the call's contribution to the hour it counts at, with
    /// its attempt mark when `short` (the stored short flag) says it was a dialled attempt.
    /// Returns the number's interned id.
    pub(crate) fn add(
        &mut self,
        rec: &CallRecord,
        placed: i64,
        short: i64,
        short_call_ms: i64,
        sign: i64,
    ) -> u32 {
        let c = contribution(rec, short_call_ms);
        let id = self.intern(&rec.our_number);
        if let Some(d) = self.slot(id, hour_of(placed)) {
            d.counts.add_scaled(&c, sign);
            if short >= 0 {
                let m = marks::mark(placed, short);
                if sign > 0 {
                    d.add.push(m);
                } else {
                    d.remove.push(m);
                }
            }
        }
        id
    }

    /// Moves every delta of `other` into this one (the writer's corrections into the sums
    /// the parser thread made); `other` keeps its interned numbers.
    pub(crate) fn merge_from(&mut self, other: &mut RollupDeltas) {
        for n in &mut other.numbers {
            if n.hours.is_empty() {
                continue;
            }
            let id = self.intern(&n.name);
            for (hour, d) in n.hours.drain(..) {
                if let Some(mine) = self.slot(id, hour) {
                    mine.counts.add_scaled(&d.counts, 1);
                    mine.add.extend(d.add);
                    mine.remove.extend(d.remove);
                }
            }
        }
        other.len = 0;
    }

    /// Writes every pending delta to `number_hourly` and `fleet_hourly` (rows that sum to
    /// zero are removed, so both tables hold exactly what a rebuild would) and clears.
    pub(crate) fn apply(&mut self, tx: &Connection) -> Result<()> {
        // Key order (number, hour): neighbouring upserts land on the same B-tree pages.
        let mut order: Vec<usize> = (0..self.numbers.len())
            .filter(|&i| self.numbers.get(i).is_some_and(|n| !n.hours.is_empty()))
            .collect();
        order.sort_unstable_by(|&a, &b| {
            let name = |i: usize| self.numbers.get(i).map(|n| n.name.as_str());
            name(a).cmp(&name(b))
        });
        let mut fleet: HashMap<i64, HourCounts> = HashMap::new();
        let mut number_upsert = tx.prepare_cached(&number_upsert_sql())?;
        let mut number_drop = tx.prepare_cached(&drop_empty_sql(
            "number_hourly",
            "number = ?1 AND hour = ?2",
        ))?;
        for i in order {
            let Some(n) = self.numbers.get_mut(i) else {
                continue;
            };
            n.hours.sort_unstable_by_key(|(hour, _)| *hour);
            let number = &n.name;
            for (hour, d) in &mut n.hours {
                marks::cancel(&mut d.add, &mut d.remove);
                if d.counts.is_zero() && d.add.is_empty() && d.remove.is_empty() {
                    continue;
                }
                d.add.sort_unstable();
                let (add, remove) = (marks::encode(&d.add), marks::encode(&d.remove));
                let hour = &*hour;
                let a = d.counts.to_array();
                let mut values = with_counters(vec![number, hour], &a);
                values.push(&add);
                values.push(&remove);
                number_upsert.execute(values.as_slice())?;
                if a.iter().any(|&x| x < 0) {
                    number_drop.execute(params![number, hour])?;
                }
                fleet.entry(*hour).or_default().add_scaled(&d.counts, 1);
            }
            n.hours.clear();
        }
        self.len = 0;
        let mut hours: Vec<(i64, HourCounts)> =
            fleet.into_iter().filter(|(_, d)| !d.is_zero()).collect();
        hours.sort_unstable_by_key(|(h, _)| *h);
        let mut fleet_upsert = tx.prepare_cached(&upsert_sql("fleet_hourly", "hour"))?;
        let mut fleet_drop = tx.prepare_cached(&drop_empty_sql("fleet_hourly", "hour = ?1"))?;
        for (hour, d) in &hours {
            let a = d.to_array();
            fleet_upsert.execute(with_counters(vec![hour], &a).as_slice())?;
            if a.iter().any(|&x| x < 0) {
                fleet_drop.execute([hour])?;
            }
        }
        Ok(())
    }
}

/// `each(field)` for every counter column, joined with `sep`.
fn over_fields(sep: &str, each: impl Fn(&str) -> String) -> String {
    HourCounts::FIELDS
        .iter()
        .map(|f| each(f))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `?1, ?2, ...` for the key columns then the counters.
fn counter_params(nkey: usize) -> String {
    (1..=nkey + HourCounts::FIELDS.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key values then the counters, as statement parameters.
fn with_counters<'a>(
    key: Vec<&'a dyn rusqlite::ToSql>,
    counters: &'a [i64; 18],
) -> Vec<&'a dyn rusqlite::ToSql> {
    let mut v = key;
    v.extend(counters.iter().map(|x| x as &dyn rusqlite::ToSql));
    v
}

/// `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x` for a rollup table whose
/// key columns are `key` (comma separated), followed by the counters.
fn upsert_sql(table: &str, key: &str) -> String {
    format!(
        "INSERT INTO {table} ({key}, {}) VALUES ({}) ON CONFLICT ({key}) DO UPDATE SET {}",
        HourCounts::FIELDS.join(", "),
        counter_params(key.split(',').count()),
        over_fields(", ", |f| format!("{f} = {f} + excluded.{f}"))
    )
}

/// The rollup upsert for `number_hourly`: counters added, marks merged (`?21` added,
/// `?22` taken away).
fn number_upsert_sql() -> String {
    format!(
        "INSERT INTO number_hourly (number, hour, {}, marks) VALUES ({}, nh_marks(NULL, ?21, ?22)) \
         ON CONFLICT (number, hour) DO UPDATE SET {}, marks = nh_marks(marks, ?21, ?22)",
        HourCounts::FIELDS.join(", "),
        counter_params(2),
        over_fields(", ", |f| format!("{f} = {f} + excluded.{f}"))
    )
}

/// Deletes the row at `key_where` if every counter is zero.
fn drop_empty_sql(table: &str, key_where: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE {key_where} AND {}",
        over_fields(" AND ", |f| format!("{f} = 0"))
    )
}

/// Recomputes `fleet_hourly` from `number_hourly` for hours `>= from_hour` (rebuild, repair).
pub(crate) fn refill_fleet(tx: &Connection, from_hour: i64) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM fleet_hourly WHERE hour >= ?1", [from_hour])?;
    tx.execute(
        &format!(
            "INSERT INTO fleet_hourly (hour, {}) SELECT hour, {} FROM number_hourly \
             WHERE hour >= ?1 GROUP BY hour",
            HourCounts::FIELDS.join(", "),
            over_fields(", ", |f| format!("sum({f})"))
        ),
        [from_hour],
    )?;
    Ok(())
}

/// Hours where `fleet_hourly` differs from the per-hour sums of `number_hourly` (for `check`).
pub(crate) fn fleet_mismatches(conn: &Connection) -> rusqlite::Result<i64> {
    let sql = format!(
        "WITH n AS (SELECT hour, {} FROM number_hourly GROUP BY hour) \
         SELECT (SELECT count(*) FROM n LEFT JOIN fleet_hourly f USING (hour) WHERE {}) \
              + (SELECT count(*) FROM fleet_hourly WHERE hour NOT IN (SELECT hour FROM n))",
        over_fields(", ", |f| format!("sum({f}) AS {f}")),
        over_fields(" OR ", |f| format!("f.{f} IS NOT n.{f}"))
    );
    conn.query_row(&sql, [], |r| r.get(0))
}
