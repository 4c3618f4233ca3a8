//! Attempt marks: the moments of a number's dialled outbound calls within one rollup hour,
//! stored with the hour's counters so burst detection never needs an index on raw calls.
//! A mark is `(ms into the hour) * 2 + short`, kept as sorted 4-byte big-endian values.

use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

use crate::health::bursts::CallPoint;
use crate::health::rollup::HOUR_MS;

/// The mark of a call placed at `placed_ms` with short flag `short` (0 or 1).
pub(crate) fn mark(placed_ms: i64, short: i64) -> u32 {
    let into_hour = placed_ms.rem_euclid(HOUR_MS);
    ((into_hour << 1) | (short & 1)) as u32
}

/// Sorted marks as a blob.
pub(crate) fn encode(marks: &[u32]) -> Vec<u8> {
    marks.iter().flat_map(|m| m.to_be_bytes()).collect()
}

/// A blob as marks; `None` if its length is not a multiple of 4 (corrupt).
pub(crate) fn decode(blob: &[u8]) -> Option<Vec<u32>> {
    if !blob.len().is_multiple_of(4) {
        return None;
    }
    Some(
        blob.chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

/// The call points of one hour's marks.
pub(crate) fn points(hour: i64, marks: &[u32]) -> impl Iterator<Item = CallPoint> + '_ {
    marks.iter().map(move |m| CallPoint {
        at_ms: hour * HOUR_MS + i64::from(m >> 1),
        short: m & 1 == 1,
    })
}

/// `old` plus every mark of `add`, minus one occurrence of each mark of `remove`, sorted.
pub(crate) fn merge(old: &[u32], add: &[u32], remove: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = old.iter().chain(add).copied().collect();
    out.sort_unstable();
    let mut remove = remove.to_vec();
    remove.sort_unstable();
    let mut kept = Vec::with_capacity(out.len());
    let mut r = remove.iter().peekable();
    for m in out {
        while r.next_if(|x| **x < m).is_some() {}
        if r.next_if(|x| **x == m).is_none() {
            kept.push(m);
        }
    }
    kept
}

/// Cancels marks present in both `add` and `remove` (an update that did not move the call).
pub(crate) fn cancel(add: &mut Vec<u32>, remove: &mut Vec<u32>) {
    if add.is_empty() || remove.is_empty() {
        return;
    }
    add.sort_unstable();
    remove.sort_unstable();
    let (mut a2, mut r2) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < add.len() && j < remove.len() {
        match add[i].cmp(&remove[j]) {
            std::cmp::Ordering::Less => {
                a2.push(add[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                r2.push(remove[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    a2.extend_from_slice(&add[i..]);
    r2.extend_from_slice(&remove[j..]);
    *add = a2;
    *remove = r2;
}

/// Registers `nh_marks(old, add, remove)`, the SQL side of `merge`, on a connection.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "nh_marks",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx: &Context<'_>| {
            let arg = |i: usize| -> rusqlite::Result<Vec<u32>> {
                let blob = match ctx.get_raw(i) {
                    rusqlite::types::ValueRef::Blob(b) => b,
                    _ => &[],
                };
                decode(blob).ok_or_else(|| {
                    rusqlite::Error::UserFunctionError(
                        "number_hourly.marks is not a whole number of marks; run `numhealth rebuild`"
                            .into(),
                    )
                })
            };
            Ok(encode(&merge(&arg(0)?, &arg(1)?, &arg(2)?)))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_sorted_and_removes_one_occurrence() {
        assert_eq!(merge(&[2, 4, 4, 9], &[3, 4], &[4, 9, 7]), vec![2, 3, 4, 4]);
        assert_eq!(merge(&[], &[5, 1], &[]), vec![1, 5]);
        assert_eq!(merge(&[1], &[], &[1, 1]), Vec::<u32>::new());
    }

    #[test]
    fn marks_round_trip_and_order_by_time() {
        let h = 491_000;
        let a = mark(h * HOUR_MS + 1_000, 1);
        let b = mark(h * HOUR_MS + 2_000, 0);
        assert!(a < b);
        let blob = encode(&[a, b]);
        let back = decode(&blob).unwrap();
        let p: Vec<CallPoint> = points(h, &back).collect();
        assert_eq!((p[0].at_ms, p[0].short), (h * HOUR_MS + 1_000, true));
        assert_eq!((p[1].at_ms, p[1].short), (h * HOUR_MS + 2_000, false));
        assert!(decode(&[1, 2, 3]).is_none());
    }

    #[test]
    fn cancel_drops_common_marks() {
        let (mut a, mut r) = (vec![5, 3, 3], vec![3, 8]);
        cancel(&mut a, &mut r);
        assert_eq!((a, r), (vec![3, 5], vec![8]));
    }
}
