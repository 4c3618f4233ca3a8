//! Which stretch of time a pull asks for, and how far the stored watermark may move:
//! resume from the watermark minus an overlap (late updates land), and advance only
//! past what was committed, never backwards and never across a gap.

use crate::time::rfc3339;

/// The `start_timestamp` range a pull asks for, epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub since_ms: i64,
    pub until_ms: i64,
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

impl Window {
    /// The window from flags and the stored watermark: `--since`, else the watermark minus
    /// `overlap_minutes`, else `until - initial_days`. An empty window is an error.
    pub fn resolve(
        since: Option<i64>,
        until: i64,
        watermark: Option<i64>,
        overlap_minutes: i64,
        initial_days: i64,
    ) -> Result<Window, String> {
        let since_ms = match (since, watermark) {
            (Some(s), _) => s,
            (None, Some(w)) => w.saturating_sub(overlap_minutes.saturating_mul(MINUTE_MS)),
            (None, None) => until.saturating_sub(initial_days.saturating_mul(DAY_MS)),
        };
        if since_ms >= until {
            let from = if since.is_some() {
                "--since"
            } else {
                "the stored watermark minus the overlap"
            };
            return Err(format!(
                "nothing to pull: {from} ({}) is not before --until ({})",
                rfc3339(since_ms),
                rfc3339(until)
            ));
        }
        Ok(Window {
            since_ms,
            until_ms: until,
        })
    }

    /// `2026-11-27T05:00:00Z..2026-11-27T06:00:00Z`
    pub fn label(&self) -> String {
        format!("{}..{}", rfc3339(self.since_ms), rfc3339(self.until_ms))
    }

    /// The name page `n` is recorded under, like a file of an ingest run.
    pub fn page_name(&self, n: u64) -> String {
        format!("page {n} of pull {}", self.label())
    }

    /// The new watermark after committing everything that started up to `reached_ms`, or
    /// `None` to leave the stored one alone. `cap` (the pull's `until`, at most the moment
    /// the run started) bounds it. The watermark never moves backwards, and a pull whose
    /// window starts after the stored watermark (a gap not yet pulled) does not move it.
    pub fn advance(&self, old: Option<i64>, reached_ms: i64, cap: i64) -> Option<i64> {
        let candidate = reached_ms.min(cap).min(self.until_ms);
        match old {
            Some(w) if self.since_ms > w || candidate <= w => None,
            _ => Some(candidate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_755_600_000; // 2026-11-27T05:00:00Z

    #[test]
    fn since_comes_from_flag_then_watermark_then_initial_days() {
        let w = Window::resolve(Some(T - 1000), T, Some(5), 180, 2).unwrap();
        assert_eq!(w.since_ms, T - 1000);
        let w = Window::resolve(None, T, Some(T - 60_000), 30, 2).unwrap();
        assert_eq!(w.since_ms, T - 60_000 - 30 * MINUTE_MS);
        let w = Window::resolve(None, T, None, 30, 2).unwrap();
        assert_eq!(w.since_ms, T - 2 * DAY_MS);
        assert_eq!(w.until_ms, T);
    }

    #[test]
    fn empty_windows_are_refused() {
        let e = Window::resolve(Some(T), T, None, 0, 1).unwrap_err();
        assert!(e.contains("--since"), "{e}");
        let e = Window::resolve(None, T, Some(T + DAY_MS), 0, 1).unwrap_err();
        assert!(e.contains("watermark"), "{e}");
    }

    #[test]
    fn labels_and_page_names() {
        let w = Window {
            since_ms: T,
            until_ms: T + 3_600_000,
        };
        assert_eq!(
            w.page_name(3),
            "page 3 of pull 2026-11-27T05:00:00Z..2026-11-27T06:00:00Z"
        );
    }

    #[test]
    fn watermark_moves_forward_only_and_never_across_a_gap() {
        let w = Window {
            since_ms: T,
            until_ms: T + 1000,
        };
        // First pull ever: whatever was reached.
        assert_eq!(w.advance(None, T + 10, T + 1000), Some(T + 10));
        // Capped at until and at the run's start.
        assert_eq!(w.advance(None, T + 5000, T + 1000), Some(T + 1000));
        assert_eq!(w.advance(None, T + 5000, T + 500), Some(T + 500));
        // Resuming with overlap: forward only.
        assert_eq!(w.advance(Some(T + 100), T + 50, T + 1000), None);
        assert_eq!(w.advance(Some(T + 100), T + 200, T + 1000), Some(T + 200));
        assert_eq!(w.advance(Some(T), T + 200, T + 1000), Some(T + 200));
        // A window starting after the watermark leaves a gap: do not move.
        assert_eq!(w.advance(Some(T - 1), T + 200, T + 1000), None);
    }
}
