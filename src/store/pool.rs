//! The pool's tables: the registry (`pool_numbers`, the current state and the policy's
//! memory) and its append-only history (`pool_transitions`), written together in one
//! transaction; the registry at a past moment replayed from the history; operator marks
//! with their refusals; and `nh_local_midnight_ms`, the SQL function the migration uses.

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::error::{Error, Result};
use crate::pool::mark::{self, Known, Mark};
use crate::pool::{
    Caps, Entry, Plan, Rules, Source, Status, Transition, Zones, recorded_at, time_passed,
};
use crate::store::Store;

const ENTRY_COLUMNS: &str = "number, status, since_ms, until_ms, until_date, daily_cap, hourly_cap, source, reason, \
     note, score_run, episode_floor_ms, probation_since_ms, throttled_until_ms, own_daily_cap, own_hourly_cap, \
     relapses, replaces";

const TRANSITION_COLUMNS: &str = "number, from_status, to_status, at_ms, until_ms, until_date, daily_cap, \
     hourly_cap, reason, source, score_run, by_name, note, own_daily_cap, own_hourly_cap";

fn bad(col: usize, what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        Type::Text,
        format!("not a pool {what}: {v:?}").into(),
    )
}

fn status_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Status> {
    let s: String = r.get(col)?;
    Status::parse(&s).ok_or_else(|| bad(col, "status", &s))
}

fn source_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Source> {
    let s: String = r.get(col)?;
    Source::parse(&s).ok_or_else(|| bad(col, "source", &s))
}

fn date_at(r: &Row<'_>, col: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = r.get(col)?;
    s.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| bad(col, "date", &s)))
        .transpose()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn entry_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    let own = match (r.get::<_, Option<i64>>(14)?, r.get::<_, Option<i64>>(15)?) {
        (Some(daily), Some(hourly)) => Some(Caps { daily, hourly }),
        _ => None,
    };
    Ok(Entry {
        number: r.get(0)?,
        status: status_at(r, 1)?,
        since_ms: r.get(2)?,
        until_ms: r.get(3)?,
        until: date_at(r, 4)?,
        caps: Caps {
            daily: r.get(5)?,
            hourly: r.get(6)?,
        },
        source: source_at(r, 7)?,
        reason: r.get(8)?,
        note: r.get(9)?,
        score_run: r.get(10)?,
        episode_floor_ms: r.get(11)?,
        probation_since_ms: r.get(12)?,
        throttled_until_ms: r.get(13)?,
        own_caps: own,
        relapses: r.get(16)?,
        replaces: r.get(17)?,
    })
}

fn transition_row(r: &Row<'_>) -> rusqlite::Result<Transition> {
    let from: Option<String> = r.get(1)?;
    Ok(Transition {
        number: r.get(0)?,
        from: from
            .map(|s| Status::parse(&s).ok_or_else(|| bad(1, "status", &s)))
            .transpose()?,
        to: status_at(r, 2)?,
        at_ms: r.get(3)?,
        until_ms: r.get(4)?,
        until: date_at(r, 5)?,
        caps: Caps {
            daily: r.get(6)?,
            hourly: r.get(7)?,
        },
        reason: r.get(8)?,
        source: source_at(r, 9)?,
        score_run: r.get(10)?,
        by: r.get(11)?,
        note: r.get(12)?,
        // 0 and 0 (every row: version 10 filled the older ones): none of its own.
        own_caps: match (r.get::<_, Option<i64>>(13)?, r.get::<_, Option<i64>>(14)?) {
            (Some(daily), Some(hourly)) if daily > 0 && hourly > 0 => Some(Caps { daily, hourly }),
            _ => None,
        },
    })
}

fn load_entry(conn: &Connection, number: &str) -> rusqlite::Result<Option<Entry>> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM pool_numbers WHERE number = ?1"
    ))?
    .query_row(params![number], entry_row)
    .optional()
}

fn upsert_entry(conn: &Connection, e: &Entry) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "INSERT INTO pool_numbers ({ENTRY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
         ON CONFLICT (number) DO UPDATE SET status = excluded.status, since_ms = excluded.since_ms, \
         until_ms = excluded.until_ms, until_date = excluded.until_date, daily_cap = excluded.daily_cap, \
         hourly_cap = excluded.hourly_cap, source = excluded.source, reason = excluded.reason, note = excluded.note, \
         score_run = excluded.score_run, episode_floor_ms = excluded.episode_floor_ms, \
         probation_since_ms = excluded.probation_since_ms, throttled_until_ms = excluded.throttled_until_ms, \
         own_daily_cap = excluded.own_daily_cap, own_hourly_cap = excluded.own_hourly_cap, \
         relapses = excluded.relapses, replaces = excluded.replaces"
    ))?;
    st.execute(params![
        e.number,
        e.status.as_str(),
        e.since_ms,
        e.until_ms,
        date_text(e.until),
        e.caps.daily,
        e.caps.hourly,
        e.source.as_str(),
        e.reason,
        e.note,
        e.score_run,
        e.episode_floor_ms,
        e.probation_since_ms,
        e.throttled_until_ms,
        e.own_caps.map(|c| c.daily),
        e.own_caps.map(|c| c.hourly),
        e.relapses,
        e.replaces,
    ])?;
    Ok(())
}

fn insert_transition(conn: &Connection, t: &Transition) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "INSERT INTO pool_transitions ({TRANSITION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    ))?;
    st.execute(params![
        t.number,
        t.from.map(Status::as_str),
        t.to.as_str(),
        t.at_ms,
        t.until_ms,
        date_text(t.until),
        t.caps.daily,
        t.caps.hourly,
        t.reason,
        t.source.as_str(),
        t.score_run,
        t.by,
        t.note,
        t.own_caps.map_or(0, |c| c.daily),
        t.own_caps.map_or(0, |c| c.hourly),
    ])?;
    Ok(())
}

/// Records a plan in the caller's transaction (the score run's, so the run and its
/// transitions commit together): its transitions appended, its rows upserted.
pub fn apply_plan(conn: &Connection, plan: &Plan) -> rusqlite::Result<()> {
    for t in &plan.transitions {
        insert_transition(conn, t)?;
    }
    for e in &plan.entries {
        upsert_entry(conn, e)?;
    }
    Ok(())
}

/// Registers `nh_local_midnight_ms(number, 'YYYY-MM-DD')`: the moment the number's local
/// date begins (NULL for a malformed date), in the zones `pool::Zones::new` gives with
/// UTC outside the area-code table (the migration has no config to read).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "nh_local_midnight_ms",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx: &Context<'_>| {
            let number: Option<String> = ctx.get(0)?;
            let date: Option<String> = ctx.get(1)?;
            let (Some(number), Some(date)) = (number, date) else {
                return Ok(None);
            };
            let Ok(date) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
                return Ok(None);
            };
            Ok(Zones::new(Tz::UTC).local_midnight_ms(&number, date))
        },
    )
}

impl Store {
    /// Every registry row, by number.
    pub fn pool_registry(&self) -> Result<Vec<Entry>> {
        self.query_rows(
            &format!("SELECT {ENTRY_COLUMNS} FROM pool_numbers ORDER BY number"),
            [],
            entry_row,
        )
    }

    /// One number's registry row.
    pub fn pool_entry(&self, number: &str) -> Result<Option<Entry>> {
        load_entry(&self.conn, number).map_err(|e| self.wrap(e))
    }

    /// One number's transitions, in recorded order.
    pub fn pool_transitions(&self, number: &str) -> Result<Vec<Transition>> {
        self.query_rows(
            &format!(
                "SELECT {TRANSITION_COLUMNS} FROM pool_transitions WHERE number = ?1 ORDER BY at_ms, id"
            ),
            params![number],
            transition_row,
        )
    }

    /// The registry as recorded at `at_ms`, replayed from the transitions (the policy's
    /// memory is not history: those fields are empty).
    pub fn pool_registry_at(&self, at_ms: i64) -> Result<Vec<Entry>> {
        let all = self.query_rows(
            &format!(
                "SELECT {TRANSITION_COLUMNS} FROM pool_transitions WHERE at_ms <= ?1 ORDER BY number, at_ms, id"
            ),
            params![at_ms],
            transition_row,
        )?;
        let mut out = Vec::new();
        for group in all.chunk_by(|a, b| a.number == b.number) {
            out.extend(recorded_at(group, at_ms));
        }
        Ok(out)
    }

    /// The last moment the pool's history answers for: its last transition or the as-of of
    /// its last score run (a rest's end is recorded when it came, which may be before that
    /// run). Neither a run nor a mark may go before it.
    pub fn pool_history_end_ms(&self) -> Result<Option<i64>> {
        history_end_ms(&self.conn).map_err(|e| self.wrap(e))
    }

    /// The moment of the last recorded transition, if any (a run may not record before it).
    pub fn pool_last_transition_ms(&self) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT max(at_ms) FROM pool_transitions", [], |r| r.get(0))
            .map_err(|e| self.wrap(e))
    }

    /// Records a plan in a transaction of its own (without a score run).
    pub fn apply_pool_plan(&mut self, plan: &Plan) -> Result<()> {
        let path = self.path().to_path_buf();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::from(e).at_db(&path))?;
        apply_plan(&tx, plan).map_err(|e| Error::from(e).at_db(&path))?;
        tx.commit().map_err(|e| Error::from(e).at_db(&path))
    }

    /// Operator marks: one transition per number (source `operator`), all or none, as a
    /// plan (the transitions and the rows they leave). Flags that do not go together
    /// (`resting` without a date, caps out of range) are a usage error; what depends on
    /// the data is refused naming the number (exit 1): a number the fleet never used
    /// without `add`, a mark before the pool's last transition or score run, a `replaces` that
    /// is not a retired number of the pool or is replaced already.
    pub fn pool_mark(&mut self, numbers: &[String], m: &Mark, rules: &Rules<'_>) -> Result<Plan> {
        mark::check_flags(m).map_err(Error::Usage)?;
        let path = self.path().to_path_buf();
        let wrap = |e: rusqlite::Error| Error::from(e).at_db(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(wrap)?;
        let replaced = match &m.replaces {
            Some(old) => load_entry(&tx, old).map_err(wrap)?,
            None => None,
        };
        // History is the pool's, not one number's: the status of every number at any
        // moment up to its end was already answered (and exported).
        let last_at_ms = history_end_ms(&tx).map_err(wrap)?;
        let last_run_ms: Option<i64> = tx
            .query_row("SELECT max(as_of_ms) FROM score_runs", [], |r| r.get(0))
            .map_err(wrap)?;
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Plan::default();
        for number in numbers.iter().filter(|n| seen.insert(n.as_str())) {
            // What time changed since the last run comes first (a rest's end, ramp
            // steps), recorded at its moments, as the views showed it live.
            let entry = match load_entry(&tx, number).map_err(wrap)? {
                Some(e) if m.at_ms >= last_at_ms.unwrap_or(i64::MIN) => {
                    let (now, passed) = time_passed(&e, m.at_ms, last_run_ms, rules);
                    for t in &passed {
                        insert_transition(&tx, t).map_err(wrap)?;
                    }
                    out.transitions.extend(passed);
                    Some(now)
                }
                other => other,
            };
            let used: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM number_hourly WHERE number = ?1)",
                    params![number],
                    |r| r.get(0),
                )
                .map_err(wrap)?;
            let replaced_by: Option<String> = match &m.replaces {
                Some(old) => tx
                    .query_row(
                        "SELECT number FROM pool_numbers WHERE replaces = ?1 LIMIT 1",
                        params![old],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(wrap)?,
                None => None,
            };
            let known = Known {
                entry: entry.as_ref(),
                used,
                last_at_ms,
                replaced: replaced.as_ref(),
                replaced_by: replaced_by.as_deref(),
            };
            let (e, t) = mark::apply(number, known, m, rules).map_err(Error::Other)?;
            upsert_entry(&tx, &e).map_err(wrap)?;
            insert_transition(&tx, &t).map_err(wrap)?;
            out.entries.push(e);
            out.transitions.push(t);
        }
        tx.commit().map_err(wrap)?;
        Ok(out)
    }
}

/// `Store::pool_history_end_ms` on a connection (or an open transaction).
fn history_end_ms(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT max(m) FROM (SELECT max(at_ms) AS m FROM pool_transitions \
         UNION ALL SELECT max(as_of_ms) FROM score_runs)",
        [],
        |r| r.get(0),
    )
}

pub(crate) mod views;

pub use views::{NumberPool, PoolRow, Rated, RotationRow, risky_at, rotation_at};

#[cfg(test)]
mod tests;
