//! The recovered-number rule: a number flagged inside the lookback that has since made
//! enough calls with no flag and a failure rate not significantly above the fleet's has
//! shown its label is gone, so its old flags and failures weigh less, the more so the more
//! clean calls and clean days it has made since its last flag.

use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::health::stats::poisson_upper_p;
use crate::health::window::Gathered;
use crate::health::wording::count;
use crate::time::utc_date;

/// A recovered number's clean record since its last counted flag.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recovery {
    /// What its flags, failures and failure trend are multiplied by: 0.5^(clean calls /
    /// `recovery_min_calls` (`recovery_rested_calls` back from a rest) + clean days /
    /// `recovery_clean_days`), at most 0.5.
    pub factor: f64,
    /// Calls with an outcome since the last counted flag (since the rest, back from one).
    pub clean_calls: i64,
    /// UTC days after the last flag's day with calls with an outcome.
    pub clean_days: i64,
    /// The hour (since the epoch) of the last counted flag.
    pub last_flag_hour: i64,
    /// Whether it came back from a rest (no call for `retire_gap_days` after that flag).
    pub rested: bool,
}

impl Recovery {
    /// "clean on 140 calls over 3 days since its last spam mark on 2026-11-10".
    pub fn reason(&self) -> String {
        let over = if self.clean_days > 0 {
            format!(" over {}", count(self.clean_days, "day", "days"))
        } else {
            String::new()
        };
        let since = if self.rested {
            "since it came back from a rest after its last spam mark on"
        } else {
            "since its last spam mark on"
        };
        format!(
            "clean on {}{over} {since} {}",
            count(self.clean_calls, "call", "calls"),
            utc_date(self.last_flag_hour * HOUR_MS)
        )
    }
}

/// Whether the number recovered since its last counted flag in the lookback: at least
/// `recovery_min_calls` calls with an outcome since (none flagged, by definition), or
/// `recovery_rested_calls` since it came back from a rest (no call for `retire_gap_days`
/// after the flag: a rest lets a label fade, so its first calls back say more), and
/// failures in the recent window that the fleet's rates in the same hours explain (Poisson
/// upper tail at or above 1 - `confidence`). The failure test reads a fixed window, not the
/// calls since the flag, so that a flag added anywhere never turns a recovery on: it only
/// shortens the clean record, so more flags never lower the score.
pub fn recovery(g: &Gathered, cfg: &ScoreConfig) -> Option<Recovery> {
    let last_flag_hour = g.flag_hours.last()?.0;
    // Back from a rest, the calls since it are the evidence, in smaller steps.
    let (clean, step) = match g.judged_after_rest {
        Some(n) => (n, cfg.recovery_rested_calls),
        None => (g.judged_since_flag, cfg.recovery_min_calls),
    };
    let step = step.max(1) as f64;
    if clean < step {
        return None;
    }
    let failure_p = poisson_upper_p(g.recent.fail.max(0.0) as u64, g.recent.exp_fail);
    if failure_p < 1.0 - cfg.confidence {
        return None;
    }
    let evidence =
        clean / step + g.clean_days_since_flag as f64 / cfg.recovery_clean_days.max(1) as f64;
    Some(Recovery {
        factor: 0.5f64.powf(evidence),
        clean_calls: clean as i64,
        clean_days: g.clean_days_since_flag,
        last_flag_hour,
        rested: g.judged_after_rest.is_some(),
    })
}
