//! A plain baseline scorer to hold numhealth's ranking against: over the last 7 days
//! before a cut, each number scores
//! `100 x marked_as_spam share + 100 x max(0, dial_failed share - the fleet's share in the
//! same hours) + 10 x bursts`, where a burst is 25 outbound attempts within 30 minutes
//! (counted once per run of overlapping windows). Numbers with fewer than 12 attempts
//! in the 7 days score 0. It reads the same call records the store loads, nothing else.

use std::collections::HashMap;

use crate::model::{CallRecord, Direction};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
const BURST_CALLS: usize = 25;
const BURST_WINDOW_MS: i64 = 30 * 60_000;

/// One outbound attempt: when, and whether it was spam-labelled or dial_failed.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    at: i64,
    spam: bool,
    dial_failed: bool,
}

/// Outbound attempts by number, in time order (the order `sim::generate` emits them).
#[derive(Debug, Default)]
pub struct Calls {
    by_number: HashMap<String, Vec<Attempt>>,
}

/// Platform or account faults, not the number's attempts.
fn platform_fault(reason: &str) -> bool {
    reason.starts_with("error_")
        || matches!(
            reason,
            "concurrency_limit_reached"
                | "no_concurrency_fallback"
                | "no_valid_payment"
                | "credit_exhausted"
                | "budget_reached"
                | "registered_call_timeout"
                | "manual_stopped"
                | "scam_detected"
        )
}

impl Calls {
    pub fn add(&mut self, c: &CallRecord) {
        let (Direction::Outbound, Some(at)) = (c.direction, c.start_ms) else {
            return;
        };
        let reason = c.disconnection_reason.as_ref().map_or("", |r| r.as_str());
        if platform_fault(reason) {
            return;
        }
        self.by_number
            .entry(c.our_number.to_string())
            .or_default()
            .push(Attempt {
                at,
                spam: reason == "marked_as_spam",
                dial_failed: reason == "dial_failed",
            });
    }

    /// Outbound attempts of `number` (all of the window).
    pub fn attempts(&self, number: &str) -> usize {
        self.by_number.get(number).map_or(0, Vec::len)
    }

    /// First attempt of `number` at or after `from`.
    pub fn first_at_or_after(&self, number: &str, from: i64) -> Option<i64> {
        let v = self.by_number.get(number)?;
        let i = v.partition_point(|a| a.at < from);
        v.get(i).map(|a| a.at)
    }

    /// Every number's baseline score as of `cut_ms`, riskiest first (ties by number).
    pub fn rank(&self, cut_ms: i64) -> Vec<(String, f64)> {
        let from = cut_ms - 7 * DAY_MS;
        let recent = |v: &[Attempt]| -> std::ops::Range<usize> {
            v.partition_point(|a| a.at < from)..v.partition_point(|a| a.at < cut_ms)
        };
        let mut fleet: HashMap<i64, (u64, u64)> = HashMap::new();
        for v in self.by_number.values() {
            for a in &v[recent(v)] {
                let e = fleet.entry(a.at.div_euclid(HOUR_MS)).or_default();
                e.0 += 1;
                e.1 += u64::from(a.dial_failed);
            }
        }
        let mut out: Vec<(String, f64)> = self
            .by_number
            .iter()
            .map(|(n, v)| {
                let w = &v[recent(v)];
                if w.len() < 12 {
                    return (n.clone(), 0.0);
                }
                let len = w.len() as f64;
                let spam = w.iter().filter(|a| a.spam).count() as f64 / len;
                let failed = w.iter().filter(|a| a.dial_failed).count() as f64 / len;
                let expected = w
                    .iter()
                    .map(|a| {
                        let (att, df) = fleet[&a.at.div_euclid(HOUR_MS)];
                        df as f64 / att as f64
                    })
                    .sum::<f64>()
                    / len;
                let mut bursts = 0;
                let mut last_end = i64::MIN;
                for i in BURST_CALLS - 1..w.len() {
                    let start = w[i + 1 - BURST_CALLS].at;
                    if w[i].at - start < BURST_WINDOW_MS {
                        if start > last_end {
                            bursts += 1;
                        }
                        last_end = w[i].at;
                    }
                }
                let score =
                    100.0 * spam + 100.0 * (failed - expected).max(0.0) + 10.0 * f64::from(bursts);
                (n.clone(), score)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(n: &str, at: i64, reason: &str) -> CallRecord {
        CallRecord {
            call_id: format!("{n}-{at}"),
            direction: Direction::Outbound,
            our_number: n.into(),
            other_number: "+12125550100".into(),
            call_status: "not_connected".into(),
            agent_id: None,
            disconnection_reason: Some(reason.into()),
            start_ms: Some(at),
            end_ms: None,
            duration_ms: None,
            in_voicemail: None,
            user_sentiment: None,
            call_successful: None,
            number_flags: 0,
        }
    }

    #[test]
    fn spam_failures_over_the_fleet_and_bursts_rank_first() {
        let mut c = Calls::default();
        let day = DAY_MS;
        let t0 = 10 * day;
        for i in 0..40 {
            let at = t0 + i * 20 * 60_000;
            c.add(&call("+1quiet", at, "dial_no_answer"));
            c.add(&call(
                "+1spam",
                at,
                if i % 4 == 0 {
                    "marked_as_spam"
                } else {
                    "dial_no_answer"
                },
            ));
            c.add(&call(
                "+1failing",
                at,
                if i % 2 == 0 {
                    "dial_failed"
                } else {
                    "dial_no_answer"
                },
            ));
            // Platform faults are not attempts.
            c.add(&call("+1quiet", at + 1, "concurrency_limit_reached"));
        }
        // 25 calls in 5 minutes.
        for i in 0..25 {
            c.add(&call(
                "+1burst",
                t0 + 3 * day + i * 12_000,
                "dial_no_answer",
            ));
        }
        // Too few calls to score.
        c.add(&call("+1few", t0, "marked_as_spam"));
        assert_eq!(c.attempts("+1quiet"), 40);
        let r = c.rank(t0 + 4 * day);
        let order: Vec<&str> = r.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(order[..3], ["+1failing", "+1spam", "+1burst"], "{r:?}");
        let score = |n: &str| r.iter().find(|x| x.0 == n).unwrap().1;
        assert_eq!(score("+1spam"), 25.0);
        assert_eq!(score("+1burst"), 10.0);
        assert_eq!(score("+1quiet"), 0.0);
        assert_eq!(score("+1few"), 0.0);
        // Seven days on, only the burst is left in the window... and then nothing.
        assert_eq!(c.rank(t0 + 10 * day)[0].0, "+1burst");
        assert_eq!(c.first_at_or_after("+1burst", t0), Some(t0 + 3 * day));
    }
}
