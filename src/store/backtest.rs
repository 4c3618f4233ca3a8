//! The backtest engine: replays the assessment at every step of a range and sums up how
//! far ahead of each number's first `marked_as_spam` it warned (`health::backtest` has the
//! rules). Read-only: it records no scores and moves no number in the pool.
//!
//! Each number's rollups over the whole replay (the first step's lookback to the last
//! step's horizon) are read once, and every step is assessed from memory, cut at the
//! step by `health::backtest` exactly as `assess_all` would read the store as of it. As in
//! `judge_all`, two readers share the work, one walking the numbers up, one down on a
//! second connection, meeting in the middle; each holds one number's history at a time.

use std::collections::HashMap;

use rusqlite::params;

use crate::error::{Error, Result};
use crate::health::backtest::{
    AlarmRule, DAY_MS, Plan, ReplayHistory, Summary, Track, replay_number, span_text, summarize,
};
use crate::health::bursts::Burst;
use crate::health::rollup::{HOUR_MS, hour_of};
use crate::health::score_config::ScoreConfig;
use crate::store::Store;
use crate::store::two_readers::from_both_ends;
use crate::time::rfc3339;

/// The most steps one backtest replays (with the horizon's lead-up).
pub const MAX_STEPS: i64 = 10_000;

/// The range `--since`/`--until` defaults to, back from `--until`.
pub const DEFAULT_RANGE_MS: i64 = 30 * DAY_MS;

/// What to replay: `None` moments take their defaults (`until`: the end of the newest
/// call's hour; `since`: 30 days before `until`, or the start of the first call's hour
/// when later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub step_ms: i64,
    pub horizon_ms: i64,
}

/// A backtest's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub plan: Plan,
    /// Steps replayed, the lead-up before `since` included, and of them in the range.
    pub steps: usize,
    pub steps_in_range: usize,
    /// The stored data's first and newest call.
    pub first_call_ms: i64,
    pub newest_call_ms: i64,
    pub summary: Summary,
}

/// The range, steps and horizon of `req` on this database, defaults filled in; a range
/// that is empty or holds no calls is refused (exit 1), a range the flags get backwards or
/// too many steps are usage errors (exit 64).
pub fn plan(store: &Store, req: &Request) -> Result<(Plan, i64, i64)> {
    if req.step_ms <= 0 || req.horizon_ms <= 0 {
        return Err(Error::Usage(
            "--step and --horizon must be positive durations".into(),
        ));
    }
    let fresh = store.data_freshness()?;
    let Some(newest) = fresh.newest_call_ms else {
        return Err(Error::Other(
            "the database holds no calls: nothing to replay (ingest call records first)".into(),
        ));
    };
    let first = fresh.first_call_ms.unwrap_or(newest);
    let data = format!(
        "the data runs from {} to {}",
        rfc3339(first),
        rfc3339(newest)
    );
    // Defaults on whole hours: the end of the newest call's hour (a step then sees all
    // of it), and 30 days before that or the start of the first call's hour.
    let until = req.until_ms.unwrap_or((hour_of(newest) + 1) * HOUR_MS);
    let since = req
        .since_ms
        .unwrap_or_else(|| (until - DEFAULT_RANGE_MS).max(hour_of(first) * HOUR_MS));
    if since >= until {
        let until_text = match req.until_ms {
            Some(u) => format!("--until {}", rfc3339(u)),
            None => format!(
                "--until (default: the newest call's hour, {})",
                rfc3339(until)
            ),
        };
        return match req.since_ms {
            Some(s) => Err(Error::Usage(format!(
                "--since {} is not before {until_text}: give a range that runs forward",
                rfc3339(s)
            ))),
            None => Err(Error::Other(format!(
                "no calls to replay before {until_text}: {data}"
            ))),
        };
    }
    let plan = Plan {
        since_ms: since,
        until_ms: until,
        step_ms: req.step_ms,
        horizon_ms: req.horizon_ms,
        data_end_ms: newest.max(fresh.watermark_ms.unwrap_or(i64::MIN)),
    };
    if !store.calls_between(since, until)? {
        return Err(Error::Other(format!(
            "no calls between {} and {}: nothing to replay ({data})",
            rfc3339(since),
            rfc3339(until)
        )));
    }
    let n = plan.step_count();
    if n > MAX_STEPS {
        return Err(Error::Usage(format!(
            "--step {}: {n} steps from {} to {} (with the {} lead-up of the horizon), more than {MAX_STEPS}: take a longer --step or a shorter range",
            span_text(req.step_ms),
            rfc3339(since),
            rfc3339(until),
            span_text(req.horizon_ms)
        )));
    }
    Ok((plan, first, newest))
}

/// Replays the assessment with `cfg` at every step of `req` on `store` and sums up how it
/// warned ahead of first flags, and how often it rested numbers that stayed clean.
pub fn backtest(store: &Store, cfg: &ScoreConfig, req: &Request) -> Result<Backtest> {
    let (plan, first_call_ms, newest_call_ms) = plan(store, req)?;
    let steps = plan.steps();
    let scan = scan_of(&plan, &steps, cfg);
    let fleet = store.fleet_hours(scan.from_hour, scan.end_hour)?;
    let bursts = store.replay_bursts(&scan)?;
    let run = |s: &Store,
               descending: bool,
               claim: &(dyn Fn(&str) -> bool + Sync)|
     -> Result<Vec<Track>> {
        let mut out = Vec::new();
        s.stream_replay(&scan, descending, &bursts, claim, |h| {
            out.push(replay_number(&h, &fleet, cfg, &plan, &steps));
            Ok(())
        })?;
        Ok(out)
    };
    let (mut tracks, more) = from_both_ends(store, "backtest", run)?;
    tracks.extend(more);
    tracks.sort_by(|a, b| a.number.cmp(&b.number));
    let summary = summarize(&tracks, &plan, &AlarmRule::of(cfg));
    Ok(Backtest {
        steps: steps.len(),
        steps_in_range: steps.iter().filter(|&&t| plan.in_range(t)).count(),
        plan,
        first_call_ms,
        newest_call_ms,
        summary,
    })
}

/// The hours and bursts a replay reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReplayScan {
    /// Rollups kept from this hour (the first step's lookback) ...
    from_hour: i64,
    /// ... to this one, exclusive (the hour after the last step's horizon ends).
    end_hour: i64,
    /// Bursts that start before this moment (the last step).
    bursts_until_ms: i64,
}

fn scan_of(plan: &Plan, steps: &[i64], cfg: &ScoreConfig) -> ReplayScan {
    let first = steps.first().copied().unwrap_or(plan.since_ms);
    ReplayScan {
        from_hour: hour_of(first) - cfg.lookback_days * 24,
        end_hour: hour_of(plan.until_ms.saturating_add(plan.horizon_ms)) + 1,
        bursts_until_ms: plan.until_ms.saturating_add(1),
    }
}

impl Store {
    /// Whether any call is rolled up in the hours from `since_ms`'s to `until_ms`'s.
    fn calls_between(&self, since_ms: i64, until_ms: i64) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM fleet_hourly WHERE hour >= ?1 AND hour <= ?2 \
                 AND attempts + inbound + platform_fault > 0)",
                params![hour_of(since_ms), hour_of(until_ms)],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))
    }

    /// The bursts a replay's steps read (starting in the first step's lookback, before the
    /// last step), by number, each sorted by start.
    fn replay_bursts(&self, scan: &ReplayScan) -> Result<HashMap<String, Vec<Burst>>> {
        let mut bursts: HashMap<String, Vec<Burst>> = HashMap::new();
        let rows = self.list_bursts(
            None,
            Some(scan.from_hour * HOUR_MS),
            Some(scan.bursts_until_ms),
        )?;
        for b in rows {
            bursts.entry(b.number).or_default().push(Burst {
                start_ms: b.start_ms,
                end_ms: b.end_ms,
                calls: b.calls,
                short_calls: b.short_calls,
            });
        }
        Ok(bursts)
    }

    /// Streams each number's replay history (in number order, or reverse), calling
    /// `claim` as each new number starts: when it returns false the stream stops. Reads
    /// every rollup before the scan's end (as `stream_histories` does); keeps those from
    /// its first hour and sums up the older ones.
    fn stream_replay(
        &self,
        scan: &ReplayScan,
        descending: bool,
        bursts: &HashMap<String, Vec<Burst>>,
        claim: impl FnMut(&str) -> bool,
        mut f: impl FnMut(ReplayHistory) -> Result<()>,
    ) -> Result<()> {
        self.stream_number_hours(
            scan.end_hour,
            None,
            descending,
            claim,
            |number, hour| ReplayHistory {
                number: number.to_string(),
                first_hour: hour,
                ..ReplayHistory::default()
            },
            |h, hour, c| {
                h.first_hour = h.first_hour.min(hour);
                if c.marked_as_spam > 0 {
                    h.first_flag_hour = Some(h.first_flag_hour.map_or(hour, |x| x.min(hour)));
                }
                if hour >= scan.from_hour {
                    h.hours.push((hour, c));
                } else {
                    if c.marked_as_spam > 0 {
                        h.spam_before = h.spam_before.max(Some(hour));
                    }
                    if c.reputation_failures() + c.marked_as_spam > 0 {
                        h.reputation_before = h.reputation_before.max(Some(hour));
                    }
                }
            },
            |mut done| {
                if descending {
                    done.hours.reverse();
                }
                done.bursts = bursts.get(&done.number).cloned().unwrap_or_default();
                f(done)
            },
        )
    }
}

#[cfg(test)]
mod tests;
