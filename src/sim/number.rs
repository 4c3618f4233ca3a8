//! One caller number's call process: its business hours and pace, its planted story
//! (bursts, degradation, spam flags, rest) and the outcome shares of each call. A number
//! yields its calls one at a time in time order with O(1) state, so the fleet can be
//! merged by a heap whatever its size.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::fill::{Dialler, Line, place_call};
use super::object::CallObject;
use super::outcome::{Cat, pick_from};
use super::plan::{ConfKind, Ctx, DAY_MS, HOUR_MS, MIN_MS, stream_seed};
use super::text::AGENTS;
use super::{Kind, PlantedBurst, Truth};

/// No more calls.
pub(crate) const NEVER: i64 = i64::MAX;
/// Largest gap between two calls of a burst.
const BURST_GAP_MAX_MS: i64 = 9_000;
/// The first calls of every burst are all short, so each burst is a detectable one.
const BURST_SURE_SHORT: u32 = 12;

/// The planted story of a number (times in epoch ms).
#[derive(Debug, Clone, Copy, Default)]
struct Story {
    first_burst: Option<i64>,
    first_burst_day: i64,
    first_burst_calls: u32,
    /// Reputation failures start climbing here (BurstThenDegrade, SlowDegrader).
    degrade_start: Option<i64>,
    /// Over this long they reach their full share.
    ramp_ms: i64,
    /// `marked_as_spam` may appear from here on.
    spam_start: Option<i64>,
    /// RestedRecovered: flagged days `[0, episode_end_day)`, silent until `rest_end_day`.
    episode_end_day: i64,
    rest_end_day: i64,
    /// RestedRecovered: the end of the flagged episode.
    episode_end: i64,
}

#[derive(Debug, Clone, Copy)]
struct PlannedBurst {
    start: i64,
    calls: u32,
}

impl PlannedBurst {
    /// Normal calls stay out of this zone, so the burst is detected starting exactly at
    /// its first call (no stray short call just before it joins the window).
    fn guard(&self) -> (i64, i64) {
        (
            self.start - 10 * MIN_MS,
            self.start + i64::from(self.calls) * BURST_GAP_MAX_MS + MIN_MS,
        )
    }
}

/// Shares of the reputation outcomes and engagement for one call.
struct Mix {
    spam: f64,
    dial_failed: f64,
    declined: f64,
    blocked: f64,
    /// Multiplies the human-answer and voicemail shares.
    answer: f64,
    /// Share of human answers shorter than 6 s.
    short: f64,
}

pub(crate) struct NumberGen {
    pub number: String,
    pub kind: Kind,
    rng: SmallRng,
    extra: SmallRng,
    agent: usize,
    pace: f64,
    p_inbound: f64,
    quality: f64,
    open_ms: i64,
    len_ms: i64,
    day: i64,
    day_close: i64,
    mean_gap: f64,
    t_normal: i64,
    bursts: Vec<PlannedBurst>,
    burst_i: usize,
    t_burst: i64,
    burst_left: u32,
    burst_pos: u32,
    story: Story,
    first_spam: Option<i64>,
    first_call: Option<i64>,
    burst_start: i64,
    planted: Vec<PlantedBurst>,
}

fn ramp(t: i64, from: Option<i64>, len: i64) -> f64 {
    match from {
        Some(s) if t >= s => ((t - s) as f64 / len.max(1) as f64).min(1.0),
        _ => 0.0,
    }
}

impl NumberGen {
    pub fn new(
        ctx: &Ctx,
        seed: u64,
        idx: usize,
        kind: Kind,
        number: String,
        calls_per_day: u32,
    ) -> NumberGen {
        let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 1_000 + idx as u64));
        let extra = SmallRng::seed_from_u64(stream_seed(seed ^ 0xE7E7, 1_000 + idx as u64));
        let cpd = f64::from(calls_per_day);
        // Bursts, low-volume and inbound-only numbers add about 2.5 calls per number-day
        // whatever the pace; healthy numbers give that back so the fleet averages about
        // `calls_per_day` (measured: total = days * numbers * (0.95 cpd + 2.5) unscaled).
        let healthy_scale = (1.085 - 4.6 / cpd.max(1.0)).clamp(0.6, 1.1);
        let pace = match kind {
            // The hard profile's kinds never appear in an easy fleet; they play healthy.
            Kind::Healthy
            | Kind::Heavy
            | Kind::NewMidWindow
            | Kind::WeekdayOnly
            | Kind::SmallBurst => cpd * healthy_scale * rng.random_range(0.8..1.4),
            Kind::BurstThenDegrade => cpd * rng.random_range(0.8..1.2),
            Kind::AlreadyFlagged => cpd * rng.random_range(0.8..1.3),
            Kind::SlowDegrader => 2.0 * cpd * rng.random_range(0.95..1.15),
            Kind::LowVolume => rng.random_range(1.0..4.0),
            Kind::RestedRecovered => cpd * rng.random_range(0.8..1.2),
            Kind::InboundOnly => (0.3 * cpd).max(2.0) * rng.random_range(0.7..1.3),
        };
        let p_inbound = match kind {
            Kind::InboundOnly => 1.0,
            Kind::LowVolume => 0.05,
            _ => 0.03,
        };
        let open_ms = 12 * HOUR_MS + rng.random_range(0..=4) * 30 * MIN_MS;
        let len_ms = 8 * HOUR_MS + rng.random_range(0..=4) * 30 * MIN_MS;
        let mut g = NumberGen {
            number,
            kind,
            agent: rng.random_range(0..AGENTS.len()),
            quality: rng.random_range(0.8..1.2),
            rng,
            extra,
            pace,
            p_inbound,
            open_ms,
            len_ms,
            day: 0,
            day_close: 0,
            mean_gap: 0.0,
            t_normal: NEVER,
            bursts: Vec::new(),
            burst_i: 0,
            t_burst: NEVER,
            burst_left: 0,
            burst_pos: 0,
            story: Story::default(),
            first_spam: None,
            first_call: None,
            burst_start: 0,
            planted: Vec::new(),
        };
        g.story = g.plan_story(ctx);
        g.start_day(ctx, 0);
        g
    }

    fn plan_story(&mut self, ctx: &Ctx) -> Story {
        let (ws, we, days) = (ctx.window_start, ctx.window_end, ctx.days);
        let mut s = Story::default();
        match self.kind {
            Kind::BurstThenDegrade => {
                let mut d = (days as f64 * self.rng.random_range(0.2..0.45)).floor() as i64;
                if days >= 5 {
                    d = d.max(1);
                }
                s.first_burst_day = d.min(days - 1);
                s.first_burst_calls = self.rng.random_range(15..=40);
                let fb = self.burst_time(ctx, s.first_burst_day, s.first_burst_calls, &[]);
                s.first_burst = Some(fb);
                let ds = fb
                    + (self.rng.random_range(1.0..3.0) * DAY_MS as f64).min((we - fb) as f64 * 0.35)
                        as i64;
                s.degrade_start = Some(ds);
                s.spam_start = Some(
                    ds + (self.rng.random_range(0.5..1.5) * DAY_MS as f64)
                        .min((we - ds) as f64 * 0.4) as i64,
                );
                s.ramp_ms = (4 * DAY_MS).min(we - ds).max(HOUR_MS);
            }
            Kind::AlreadyFlagged => s.spam_start = Some(ws),
            Kind::SlowDegrader => {
                let ds = if days >= 2 {
                    ws + (days / 2) * DAY_MS
                } else {
                    ws + 12 * HOUR_MS
                };
                s.degrade_start = Some(ds);
                s.ramp_ms = we - ds;
                if self.rng.random_bool(0.5) {
                    s.spam_start = Some(we - DAY_MS / 2);
                }
            }
            Kind::RestedRecovered => {
                s.spam_start = Some(ws);
                let e = ((days as f64 * 0.15).round() as i64).clamp(1, 5);
                if days - e >= 20 {
                    s.episode_end_day = e;
                    s.rest_end_day = e + 15 + self.rng.random_range(0..=(days - e - 20).min(5));
                } else {
                    let e = ((days as f64 * 0.2).floor() as i64).max(1);
                    s.episode_end_day = e;
                    s.rest_end_day = ((days as f64 * 0.6).ceil() as i64)
                        .max(e + 1)
                        .min(days - 1)
                        .max(e);
                }
                s.episode_end = ws + s.episode_end_day * DAY_MS;
            }
            _ => {}
        }
        s
    }

    /// A burst start on `day` inside business hours, clear of confounders and of `taken`.
    fn burst_time(&mut self, ctx: &Ctx, day: i64, calls: u32, taken: &[PlannedBurst]) -> i64 {
        let open = ctx.window_start + day * DAY_MS + self.open_ms;
        let span = self.len_ms - 40 * MIN_MS - i64::from(calls) * BURST_GAP_MAX_MS;
        let mut t = open;
        for _ in 0..40 {
            t = open + 20 * MIN_MS + self.rng.random_range(0..span.max(1));
            let b = PlannedBurst { start: t, calls };
            let (gs, ge) = b.guard();
            let clash = taken.iter().any(|o| {
                let (os, oe) = o.guard();
                gs < oe + 30 * MIN_MS && ge + 30 * MIN_MS > os
            });
            if !clash && !ctx.near_confounder(gs, ge, 15 * MIN_MS) {
                break;
            }
        }
        t
    }

    fn plan_bursts(&mut self, ctx: &Ctx, day: i64) {
        self.bursts.clear();
        if self.kind != Kind::BurstThenDegrade || day < self.story.first_burst_day {
            return;
        }
        if day == self.story.first_burst_day {
            if let Some(start) = self.story.first_burst {
                self.bursts.push(PlannedBurst {
                    start,
                    calls: self.story.first_burst_calls,
                });
            }
            return;
        }
        // The day after the first burst always bursts again; later days usually do.
        if day > self.story.first_burst_day + 1 && !self.rng.random_bool(0.7) {
            return;
        }
        for _ in 0..self.rng.random_range(1..=2) {
            let calls = self.rng.random_range(15..=40);
            let taken = std::mem::take(&mut self.bursts);
            let start = self.burst_time(ctx, day, calls, &taken);
            self.bursts = taken;
            self.bursts.push(PlannedBurst { start, calls });
        }
        self.bursts.sort_by_key(|b| b.start);
    }

    fn silent(&self, day: i64) -> bool {
        self.kind == Kind::RestedRecovered
            && day >= self.story.episode_end_day
            && day < self.story.rest_end_day
    }

    /// A dialer's pacing gap: 40% of the mean plus a Gamma(2) remainder. Random like
    /// Poisson arrivals, but never clustered enough to look like a burst unless the pace
    /// itself is burst-like (about 200+ calls in a business day).
    fn gap(&mut self) -> i64 {
        let u = (1.0 - self.rng.random::<f64>()) * (1.0 - self.rng.random::<f64>());
        (self.mean_gap * (0.4 - 0.3 * u.ln())) as i64 + 1
    }

    fn next_normal(&mut self, from: i64) -> i64 {
        let t = from + self.gap();
        self.place(t)
    }

    /// Moves a normal call out of burst guard zones; `NEVER` once past closing time.
    fn place(&mut self, mut t: i64) -> i64 {
        for i in 0..self.bursts.len() {
            let (gs, ge) = self.bursts[i].guard();
            if t >= gs && t < ge {
                t = ge + self.gap();
            }
        }
        if t < self.day_close { t } else { NEVER }
    }

    /// Positions the number on its first active day at or after `day`.
    fn start_day(&mut self, ctx: &Ctx, mut day: i64) {
        self.t_normal = NEVER;
        self.t_burst = NEVER;
        while day < ctx.days {
            if !self.silent(day) {
                let open = ctx.window_start + day * DAY_MS + self.open_ms;
                self.day_close = open + self.len_ms;
                self.plan_bursts(ctx, day);
                let rate = self.pace * self.rng.random_range(0.8..1.2);
                if rate > 0.0 {
                    self.mean_gap = self.len_ms as f64 / rate;
                    // Enter the day mid-gap (as if dialling had been going on), so a
                    // number averages `rate` calls a day even when the rate is low.
                    let lead = (self.gap() as f64 * self.rng.random::<f64>()) as i64;
                    self.t_normal = self.place(open + lead);
                }
                if let Some(b) = self.bursts.first() {
                    self.t_burst = b.start;
                    self.burst_left = b.calls;
                    self.burst_i = 0;
                    self.burst_pos = 0;
                }
                if self.t_normal != NEVER || self.t_burst != NEVER {
                    self.day = day;
                    return;
                }
            }
            day += 1;
        }
        self.day = ctx.days;
    }

    /// When the next call starts (`NEVER` when done).
    pub fn next_at(&self) -> i64 {
        self.t_normal.min(self.t_burst)
    }

    /// Writes the next call into `obj` and returns when the one after it starts.
    pub fn emit(&mut self, ctx: &Ctx, obj: &mut CallObject) -> i64 {
        let burst = self.t_burst <= self.t_normal;
        let t = self.next_at();
        self.first_call.get_or_insert(t);
        if burst && self.burst_pos == 0 {
            self.burst_start = t;
        }
        place_call(self, ctx, obj, t, burst);
        if burst {
            self.burst_left -= 1;
            self.burst_pos += 1;
            if self.burst_left > 0 {
                self.t_burst += self.rng.random_range(2_000..=BURST_GAP_MAX_MS);
            } else {
                self.planted.push(PlantedBurst {
                    start_ms: self.burst_start,
                    end_ms: t,
                    calls: self.burst_pos,
                });
                self.burst_i += 1;
                self.burst_pos = 0;
                match self.bursts.get(self.burst_i) {
                    Some(b) => {
                        self.t_burst = b.start;
                        self.burst_left = b.calls;
                    }
                    None => self.t_burst = NEVER,
                }
            }
        } else {
            self.t_normal = self.next_normal(t);
        }
        if self.next_at() == NEVER {
            self.start_day(ctx, self.day + 1);
        }
        self.next_at()
    }

    fn mix(&self, t: i64) -> Mix {
        let s = &self.story;
        let q = self.quality;
        let base = |df: f64| Mix {
            spam: 0.0,
            dial_failed: df,
            declined: 0.002,
            blocked: 0.0,
            answer: q,
            short: 0.15,
        };
        match self.kind {
            Kind::Healthy
            | Kind::InboundOnly
            | Kind::Heavy
            | Kind::NewMidWindow
            | Kind::WeekdayOnly
            | Kind::SmallBurst => base(0.015),
            Kind::LowVolume => base(0.05),
            Kind::AlreadyFlagged => Mix {
                spam: 0.14,
                dial_failed: 0.18,
                declined: 0.07,
                blocked: 0.01,
                answer: 0.5,
                short: 0.4,
            },
            Kind::BurstThenDegrade => {
                let x = ramp(t, s.degrade_start, s.ramp_ms);
                let y = ramp(t, s.spam_start, s.ramp_ms);
                let spam = if s.spam_start.is_some_and(|st| t >= st) {
                    0.03 + 0.17 * y
                } else {
                    0.0
                };
                Mix {
                    spam,
                    dial_failed: 0.015 + 0.25 * x,
                    declined: 0.002 + 0.04 * x,
                    blocked: 0.005 * x,
                    answer: q * (1.0 - 0.5 * x),
                    short: 0.15 + 0.25 * x,
                }
            }
            Kind::SlowDegrader => {
                let x = ramp(t, s.degrade_start, s.ramp_ms);
                let spam = if s.spam_start.is_some_and(|st| t >= st) {
                    0.03
                } else {
                    0.0
                };
                Mix {
                    spam,
                    dial_failed: 0.015 + 0.13 * x,
                    declined: 0.003 + 0.04 * x,
                    blocked: 0.002 * x,
                    answer: q * (1.0 - 0.3 * x),
                    short: 0.15 + 0.1 * x,
                }
            }
            Kind::RestedRecovered => {
                if t < s.episode_end {
                    Mix {
                        spam: 0.15,
                        dial_failed: 0.2,
                        declined: 0.05,
                        blocked: 0.01,
                        answer: 0.5,
                        short: 0.35,
                    }
                } else {
                    base(0.01)
                }
            }
        }
    }

    pub fn truth(&self) -> Truth {
        Truth {
            number: self.number.clone(),
            kind: self.kind,
            bad: self.kind.is_bad(),
            first_spam_ms: self.first_spam,
            first_burst_ms: self.story.first_burst,
            degrade_start_ms: self.story.degrade_start,
            trouble_start_ms: match self.kind {
                Kind::BurstThenDegrade => self.story.first_burst,
                Kind::SlowDegrader => self.story.degrade_start,
                Kind::AlreadyFlagged | Kind::RestedRecovered => self.first_call,
                _ => None,
            },
            provider: None,
            first_call_ms: self.first_call,
            rest_ms: None,
            slide_visible_ms: None,
            planted_bursts: self.planted.clone(),
        }
    }
}

impl Dialler for NumberGen {
    fn line(&mut self) -> Line<'_> {
        Line {
            rng: &mut self.rng,
            extra: &mut self.extra,
            agent: self.agent,
            number: &self.number,
            p_inbound: self.p_inbound,
            first_spam: &mut self.first_spam,
        }
    }

    fn pick(&mut self, ctx: &Ctx, t: i64, burst: bool) -> Cat {
        if let Some(c) = ctx.confounder_at(t) {
            return match c {
                ConfKind::Outage => Cat::Telephony("telephony_provider_unavailable"),
                ConfKind::Storm => Cat::Concurrency,
                ConfKind::DialFailed => Cat::DialFailed,
            };
        }
        let m = self.mix(t);
        if m.spam > 0.0 && self.first_spam.is_none() {
            return Cat::Spam;
        }
        let u: f64 = self.rng.random();
        if burst && (self.burst_pos < BURST_SURE_SHORT || self.rng.random_bool(0.85)) {
            // Short outcomes only: no answer, instant hang-ups, failures.
            let cuts = [
                (m.spam, Cat::Spam),
                (m.dial_failed.max(0.08), Cat::DialFailed),
                (m.declined, Cat::Declined),
                (0.05, Cat::Busy),
                (0.22, Cat::HumanShort),
            ];
            return pick_from(u, &cuts, Cat::NoAnswer);
        }
        let cuts = [
            (m.spam, Cat::Spam),
            (m.dial_failed, Cat::DialFailed),
            (m.declined, Cat::Declined),
            (m.blocked, Cat::Blocked),
            (0.006, Cat::Concurrency),
            (0.003, Cat::ErrorMid),
            (0.001, Cat::Telephony("")),
            (0.0005, Cat::Unknown),
            (0.05, Cat::Busy),
            (0.03, Cat::Invalid),
            (0.005, Cat::Ivr),
            (0.12 * m.answer, Cat::Voicemail),
            (0.28 * m.answer * (1.0 - m.short), Cat::Human),
            (0.28 * m.answer * m.short, Cat::HumanShort),
        ];
        pick_from(u, &cuts, Cat::NoAnswer)
    }
}
