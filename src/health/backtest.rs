//! Backtest, the pure part: replays one number's assessment at each step of a range from
//! its stored history (read once by `store::backtest`), and sums up how far ahead of each
//! number's first `marked_as_spam` the scoring first warned, and how often it warned or
//! rested numbers that stayed clean.
//!
//! Honesty: the assessment at a step `t` sees exactly what `store::assess::assess_all`
//! would see as of `t`: the hours wholly before `t` (`hour < t / 1h`) in the lookback, the
//! bursts that started in the lookback before `t`, and the last spam mark and reputation
//! failure before `t`'s hour. `history_at` cuts the history so; nothing after a step
//! reaches its assessment (`store::backtest`'s tests compare both, step by step).
//!
//! Definitions (docs/backtest.md says them for people):
//! - a number's *first flag* is the start of the first hour holding one of its
//!   `marked_as_spam` calls in the stored data (rollups are hourly); it is *flagged* when
//!   that falls in `[since, until]`;
//! - a step *warns* when the assessment `is_warning()` (throttle, rest or retire for a
//!   reputation or burst reason; a throttle for pacing alone is no warning); a flagged
//!   number was *warned before its flag* when a step `w` with `flag - horizon <= w < flag`
//!   warned. The steps start `horizon` before `since` so that every flag in the range has a
//!   full horizon of steps before it;
//! - a *false alarm* is a number rested or retired at a step `t` in `[since, until]` whose
//!   horizon after it is covered by the data (`t + horizon <= data_end`), with no flag in
//!   `[t - rest, t + horizon)` (rest: `score.rest_days`, counted from the last flag), at least
//!   `score.min_attempts` calls with an outcome in the horizon after `t`, and failures
//!   (`dial_failed`, `user_declined`, `network_blocked`) there that the rest of the fleet's
//!   failure rate in the same hours explains: one-sided Poisson p >= 1 - `score.confidence`;
//! - a number is *unflagged* when it was assessed at a step in `[since, until]` and has no
//!   flag in `[since - lookback, until + horizon]`; `warned_unflagged_share` is the share of
//!   them warned at a step in `[since, until]`.

use serde::Serialize;

use crate::health::assessment::{Action, Assessment, FleetHours, NumberHistory};
use crate::health::bursts::Burst;
use crate::health::rollup::HOUR_MS;
use crate::health::score::assess;
use crate::health::score_config::ScoreConfig;
use crate::health::stats::poisson_upper_p;
use crate::health::window::{failures, judged};
use crate::model::HourCounts;

pub const DAY_MS: i64 = 24 * HOUR_MS;

/// `a / b` rounded up, for `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

/// A duration as the flags write it, in its largest whole unit: `30m`, `6h`, `7d`.
pub fn span_text(ms: i64) -> String {
    const MINUTE_MS: i64 = 60_000;
    match ms {
        _ if ms != 0 && ms % DAY_MS == 0 => format!("{}d", ms / DAY_MS),
        _ if ms != 0 && ms % HOUR_MS == 0 => format!("{}h", ms / HOUR_MS),
        _ if ms % MINUTE_MS == 0 => format!("{}m", ms / MINUTE_MS),
        _ => format!("{ms}ms"),
    }
}

/// The range, the step grid and the horizon of one backtest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub since_ms: i64,
    pub until_ms: i64,
    pub step_ms: i64,
    pub horizon_ms: i64,
    /// The newest data (the newest stored call, or the pull watermark when later): a rest
    /// is judged for a false alarm only when its horizon ends by then.
    pub data_end_ms: i64,
}

impl Plan {
    /// Steps on the grid `since + k * step`, from the first at or before `since - horizon`
    /// (the lead-up, for flags early in the range) to the last at or before `until`.
    pub fn steps(&self) -> Vec<i64> {
        let step = self.step_ms.max(1);
        let lead = -ceil_div(self.horizon_ms.max(0), step);
        let last = (self.until_ms - self.since_ms).max(0) / step;
        (lead..=last).map(|k| self.since_ms + k * step).collect()
    }

    /// How many steps `steps` gives, without listing them.
    pub fn step_count(&self) -> i64 {
        let step = self.step_ms.max(1);
        ceil_div(self.horizon_ms.max(0), step) + (self.until_ms - self.since_ms).max(0) / step + 1
    }

    pub fn in_range(&self, ms: i64) -> bool {
        (self.since_ms..=self.until_ms).contains(&ms)
    }
}

/// One number's stored history for a whole replay, read once: the rollups from the first
/// step's lookback to the end of the last step's horizon, and what came before them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayHistory {
    pub number: String,
    /// The first hour (since the epoch) the number has a rollup in.
    pub first_hour: i64,
    /// Hourly rollups in the replay's range, sorted by hour.
    pub hours: Vec<(i64, HourCounts)>,
    /// Before `hours`' range: the last hour with a `marked_as_spam`, and with any
    /// reputation failure (spam marks included).
    pub spam_before: Option<i64>,
    pub reputation_before: Option<i64>,
    /// The first hour with a `marked_as_spam` in the stored data (up to the range's end).
    pub first_flag_hour: Option<i64>,
    /// Bursts that started in the replay's range, sorted by start.
    pub bursts: Vec<Burst>,
}

/// The history of one number prepared for cutting at each step.
struct Cutter<'a> {
    h: &'a ReplayHistory,
    /// Hours (in `h.hours`) with a spam mark, and with any reputation failure.
    spam: Vec<i64>,
    reputation: Vec<i64>,
}

impl<'a> Cutter<'a> {
    fn new(h: &'a ReplayHistory) -> Cutter<'a> {
        let pick = |keep: fn(&HourCounts) -> bool| -> Vec<i64> {
            h.hours
                .iter()
                .filter(|(_, c)| keep(c))
                .map(|(hour, _)| *hour)
                .collect()
        };
        Cutter {
            h,
            spam: pick(|c| c.marked_as_spam > 0),
            reputation: pick(|c| c.reputation_failures() + c.marked_as_spam > 0),
        }
    }

    /// The last of `hours` before `end`, else `before`.
    fn last_before(hours: &[i64], end: i64, before: Option<i64>) -> Option<i64> {
        let i = hours.partition_point(|&x| x < end);
        if i > 0 { Some(hours[i - 1]) } else { before }
    }

    /// Fills `out` with what scoring sees of the number as of `as_of_ms` looking back
    /// `lookback_days` (as `Store::stream_histories` builds it); false when the number had
    /// no rollup before then (scoring would not list it).
    fn cut(&self, as_of_ms: i64, lookback_days: i64, out: &mut NumberHistory) -> bool {
        let h = self.h;
        let end = as_of_ms.div_euclid(HOUR_MS);
        if h.first_hour >= end {
            return false;
        }
        let start = end - lookback_days * 24;
        let lo = h.hours.partition_point(|(x, _)| *x < start);
        let hi = h.hours.partition_point(|(x, _)| *x < end);
        out.number.clone_from(&h.number);
        out.first_seen_ms = h.first_hour * HOUR_MS;
        out.hours.clear();
        out.hours.extend_from_slice(&h.hours[lo..hi]);
        let b_lo = h.bursts.partition_point(|b| b.start_ms < start * HOUR_MS);
        let b_hi = h.bursts.partition_point(|b| b.start_ms < as_of_ms);
        out.bursts.clear();
        out.bursts
            .extend_from_slice(&h.bursts[b_lo..b_hi.max(b_lo)]);
        out.last_spam_ms = Self::last_before(&self.spam, end, h.spam_before).map(|x| x * HOUR_MS);
        out.last_reputation_ms =
            Self::last_before(&self.reputation, end, h.reputation_before).map(|x| x * HOUR_MS);
        true
    }
}

/// What scoring sees of `h` as of `as_of_ms` (None: it had no rollup before then).
pub fn history_at(h: &ReplayHistory, as_of_ms: i64, lookback_days: i64) -> Option<NumberHistory> {
    let mut out = NumberHistory {
        number: String::new(),
        first_seen_ms: 0,
        hours: Vec::new(),
        bursts: Vec::new(),
        last_spam_ms: None,
        last_reputation_ms: None,
    };
    Cutter::new(h)
        .cut(as_of_ms, lookback_days, &mut out)
        .then_some(out)
}

/// The calls after a rest step, over its horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct After {
    /// Calls with an outcome (`window::judged`).
    pub judged: i64,
    /// `dial_failed + user_declined + network_blocked`.
    pub failures: i64,
    /// What the rest of the fleet's failure rate over the same hours predicts for them.
    pub expected_failures: f64,
}

/// A step the number was rested or retired at, and what followed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RestStep {
    pub at_ms: i64,
    pub after: After,
}

/// One number's replay: the facts `summarize` judges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    pub number: String,
    /// The first flag in the stored data (the start of its hour), if any.
    pub first_flag_ms: Option<i64>,
    /// Starts of the hours with a flag in the replay's range, sorted.
    pub flags_ms: Vec<i64>,
    /// Steps whose assessment warned, in order.
    pub warnings: Vec<i64>,
    /// Steps in `[since, until]` whose action was rest or retire.
    pub rests: Vec<RestStep>,
    /// Assessed at some step in `[since, until]`.
    pub assessed_in_range: bool,
    /// The first step the number was assessed at (it had rollups before it).
    pub first_assessed_ms: Option<i64>,
}

/// The calls of `h` in the hours `[from, to)` and the rest of the fleet's failure rate
/// over the same hours (pooled; at least `fleet_rate_floor`).
fn after(h: &ReplayHistory, fleet: &FleetHours, cfg: &ScoreConfig, from: i64, to: i64) -> After {
    let lo = h.hours.partition_point(|(x, _)| *x < from);
    let hi = h.hours.partition_point(|(x, _)| *x < to);
    let (mut own_j, mut own_f, mut rest_j, mut rest_f) = (0i64, 0i64, 0i64, 0i64);
    for (hour, c) in &h.hours[lo..hi.max(lo)] {
        own_j += judged(c);
        own_f += failures(c);
        if let Some(f) = fleet.hours.get(hour) {
            rest_j += (judged(f) - judged(c)).max(0);
            rest_f += (failures(f) - failures(c)).max(0);
        }
    }
    let rate = if rest_j > 0 {
        rest_f as f64 / rest_j as f64
    } else {
        cfg.baseline_failure_rate
    };
    After {
        judged: own_j,
        failures: own_f,
        expected_failures: own_j as f64 * rate.max(cfg.fleet_rate_floor),
    }
}

/// Replays `h` at every step of `steps` (sorted) against `fleet` (the fleet's hours over
/// the replay: an assessment reads only the fleet's hours its number called in, which
/// `history_at` keeps before the step).
pub fn replay_number(
    h: &ReplayHistory,
    fleet: &FleetHours,
    cfg: &ScoreConfig,
    plan: &Plan,
    steps: &[i64],
) -> Track {
    replay_with(h, fleet, cfg, plan, steps, |n, t| assess(n, fleet, cfg, t))
}

/// `replay_number` with the assessment given (tests plant verdicts with it).
pub fn replay_with(
    h: &ReplayHistory,
    fleet: &FleetHours,
    cfg: &ScoreConfig,
    plan: &Plan,
    steps: &[i64],
    mut judge: impl FnMut(&NumberHistory, i64) -> Assessment,
) -> Track {
    let cutter = Cutter::new(h);
    let mut buf = NumberHistory {
        number: String::new(),
        first_seen_ms: 0,
        hours: Vec::new(),
        bursts: Vec::new(),
        last_spam_ms: None,
        last_reputation_ms: None,
    };
    let mut track = Track {
        number: h.number.clone(),
        first_flag_ms: h.first_flag_hour.map(|x| x * HOUR_MS),
        flags_ms: cutter.spam.iter().map(|x| x * HOUR_MS).collect(),
        ..Track::default()
    };
    for &t in steps {
        if !cutter.cut(t, cfg.lookback_days, &mut buf) {
            continue;
        }
        let a = judge(&buf, t);
        track.first_assessed_ms.get_or_insert(t);
        let in_range = plan.in_range(t);
        track.assessed_in_range |= in_range;
        if a.is_warning() {
            track.warnings.push(t);
        }
        if in_range && matches!(a.action, Action::Rest | Action::Retire) {
            let from = t.div_euclid(HOUR_MS);
            let to = ceil_div(t + plan.horizon_ms, HOUR_MS);
            track.rests.push(RestStep {
                at_ms: t,
                after: after(h, fleet, cfg, from, to),
            });
        }
    }
    track
}

/// How `summarize` tells a false alarm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlarmRule {
    /// Flags this long before a rest step explain it (`score.rest_days`: a rest's date
    /// counts from the last flag, so a rest continuing after flags is no false alarm).
    pub before_ms: i64,
    /// Calls with an outcome needed in the horizon after the step (`score.min_attempts`).
    pub min_calls: i64,
    /// Failures with a Poisson p below this are "significantly above the fleet's".
    pub alpha: f64,
    /// The lookback (`score.lookback_days`), for the unflagged numbers.
    pub lookback_ms: i64,
}

impl AlarmRule {
    pub fn of(cfg: &ScoreConfig) -> AlarmRule {
        AlarmRule {
            before_ms: cfg.rest_days * DAY_MS,
            min_calls: cfg.min_attempts,
            alpha: 1.0 - cfg.confidence,
            lookback_ms: cfg.lookback_days * DAY_MS,
        }
    }
}

/// One number of the result: flagged in the range, or warned at a step in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberRow {
    pub number: String,
    /// The first flag, when it falls in `[since, until]`.
    pub first_flag_ms: Option<i64>,
    /// For a flagged number, its first warning within the horizon before the flag; for
    /// the others, its first warning at a step in `[since, until]`.
    pub first_warning_ms: Option<i64>,
    /// `(first_flag - first_warning)` in days, when both are there.
    pub lead_days: Option<f64>,
    pub false_alarm: bool,
}

/// The figures of a backtest.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub numbers_flagged: usize,
    pub warned_before_flag: usize,
    pub lead_days_median: Option<f64>,
    /// Share of the flagged numbers warned at least a day ahead (None when none flagged).
    pub warned_1d_share: Option<f64>,
    pub false_alarms: usize,
    /// Share of the unflagged numbers warned in the range (None when there are none).
    pub warned_unflagged_share: Option<f64>,
    /// Numbers assessed at some step in the range, and of them the unflagged and the
    /// unflagged that were warned.
    pub numbers_assessed: usize,
    pub unflagged: usize,
    pub warned_unflagged: usize,
    /// Flagged numbers no step assessed before their flag (their data begins with it), so
    /// that nothing could have warned them.
    pub flagged_unjudged: usize,
    /// Flagged numbers first, by first flag; then the others by first warning.
    pub numbers: Vec<NumberRow>,
}

/// The median of `v` (sorted here), None when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Whether a rest at `r` was a false alarm for a number with flags `flags_ms` (sorted).
fn is_false_alarm(r: &RestStep, flags_ms: &[i64], plan: &Plan, rule: &AlarmRule) -> bool {
    let judged_by_data = r.at_ms + plan.horizon_ms <= plan.data_end_ms;
    let lo = r.at_ms - rule.before_ms;
    let hi = r.at_ms + plan.horizon_ms;
    let flag_near = flags_ms.iter().any(|&f| f >= lo && f < hi);
    let fleet_level = r.after.judged >= rule.min_calls
        && poisson_upper_p(r.after.failures.max(0) as u64, r.after.expected_failures) >= rule.alpha;
    plan.in_range(r.at_ms) && judged_by_data && !flag_near && fleet_level
}

/// Sums up the replayed numbers.
pub fn summarize(tracks: &[Track], plan: &Plan, rule: &AlarmRule) -> Summary {
    let mut s = Summary::default();
    let mut leads = Vec::new();
    let mut warned_1d = 0usize;
    for t in tracks {
        let flag = t.first_flag_ms.filter(|&f| plan.in_range(f));
        let first_in_range = t.warnings.iter().copied().find(|&w| plan.in_range(w));
        let false_alarm = t
            .rests
            .iter()
            .any(|r| is_false_alarm(r, &t.flags_ms, plan, rule));
        s.numbers_assessed += usize::from(t.assessed_in_range);
        s.false_alarms += usize::from(false_alarm);
        let first_warning = match flag {
            Some(f) => {
                s.numbers_flagged += 1;
                s.flagged_unjudged += usize::from(t.first_assessed_ms.is_none_or(|a| a >= f));
                let w = t
                    .warnings
                    .iter()
                    .copied()
                    .find(|&w| w < f && w >= f - plan.horizon_ms);
                if let Some(w) = w {
                    s.warned_before_flag += 1;
                    let lead = (f - w) as f64 / DAY_MS as f64;
                    warned_1d += usize::from(lead >= 1.0);
                    leads.push(lead);
                }
                w
            }
            None => {
                let quiet_from = plan.since_ms - rule.lookback_ms;
                let quiet_to = plan.until_ms + plan.horizon_ms;
                let unflagged = t.assessed_in_range
                    && !t.flags_ms.iter().any(|&f| f >= quiet_from && f <= quiet_to);
                if unflagged {
                    s.unflagged += 1;
                    s.warned_unflagged += usize::from(first_in_range.is_some());
                }
                first_in_range
            }
        };
        if flag.is_some() || first_in_range.is_some() {
            s.numbers.push(NumberRow {
                number: t.number.clone(),
                first_flag_ms: flag,
                first_warning_ms: first_warning,
                lead_days: flag
                    .zip(first_warning)
                    .map(|(f, w)| (f - w) as f64 / DAY_MS as f64),
                false_alarm,
            });
        }
    }
    let share = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
    s.lead_days_median = median(&mut leads);
    s.warned_1d_share = share(warned_1d, s.numbers_flagged);
    s.warned_unflagged_share = share(s.warned_unflagged, s.unflagged);
    s.numbers.sort_by(|a, b| {
        (
            a.first_flag_ms.is_none(),
            a.first_flag_ms,
            a.first_warning_ms,
            &a.number,
        )
            .cmp(&(
                b.first_flag_ms.is_none(),
                b.first_flag_ms,
                b.first_warning_ms,
                &b.number,
            ))
    });
    s
}

#[cfg(test)]
mod tests;
