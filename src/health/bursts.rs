//! Short-call bursts: many short calls from one number in a short period, the pattern
//! the platform warns gets numbers marked as spam at the carrier. Pure detection over a
//! number's calls in time order; the store keeps what this finds.

use serde::{Deserialize, Serialize};

/// Burst thresholds. Defaults: 10 short calls (under the short-call cut-off) within any
/// 10-minute window, i.e. a pace of 60 short calls an hour against a common pacing limit
/// of 75-100 calls a *day*.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BurstConfig {
    pub window_minutes: i64,
    pub min_short_calls: i64,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            window_minutes: 10,
            min_short_calls: 10,
        }
    }
}

impl BurstConfig {
    pub fn window_ms(&self) -> i64 {
        self.window_minutes * 60_000
    }
}

/// One outbound call as burst detection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPoint {
    pub at_ms: i64,
    pub short: bool,
}

/// A detected burst episode: overlapping qualifying windows merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Burst {
    pub start_ms: i64,
    pub end_ms: i64,
    /// All outbound calls between start and end, inclusive.
    pub calls: i64,
    pub short_calls: i64,
}

/// Finds burst episodes in `points`, which must be sorted by `at_ms`.
/// A window `[t, t + window)` holding at least `min_short_calls` short calls qualifies;
/// qualifying windows that overlap or touch are merged into one episode spanning its
/// first to last short call.
pub fn detect(points: &[CallPoint], cfg: &BurstConfig) -> Vec<Burst> {
    let shorts: Vec<i64> = points.iter().filter(|p| p.short).map(|p| p.at_ms).collect();
    let need = cfg.min_short_calls.max(1) as usize;
    let window = cfg.window_ms().max(1);
    let mut spans: Vec<(i64, i64)> = Vec::new();
    let mut hi = 0usize;
    for lo in 0..shorts.len() {
        if hi < lo {
            hi = lo;
        }
        while hi + 1 < shorts.len() && shorts[hi + 1] < shorts[lo] + window {
            hi += 1;
        }
        if hi + 1 - lo >= need {
            let (s, e) = (shorts[lo], shorts[hi]);
            match spans.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => spans.push((s, e)),
            }
        }
    }
    spans
        .into_iter()
        .map(|(s, e)| {
            let inside = points.iter().filter(|p| p.at_ms >= s && p.at_ms <= e);
            let (calls, short_calls) =
                inside.fold((0, 0), |(c, sc), p| (c + 1, sc + i64::from(p.short)));
            Burst {
                start_ms: s,
                end_ms: e,
                calls,
                short_calls,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(times_short: &[(i64, bool)]) -> Vec<CallPoint> {
        times_short
            .iter()
            .map(|&(t, s)| CallPoint { at_ms: t, short: s })
            .collect()
    }

    #[test]
    fn spread_calls_are_no_burst() {
        // 30 short calls an hour apart.
        let p = pts(&(0..30).map(|i| (i * 3_600_000, true)).collect::<Vec<_>>());
        assert!(detect(&p, &BurstConfig::default()).is_empty());
    }

    #[test]
    fn dense_short_calls_make_one_burst() {
        // 20 short calls 30 s apart plus 5 long ones interleaved.
        let mut v: Vec<(i64, bool)> = (0..20).map(|i| (i * 30_000, true)).collect();
        v.extend((0..5).map(|i| (i * 60_000 + 1, false)));
        v.sort();
        let b = detect(&pts(&v), &BurstConfig::default());
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].start_ms, 0);
        assert_eq!(b[0].end_ms, 19 * 30_000);
        assert_eq!(b[0].short_calls, 20);
        assert_eq!(b[0].calls, 25);
    }

    #[test]
    fn nine_in_window_is_below_threshold() {
        let p = pts(&(0..9).map(|i| (i * 1000, true)).collect::<Vec<_>>());
        assert!(detect(&p, &BurstConfig::default()).is_empty());
        let p = pts(&(0..10).map(|i| (i * 1000, true)).collect::<Vec<_>>());
        assert_eq!(detect(&p, &BurstConfig::default()).len(), 1);
    }

    #[test]
    fn separated_episodes_stay_apart() {
        let mut v: Vec<(i64, bool)> = (0..10).map(|i| (i * 1000, true)).collect();
        v.extend((0..10).map(|i| (7_200_000 + i * 1000, true)));
        assert_eq!(detect(&pts(&v), &BurstConfig::default()).len(), 2);
    }
}
