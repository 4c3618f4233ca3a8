//! Two readers walking the numbers from both ends meet in the middle: each claims a number
//! as it reaches it, and a reader stops at the first number the other already holds, so no
//! number is read twice and none is missed.

use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::store::Store;

/// The highest number the ascending reader took and the lowest the descending one took.
#[derive(Debug, Default)]
pub(crate) struct Meeting {
    taken: Mutex<(Option<String>, Option<String>)>,
}

impl Meeting {
    /// Whether the reader (`descending` or not) may take `number`; records it if so.
    pub(crate) fn claim(&self, number: &str, descending: bool) -> bool {
        let Ok(mut c) = self.taken.lock() else {
            return false;
        };
        let (up, down) = &mut *c;
        let free = if descending {
            up.as_deref().is_none_or(|u| number > u)
        } else {
            down.as_deref().is_none_or(|d| number < d)
        };
        if free {
            *(if descending { down } else { up }) = Some(number.to_string());
        }
        free
    }
}

/// Runs `run(store, false, claim)` here and `run(twin, true, claim)` on a second read-only
/// connection on another thread, `claim(number)` telling each reader whether a number is
/// still its to take, and returns both results (the second `T::default()` when no second
/// connection can be opened: one reader then does it all). `what` names the work in the
/// error a failed thread gives.
pub(crate) fn from_both_ends<T: Send + Default>(
    store: &Store,
    what: &str,
    run: impl Fn(&Store, bool, &(dyn Fn(&str) -> bool + Sync)) -> Result<T> + Sync,
) -> Result<(T, T)> {
    let meeting = Meeting::default();
    let up_claim = |n: &str| meeting.claim(n, false);
    let down_claim = |n: &str| meeting.claim(n, true);
    let second = store.open_twin().ok();
    let (up, down) = std::thread::scope(|scope| {
        let run = &run;
        let down_claim = &down_claim;
        let down = second.map(|s2| scope.spawn(move || run(&s2, true, down_claim)));
        let up = run(store, false, &up_claim);
        let down = match down {
            Some(handle) => handle
                .join()
                .map_err(|_| Error::Other(format!("the {what} thread failed")))
                .and_then(|r| r),
            None => Ok(T::default()),
        };
        (up, down)
    });
    Ok((up?, down?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_from_both_ends_split_the_numbers_without_overlap() {
        let numbers = ["a", "b", "c", "d", "e"];
        let m = Meeting::default();
        let (mut up, mut down) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, numbers.len());
        // Interleave: up takes a, down takes e, up b, down d, then up c; down stops at c.
        loop {
            let mut moved = false;
            if i < numbers.len() && m.claim(numbers[i], false) {
                up.push(numbers[i]);
                i += 1;
                moved = true;
            }
            if j > 0 && m.claim(numbers[j - 1], true) {
                down.push(numbers[j - 1]);
                j -= 1;
                moved = true;
            }
            if !moved {
                break;
            }
        }
        let mut all: Vec<&str> = up.iter().chain(down.iter()).copied().collect();
        all.sort_unstable();
        assert_eq!(all, numbers, "up {up:?} down {down:?}");
    }
}
