//! Rollup deltas of one file load: per (number, hour) and per fleet hour, summed in memory
//! across batches and written as few upserts as possible, inside the file's transaction.

use std::collections::{BTreeMap, HashMap};

/// Interned caller numbers hash with a fast hasher (few keys, none chosen by an attacker).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::health::rollup::{contribution, hour_of};
use crate::model::{CallRecord, HourCounts};
use crate::store::marks;

/// Summed `new - old` contributions, keyed by interned number and hour.
#[derive(Default)]
pub(crate) struct RollupDeltas {
    /// Interned caller numbers: one allocation per number per file, not per call.
    names: Vec<String>,
    ids: FastMap<String, u32>,
    /// A B-tree, not a hash map: no doubling spikes in memory as it grows.
    by_number_hour: BTreeMap<(u32, i64), Delta>,
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
        self.by_number_hour.len()
    }

    fn intern(&mut self, number: &str) -> u32 {
        if let Some(&id) = self.ids.get(number) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(number.to_string());
        self.ids.insert(number.to_string(), id);
        id
    }

    /// Adds `sign` (+1 or -1) times the call's contribution to the hour it counts at, with
    /// its attempt mark when `short` (the stored short flag) says it was a dialled attempt.
    pub(crate) fn add(
        &mut self,
        rec: &CallRecord,
        placed: i64,
        short: i64,
        short_call_ms: i64,
        sign: i64,
    ) {
        let c = contribution(rec, short_call_ms);
        let id = self.intern(&rec.our_number);
        let d = self
            .by_number_hour
            .entry((id, hour_of(placed)))
            .or_default();
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

    /// Adds every delta of `other` to this one (the writer's corrections into the sums
    /// the parser thread made).
    pub(crate) fn merge_from(&mut self, other: RollupDeltas) {
        for ((id, hour), d) in other.by_number_hour {
            let id = self.intern(&other.names[id as usize]);
            let mine = self.by_number_hour.entry((id, hour)).or_default();
            mine.counts.add_scaled(&d.counts, 1);
            mine.add.extend(d.add);
            mine.remove.extend(d.remove);
        }
    }

    /// Writes every pending delta to `number_hourly` and `fleet_hourly` (rows that sum to
    /// zero are removed, so both tables hold exactly what a rebuild would) and clears.
    pub(crate) fn apply(&mut self, tx: &Connection) -> Result<()> {
        let mut keys: Vec<(u32, i64)> = self.by_number_hour.keys().copied().collect();
        // Key order: neighbouring upserts land on the same B-tree pages.
        keys.sort_unstable_by(|(a, ha), (b, hb)| {
            self.names[*a as usize]
                .cmp(&self.names[*b as usize])
                .then(ha.cmp(hb))
        });
        let mut fleet: HashMap<i64, HourCounts> = HashMap::new();
        let mut number_upsert = tx.prepare_cached(&number_upsert_sql())?;
        let mut number_drop = tx.prepare_cached(&drop_empty_sql(
            "number_hourly",
            "number = ?1 AND hour = ?2",
        ))?;
        for key in &keys {
            let Some(d) = self.by_number_hour.get_mut(key) else {
                continue;
            };
            marks::cancel(&mut d.add, &mut d.remove);
            if d.counts.is_zero() && d.add.is_empty() && d.remove.is_empty() {
                continue;
            }
            d.add.sort_unstable();
            let (add, remove) = (marks::encode(&d.add), marks::encode(&d.remove));
            let (id, hour) = (key.0, &key.1);
            let number = &self.names[id as usize];
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
        self.by_number_hour.clear();
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
