//! One caller number's story as of a moment, gathered for `numhealth number`: its
//! assessment with the configured lookback, the daily timeline over the days asked for,
//! its bursts, recorded scores, and its status and transitions in the number pool.

use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::health::assessment::{Assessment, NumberHistory};
use crate::health::daily::{self, DayRates};
use crate::health::rollup::HOUR_MS;
use crate::health::score::assess;
use crate::health::score_config::ScoreConfig;
use crate::pool::{PaceLimits, Rules};
use crate::store::pool::NumberPool;
use crate::store::{BurstRow, ScoreHistoryRow, Store};
use crate::time::rfc3339;

/// Everything `number` shows, as computed.
pub struct NumberStory {
    pub number: String,
    pub as_of_ms: i64,
    pub first_seen_ms: i64,
    pub last_spam_ms: Option<i64>,
    pub assessment: Assessment,
    /// The zone the timeline's days are in.
    pub tz: Tz,
    pub days: Vec<DayRates>,
    pub bursts: Vec<BurstRow>,
    /// Recorded scores, oldest first.
    pub history: Vec<ScoreHistoryRow>,
    /// Its status in the pool at the moment, and the transitions recorded up to it.
    pub pool: NumberPool,
}

/// What to show of a number: how many days of timeline, in which zone, how many
/// recorded scores.
pub struct StoryRequest<'a> {
    pub number: &'a str,
    pub as_of_ms: i64,
    pub days: i64,
    pub tz: Tz,
    pub score: &'a ScoreConfig,
    pub rules: &'a Rules<'a>,
}

/// Most recorded scores a story lists.
const HISTORY_ROWS: i64 = 30;

impl Store {
    /// The story of `req.number`; a number with no calls before the moment is refused.
    pub fn number_story(&self, req: &StoryRequest<'_>) -> Result<NumberStory> {
        let (cfg, as_of) = (req.score, req.as_of_ms);
        let lookback = cfg.lookback_days.max(req.days);
        let inputs = self.scoring_inputs(as_of, lookback, Some(req.number))?;
        let Some(history) = inputs.histories.into_iter().next() else {
            return Err(Error::Other(format!(
                "{} has no calls before {} in {}",
                req.number,
                rfc3339(as_of),
                self.path().display()
            )));
        };
        // Scored with the configured lookback; the timeline shows `days`.
        let as_of_hour = as_of.div_euclid(HOUR_MS);
        let window_start = as_of_hour - cfg.lookback_days * 24;
        let scored = NumberHistory {
            hours: history
                .hours
                .iter()
                .filter(|(h, _)| *h >= window_start)
                .cloned()
                .collect(),
            ..history.clone()
        };
        let since_hour = as_of_hour - req.days * 24;
        // Paced by its normal caps in the pool at the moment, as a score run judged it.
        let mut pool = self.pool_number_at(req.number, as_of, req.rules)?;
        let limits = PaceLimits::of_pool(req.rules, &pool.entry);
        let paced = limits
            .own_config(req.number, cfg)
            .or_else(|| limits.normal_config(cfg));
        // Its transitions up to the moment (as its scores).
        pool.transitions.retain(|t| t.at_ms <= as_of);
        Ok(NumberStory {
            number: req.number.to_string(),
            as_of_ms: as_of,
            first_seen_ms: history.first_seen_ms,
            last_spam_ms: history.last_spam_ms,
            assessment: assess(&scored, &inputs.fleet, paced.as_ref().unwrap_or(cfg), as_of),
            tz: req.tz,
            days: daily::timeline(&history.hours, since_hour, req.tz),
            bursts: self.list_bursts(Some(req.number), Some(since_hour * HOUR_MS), Some(as_of))?,
            history: self.score_history(req.number, as_of, HISTORY_ROWS)?,
            pool,
        })
    }
}
