//! How long to wait before retrying a page: exponential backoff with jitter, and the
//! server's `Retry-After` (seconds or an HTTP date), both capped at `backoff_max_ms`.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Backoff settings (from `[pull]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first retry's delay.
    pub initial_ms: u64,
    /// No wait is ever longer than this, `Retry-After` included.
    pub max_ms: u64,
}

impl Backoff {
    /// The ceiling for retry number `retry` (1 = the first retry): `initial * 2^(retry-1)`,
    /// capped at `max_ms`.
    pub fn ceiling_ms(&self, retry: u32) -> u64 {
        let factor = 1u64
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u64::MAX);
        self.initial_ms.saturating_mul(factor).min(self.max_ms)
    }

    /// "Equal jitter": half the ceiling, plus `jitter` (0..=1) times the other half, so
    /// retries from many clients spread out but never collapse to zero.
    pub fn jittered_ms(&self, retry: u32, jitter: f64) -> u64 {
        let ceiling = self.ceiling_ms(retry);
        let half = ceiling / 2;
        let spread = (ceiling - half) as f64 * jitter.clamp(0.0, 1.0);
        half + spread.round() as u64
    }

    /// The wait before retry `retry`: the jittered backoff, or the server's `Retry-After`
    /// if that is longer, never more than `max_ms`.
    pub fn wait(&self, retry: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let backoff = self.jittered_ms(retry, jitter);
        let asked = retry_after.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Duration::from_millis(backoff.max(asked).min(self.max_ms))
    }
}

/// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`, relative to `now`). A date in the past means 0;
/// anything else unreadable is `None` (ignored).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&Utc) - now).num_milliseconds().max(0);
    Some(Duration::from_millis(ms as u64))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const B: Backoff = Backoff {
        initial_ms: 500,
        max_ms: 30_000,
    };

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let c: Vec<u64> = (1..=9).map(|r| B.ceiling_ms(r)).collect();
        assert_eq!(
            c,
            [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(B.ceiling_ms(200), 30_000, "huge retry counts saturate");
        assert_eq!(B.ceiling_ms(0), 500);
    }

    #[test]
    fn jitter_stays_between_half_and_the_ceiling() {
        assert_eq!(B.jittered_ms(3, 0.0), 1000);
        assert_eq!(B.jittered_ms(3, 1.0), 2000);
        assert_eq!(B.jittered_ms(3, 0.5), 1500);
        assert_eq!(
            B.jittered_ms(3, 7.0),
            2000,
            "out-of-range jitter is clamped"
        );
        for i in 0..=10 {
            let d = B.jittered_ms(2, f64::from(i) / 10.0);
            assert!((500..=1000).contains(&d), "{d}");
        }
    }

    #[test]
    fn retry_after_wins_when_longer_but_is_capped() {
        let ms = |d: Duration| d.as_millis() as u64;
        assert_eq!(ms(B.wait(1, 0.0, Some(Duration::from_secs(5)))), 5000);
        assert_eq!(ms(B.wait(1, 1.0, None)), 500);
        assert_eq!(ms(B.wait(5, 1.0, Some(Duration::from_secs(1)))), 8000);
        assert_eq!(ms(B.wait(1, 0.0, Some(Duration::from_secs(3600)))), 30_000);
        let tiny = Backoff {
            initial_ms: 10,
            max_ms: 50,
        };
        assert_eq!(ms(tiny.wait(1, 0.0, Some(Duration::from_secs(1)))), 50);
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 5, 0, 0).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 05:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 04:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means retry now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
