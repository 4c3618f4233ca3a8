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

mod fill;
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
        }
    }
}

/// The story a number plays for the whole window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Healthy,
    BurstThenDegrade,
    AlreadyFlagged,
    SlowDegrader,
    LowVolume,
    RestedRecovered,
    InboundOnly,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Healthy,
        Kind::BurstThenDegrade,
        Kind::AlreadyFlagged,
        Kind::SlowDegrader,
        Kind::LowVolume,
        Kind::RestedRecovered,
        Kind::InboundOnly,
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
}

/// Ground truth for one caller number (see the module docs for each field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub number: String,
    pub kind: Kind,
    pub bad: bool,
    pub first_spam_ms: Option<i64>,
    pub first_burst_ms: Option<i64>,
    pub degrade_start_ms: Option<i64>,
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
}

/// Web-call generator's slot in the merge heap.
const WEB: u32 = u32::MAX;

/// Streams every call of the fleet to `emit` in ascending `start_timestamp` (ties by
/// number order), reusing one `CallObject` (clone it to keep it). Memory is O(numbers).
pub fn generate(p: &SimParams, emit: &mut dyn FnMut(&CallObject)) -> Fleet {
    let ctx = Ctx::new(p);
    let kinds = plan::assign_kinds(p.seed, p.numbers);
    let numbers = plan::caller_numbers(p.seed, p.numbers);
    let mut gens: Vec<NumberGen> = numbers
        .into_iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (n, k))| NumberGen::new(&ctx, p.seed, i, k, n, p.calls_per_day))
        .collect();
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
        truths: gens.iter().map(NumberGen::truth).collect(),
        confounders: ctx.public_confounders(),
        window_start_ms: ctx.window_start,
        window_end_ms: ctx.window_end,
    }
}
