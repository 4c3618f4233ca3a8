//! Simulated fleets with planted patterns and their ground truth, for the sample data,
//! the tests, the accuracy evaluation and the benchmark.
//!
//! A fleet is `numbers` caller numbers over `days` days ending `end` (inclusive; the
//! window is `[end - days + 1, end + 1)` at 00:00 UTC). Each number plays one `Kind`
//! for the whole window; kinds, numbers and every call follow from `seed` alone.
//! `generate` streams the calls (outbound and inbound phone calls plus a few web
//! calls) as `CallObject`s, a `Serialize` struct in the platform's JSON shape, in
//! ascending `start_timestamp`, with memory bounded by the number of numbers (a heap
//! merges one O(1)-state generator per number). `write_fleet` writes them as every input
//! shape numhealth reads, plus `truth.csv` and `confounders.csv`; `write_flat_csv` writes
//! the same phone calls flattened for the benchmark's by-hand anchor.
//!
//! Ground truth (`Truth`, one per number):
//! - `bad`: the number should be flagged (rested/retired) by the end of the window:
//!   true for BurstThenDegrade, AlreadyFlagged and SlowDegrader, false otherwise.
//! - `first_spam_ms`: start of the first `marked_as_spam` call actually generated
//!   (BurstThenDegrade after its degradation, AlreadyFlagged from its first call,
//!   RestedRecovered in its early episode, SlowDegrader on its last half-day in about half
//!   of them; never for the other kinds).
//! - `first_burst_ms`: BurstThenDegrade only: start of the first call of its first burst.
//!   Normal calls keep 10 minutes clear before each burst, so with the default burst
//!   rule (>= 10 calls under 6 s within 10 min) the first detected burst starts exactly
//!   here, and no earlier window qualifies.
//! - `degrade_start_ms`: BurstThenDegrade (1-3 days after the first burst, the dial_failed
//!   share starts climbing; spam follows 0.5-1.5 days later) and SlowDegrader (mid-window;
//!   reputation failures slide from ~2% to ~19% by the end).
//!
//! Confounders (`Fleet::confounders`) are fleet-wide hours inside 14:00-20:00 UTC on
//! distinct days (never the last): every outbound call inside one ends
//! `telephony_provider_unavailable` (provider_outage, 60-120 min),
//! `concurrency_limit_reached` (concurrency_storm, 60 min) or `dial_failed`
//! (fleet_dial_failed, 60 min). Bursts are planned clear of them.
//!
//! # Profiles
//!
//! `SimParams::profile` picks the fleet model. `Profile::Easy` (the default) is everything
//! above, unchanged call for call. `Profile::Hard` is closer to real outbound fleets; its
//! distributions are fixed here and its parameters drawn per seed, so no one threshold
//! fits every fleet:
//!
//! - **Fleet, per seed** (`hard::HardFleet`): the centre of the human-answer rates
//!   U(0.12, 0.22); the log-normal sigma of the numbers' volumes U(0.4, 0.8); two or three
//!   hidden telephony providers, provider 0 taking U(0.25, 0.40) of the numbers (with three,
//!   provider 1 takes 50-80% of the rest); a weekend volume factor per number
//!   U(0.2, w), w ~ U(0.4, 1.0) per seed.
//! - **Kinds** (`plan::HARD_KIND_SHARES`, at least one each from 20 numbers): burst then
//!   degrade 8%, small burst 7%, already flagged 4%, slow degrader 7%, low volume 10%,
//!   rested and recovered 5%, inbound only 3%, heavy 3%, new mid-window 6%, weekday only
//!   10%, healthy the rest (about 37%).
//! - **Numbers** across the US zones (`plan::HARD_AREAS`: Eastern, Central, Mountain,
//!   Arizona, Pacific area codes). Each calls in its area code's local business day
//!   (`health::area_codes::time_zone_of_number`): opening at 8:00-10:00 local (half hours),
//!   open 8-10 hours; calls after the window's end are dropped.
//! - **Volumes**: calls a weekday = `calls_per_day` x LogNormal(-s^2/2, s) clamped to
//!   3..150, times a daily LogNormal(sigma 0.25) factor, times the weekend factor on
//!   Saturdays and Sundays (local). Heavy numbers: U(170, 260) a day every day, dialled
//!   evenly (gaps 75-125% of the mean). Low volume: U(0.5, 4) a day. Inbound only:
//!   0.3 x `calls_per_day` (at least 2), all inbound. 3% of other calls are inbound.
//! - **Outcomes** per number: human answer log-normal around the fleet centre
//!   (sigma 0.35) clamped to 8-30% (heavy numbers U(8%, 12%)), a fifth to a third of them
//!   shorter than 6 s; voicemail 4-12%; dial_failed 0.5-2.5%; invalid destination 1-4%; busy
//!   2-5%; the rest (about two thirds) `dial_no_answer`, so most calls are short.
//! - **Small bursts** (burst kinds): 12-25 short calls 6-18 s apart (2-7.5 minutes), at
//!   most one a day, inside business hours and 30 minutes clear of every confounder and
//!   the provider outage; normal calls keep 5 minutes clear. `SmallBurst`: 1-3 bursts on
//!   random days, nothing else. `BurstThenDegrade`: a first burst on day 15-45% of the
//!   window, 0-2 more over the next days; reputation failures (dial_failed, declined,
//!   blocked) climb by U(0.15, 0.30) over 3-6 days from 0-1.5 days after the end of the
//!   first burst's UTC day, the answer rate falls by up to 60%; `marked_as_spam` from 2-5
//!   days after that end (2% of calls, rising to 10% over 3 days), or never in the window.
//! - **Slow slides** (`SlowDegrader`): from 25-50% into the window the reputation failures
//!   climb linearly by U(0.12, 0.25) over 7-14 days; in 70% of them the first
//!   `marked_as_spam` comes at 80-110% of the ramp (when still 6 hours before the end).
//!   `Truth::slide_visible_ms` is when the excess reaches `SLIDE_VISIBLE` (8 points).
//! - **Already flagged**: spam from the first call (12%), failures +20 points, answer -60%.
//! - **Rested and recovered**: flagged like that on local days 0..e (e 2-4, at most a fifth
//!   of the window), silent for 8-14 days, then clean (`Truth::rest_ms`: from its last
//!   call before the rest to its first call after it).
//! - **New mid-window**: healthy from a day 30-70% into the window. **Weekday only**:
//!   healthy, silent on local Saturdays and Sundays.
//! - **Confounders**: the three fleet-wide ones inside 18:00-20:00 UTC (the hours every
//!   zone's business day covers), plus the **one-provider outage** (`Fleet::
//!   provider_outage`): on a weekday of its own (never the first or last day), starting
//!   16:00-19:00 UTC for 2-4 hours, every outbound call of provider 0's numbers ends
//!   `dial_failed`. The records carry no provider; `Truth::provider` says which.
//!
//! The hard truth also carries `trouble_start_ms` (first burst, start of the slide or
//! degradation, first call of a flagged number), `first_call_ms` and `planted_bursts`
//! (start, last call and calls of each planted burst; recorded in the easy profile too).

mod fill;
mod hard;
mod json;
mod number;
mod object;
mod outcome;
mod plan;
mod router;
mod text;
mod web;
mod write;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use chrono::NaiveDate;

pub use json::write_call_json;
pub use object::{
    CallAnalysis, CallCost, CallObject, CustomAnalysis, DynamicVariables, Latency, LatencyStats,
    Metadata, ProductCost, TelephonyIdentifier, TokenUsage,
};
pub use write::{
    FileCount, WriteSummary, write_confounders_csv, write_flat_csv, write_fleet, write_truth_csv,
};

pub use hard::SLIDE_VISIBLE;
use hard::{HardFleet, HardGen};
use number::{NEVER, NumberGen};
use plan::Ctx;
use web::WebGen;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimParams {
    pub seed: u64,
    pub numbers: usize,
    /// Days in the window (at least 1).
    pub days: i64,
    /// Last simulated day, inclusive; the window ends at `end + 1` 00:00 UTC.
    pub end: NaiveDate,
    /// Average calls per number per day (the fleet total is about `numbers * days * calls_per_day`).
    pub calls_per_day: u32,
    /// Include transcript, call_analysis, metadata, latency, costs, URLs...
    pub full_objects: bool,
    /// Which fleet model: `Easy` (the original one) or `Hard` (see the module docs).
    pub profile: Profile,
}

/// The fleet model. `Easy` is the original simulator, unchanged call for call; `Hard` is
/// closer to real outbound fleets (low answer rates, local business hours across US time
/// zones, uneven volumes, small bursts, slow slides, a one-provider outage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    #[default]
    Easy,
    Hard,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Easy => "easy",
            Profile::Hard => "hard",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        [Profile::Easy, Profile::Hard]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            seed: 42,
            numbers: 40,
            days: 14,
            end: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
            calls_per_day: 60,
            full_objects: true,
            profile: Profile::Easy,
        }
    }
}

/// The story a number plays for the whole window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    #[default]
    Healthy,
    BurstThenDegrade,
    AlreadyFlagged,
    SlowDegrader,
    LowVolume,
    RestedRecovered,
    InboundOnly,
    /// Hard profile: 170-260 calls a day, dialled evenly, mostly unanswered.
    Heavy,
    /// Hard profile: a healthy number whose first call comes partway through the window.
    NewMidWindow,
    /// Hard profile: a healthy number silent on Saturdays and Sundays (local).
    WeekdayOnly,
    /// Hard profile: an ordinary number with a few small planted bursts, no degradation.
    SmallBurst,
}

impl Kind {
    /// The easy profile's kinds.
    pub const EASY: [Kind; 7] = [
        Kind::Healthy,
        Kind::BurstThenDegrade,
        Kind::AlreadyFlagged,
        Kind::SlowDegrader,
        Kind::LowVolume,
        Kind::RestedRecovered,
        Kind::InboundOnly,
    ];

    pub const ALL: [Kind; 11] = [
        Kind::Healthy,
        Kind::BurstThenDegrade,
        Kind::AlreadyFlagged,
        Kind::SlowDegrader,
        Kind::LowVolume,
        Kind::RestedRecovered,
        Kind::InboundOnly,
        Kind::Heavy,
        Kind::NewMidWindow,
        Kind::WeekdayOnly,
        Kind::SmallBurst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Healthy => "healthy",
            Kind::BurstThenDegrade => "burst_then_degrade",
            Kind::AlreadyFlagged => "already_flagged",
            Kind::SlowDegrader => "slow_degrader",
            Kind::LowVolume => "low_volume",
            Kind::RestedRecovered => "rested_recovered",
            Kind::InboundOnly => "inbound_only",
            Kind::Heavy => "heavy",
            Kind::NewMidWindow => "new_mid_window",
            Kind::WeekdayOnly => "weekday_only",
            Kind::SmallBurst => "small_burst",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a number of this kind should be flagged by the end of the window.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Kind::BurstThenDegrade | Kind::AlreadyFlagged | Kind::SlowDegrader
        )
    }

    /// Numbers that should never be rested or retired and should rarely be warned:
    /// healthy, heavy, new mid-window, weekday-only, low-volume and inbound-only numbers.
    pub fn is_calm(self) -> bool {
        matches!(
            self,
            Kind::Healthy
                | Kind::Heavy
                | Kind::NewMidWindow
                | Kind::WeekdayOnly
                | Kind::LowVolume
                | Kind::InboundOnly
        )
    }
}

/// One planted burst: its first and last call and how many calls it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlantedBurst {
    pub start_ms: i64,
    pub end_ms: i64,
    pub calls: u32,
}

/// Ground truth for one caller number (see the module docs for each field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Truth {
    pub number: String,
    pub kind: Kind,
    pub bad: bool,
    pub first_spam_ms: Option<i64>,
    pub first_burst_ms: Option<i64>,
    pub degrade_start_ms: Option<i64>,
    /// When the number's planted trouble starts (first burst, start of the slide or of the
    /// degradation, the window start for numbers flagged from the start); `None` for
    /// numbers without trouble. Hard profile only.
    pub trouble_start_ms: Option<i64>,
    /// Hard profile: the hidden telephony provider (0, 1 or 2; 0 is the one hit by the
    /// provider outage). The records carry no provider field.
    pub provider: Option<u8>,
    /// Start of the number's first call (any direction); `None` if it never called.
    pub first_call_ms: Option<i64>,
    /// Hard profile, RestedRecovered: its rest, from the last call of its flagged episode
    /// to its first call after the rest (no call in between); `None` if it never came back.
    pub rest_ms: Option<(i64, i64)>,
    /// Hard profile, SlowDegrader: when its excess reputation-failure share first
    /// reaches `SLIDE_VISIBLE` (see `eval`).
    pub slide_visible_ms: Option<i64>,
    /// Every planted burst, in time order (both profiles).
    pub planted_bursts: Vec<PlantedBurst>,
}

/// Hard profile: the one-provider outage. Every outbound call of a number of
/// `provider` inside `[start_ms, end_ms)` ends `dial_failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderOutage {
    pub provider: u8,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// A fleet-wide confounder: `kind` is provider_outage, concurrency_storm or fleet_dial_failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confounder {
    pub kind: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// What was planted, returned once every call has been emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fleet {
    /// One per number, in number order.
    pub truths: Vec<Truth>,
    pub confounders: Vec<Confounder>,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub profile: Profile,
    /// Hard profile: the outage of one telephony provider.
    pub provider_outage: Option<ProviderOutage>,
}

/// One number's generator, of either profile.
enum Gen {
    Easy(NumberGen),
    Hard(HardGen),
}

impl Gen {
    fn next_at(&self) -> i64 {
        match self {
            Gen::Easy(g) => g.next_at(),
            Gen::Hard(g) => g.next_at(),
        }
    }

    fn emit(&mut self, ctx: &Ctx, obj: &mut CallObject) -> i64 {
        match self {
            Gen::Easy(g) => g.emit(ctx, obj),
            Gen::Hard(g) => g.emit(ctx, obj),
        }
    }

    fn truth(&self) -> Truth {
        match self {
            Gen::Easy(g) => g.truth(),
            Gen::Hard(g) => g.truth(),
        }
    }
}

/// Web-call generator's slot in the merge heap.
const WEB: u32 = u32::MAX;

/// Streams every call of the fleet to `emit` in ascending `start_timestamp` (ties by
/// number order), reusing one `CallObject` (clone it to keep it). Memory is O(numbers).
pub fn generate(p: &SimParams, emit: &mut dyn FnMut(&CallObject)) -> Fleet {
    let ctx = Ctx::new(p);
    let mut gens: Vec<Gen> = match p.profile {
        Profile::Easy => {
            let kinds = plan::assign_kinds(p.seed, p.numbers);
            let numbers = plan::caller_numbers(p.seed, p.numbers);
            numbers
                .into_iter()
                .zip(kinds)
                .enumerate()
                .map(|(i, (n, k))| {
                    Gen::Easy(NumberGen::new(&ctx, p.seed, i, k, n, p.calls_per_day))
                })
                .collect()
        }
        Profile::Hard => {
            let hf = HardFleet::new(p.seed);
            let kinds = plan::assign_hard_kinds(p.seed, p.numbers);
            let numbers = plan::hard_caller_numbers(p.seed, p.numbers);
            numbers
                .into_iter()
                .zip(kinds)
                .enumerate()
                .map(|(i, (n, k))| {
                    Gen::Hard(HardGen::new(&ctx, &hf, p.seed, i, k, n, p.calls_per_day))
                })
                .collect()
        }
    };
    let web_per_day = (p.numbers as f64 * f64::from(p.calls_per_day) * 0.002).max(4.0);
    let mut web = WebGen::new(&ctx, p.seed, web_per_day);
    let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::with_capacity(gens.len() + 1);
    for (i, g) in gens.iter().enumerate() {
        if g.next_at() != NEVER {
            heap.push(Reverse((g.next_at(), i as u32)));
        }
    }
    if web.next_at() != NEVER {
        heap.push(Reverse((web.next_at(), WEB)));
    }
    let mut obj = CallObject::default();
    while let Some(mut top) = heap.peek_mut() {
        let idx = top.0.1;
        let next = if idx == WEB {
            web.emit(&ctx, &mut obj)
        } else {
            gens[idx as usize].emit(&ctx, &mut obj)
        };
        emit(&obj);
        if next == NEVER {
            PeekMut::pop(top);
        } else {
            top.0.0 = next;
        }
    }
    Fleet {
        truths: gens.iter().map(Gen::truth).collect(),
        confounders: ctx.public_confounders(),
        window_start_ms: ctx.window_start,
        window_end_ms: ctx.window_end,
        profile: p.profile,
        provider_outage: ctx.provider_outage.map(|(provider, s, e)| ProviderOutage {
            provider,
            start_ms: s,
            end_ms: e,
        }),
    }
}
