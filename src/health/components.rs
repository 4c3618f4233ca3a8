//! The named score components, each 0-100 with the reasons behind it: flags, failures,
//! trend, bursts, engagement, pacing, evidence. Rate components read the number's windows
//! beside the fleet's leave-one-out expectation and judge them by confidence bounds, so
//! thin evidence stays quiet; the best of recent / week / lookback (weighted) counts.

use crate::health::assessment::NumberHistory;
use crate::health::recovery::Recovery;
use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::health::stats::{
    binomial_upper_p, cusum_upper, ewma, excess_beyond_noise, poisson_upper_p, rate_lower_bound,
    rate_upper_bound, saturate,
};
use crate::health::window::{Day, Gathered, Window, ratio};
use crate::health::wording::{
    against_fleet, count, days_ago, in_last_days, in_last_hours, normal_for_fleet, percent, times,
};

/// A component's value (0-100) with its reasons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    pub value: f64,
    pub reasons: Vec<String>,
}

/// Components below this value give no reason unless a rule fired on them.
pub const REASON_MIN: f64 = 10.0;

/// One score component as reports and recorded scores show it: its name (the JSON key and
/// the `scores` column) and how to read it from the components.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub value: fn(&crate::health::assessment::Components) -> f64,
}

impl Field {
    const fn new(
        name: &'static str,
        value: fn(&crate::health::assessment::Components) -> f64,
    ) -> Field {
        Field { name, value }
    }
}

/// Every score component, in the order of the JSON: the one list that tables, CSV and
/// recorded scores follow. A component added here needs a column in `scores` (a migration).
pub const FIELDS: [Field; 7] = [
    Field::new("flags", |c| c.flags),
    Field::new("failures", |c| c.failures),
    Field::new("bursts", |c| c.bursts),
    Field::new("engagement", |c| c.engagement),
    Field::new("pacing", |c| c.pacing),
    Field::new("evidence", |c| c.evidence),
    Field::new("trend", |c| c.trend),
];

const DAY_MS: f64 = 24.0 * HOUR_MS as f64;

/// Which window a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Recent,
    Week,
    Lookback,
}

fn span_label(s: Span, cfg: &ScoreConfig) -> String {
    match s {
        Span::Recent => in_last_hours(cfg.recent_hours),
        Span::Week => in_last_days(cfg.week_days),
        Span::Lookback => in_last_days(cfg.lookback_days),
    }
}

/// The largest of `f(recent)`, `week_weight * f(week)` and `lookback_weight * f(lookback)`.
fn best<'a>(
    g: &'a Gathered,
    cfg: &ScoreConfig,
    f: impl Fn(&Window) -> f64,
) -> (f64, Span, &'a Window) {
    let mut out = (f(&g.recent), Span::Recent, &g.recent);
    for (v, s, w) in [
        (cfg.week_weight * f(&g.week), Span::Week, &g.week),
        (cfg.lookback_weight * f(&g.all), Span::Lookback, &g.all),
    ] {
        if v > out.0 {
            out = (v, s, w);
        }
    }
    out
}

/// Facts about `marked_as_spam` the action rules need.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FlagFacts {
    /// Counted flags in the week window and what the fleet's rate predicted there.
    pub week: i64,
    pub week_expected: f64,
    /// P(at least `week` flags | fleet rate).
    pub week_p: f64,
    /// Counted flags in the whole lookback.
    pub lookback: i64,
    /// The hour of the last counted flag.
    pub last_hour: Option<i64>,
    /// Flags in the `week_days` (UTC days) ending at the last counted flag, and
    /// P(at least that many | fleet rate) over those days.
    pub episode: i64,
    pub episode_p: f64,
    /// Flag-free days before the current episode, when an earlier episode exists.
    pub gap_days: Option<f64>,
    /// UTC days overlapping the last `week_days` with at least `rest_min_flags` flags that
    /// are at least `retire_spam_share` of the day's calls.
    pub high_share_days: i64,
}

/// Flags: counted `marked_as_spam` (hours where the whole fleet was marked are set aside),
/// each weighing 0.5^(age / `flag_half_life_days`), beyond what the fleet's spam rate
/// predicts for the number's calls (weighted alike) and beyond Poisson noise. A last flag
/// from before the lookback keeps a trace of `flag_memory_weight`, fading to 0 at
/// `flag_memory_days`. A recovered number (`health::recovery`: enough clean calls since its
/// last flag) has the component multiplied by its recovery factor. The weighted excess
/// scales to 100 at `flags_full`, before that factor (so one halving of it halves the part,
/// however heavily the number was flagged before).
pub fn flags(
    g: &Gathered,
    n: &NumberHistory,
    cfg: &ScoreConfig,
    as_of_ms: i64,
    recovered: Option<&Recovery>,
) -> (Part, FlagFacts) {
    let mut w = excess_beyond_noise(g.flags_decayed, g.flags_decayed_exp, cfg.confidence);
    let last_ms = n
        .last_spam_ms
        .max(g.flag_hours.last().map(|f| f.0 * HOUR_MS));
    let last_age = last_ms.map(|t| (as_of_ms - t).max(0) as f64 / DAY_MS);
    let before_lookback =
        last_age.filter(|&a| a > cfg.lookback_days as f64 && a < cfg.flag_memory_days as f64);
    if let Some(age) = before_lookback {
        w = w.max(cfg.flag_memory_weight * (1.0 - age / cfg.flag_memory_days as f64));
    }
    let mut reasons = Vec::new();
    let (recent, week, all) = (g.recent.spam as i64, g.week.spam as i64, g.all.spam as i64);
    let when = |s| span_label(s, cfg);
    if week > 0 {
        reasons.push(if recent >= week {
            format!(
                "marked as spam {} {}{}",
                times(recent),
                when(Span::Recent),
                normal_for_fleet(
                    g.week.exp_spam,
                    Some(&format!("in {}", days(cfg.week_days)))
                )
            )
        } else {
            let of_them = if recent > 0 {
                format!(", {recent} of them {}", when(Span::Recent))
            } else {
                String::new()
            };
            format!(
                "marked as spam {} {}{}{of_them}",
                times(week),
                when(Span::Week),
                normal_for_fleet(g.week.exp_spam, None)
            )
        });
    } else if all > 0 {
        reasons.push(format!(
            "marked as spam {} {}, the latest {}",
            times(all),
            when(Span::Lookback),
            days_ago(last_age.unwrap_or_default())
        ));
    } else if let Some(age) = before_lookback {
        reasons.push(format!(
            "last marked as spam {}, none {} (a mark stops counting after {})",
            days_ago(age),
            when(Span::Lookback),
            days(cfg.flag_memory_days)
        ));
    }
    if let Some(r) = recovered {
        reasons.push(r.reason());
    }
    if g.all.set_aside_spam > 0 {
        reasons.push(format!(
            "{} {} came in hours when the whole fleet was being marked at once, not counted against this number",
            count(g.all.set_aside_spam, "spam mark", "spam marks"),
            when(Span::Lookback)
        ));
    }
    let mut facts = FlagFacts {
        week: g.week.spam as i64,
        week_expected: g.week.exp_spam,
        week_p: poisson_upper_p(g.week.spam as u64, g.week.exp_spam),
        lookback: g.all.spam as i64,
        last_hour: g.flag_hours.last().map(|f| f.0),
        ..FlagFacts::default()
    };
    if let Some(last) = facts.last_hour {
        let last_day = last.div_euclid(24);
        let (seen, due) = g
            .days
            .iter()
            .filter(|d| d.day > last_day - cfg.week_days && d.day <= last_day)
            .fold((0.0, 0.0), |a, d| (a.0 + d.spam, a.1 + d.exp_spam));
        facts.episode = seen as i64;
        facts.episode_p = poisson_upper_p(seen as u64, due);
        // Walk back through the current episode; a flag-free gap of retire_gap_days or more
        // before it, preceded by a rest-worthy episode, means the number was flagged again.
        let fh = &g.flag_hours;
        let gap = (1..fh.len())
            .rev()
            .find(|&i| fh[i].0 - fh[i - 1].0 >= cfg.retire_gap_days * 24);
        if let Some(i) = gap {
            let end = fh[i - 1].0;
            let earlier: i64 = fh[..i]
                .iter()
                .filter(|f| f.0 > end - cfg.week_days * 24)
                .map(|f| f.1)
                .sum();
            if earlier >= cfg.rest_min_flags {
                facts.gap_days = Some((fh[i].0 - end) as f64 / 24.0);
            }
        }
    }
    let from_day = (g.as_of_hour - cfg.week_days * 24).div_euclid(24);
    facts.high_share_days = g
        .days
        .iter()
        .filter(|d| {
            d.day >= from_day
                && d.spam >= cfg.rest_min_flags as f64
                && d.spam >= cfg.retire_spam_share * d.judged
        })
        .count() as i64;
    let value = 100.0 * saturate(w, cfg.flags_full) * recovered.map_or(1.0, |r| r.factor);
    (Part { value, reasons }, facts)
}

fn failure_risk(w: &Window, cfg: &ScoreConfig) -> f64 {
    if w.judged <= 0.0 {
        return 0.0;
    }
    let f = w.fleet_fail_rate();
    let lo = rate_lower_bound(w.fail, w.judged, f, cfg.prior_strength, cfg.confidence);
    saturate(lo - f, cfg.failure_excess_full)
}

/// A significant reputation slide over the week: failures improbable at the fleet's rates
/// in the same hours (`slide_p_value`) and at least `slide_ratio` times the fleet's rate give
/// the failures component at least `slide_floor` (as a 0-1 share).
fn slide(w: &Window, cfg: &ScoreConfig) -> Option<f64> {
    let fleet = w.fleet_fail_rate();
    if w.judged <= 0.0 || fleet <= 0.0 || w.fail_rate() < cfg.slide_ratio * fleet {
        return None;
    }
    (poisson_upper_p(w.fail.max(0.0) as u64, w.exp_fail) < cfg.slide_p_value)
        .then_some(cfg.slide_floor / 100.0)
}

/// "7 days", "1 day".
fn days(n: i64) -> String {
    count(n, "day", "days")
}

/// Failures: dial_failed + user_declined + network_blocked against the rest of the fleet
/// in the same hours; the lower confidence bound of the number's rate must clear the
/// fleet's rate, and the excess scales to 100 at `failure_excess_full`. A recovered number's
/// failures (from before its clean record: the one since is not significant) are multiplied
/// by its recovery factor.
pub fn failures(g: &Gathered, cfg: &ScoreConfig, recovered: Option<&Recovery>) -> (Part, f64) {
    let (mut v, mut span, mut w) = best(g, cfg, |w| failure_risk(w, cfg));
    if let Some(s) = slide(&g.week, cfg)
        && s > v
    {
        (v, span, w) = (s, Span::Week, &g.week);
    }
    let p = poisson_upper_p(w.fail as u64, w.exp_fail);
    let own = strongest_own_slide(g, cfg, false).filter(|s| s.value > v);
    let factor = recovered.map_or(1.0, |r| r.factor);
    let value = 100.0 * own.map_or(v, |s| s.value) * factor;
    let mut reasons = Vec::new();
    if let Some(s) = own.filter(|_| value >= REASON_MIN) {
        reasons.push(own_slide_reason(&s, cfg));
    }
    if 100.0 * v * factor >= REASON_MIN {
        reasons.push(format!(
            "failed, declined or blocked on {} of {} {}{}",
            percent(w.fail_rate()),
            count(w.judged as i64, "call", "calls"),
            span_label(span, cfg),
            against_fleet(w.fleet_fail_rate())
        ));
    }
    if g.all.set_aside_fail > 0 {
        reasons.push(format!(
            "{} {} came during an outage that hit the whole fleet, not counted",
            count(g.all.set_aside_fail, "failure", "failures"),
            span_label(Span::Lookback, cfg)
        ));
    }
    (Part { value, reasons }, p)
}

/// A slide against the number's own past in one stretch (`part`, inside `all`): its
/// failures (up) or answers (down) beside what its own rate relative to the fleet before
/// the stretch predicts, at the fleet's rates in the same hours (so a fleet-wide change is
/// no slide and a number with a naturally low answer rate is measured against itself).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OwnSlide {
    /// 0-1: 0 at `slide_p_start`, 1 at `slide_p_full` (log scale of the tail probability).
    value: f64,
    /// The rate in the stretch and the one its past predicts.
    rate: f64,
    predicted: f64,
    span: Span,
    answers: bool,
}

fn own_slide(part: &Window, all: &Window, span: Span, cfg: &ScoreConfig) -> Vec<OwnSlide> {
    let before = all.minus(part);
    let min = cfg.slide_min_calls as f64;
    if part.judged < min || before.judged < 2.0 * min {
        return Vec::new();
    }
    let scale = |p: f64| {
        let (lo, hi) = (
            -cfg.slide_p_start.log10(),
            -cfg.slide_p_full.max(1e-300).log10(),
        );
        saturate(-p.max(1e-300).log10() - lo, hi - lo)
    };
    // The exact conditional test of two Poisson rates: of all the failures (answers) in
    // the lookback, the stretch's share is binomial with the stretch's share of the calls
    // (failures) or of what the fleet's rates predict (answers, which follow the hour and
    // the day), if the number's rate did not change. The past's own uncertainty is in the
    // test, so one quiet day is no baseline. Failures are not measured against the fleet
    // here: a fleet average pulled up by its worst numbers would hide a healthy number's
    // slide; outage hours are already set aside.
    let tail = |part_n: f64, before_n: f64, part_e: f64, before_e: f64, down: bool| {
        let q = ratio(part_e, part_e + before_e);
        let n = (part_n + before_n).round().max(0.0) as u64;
        let k = part_n.round().max(0.0) as u64;
        if down {
            1.0 - binomial_upper_p(k + 1, n, q)
        } else {
            binomial_upper_p(k, n, q)
        }
    };
    let mut out = Vec::new();
    // Failures: half a failure keeps a spotless past finite.
    let expected = part.judged * (before.fail + 0.5) / before.judged;
    if part.fail >= cfg.own_slide_ratio * expected {
        let p = tail(part.fail, before.fail, part.judged, before.judged, false);
        out.push(OwnSlide {
            value: scale(p),
            rate: part.fail_rate(),
            predicted: ratio(expected, part.judged),
            span,
            answers: false,
        });
    }
    // Answers: a person answering far less often than the number's own past predicts.
    if before.exp_human > 0.0 && part.exp_human > 0.0 {
        let base = (before.human + 2.0) / (before.exp_human + 2.0);
        let expected = part.exp_human * base;
        if part.human * cfg.own_slide_ratio <= expected {
            let p = tail(
                part.human,
                before.human,
                part.exp_human,
                before.exp_human,
                true,
            );
            out.push(OwnSlide {
                value: scale(p),
                rate: part.answer_rate(),
                predicted: ratio(expected, part.judged),
                span,
                answers: true,
            });
        }
    }
    out
}

/// The strongest own-past slide of the recent window and the week, of failures
/// (`answers` false) or of answers.
fn strongest_own_slide(g: &Gathered, cfg: &ScoreConfig, answers: bool) -> Option<OwnSlide> {
    let mut all = own_slide(&g.recent, &g.all, Span::Recent, cfg);
    all.extend(own_slide(&g.week, &g.all, Span::Week, cfg));
    all.into_iter()
        .filter(|s| s.answers == answers)
        .max_by(|a, b| a.value.total_cmp(&b.value))
}

/// The own-past slide as a reason: "failed, declined or blocked on 9% of its calls in
/// the last 48 hours, up from its usual 2%".
fn own_slide_reason(s: &OwnSlide, cfg: &ScoreConfig) -> String {
    let (what, dir) = if s.answers {
        ("a person answered", "down")
    } else {
        ("failed, declined or blocked on", "up")
    };
    format!(
        "{what} {} of its calls {}, {dir} from its usual {}",
        percent(s.rate),
        span_label(s.span, cfg),
        percent(s.predicted)
    )
}

/// Trend: a one-sided CUSUM over the last `trend_days` daily failure rates in excess of
/// the fleet's, with an allowance of `cusum_slack` plus one standard error per day. It
/// counts while the EWMA of the excess stays above the slack (still rising or high).
/// A recovered number's rise is its old episode's, as its failures are: the part is
/// multiplied by its recovery factor, with no signal and no reason. Returns the part and
/// whether the rise crossed `cusum_threshold`.
pub fn trend(g: &Gathered, cfg: &ScoreConfig, recovered: Option<&Recovery>) -> (Part, bool) {
    let from_day = (g.as_of_hour - cfg.trend_days * 24).div_euclid(24);
    let min = cfg.trend_min_daily_calls as f64;
    let days = || {
        g.days
            .iter()
            .filter(move |d| d.day >= from_day && d.judged >= min)
    };
    let step = |d: &Day| {
        let p = ratio(d.exp_fail, d.judged);
        let x = ratio(d.fail, d.judged) - p;
        (x, cfg.cusum_slack + (p * (1.0 - p) / d.judged).sqrt())
    };
    let c = cusum_upper(days().map(step));
    let active = ewma(days().map(|d| step(d).0), 0.5).is_some_and(|e| e > cfg.cusum_slack);
    if !active {
        return (Part::default(), false);
    }
    let value = 100.0 * saturate(c.value, cfg.trend_full);
    if let Some(r) = recovered {
        let part = Part {
            value: value * r.factor,
            reasons: Vec::new(),
        };
        return (part, false);
    }
    let signal = c.value >= cfg.cusum_threshold;
    let mut reasons = Vec::new();
    if signal && let Some(start) = c.run_start {
        let rate = |d: &Day| ratio(d.fail, d.judged);
        let before = if start > 0 {
            days().nth(start - 1)
        } else {
            None
        };
        let run = || days().skip(start);
        let (fail, exp, judged) = run().fold((0.0, 0.0, 0.0), |a, d| {
            (a.0 + d.fail, a.1 + d.exp_fail, a.2 + d.judged)
        });
        if let (Some(first), Some(last)) = (run().next(), run().last()) {
            let from = before.map_or(rate(first), rate);
            let over = in_last_days(c.run_len as i64);
            reasons.push(if rate(last) >= from + cfg.cusum_threshold / 2.0 {
                format!(
                    "failure rate rising {over}: from {} to {} of calls a day{} on the last day",
                    percent(from),
                    percent(rate(last)),
                    against_fleet(ratio(last.exp_fail, last.judged))
                )
            } else {
                format!(
                    "failure rate above the rest of the fleet's {over}: {} of calls{}",
                    percent(ratio(fail, judged)),
                    against_fleet(ratio(exp, judged))
                )
            });
        }
    }
    (Part { value, reasons }, signal)
}

/// Bursts: each detected burst weighs 0.5^(age / half-life) from its end to as-of; the sum
/// scales to 100 at `bursts_full`. Returns the part and the bursts in the recent window.
pub fn bursts(n: &NumberHistory, cfg: &ScoreConfig, as_of_ms: i64) -> (Part, i64) {
    let (mut load, mut recent, mut max_short, mut max_min) = (0.0, 0, 0, 0);
    let recent_ms = cfg.recent_hours * HOUR_MS;
    let memory_ms = cfg.burst_memory_days * 24 * HOUR_MS;
    for b in &n.bursts {
        let age_ms = (as_of_ms - b.end_ms).max(0);
        if age_ms > memory_ms {
            continue;
        }
        load += 0.5f64.powf(age_ms as f64 / HOUR_MS as f64 / cfg.burst_half_life_hours);
        if age_ms <= recent_ms && b.short_calls >= max_short {
            max_short = b.short_calls;
            max_min = ((b.end_ms - b.start_ms).max(0) as f64 / 60_000.0)
                .ceil()
                .max(1.0) as i64;
        }
        recent += i64::from(age_ms <= recent_ms);
    }
    let value = 100.0 * saturate(load, cfg.bursts_full);
    let mut reasons = Vec::new();
    if recent > 0 {
        reasons.push(format!(
            "{} of short calls {} (the largest: {} in {})",
            count(recent, "burst", "bursts"),
            in_last_hours(cfg.recent_hours),
            count(max_short, "short call", "short calls"),
            count(max_min, "minute", "minutes")
        ));
    } else if let Some(last) = n
        .bursts
        .iter()
        .map(|b| b.end_ms)
        .max()
        .filter(|_| value >= 1.0)
    {
        reasons.push(format!(
            "{} of short calls {}, the latest {}",
            count(n.bursts.len() as i64, "burst", "bursts"),
            in_last_days(cfg.lookback_days),
            days_ago((as_of_ms - last).max(0) as f64 / DAY_MS)
        ));
    }
    (Part { value, reasons }, recent)
}

/// The three engagement risks (0-1) of a window: answer rate, short human answers, talk time.
fn engagement_risks(w: &Window, cfg: &ScoreConfig, fleet_humans: bool) -> [f64; 3] {
    let mut r = [0.0; 3];
    let f = w.fleet_answer_rate();
    if w.judged > 0.0 && f > 0.0 {
        let hi = rate_upper_bound(w.human, w.judged, f, cfg.prior_strength, cfg.confidence);
        r[0] = saturate(
            cfg.answer_ratio_start - hi / f,
            cfg.answer_ratio_start - cfg.answer_ratio_critical,
        );
    }
    if fleet_humans && w.human > 0.0 {
        let fs = ratio(w.exp_short_human, w.human);
        let lo = rate_lower_bound(
            w.short_human,
            w.human,
            fs,
            cfg.prior_strength,
            cfg.confidence,
        );
        r[1] = saturate(lo - cfg.short_ratio_start * fs, cfg.short_excess_full);
        if w.exp_talk_ms > 0.0 {
            let weight = (w.human / cfg.talk_full_answers as f64).min(1.0);
            r[2] = weight
                * saturate(
                    cfg.talk_ratio_start - w.talk_ms / w.exp_talk_ms,
                    cfg.talk_ratio_start - cfg.talk_ratio_critical,
                );
        }
    }
    r
}

/// Engagement: answer rate (95% upper bound) against the fleet's in the same hours, short
/// human answers against the fleet's share, mean talk time against the fleet's; combined
/// as independent risks with most weight on the answer rate (1.0, 0.7, 0.5).
pub fn engagement(g: &Gathered, cfg: &ScoreConfig) -> Part {
    let combine = |r: [f64; 3]| 1.0 - (1.0 - r[0]) * (1.0 - 0.7 * r[1]) * (1.0 - 0.5 * r[2]);
    let (v, span, w) = best(g, cfg, |w| {
        combine(engagement_risks(w, cfg, g.fleet_has_humans))
    });
    let r = engagement_risks(w, cfg, g.fleet_has_humans);
    let own = strongest_own_slide(g, cfg, true).filter(|s| s.value > v);
    let value = 100.0 * own.map_or(v, |s| s.value);
    let mut reasons = Vec::new();
    if let Some(s) = own.filter(|_| value >= REASON_MIN) {
        reasons.push(own_slide_reason(&s, cfg));
    }
    if 100.0 * v >= REASON_MIN {
        let when = span_label(span, cfg);
        if r[0] >= 0.1 {
            reasons.push(format!(
                "a person answered {} of {} {when}{}",
                percent(w.answer_rate()),
                count(w.judged as i64, "call", "calls"),
                against_fleet(w.fleet_answer_rate())
            ));
        }
        if r[1] >= 0.1 {
            reasons.push(format!(
                "{} of answered calls {when} were short calls{}",
                percent(ratio(w.short_human, w.human)),
                against_fleet(ratio(w.exp_short_human, w.human))
            ));
        }
        if r[2] >= 0.1 {
            reasons.push(format!(
                "answered calls {when} talked for {} on average, against {} for the rest of the fleet",
                seconds(ratio(w.talk_ms, w.human)),
                seconds(ratio(w.exp_talk_ms, w.human))
            ));
        }
    }
    Part { value, reasons }
}

/// "21 seconds", "1 second".
fn seconds(ms: f64) -> String {
    count((ms / 1000.0).round() as i64, "second", "seconds")
}

/// Pacing: the peak calls in a local day (`window`: the area code's zone for NANP numbers,
/// UTC elsewhere) and in an hour against the limits; over the limit
/// scores the excess (100 at twice the limit). Returns the part and whether the recent
/// window is over a limit.
pub fn pacing(g: &Gathered, cfg: &ScoreConfig) -> (Part, bool) {
    let (day_lim, hour_lim) = (cfg.max_calls_per_day as f64, cfg.max_calls_per_hour as f64);
    let over = |w: &Window| (w.peak_day as f64 / day_lim).max(w.peak_hour as f64 / hour_lim);
    let (v, span, w) = best(g, cfg, |w| saturate(over(w) - 1.0, 1.0));
    let mut reasons = Vec::new();
    if v > 0.0 {
        let when = span_label(span, cfg);
        if w.peak_day > cfg.max_calls_per_day {
            reasons.push(format!(
                "peaked at {} in one day {when}, over the limit of {} a day",
                count(w.peak_day, "call", "calls"),
                cfg.max_calls_per_day
            ));
        }
        if w.peak_hour > cfg.max_calls_per_hour {
            reasons.push(format!(
                "peaked at {} in one hour {when}, over the limit of {} an hour",
                count(w.peak_hour, "call", "calls"),
                cfg.max_calls_per_hour
            ));
        }
    }
    (
        Part {
            value: 100.0 * v,
            reasons,
        },
        over(&g.recent) > 1.0,
    )
}

/// Evidence: confidence 0-100 from calls with an outcome (80%, full at
/// `evidence_full_attempts`, square root) and age since first seen (20%, full at
/// `evidence_full_days`). Returns the part and whether `min_attempts` is met.
pub fn evidence(g: &Gathered, n: &NumberHistory, cfg: &ScoreConfig, as_of_ms: i64) -> (Part, bool) {
    let calls = (g.all.judged / cfg.evidence_full_attempts as f64)
        .min(1.0)
        .sqrt();
    let age_days = (as_of_ms - n.first_seen_ms).max(0) as f64 / DAY_MS;
    let age = (age_days / cfg.evidence_full_days as f64).min(1.0);
    let value = 100.0 * (0.8 * calls + 0.2 * age);
    let enough = g.all.judged >= cfg.min_attempts as f64;
    let mut reasons = Vec::new();
    if !enough {
        let judged = g.all.judged as i64;
        let seen = if judged == 0 {
            "no calls".to_string()
        } else {
            format!("only {}", count(judged, "call", "calls"))
        };
        reasons.push(format!(
            "{seen} with an outcome {}, {} are needed to judge the number",
            in_last_days(cfg.lookback_days),
            cfg.min_attempts
        ));
    }
    (Part { value, reasons }, enough)
}
