//! Rollup deltas of one file load: per (number, hour) and per fleet hour, summed in memory
//! across batches and written as few upserts as possible, inside the file's transaction.

use std::collections::HashMap;

/// Interned caller numbers hash with a fast hasher (few keys, none chosen by an attacker).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::health::rollup::{contribution, hour_of};
use crate::model::{CallRecord, HourCounts, number_key};
use crate::store::marks;
use crate::store::raw_statement::{Param, RawStatement};

/// Summed `new - old` contributions, per interned caller number and hour.
#[derive(Default)]
pub(crate) struct RollupDeltas {
    /// Interned caller numbers (kept across `apply`), each with its hours' deltas.
    numbers: Vec<NumberDeltas>,
    /// Ids by `number_key`, and by text for numbers not of that form.
    by_key: FastMap<u64, u32>,
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

/// The change to one rollup row: counters, and attempt marks added and taken away. Kept
/// small (112 bytes with its hour, against 200 with `HourCounts` and two mark lists), as
/// up to three sets of 120,000 are held during a load.
#[derive(Default)]
struct Delta {
    counts: Counts,
    /// Marks added, and marks taken away with `TAKEN` set.
    marks: Vec<u32>,
}

/// Set on a mark taken away (marks use the low 23 bits: `marks::mark`).
const TAKEN: u32 = 1 << 31;

/// `HourCounts` of one delta: talk time in i64, the 17 call counts in i32. A count can
/// only overflow after 2^31 calls into one number and hour within one file (a file of
/// terabytes); it then saturates rather than wrap.
#[derive(Default, Clone, Copy)]
struct Counts {
    calls: [i32; 17],
    talk_ms: i64,
}

/// Position of `talk_ms` in `HourCounts::to_array`.
const TALK: usize = 5;

impl Counts {
    fn add(&mut self, c: &HourCounts, sign: i64) {
        let mut calls = self.calls.iter_mut();
        for (i, v) in c.to_array().into_iter().enumerate() {
            let v = sign.saturating_mul(v);
            if i == TALK {
                self.talk_ms = self.talk_ms.saturating_add(v);
            } else if let Some(x) = calls.next() {
                let v = i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
                *x = x.saturating_add(v);
            }
        }
    }

    fn merge(&mut self, o: &Counts) {
        for (x, y) in self.calls.iter_mut().zip(o.calls) {
            *x = x.saturating_add(y);
        }
        self.talk_ms = self.talk_ms.saturating_add(o.talk_ms);
    }

    fn to_hour_counts(self) -> HourCounts {
        let mut calls = self.calls.into_iter();
        let mut a = [0i64; 18];
        for (i, x) in a.iter_mut().enumerate() {
            *x = if i == TALK {
                self.talk_ms
            } else {
                calls.next().map_or(0, i64::from)
            };
        }
        HourCounts::from_array(a)
    }

    fn is_zero(&self) -> bool {
        self.talk_ms == 0 && self.calls.iter().all(|&x| x == 0)
    }
}

impl RollupDeltas {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The interned id of `number` (stable for the life of this value).
    pub(crate) fn intern(&mut self, number: &str) -> u32 {
        let key = number_key(number);
        let found = match key {
            Some(k) => self.by_key.get(&k),
            None => self.ids.get(number),
        };
        if let Some(&id) = found {
            return id;
        }
        let id = self.numbers.len() as u32;
        self.numbers.push(NumberDeltas {
            name: number.to_string(),
            hours: Vec::new(),
        });
        match key {
            Some(k) => self.by_key.insert(k, id),
            None => self.ids.insert(number.to_string(), id),
        };
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
            d.counts.add(&c, sign);
            if short >= 0 {
                let m = marks::mark(placed, short);
                d.marks.push(if sign > 0 { m } else { m | TAKEN });
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
                    mine.counts.merge(&d.counts);
                    mine.marks.extend(d.marks);
                }
            }
        }
        other.len = 0;
    }

    /// Writes every pending delta to `number_hourly` and `fleet_hourly` (rows that sum to
    /// zero are removed, so both tables hold exactly what a rebuild would) and clears,
    /// keeping the interned numbers.
    pub(crate) fn apply(&mut self, tx: &Connection) -> Result<()> {
        let mut writing = Writing::start(std::mem::take(self));
        writing.step(tx, usize::MAX)?;
        *self = writing.deltas;
        Ok(())
    }
}

/// A set of deltas being written a slice at a time (`step`), so that a large set does
/// not stop the load for the whole time it takes: key order (number, hour), so
/// neighbouring upserts land on the same B-tree pages; `fleet_hourly` is written with the
/// last slice.
pub(crate) struct Writing {
    deltas: RollupDeltas,
    /// Numbers with deltas, in name order, and how many are written.
    order: Vec<usize>,
    next: usize,
    fleet: HashMap<i64, HourCounts>,
}

impl Writing {
    pub(crate) fn start(deltas: RollupDeltas) -> Writing {
        let mut order: Vec<usize> = (0..deltas.numbers.len())
            .filter(|&i| deltas.numbers.get(i).is_some_and(|n| !n.hours.is_empty()))
            .collect();
        order.sort_unstable_by(|&a, &b| {
            let name = |i: usize| deltas.numbers.get(i).map(|n| n.name.as_str());
            name(a).cmp(&name(b))
        });
        Writing {
            deltas,
            order,
            next: 0,
            fleet: HashMap::new(),
        }
    }

    /// Writes the deltas of the next numbers, about `rows` rows (whole numbers, at least
    /// one); returns true once everything, `fleet_hourly` included, is written.
    pub(crate) fn step(&mut self, tx: &Connection, rows: usize) -> Result<bool> {
        // Through the C API: 22 parameters a row, hundreds of thousands of rows a day.
        let mut number_upsert = RawStatement::prepare(tx, &number_upsert_sql())?;
        let mut number_drop = tx.prepare_cached(&drop_empty_sql(
            "number_hourly",
            "number = ?1 AND hour = ?2",
        ))?;
        let mut written = 0;
        while written < rows
            && let Some(&i) = self.order.get(self.next)
        {
            self.next += 1;
            let Some(n) = self.deltas.numbers.get_mut(i) else {
                continue;
            };
            n.hours.sort_unstable_by_key(|(hour, _)| *hour);
            let number = &n.name;
            for (hour, d) in &mut n.hours {
                let (mut add, mut remove): (Vec<u32>, Vec<u32>) =
                    d.marks.iter().partition(|&&m| m & TAKEN == 0);
                remove.iter_mut().for_each(|m| *m &= !TAKEN);
                marks::cancel(&mut add, &mut remove);
                if d.counts.is_zero() && add.is_empty() && remove.is_empty() {
                    continue;
                }
                add.sort_unstable();
                let (add, remove) = (marks::encode(&add), marks::encode(&remove));
                let hour = &*hour;
                let counts = d.counts.to_hour_counts();
                let a = counts.to_array();
                let mut values = [Param::Null; 22];
                values[0] = Param::Text(number);
                values[1] = Param::Int(*hour);
                for (v, x) in values[2..20].iter_mut().zip(a) {
                    *v = Param::Int(x);
                }
                values[20] = Param::Blob(&add);
                values[21] = Param::Blob(&remove);
                number_upsert.execute(&values)?;
                if a.iter().any(|&x| x < 0) {
                    number_drop.execute(params![number, hour])?;
                }
                self.fleet.entry(*hour).or_default().add_scaled(&counts, 1);
            }
            written += n.hours.len();
            self.deltas.len -= n.hours.len();
            // Freed as written: a set being written shrinks while the next one grows.
            n.hours = Vec::new();
        }
        if self.next < self.order.len() {
            return Ok(false);
        }
        let mut hours: Vec<(i64, HourCounts)> = std::mem::take(&mut self.fleet)
            .into_iter()
            .filter(|(_, d)| !d.is_zero())
            .collect();
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
        Ok(true)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(seed: i64) -> HourCounts {
        let mut a = [0i64; 18];
        for (i, x) in a.iter_mut().enumerate() {
            *x = (seed * 7 + i as i64 * 3) % 5;
        }
        a[TALK] = seed * 61_000;
        HourCounts::from_array(a)
    }

    #[test]
    fn compact_counts_sum_like_hour_counts_and_saturate() {
        let mut want = HourCounts::default();
        let (mut got, mut other) = (Counts::default(), Counts::default());
        for seed in 0..40 {
            let sign = if seed % 3 == 0 { -1 } else { 1 };
            want.add_scaled(&counts(seed), sign);
            if seed % 2 == 0 {
                got.add(&counts(seed), sign);
            } else {
                other.add(&counts(seed), sign);
            }
        }
        got.merge(&other);
        assert_eq!(got.to_hour_counts(), want);
        assert!(!got.is_zero());
        let mut back = got;
        let mut minus = Counts::default();
        minus.add(&want, -1);
        back.merge(&minus);
        assert!(back.is_zero());
        // Beyond i32, counts stick at the limit instead of wrapping; talk time is i64.
        let huge = HourCounts {
            attempts: i64::from(i32::MAX) + 10,
            talk_ms: i64::from(i32::MAX) * 4,
            ..HourCounts::default()
        };
        let mut c = Counts::default();
        c.add(&huge, 1);
        c.add(&huge, 1);
        let h = c.to_hour_counts();
        assert_eq!(h.attempts, i64::from(i32::MAX));
        assert_eq!(h.talk_ms, i64::from(i32::MAX) * 8);
    }
}
