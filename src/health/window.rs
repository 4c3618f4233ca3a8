//! Gathers one number's hourly rollups into recency windows (recent, week, lookback) and
//! UTC days, each beside what the rest of the fleet saw in the same hours (leave-one-out),
//! so that every score component compares the number with its peers at the same moments.
//! Two passes over the number's hours with map look-ups; no allocation per hour.
//!
//! Pacing counts calls by the number's **local day**, the same days the pool's caps count
//! (`health::area_codes`): a NANP number's area-code zone, an hour belonging to the local day
//! of its first minute. The score has no pool configuration, so numbers outside the NANP (or
//! with an area code the table lacks) count UTC days for pacing.

use chrono_tz::Tz;

use crate::health::area_codes::{area_of_number, local_day_offset_hours};
use crate::health::assessment::{FleetHours, NumberHistory};
use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::health::stats::poisson_upper_p;
use crate::model::HourCounts;

/// Calls whose outcome says something about the caller number: dialled, resolved (not
/// pending) and not a telephony or destination fault.
pub fn judged(c: &HourCounts) -> i64 {
    (c.attempts - c.pending - c.telephony_fault - c.destination_fault).max(0)
}

/// Reputation failures other than `marked_as_spam` (which the flags component counts).
pub fn failures(c: &HourCounts) -> i64 {
    c.dial_failed + c.user_declined + c.network_blocked
}

/// `x / n`, or 0 when `n` is 0.
pub fn ratio(x: f64, n: f64) -> f64 {
    if n > 0.0 { x / n } else { 0.0 }
}

/// The rest of the fleet in one hour: the fleet's counters minus the number's own.
#[derive(Debug, Default, Clone, Copy)]
struct Rest {
    judged: f64,
    reputation: f64,
    fail: f64,
    spam: f64,
    human: f64,
    short_human: f64,
    talk_ms: f64,
}

impl Rest {
    fn of(fleet: Option<&HourCounts>, own: &HourCounts) -> Rest {
        let Some(f) = fleet else {
            return Rest::default();
        };
        let d = |a: i64, b: i64| (a - b).max(0) as f64;
        Rest {
            judged: d(judged(f), judged(own)),
            reputation: d(f.reputation_failures(), own.reputation_failures()),
            fail: d(failures(f), failures(own)),
            spam: d(f.marked_as_spam, own.marked_as_spam),
            human: d(f.human, own.human),
            short_human: d(f.short_human, own.short_human),
            talk_ms: d(f.talk_ms, own.talk_ms),
        }
    }

    fn add(&mut self, o: &Rest) {
        self.judged += o.judged;
        self.reputation += o.reputation;
        self.fail += o.fail;
        self.spam += o.spam;
        self.human += o.human;
        self.short_human += o.short_human;
        self.talk_ms += o.talk_ms;
    }
}

/// The number's counts over one window, and what the rest of the fleet's rates in the same
/// hours predict for the number's own calls (`exp_*`). The spam rate is taken over calls
/// that did not fail otherwise (`judged - fail`), so more failures never lower `exp_spam`'s
/// share of the blame. Hours set aside as fleet-wide
/// outages or anomalies count only towards `attempts`, the peaks and `set_aside_*`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Window {
    /// Dialled calls, pending and set-aside hours included (pacing).
    pub attempts: i64,
    /// Most calls in one hour.
    pub peak_hour: i64,
    /// Most calls in one local day of the number (UTC days outside the NANP).
    pub peak_day: i64,
    pub judged: f64,
    pub fail: f64,
    pub exp_fail: f64,
    pub spam: f64,
    pub exp_spam: f64,
    pub human: f64,
    pub exp_human: f64,
    pub short_human: f64,
    pub exp_short_human: f64,
    pub talk_ms: f64,
    pub exp_talk_ms: f64,
    pub set_aside_hours: i64,
    pub set_aside_fail: i64,
    pub set_aside_spam: i64,
}

impl Window {
    /// The counts of `self` not in `o` (a window minus one of its parts), for the rates
    /// and expectations a comparison of the two needs.
    pub fn minus(&self, o: &Window) -> Window {
        let d = |a: f64, b: f64| (a - b).max(0.0);
        Window {
            judged: d(self.judged, o.judged),
            fail: d(self.fail, o.fail),
            exp_fail: d(self.exp_fail, o.exp_fail),
            human: d(self.human, o.human),
            exp_human: d(self.exp_human, o.exp_human),
            ..Window::default()
        }
    }

    fn merge(&mut self, o: &Window) {
        self.attempts += o.attempts;
        self.peak_hour = self.peak_hour.max(o.peak_hour);
        self.judged += o.judged;
        self.fail += o.fail;
        self.exp_fail += o.exp_fail;
        self.spam += o.spam;
        self.exp_spam += o.exp_spam;
        self.human += o.human;
        self.exp_human += o.exp_human;
        self.short_human += o.short_human;
        self.exp_short_human += o.exp_short_human;
        self.talk_ms += o.talk_ms;
        self.exp_talk_ms += o.exp_talk_ms;
        self.set_aside_hours += o.set_aside_hours;
        self.set_aside_fail += o.set_aside_fail;
        self.set_aside_spam += o.set_aside_spam;
    }

    pub fn fail_rate(&self) -> f64 {
        ratio(self.fail, self.judged)
    }

    pub fn fleet_fail_rate(&self) -> f64 {
        ratio(self.exp_fail, self.judged)
    }

    pub fn answer_rate(&self) -> f64 {
        ratio(self.human, self.judged)
    }

    pub fn fleet_answer_rate(&self) -> f64 {
        ratio(self.exp_human, self.judged)
    }
}

/// One UTC day of the number (day = hour.div_euclid(24)), for trend and day rules.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Day {
    pub day: i64,
    pub attempts: i64,
    pub judged: f64,
    pub fail: f64,
    pub exp_fail: f64,
    pub spam: f64,
    pub exp_spam: f64,
}

/// Everything the components read, gathered once per number.
#[derive(Debug, Clone, PartialEq)]
pub struct Gathered {
    /// The hour (since the epoch) holding as-of.
    pub as_of_hour: i64,
    pub recent: Window,
    pub week: Window,
    pub all: Window,
    /// UTC days of the lookback, oldest first, ending with as-of's day.
    pub days: Vec<Day>,
    /// Hours with counted `marked_as_spam` (not set aside), oldest first, with the count.
    pub flag_hours: Vec<(i64, i64)>,
    /// Calls with an outcome after the last counted flag hour (all of them if none).
    pub judged_since_flag: f64,
    /// UTC days after the last counted flag's day with at least one call with an outcome.
    pub clean_days_since_flag: i64,
    /// Calls with an outcome after a silence of at least `retire_gap_days` (no call at all)
    /// that followed the last counted flag: the number was rested and came back. `None`
    /// when no such silence followed it.
    pub judged_after_rest: Option<f64>,
    /// Whether the rest of the fleet answered any call in the number's hours.
    pub fleet_has_humans: bool,
    /// Counted flags, each weighted 0.5^(age / `flag_half_life_days`), and the same
    /// weighting of what the fleet's spam rate predicts.
    pub flags_decayed: f64,
    pub flags_decayed_exp: f64,
}

/// `(x + k g) / (n + k)`: a rate pulled toward `g` by `k` pseudo-trials.
fn shrink(x: f64, n: f64, k: f64, g: f64) -> f64 {
    if n + k > 0.0 {
        (x + k * g) / (n + k)
    } else {
        g
    }
}

/// Gathers `n`'s hours in the lookback window before `as_of_ms` against the fleet.
pub fn gather(n: &NumberHistory, fleet: &FleetHours, cfg: &ScoreConfig, as_of_ms: i64) -> Gathered {
    let as_of_hour = as_of_ms.div_euclid(HOUR_MS);
    let start_hour = as_of_hour - cfg.lookback_days * 24;
    let recent_start = as_of_hour - cfg.recent_hours;
    let week_start = as_of_hour - cfg.week_days * 24;
    let in_range = |h: i64| (start_hour..=as_of_hour).contains(&h);

    // Pass 1: the rest of the fleet over the number's hours, to pull quiet hours toward.
    let mut tot = Rest::default();
    for (h, c) in n.hours.iter().filter(|(h, _)| in_range(*h)) {
        tot.add(&Rest::of(fleet.hours.get(h), c));
    }
    // The fleet's usual share of reputation failures over the lookback: an hour far above
    // it, improbably so, is a partial outage (one provider's numbers failing together), set
    // aside like a fleet-wide one. (The whole fleet's hours, not the number's own: a new
    // number's first hours may be the outage itself.)
    let typical = fleet.usual_failure_share(start_hour, as_of_hour);
    let outage = |r: &Rest| {
        let expected = typical * r.judged;
        r.reputation >= cfg.outage_rate * r.judged
            || (r.reputation >= cfg.outage_floor * r.judged
                && r.reputation >= cfg.outage_ratio * expected
                && poisson_upper_p(r.reputation as u64, expected) < cfg.outage_p_value)
    };
    let k = cfg.fleet_prior_attempts;
    let g_fail = shrink(tot.fail, tot.judged, k, cfg.baseline_failure_rate);
    let g_spam = shrink(tot.spam, tot.judged - tot.fail, k, 0.0);
    let g_answer = shrink(tot.human, tot.judged, k, cfg.baseline_answer_rate);
    let g_short = ratio(tot.short_human, tot.human);
    let g_talk = ratio(tot.talk_ms, tot.human);

    // Pass 2: the number's hours next to the rates the rest of the fleet had in each.
    let first_day = start_hour.div_euclid(24);
    let last_day = as_of_hour.div_euclid(24);
    let mut days: Vec<Day> = (first_day..=last_day)
        .map(|day| Day {
            day,
            ..Day::default()
        })
        .collect();
    let (mut recent, mut week, mut all) = (Window::default(), Window::default(), Window::default());
    let mut flag_hours = Vec::new();
    let mut judged_since_flag = 0.0;
    let mut judged_after_rest: Option<f64> = None;
    let mut prev_call_hour: Option<i64> = None;
    let rest_hours = cfg.retire_gap_days * 24;
    let mut days_since_flag: Vec<i64> = Vec::new();
    let half_life_h = 24.0 * cfg.flag_half_life_days;
    let (mut flags_decayed, mut flags_decayed_exp) = (0.0, 0.0);
    for (h, c) in n.hours.iter().filter(|(h, _)| in_range(*h)) {
        if c.attempts > 0 {
            if !flag_hours.is_empty() && prev_call_hour.is_some_and(|p| h - p > rest_hours) {
                judged_after_rest = Some(0.0);
            }
            prev_call_hour = Some(*h);
        }
        let r = Rest::of(fleet.hours.get(h), c);
        let mut w = Window {
            attempts: c.attempts,
            peak_hour: c.attempts,
            ..Window::default()
        };
        // An outage rarely starts or ends on the hour: the hours either side of one (the
        // whole fleet's, this number included) are set aside too.
        let beside = |dh: i64| {
            let f = Rest::of(fleet.hours.get(&(h + dh)), &HourCounts::default());
            f.judged >= cfg.outage_min_attempts as f64 && outage(&f)
        };
        let set_aside = (r.judged >= cfg.outage_min_attempts as f64
            && (outage(&r) || r.spam >= cfg.flag_anomaly_rate * r.judged))
            || beside(-1)
            || beside(1);
        if set_aside {
            w.set_aside_hours = 1;
            w.set_aside_fail = failures(c);
            w.set_aside_spam = c.marked_as_spam;
        } else {
            let j = judged(c) as f64;
            let human = c.human as f64;
            w.judged = j;
            w.fail = failures(c) as f64;
            w.exp_fail = j * shrink(r.fail, r.judged, k, g_fail).max(cfg.fleet_rate_floor);
            w.spam = c.marked_as_spam as f64;
            w.exp_spam = (j - w.fail) * shrink(r.spam, r.judged - r.fail, k, g_spam);
            w.human = human;
            w.exp_human = j * shrink(r.human, r.judged, k, g_answer);
            w.short_human = c.short_human as f64;
            w.exp_short_human = human * shrink(r.short_human, r.human, k, g_short);
            w.talk_ms = c.talk_ms as f64;
            w.exp_talk_ms = human * shrink(r.talk_ms, r.human, k, g_talk);
            let decay = 0.5f64.powf((as_of_hour - h).max(0) as f64 / half_life_h);
            flags_decayed += decay * w.spam;
            flags_decayed_exp += decay * w.exp_spam;
            if c.marked_as_spam > 0 {
                flag_hours.push((*h, c.marked_as_spam));
                judged_since_flag = 0.0;
                judged_after_rest = None;
                days_since_flag.clear();
            } else {
                judged_since_flag += j;
                if let Some(r) = judged_after_rest.as_mut() {
                    *r += j;
                }
                let day = h.div_euclid(24);
                let flag_day = flag_hours.last().map(|f| f.0.div_euclid(24));
                if j > 0.0
                    && flag_day.is_none_or(|d| day > d)
                    && days_since_flag.last() != Some(&day)
                {
                    days_since_flag.push(day);
                }
            }
        }
        let d = &mut days[(h.div_euclid(24) - first_day) as usize];
        d.attempts += c.attempts;
        d.judged += w.judged;
        d.fail += w.fail;
        d.exp_fail += w.exp_fail;
        d.spam += w.spam;
        d.exp_spam += w.exp_spam;
        if *h >= recent_start {
            recent.merge(&w);
        }
        if *h >= week_start {
            week.merge(&w);
        }
        all.merge(&w);
    }
    let local = LocalDays::of(&n.number);
    let local_days = local.attempts(n.hours.iter().filter(|(h, _)| in_range(*h)));
    let peak = |from_hour: i64| {
        let from = local.day(from_hour);
        local_days
            .iter()
            .filter(|d| d.0 >= from)
            .map(|d| d.1)
            .max()
            .unwrap_or(0)
    };
    recent.peak_day = peak(recent_start);
    week.peak_day = peak(week_start);
    all.peak_day = peak(start_hour);
    Gathered {
        as_of_hour,
        recent,
        week,
        all,
        days,
        flag_hours,
        judged_since_flag,
        clean_days_since_flag: days_since_flag.len() as i64,
        judged_after_rest,
        fleet_has_humans: tot.human > 0.0,
        flags_decayed,
        flags_decayed_exp,
    }
}

/// Which local day (days since the epoch) each hour belongs to, for pacing: the area-code
/// zone of a NANP number, else UTC. An hour's local day is the UTC date of its start shifted
/// by the zone's whole-hour offset (`area_codes::local_day_offset_hours`, as `local_date_in`
/// counts it). The offset is looked up at the first and last hour of each UTC day, and per
/// hour only on a day it changes (a zone changes its offset at most once a day).
struct LocalDays {
    tz: Option<Tz>,
}

impl LocalDays {
    fn of(number: &str) -> LocalDays {
        LocalDays {
            tz: area_of_number(number).map(|a| a.tz),
        }
    }

    fn offset(tz: Tz, hour: i64) -> i64 {
        local_day_offset_hours(tz, hour * HOUR_MS)
    }

    /// The local day of one hour (hours since the epoch).
    fn day(&self, hour: i64) -> i64 {
        match self.tz {
            None => hour.div_euclid(24),
            Some(tz) => (hour + Self::offset(tz, hour)).div_euclid(24),
        }
    }

    /// Calls per local day, in day order, over `hours` (sorted by hour).
    fn attempts<'a>(&self, hours: impl Iterator<Item = &'a (i64, HourCounts)>) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = Vec::new();
        // The UTC day last looked up, and its offset when the whole day has one.
        let mut cached: Option<(i64, Option<i64>)> = None;
        for (h, c) in hours {
            let day = match self.tz {
                None => h.div_euclid(24),
                Some(tz) => {
                    let utc_day = h.div_euclid(24);
                    let steady = match cached {
                        Some((d, steady)) if d == utc_day => steady,
                        _ => {
                            let first = Self::offset(tz, utc_day * 24);
                            let last = Self::offset(tz, utc_day * 24 + 23);
                            let steady = (first == last).then_some(first);
                            cached = Some((utc_day, steady));
                            steady
                        }
                    };
                    match steady {
                        Some(off) => (h + off).div_euclid(24),
                        None => self.day(*h),
                    }
                }
            };
            match out.last_mut() {
                Some(last) if last.0 == day => last.1 += c.attempts,
                _ => out.push((day, c.attempts)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
