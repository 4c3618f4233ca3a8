//! How a stored call is found again by its `call_id` (schema v3): by the UTC day it
//! started (`anchor_day`, -1 while it has no start) and a 64-bit hash of its id
//! (`call_key`), under one unique index. A night's calls then touch only their own days'
//! part of that index, so loading costs what the batch costs, not what the history does.
//! Hash collisions are handled, not assumed away: a call whose slot holds another id is
//! stored with a NULL key and listed in `call_overflow`.

use std::collections::BTreeSet;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, OptionalExtension, params};

const DAY_MS: i64 = 86_400_000;

/// The `anchor_day` of calls that have no start time yet.
pub(crate) const UNANCHORED: i64 = -1;

/// The 64-bit lookup key of a call id.
pub(crate) fn call_key(call_id: &str) -> i64 {
    hash(call_id.as_bytes())
}

fn hash(id: &[u8]) -> i64 {
    let h = xxhash_rust::xxh3::xxh3_64(id);
    #[cfg(test)]
    let h = h & test_key_mask::get();
    h as i64
}

/// Tests narrow the key to a few bits on their thread, so collisions happen on demand.
#[cfg(test)]
pub(crate) mod test_key_mask {
    use std::cell::Cell;

    thread_local!(static MASK: Cell<u64> = const { Cell::new(u64::MAX) });

    pub(crate) fn get() -> u64 {
        MASK.with(Cell::get)
    }

    /// Keys keep only their low `bits` bits until the guard is dropped.
    pub(crate) fn narrow(bits: u32) -> impl Drop {
        struct Restore;
        impl Drop for Restore {
            fn drop(&mut self) {
                MASK.with(|m| m.set(u64::MAX));
            }
        }
        MASK.with(|m| m.set((1u64 << bits) - 1));
        Restore
    }
}

/// How far from midnight UTC a start must lie for a re-delivery of the same call to be
/// looked for under the neighbouring day too: a later delivery may carry a start a little
/// off the first one's (rounded to the second by an export, or recomputed), and near
/// midnight that moves it to the other day. An hour also covers a start an hour off
/// (a daylight-saving mix-up).
pub(crate) const NEAR_MIDNIGHT_MS: i64 = 3_600_000;

/// The other day a call starting at `start_ms` may already be filed under: the
/// neighbouring UTC day when the start lies within `NEAR_MIDNIGHT_MS` of midnight.
pub(crate) fn neighbour_day(start_ms: Option<i64>) -> Option<i64> {
    let s = start_ms?;
    let (day, into) = (s.div_euclid(DAY_MS), s.rem_euclid(DAY_MS));
    if into < NEAR_MIDNIGHT_MS {
        Some(day - 1)
    } else if DAY_MS - into <= NEAR_MIDNIGHT_MS {
        Some(day + 1)
    } else {
        None
    }
}

/// The day a call is filed under: the UTC day of its start, or `UNANCHORED`.
pub(crate) fn anchor_day(start_ms: Option<i64>) -> i64 {
    start_ms.map_or(UNANCHORED, |s| s.div_euclid(DAY_MS))
}

/// Registers `nh_call_key(call_id)` and `nh_anchor_day(start_ms)`, the same functions in
/// SQL (the migration to v3 and `check` use them).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("nh_call_key", 1, flags, |ctx: &Context<'_>| {
        Ok(match ctx.get_raw(0) {
            rusqlite::types::ValueRef::Text(t) => Some(hash(t)),
            _ => None,
        })
    })?;
    conn.create_scalar_function("nh_anchor_day", 1, flags, |ctx: &Context<'_>| {
        Ok(anchor_day(ctx.get_raw(0).as_i64_or_null()?))
    })
}

/// Per-load lookup state: which of the rare places a call can be besides its own slot
/// are non-empty, so the common case costs one insert attempt and nothing else.
pub(crate) struct CallIndex {
    unanchored: bool,
    overflow: bool,
    /// Every anchored day present, read on first need (a call with no start is looked
    /// for in each of them).
    days: Option<BTreeSet<i64>>,
}

impl CallIndex {
    pub(crate) fn open(conn: &Connection) -> rusqlite::Result<CallIndex> {
        let exists = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, bool>(0));
        Ok(CallIndex {
            unanchored: exists(
                "SELECT EXISTS (SELECT 1 FROM calls WHERE anchor_day = -1 AND call_key IS NOT NULL)",
            )?,
            overflow: exists("SELECT EXISTS (SELECT 1 FROM call_overflow)")?,
            days: None,
        })
    }

    /// True when a call filed under `day` can only be in its own slot: no collisions
    /// recorded, and no unanchored calls that an anchored one could be a later version of.
    pub(crate) fn only_in_own_slot(&self, day: i64) -> bool {
        !self.overflow && day != UNANCHORED && !self.unanchored
    }

    /// The row and id of the call in slot `(day, key)`, if any.
    pub(crate) fn slot(
        conn: &Connection,
        day: i64,
        key: i64,
    ) -> rusqlite::Result<Option<(i64, String)>> {
        conn.prepare_cached(
            "SELECT rowid, call_id FROM calls WHERE anchor_day = ?1 AND call_key = ?2",
        )?
        .query_row(params![day, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
    }

    /// The stored row of `call_id` when it is anywhere but its own slot `(day, key)`:
    /// in the overflow list, unanchored or under the neighbouring day (`neighbour`, for a
    /// call with a start near midnight), or under any day (for a call without a start).
    pub(crate) fn find_elsewhere(
        &mut self,
        conn: &Connection,
        call_id: &str,
        key: i64,
        day: i64,
        neighbour: Option<i64>,
    ) -> rusqlite::Result<Option<i64>> {
        if self.overflow
            && let Some(row) = conn
                .prepare_cached("SELECT call FROM call_overflow WHERE call_id = ?1")?
                .query_row([call_id], |r| r.get(0))
                .optional()?
        {
            return Ok(Some(row));
        }
        let days: Vec<i64> = if day != UNANCHORED {
            let unanchored = self.unanchored.then_some(UNANCHORED);
            unanchored.into_iter().chain(neighbour).collect()
        } else {
            self.days(conn)?.iter().copied().collect()
        };
        for d in days {
            if let Some((row, id)) = Self::slot(conn, d, key)?
                && id == call_id
            {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    fn days(&mut self, conn: &Connection) -> rusqlite::Result<&BTreeSet<i64>> {
        if self.days.is_none() {
            let mut next =
                conn.prepare_cached("SELECT min(anchor_day) FROM calls WHERE anchor_day > ?1")?;
            let mut days = BTreeSet::new();
            let mut d = UNANCHORED;
            while let Some(n) = next.query_row([d], |r| r.get::<_, Option<i64>>(0))? {
                days.insert(n);
                d = n;
            }
            self.days = Some(days);
        }
        Ok(self.days.get_or_insert_default())
    }

    /// Notes a row now filed under `day` with a key.
    pub(crate) fn filed(&mut self, day: i64) {
        if day == UNANCHORED {
            self.unanchored = true;
        } else if let Some(days) = &mut self.days {
            days.insert(day);
        }
    }

    /// Lists row `row` (stored with a NULL key) as the place of `call_id`.
    pub(crate) fn add_overflow(
        &mut self,
        conn: &Connection,
        call_id: &str,
        row: i64,
    ) -> rusqlite::Result<()> {
        conn.prepare_cached("INSERT INTO call_overflow (call_id, call) VALUES (?1, ?2)")?
            .execute(params![call_id, row])?;
        self.overflow = true;
        Ok(())
    }

    /// The `(anchor_day, call_key)` an updated call is stored under. It moves to the day of
    /// its new start; if another id holds that slot it leaves the index for the overflow
    /// list (a call already there keeps its NULL key).
    pub(crate) fn refile(
        &mut self,
        conn: &Connection,
        row: i64,
        call_id: &str,
        old: (i64, Option<i64>),
        new_start: Option<i64>,
    ) -> rusqlite::Result<(i64, Option<i64>)> {
        let (old_day, old_key) = old;
        let day = if new_start.is_some() {
            anchor_day(new_start)
        } else {
            old_day
        };
        let Some(key) = old_key else {
            return Ok((day, None));
        };
        if day == old_day {
            return Ok((day, Some(key)));
        }
        if Self::slot(conn, day, key)?.is_some() {
            self.add_overflow(conn, call_id, row)?;
            return Ok((day, None));
        }
        self.filed(day);
        Ok((day, Some(key)))
    }
}

/// Rows whose lookup fields disagree with their call (for `check`): a key that is not
/// the hash of the id, a NULL key not listed in `call_overflow`, an overflow entry with
/// no row, or a start on another day than the one the call is filed under.
pub(crate) fn key_mismatches(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM calls WHERE \
                 (call_key IS NOT NULL AND call_key != nh_call_key(call_id)) \
              OR (call_key IS NULL AND rowid NOT IN (SELECT call FROM call_overflow)) \
              OR (start_ms IS NOT NULL AND anchor_day != nh_anchor_day(start_ms))) \
              + (SELECT count(*) FROM call_overflow o LEFT JOIN calls c ON c.rowid = o.call \
                 WHERE c.call_id IS NOT o.call_id)",
        [],
        |r| r.get(0),
    )
}

/// Call ids stored more than once (for `check`; the loader never does this).
pub(crate) fn duplicate_ids(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM (SELECT call_id FROM calls GROUP BY call_id HAVING count(*) > 1)",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_is_the_utc_day_of_the_start() {
        assert_eq!(anchor_day(None), UNANCHORED);
        assert_eq!(anchor_day(Some(0)), 0);
        assert_eq!(anchor_day(Some(DAY_MS - 1)), 0);
        assert_eq!(anchor_day(Some(DAY_MS)), 1);
        // Within an hour of midnight the other day is looked at too.
        assert_eq!(neighbour_day(None), None);
        assert_eq!(neighbour_day(Some(DAY_MS)), Some(0));
        assert_eq!(neighbour_day(Some(DAY_MS + NEAR_MIDNIGHT_MS - 1)), Some(0));
        assert_eq!(neighbour_day(Some(DAY_MS + NEAR_MIDNIGHT_MS)), None);
        assert_eq!(neighbour_day(Some(2 * DAY_MS - NEAR_MIDNIGHT_MS - 1)), None);
        assert_eq!(neighbour_day(Some(2 * DAY_MS - NEAR_MIDNIGHT_MS)), Some(2));
        assert_eq!(neighbour_day(Some(2 * DAY_MS - 1)), Some(2));
        assert_eq!(neighbour_day(Some(-1)), Some(0));
        assert_ne!(call_key("call_a"), call_key("call_b"));
    }

    #[test]
    fn sql_key_and_day_match_rust() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let k: i64 = conn
            .query_row("SELECT nh_call_key('call_x')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(k, call_key("call_x"));
        for s in [
            None,
            Some(0i64),
            Some(1),
            Some(DAY_MS - 1),
            Some(DAY_MS),
            Some(1_795_262_400_369),
        ] {
            let d: i64 = conn
                .query_row("SELECT nh_anchor_day(?1)", [s], |r| r.get(0))
                .unwrap();
            assert_eq!(d, anchor_day(s), "{s:?}");
        }
    }
}
