//! The hard profile's per-number call process (see the module docs of `sim` for the
//! distributions). Like `number::NumberGen` it yields one call at a time in time order
//! with O(1) state besides its planted bursts, so the fleet merges by a heap.

use chrono::{Datelike, Duration, TimeZone, Weekday};
use chrono_tz::Tz;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::fill::{Dialler, Line, place_call};
use super::number::NEVER;
use super::object::CallObject;
use super::outcome::{Cat, pick_from};
use super::plan::{ConfKind, Ctx, DAY_MS, HOUR_MS, MIN_MS, stream_seed};
use super::text::AGENTS;
use super::{Kind, PlantedBurst, Truth};
use crate::health::area_codes::time_zone_of_number;

/// A slow slide is "visible" once its excess reputation-failure share reaches this.
pub const SLIDE_VISIBLE: f64 = 0.08;
/// Gaps between the calls of a planted burst.
const BURST_GAP_MS: (i64, i64) = (6_000, 18_000);
/// Normal calls keep this far from a planted burst.
const BURST_GUARD_MS: i64 = 5 * MIN_MS;

/// Fleet-wide parameters of the hard profile, drawn once per seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HardFleet {
    /// Centre of the numbers' human-answer rates, U(0.12, 0.22).
    pub answer_centre: f64,
    /// Log-normal sigma of the numbers' daily volumes, U(0.4, 0.8).
    pub volume_sigma: f64,
    /// Cumulative shares of providers 0, 1, 2 (provider 0, the outage's, takes
    /// U(0.25, 0.40); two or three providers).
    pub provider_cum: [f64; 3],
    /// Weekend volume factor range upper bound, U(0.4, 1.0) (lower bound 0.2).
    pub weekend_max: f64,
}

impl HardFleet {
    pub fn new(seed: u64) -> HardFleet {
        let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x4A52));
        let answer_centre = rng.random_range(0.12..0.22);
        let volume_sigma = rng.random_range(0.4..0.8);
        let p0 = rng.random_range(0.25..0.40);
        let provider_cum = if rng.random_bool(0.5) {
            [p0, 1.0, 1.0]
        } else {
            let p1 = (1.0 - p0) * rng.random_range(0.5..0.8);
            [p0, p0 + p1, 1.0]
        };
        HardFleet {
            answer_centre,
            volume_sigma,
            provider_cum,
            weekend_max: rng.random_range(0.4..1.0),
        }
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut SmallRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn ramp(t: i64, from: Option<i64>, len: i64) -> f64 {
    match from {
        Some(s) if t >= s => ((t - s) as f64 / len.max(1) as f64).min(1.0),
        _ => 0.0,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Story {
    /// Days (window day index) with planted bursts: up to 4.
    burst_days: [i64; 4],
    n_burst_days: usize,
    degrade_start: Option<i64>,
    ramp_ms: i64,
    /// Full excess reputation-failure share of the degradation.
    excess: f64,
    spam_start: Option<i64>,
    /// First active day (NewMidWindow).
    first_day: i64,
    /// RestedRecovered: flagged days `[0, episode_end_day)`, silent until `rest_end_day`.
    episode_end_day: i64,
    rest_end_day: i64,
}

pub(crate) struct HardGen {
    number: String,
    kind: Kind,
    tz: Tz,
    provider: u8,
    rng: SmallRng,
    extra: SmallRng,
    agent: usize,
    /// Calls a day on a weekday.
    pace: f64,
    weekend: f64,
    p_inbound: f64,
    human: f64,
    voicemail: f64,
    short: f64,
    dial_failed: f64,
    invalid: f64,
    busy: f64,
    even: bool,
    open_min: i64,
    len_min: i64,
    day: i64,
    day_close: i64,
    mean_gap: f64,
    t_normal: i64,
    /// Today's planted burst: start and calls (at most one a day).
    burst: Option<(i64, u32)>,
    t_burst: i64,
    burst_left: u32,
    burst_start: i64,
    story: Story,
    first_spam: Option<i64>,
    first_call: Option<i64>,
    planted: Vec<PlantedBurst>,
    last_call: Option<i64>,
    rest_ms: Option<(i64, i64)>,
}

impl HardGen {
    pub fn new(
        ctx: &Ctx,
        hf: &HardFleet,
        seed: u64,
        idx: usize,
        kind: Kind,
        number: String,
        calls_per_day: u32,
    ) -> HardGen {
        let mut rng = SmallRng::seed_from_u64(stream_seed(seed ^ 0x4A4D, 1_000 + idx as u64));
        let extra = SmallRng::seed_from_u64(stream_seed(seed ^ 0x4AE7, 1_000 + idx as u64));
        let tz = time_zone_of_number(&number, chrono_tz::UTC);
        let u: f64 = rng.random();
        let provider = hf.provider_cum.iter().position(|&c| u < c).unwrap_or(2) as u8;
        let cpd = f64::from(calls_per_day.max(1));
        let sigma = hf.volume_sigma;
        let lognormal = (sigma * normal(&mut rng) - sigma * sigma / 2.0).exp();
        let pace = match kind {
            Kind::Heavy => rng.random_range(170.0..260.0),
            Kind::LowVolume => rng.random_range(0.5..4.0),
            Kind::InboundOnly => (0.3 * cpd).max(2.0) * rng.random_range(0.7..1.3),
            _ => (cpd * lognormal).clamp(3.0, 150.0),
        };
        let weekend = match kind {
            Kind::WeekdayOnly => 0.0,
            Kind::Heavy => 1.0,
            _ => rng.random_range(0.2..hf.weekend_max.max(0.21)),
        };
        let human = match kind {
            Kind::Heavy => rng.random_range(0.08..0.12),
            _ => (hf.answer_centre * (0.35 * normal(&mut rng)).exp()).clamp(0.08, 0.30),
        };
        let mut g = HardGen {
            number,
            kind,
            tz,
            provider,
            agent: rng.random_range(0..AGENTS.len()),
            voicemail: rng.random_range(0.04..0.12),
            short: rng.random_range(0.15..0.35),
            dial_failed: rng.random_range(0.005..0.025),
            invalid: rng.random_range(0.01..0.04),
            busy: rng.random_range(0.02..0.05),
            open_min: 8 * 60 + rng.random_range(0..=4) * 30,
            len_min: 8 * 60 + rng.random_range(0..=4) * 30,
            rng,
            extra,
            pace,
            weekend,
            p_inbound: match kind {
                Kind::InboundOnly => 1.0,
                _ => 0.03,
            },
            human,
            even: kind == Kind::Heavy,
            day: 0,
            day_close: 0,
            mean_gap: 0.0,
            t_normal: NEVER,
            burst: None,
            t_burst: NEVER,
            burst_left: 0,
            burst_start: 0,
            story: Story::default(),
            first_spam: None,
            first_call: None,
            planted: Vec::new(),
            last_call: None,
            rest_ms: None,
        };
        g.story = g.plan_story(ctx);
        g.start_day(ctx, g.story.first_day);
        g
    }

    /// UTC ms of `minute` past local midnight on window day `day` (its local date).
    fn local_ms(&self, ctx: &Ctx, day: i64, minute: i64) -> i64 {
        let date = ctx.first + Duration::days(day);
        let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute);
        self.tz
            .from_local_datetime(&naive)
            .earliest()
            .map_or(ctx.window_start + day * DAY_MS + minute * MIN_MS, |t| {
                t.timestamp_millis()
            })
    }

    fn weekday_factor(&self, ctx: &Ctx, day: i64) -> f64 {
        match (ctx.first + Duration::days(day)).weekday() {
            Weekday::Sat | Weekday::Sun => self.weekend,
            _ => 1.0,
        }
    }

    fn plan_story(&mut self, ctx: &Ctx) -> Story {
        let (ws, we, days) = (ctx.window_start, ctx.window_end, ctx.days);
        let mut s = Story::default();
        let frac = |rng: &mut SmallRng, lo: f64, hi: f64| {
            ((days as f64 * rng.random_range(lo..hi)).floor() as i64).clamp(0, days - 1)
        };
        match self.kind {
            Kind::BurstThenDegrade => {
                let d0 = frac(&mut self.rng, 0.15, 0.45).max(i64::from(days >= 5));
                s.burst_days[0] = d0;
                s.n_burst_days = 1;
                // Up to two more bursts over the next four days.
                let mut d = d0;
                for _ in 0..self.rng.random_range(0..=2) {
                    d += self.rng.random_range(1..=2);
                    if d < days {
                        s.burst_days[s.n_burst_days] = d;
                        s.n_burst_days += 1;
                    }
                }
                // From the end of the first burst's UTC day (its business day ends by
                // 04:00 UTC the next day), degradation starts 0-1.5 days later and the
                // label comes 2-5 days later.
                let base = ws + (d0 + 1) * DAY_MS;
                let ds = base + (self.rng.random_range(0.0..1.5) * DAY_MS as f64) as i64;
                s.degrade_start = Some(ds.min(we - HOUR_MS));
                s.ramp_ms = (self.rng.random_range(3.0..6.0) * DAY_MS as f64) as i64;
                s.excess = self.rng.random_range(0.15..0.30);
                let sp = base + (self.rng.random_range(2.0..5.0) * DAY_MS as f64) as i64;
                s.spam_start = (sp < we).then_some(sp);
            }
            Kind::SmallBurst => {
                let n = self.rng.random_range(1..=3usize);
                let lo = i64::from(days >= 3);
                let hi = (days - 1).max(lo + 1);
                for _ in 0..n {
                    let d = self.rng.random_range(lo..hi);
                    if !s.burst_days[..s.n_burst_days].contains(&d) {
                        s.burst_days[s.n_burst_days] = d;
                        s.n_burst_days += 1;
                    }
                }
                s.burst_days[..s.n_burst_days].sort_unstable();
            }
            Kind::SlowDegrader => {
                let span = (we - ws) as f64;
                let ds = ws + (span * self.rng.random_range(0.25..0.5)) as i64;
                s.degrade_start = Some(ds);
                s.ramp_ms = ((self.rng.random_range(7.0..14.0) * DAY_MS as f64) as i64)
                    .min(we - ds)
                    .max(HOUR_MS);
                s.excess = self.rng.random_range(0.12..0.25);
                if self.rng.random_bool(0.7) {
                    let sp = ds + (s.ramp_ms as f64 * self.rng.random_range(0.8..1.1)) as i64;
                    s.spam_start = (sp < we - 6 * HOUR_MS).then_some(sp);
                }
            }
            Kind::AlreadyFlagged => s.spam_start = Some(ws),
            Kind::RestedRecovered => {
                s.spam_start = Some(ws);
                let e = self.rng.random_range(2..=4).min((days / 5).max(1));
                let rest = self.rng.random_range(8..=14).min((days - e - 3).max(1));
                s.episode_end_day = e;
                s.rest_end_day = (e + rest).min(days - 1).max(e);
            }
            Kind::NewMidWindow => s.first_day = frac(&mut self.rng, 0.3, 0.7),
            _ => {}
        }
        s
    }

    fn silent(&self, ctx: &Ctx, day: i64) -> bool {
        (self.kind == Kind::RestedRecovered
            && day >= self.story.episode_end_day
            && day < self.story.rest_end_day)
            || (self.kind == Kind::WeekdayOnly && self.weekday_factor(ctx, day) == 0.0)
    }

    fn gap(&mut self) -> i64 {
        if self.even {
            // Even dialling: 75-125% of the mean gap.
            return (self.mean_gap * self.rng.random_range(0.75..1.25)) as i64 + 1;
        }
        let u = (1.0 - self.rng.random::<f64>()) * (1.0 - self.rng.random::<f64>());
        (self.mean_gap * (0.4 - 0.3 * u.ln())) as i64 + 1
    }

    /// Moves a normal call out of today's burst guard zone; `NEVER` once past closing.
    fn place(&mut self, mut t: i64) -> i64 {
        if let Some((start, calls)) = self.burst {
            let (gs, ge) = (
                start - BURST_GUARD_MS,
                start + i64::from(calls) * BURST_GAP_MS.1 + BURST_GUARD_MS,
            );
            if t >= gs && t < ge {
                t = ge + self.gap();
            }
        }
        if t < self.day_close { t } else { NEVER }
    }

    fn plan_burst(&mut self, ctx: &Ctx, day: i64, open: i64) {
        self.burst = None;
        if !self.story.burst_days[..self.story.n_burst_days].contains(&day) {
            return;
        }
        let calls = self.rng.random_range(12..=25u32);
        let span = self.day_close - open - 60 * MIN_MS - i64::from(calls) * BURST_GAP_MS.1;
        for _ in 0..40 {
            let t = open + 30 * MIN_MS + self.rng.random_range(0..span.max(1));
            let e = t + i64::from(calls) * BURST_GAP_MS.1;
            if !ctx.near_confounder(t, e, 30 * MIN_MS)
                && !ctx.near_provider_outage(t, e, 30 * MIN_MS)
                && e < ctx.window_end
            {
                self.burst = Some((t, calls));
                return;
            }
        }
    }

    fn start_day(&mut self, ctx: &Ctx, mut day: i64) {
        self.t_normal = NEVER;
        self.t_burst = NEVER;
        while day < ctx.days {
            if !self.silent(ctx, day) {
                let open = self.local_ms(ctx, day, self.open_min);
                self.day_close = self
                    .local_ms(ctx, day, self.open_min + self.len_min)
                    .min(ctx.window_end);
                self.plan_burst(ctx, day, open);
                // Day-to-day variation, except for heavy numbers' even dialling.
                let lognormal = if self.even {
                    1.0
                } else {
                    (0.25 * normal(&mut self.rng) - 0.03125).exp()
                };
                let rate = self.pace * self.weekday_factor(ctx, day) * lognormal;
                if rate > 0.0 && self.day_close > open {
                    self.mean_gap = (self.day_close - open) as f64 / rate;
                    let lead = (self.gap() as f64 * self.rng.random::<f64>()) as i64;
                    self.t_normal = self.place(open + lead);
                }
                if let Some((start, calls)) = self.burst {
                    self.t_burst = start;
                    self.burst_left = calls;
                    self.burst_start = start;
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

    pub fn next_at(&self) -> i64 {
        self.t_normal.min(self.t_burst)
    }

    pub fn emit(&mut self, ctx: &Ctx, obj: &mut CallObject) -> i64 {
        let burst = self.t_burst <= self.t_normal;
        let t = self.next_at();
        self.first_call.get_or_insert(t);
        if self.kind == Kind::RestedRecovered
            && self.rest_ms.is_none()
            && self.day >= self.story.rest_end_day
            && let Some(last) = self.last_call
        {
            self.rest_ms = Some((last, t));
        }
        self.last_call = Some(t);
        place_call(self, ctx, obj, t, burst);
        if burst {
            self.burst_left -= 1;
            if self.burst_left > 0 {
                self.t_burst += self.rng.random_range(BURST_GAP_MS.0..=BURST_GAP_MS.1);
            } else {
                let calls = self.burst.map_or(0, |b| b.1);
                self.planted.push(PlantedBurst {
                    start_ms: self.burst_start,
                    end_ms: t,
                    calls,
                });
                self.t_burst = NEVER;
            }
        } else {
            let next = t + self.gap();
            self.t_normal = self.place(next);
        }
        if self.next_at() == NEVER {
            self.start_day(ctx, self.day + 1);
        }
        self.next_at()
    }

    /// Reputation failures (dial_failed, declined, blocked), answer factor and extra
    /// short share at `t`.
    fn degradation(&self, t: i64) -> (f64, f64) {
        let s = &self.story;
        match self.kind {
            Kind::BurstThenDegrade | Kind::SlowDegrader => {
                let x = ramp(t, s.degrade_start, s.ramp_ms);
                (s.excess * x, x)
            }
            Kind::AlreadyFlagged => (0.2, 1.0),
            Kind::RestedRecovered if self.day < s.episode_end_day => (0.2, 1.0),
            _ => (0.0, 0.0),
        }
    }

    fn spam_share(&self, t: i64) -> f64 {
        let s = &self.story;
        match (self.kind, s.spam_start) {
            (Kind::RestedRecovered, Some(_)) if self.day >= s.episode_end_day => 0.0,
            (Kind::AlreadyFlagged | Kind::RestedRecovered, Some(_)) => 0.12,
            (_, Some(st)) if t >= st => 0.02 + 0.08 * ramp(t, Some(st), 3 * DAY_MS),
            _ => 0.0,
        }
    }

    pub fn truth(&self) -> Truth {
        let s = &self.story;
        let trouble_start_ms = match self.kind {
            Kind::BurstThenDegrade => self.planted.first().map(|b| b.start_ms),
            Kind::SlowDegrader => s.degrade_start,
            Kind::AlreadyFlagged | Kind::RestedRecovered => self.first_call,
            _ => None,
        };
        let slide_visible_ms = match (self.kind, s.degrade_start) {
            (Kind::SlowDegrader, Some(ds)) if s.excess >= SLIDE_VISIBLE => {
                Some(ds + (s.ramp_ms as f64 * SLIDE_VISIBLE / s.excess) as i64)
            }
            _ => None,
        };
        Truth {
            number: self.number.clone(),
            kind: self.kind,
            bad: self.kind.is_bad(),
            first_spam_ms: self.first_spam,
            first_burst_ms: self.planted.first().map(|b| b.start_ms),
            degrade_start_ms: s.degrade_start,
            trouble_start_ms,
            provider: Some(self.provider),
            first_call_ms: self.first_call,
            rest_ms: self.rest_ms,
            slide_visible_ms,
            planted_bursts: self.planted.clone(),
        }
    }
}

impl Dialler for HardGen {
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
        if let Some((p, s, e)) = ctx.provider_outage
            && p == self.provider
            && t >= s
            && t < e
        {
            return Cat::DialFailed;
        }
        let spam = self.spam_share(t);
        if spam > 0.0 && self.first_spam.is_none() {
            return Cat::Spam;
        }
        let (rep, x) = self.degradation(t);
        let u: f64 = self.rng.random();
        if burst {
            let cuts = [
                (spam, Cat::Spam),
                (self.dial_failed + rep, Cat::DialFailed),
                (0.04, Cat::Busy),
                (0.15, Cat::HumanShort),
            ];
            return pick_from(u, &cuts, Cat::NoAnswer);
        }
        let answer = 1.0 - 0.6 * x;
        let short = (self.short + 0.3 * x).min(0.9);
        let cuts = [
            (spam, Cat::Spam),
            (self.dial_failed + 0.7 * rep, Cat::DialFailed),
            (0.002 + 0.25 * rep, Cat::Declined),
            (0.05 * rep, Cat::Blocked),
            (0.004, Cat::Concurrency),
            (0.002, Cat::ErrorMid),
            (0.001, Cat::Telephony("")),
            (0.0005, Cat::Unknown),
            (self.busy, Cat::Busy),
            (self.invalid, Cat::Invalid),
            (0.005, Cat::Ivr),
            (self.voicemail * answer, Cat::Voicemail),
            (self.human * answer * (1.0 - short), Cat::Human),
            (self.human * answer * short, Cat::HumanShort),
        ];
        pick_from(u, &cuts, Cat::NoAnswer)
    }
}
