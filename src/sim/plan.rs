//! Everything decided before the first call is generated: the window, the fleet-wide
//! confounder hours, the caller numbers and which kind each one plays. All of it comes
//! from the seed alone, so the same parameters always plan the same fleet.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::fill::exchange;
use super::{Confounder, Kind, Profile, SimParams};

pub(crate) const MIN_MS: i64 = 60_000;
pub(crate) const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Confounders fall between 14:00 and 20:00 UTC, the hours every number's business
/// day covers (numbers open between 12:00 and 14:00 and stay open 8 to 10 hours).
pub(crate) const COMMON_OPEN_MS: i64 = 14 * HOUR_MS;
pub(crate) const COMMON_CLOSE_MS: i64 = 20 * HOUR_MS;
/// Hard profile: numbers keep local business hours from the East Coast to the West
/// Coast, so the hours every number covers are 18:00-20:00 UTC.
pub(crate) const HARD_COMMON_OPEN_MS: i64 = 18 * HOUR_MS;
pub(crate) const HARD_COMMON_CLOSE_MS: i64 = 20 * HOUR_MS;

/// What a fleet-wide confounder does to every outbound call inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfKind {
    /// `telephony_provider_unavailable`
    Outage,
    /// `concurrency_limit_reached`
    Storm,
    /// `dial_failed` on every number (a carrier/trunk problem)
    DialFailed,
}

impl ConfKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfKind::Outage => "provider_outage",
            ConfKind::Storm => "concurrency_storm",
            ConfKind::DialFailed => "fleet_dial_failed",
        }
    }
}

/// Shared, read-only facts every generator consults.
pub(crate) struct Ctx {
    pub window_start: i64,
    pub window_end: i64,
    pub days: i64,
    pub full: bool,
    pub confounders: Vec<(ConfKind, i64, i64)>,
    /// First day of the window (local dates of the hard profile count from it).
    pub first: NaiveDate,
    /// Hard profile: the outage of one provider, `(provider, start, end)`.
    pub provider_outage: Option<(u8, i64, i64)>,
}

impl Ctx {
    pub fn new(p: &SimParams) -> Ctx {
        let days = p.days.max(1);
        let first = p.end - Duration::days(days - 1);
        let window_start = midnight_ms(first);
        let window_end = window_start + days * DAY_MS;
        let mut rng = SmallRng::seed_from_u64(stream_seed(p.seed, 0xC0F0));
        let (open, close) = match p.profile {
            Profile::Easy => (COMMON_OPEN_MS, COMMON_CLOSE_MS),
            Profile::Hard => (HARD_COMMON_OPEN_MS, HARD_COMMON_CLOSE_MS),
        };
        let confounders = plan_confounders(&mut rng, first, days, window_start, open, close);
        let provider_outage = (p.profile == Profile::Hard)
            .then(|| plan_provider_outage(p.seed, first, days, window_start, &confounders));
        Ctx {
            window_start,
            window_end,
            days,
            full: p.full_objects,
            confounders,
            first,
            provider_outage,
        }
    }

    /// Whether `[s, e)` comes within `margin` of the provider outage.
    pub fn near_provider_outage(&self, s: i64, e: i64, margin: i64) -> bool {
        self.provider_outage
            .is_some_and(|(_, os, oe)| s < oe + margin && e > os - margin)
    }

    /// The confounder active at `t`, if any.
    pub fn confounder_at(&self, t: i64) -> Option<ConfKind> {
        self.confounders
            .iter()
            .find(|c| t >= c.1 && t < c.2)
            .map(|c| c.0)
    }

    /// Whether `[s, e)` comes within `margin` of any confounder.
    pub fn near_confounder(&self, s: i64, e: i64, margin: i64) -> bool {
        self.confounders
            .iter()
            .any(|c| s < c.2 + margin && e > c.1 - margin)
    }

    pub fn public_confounders(&self) -> Vec<Confounder> {
        self.confounders
            .iter()
            .map(|&(k, s, e)| Confounder {
                kind: k.as_str().to_string(),
                start_ms: s,
                end_ms: e,
            })
            .collect()
    }
}

pub(crate) fn midnight_ms(d: NaiveDate) -> i64 {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .timestamp_millis()
}

/// A well-mixed seed for an independent random stream (splitmix64 finaliser).
pub(crate) fn stream_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        ^ stream
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0x6A09_E667_F3BC_C909);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Three confounders on distinct days (weekdays when there are enough), never on the
/// last day, inside the common business hours. Short windows share days, in separate slots.
fn plan_confounders(
    rng: &mut SmallRng,
    first: NaiveDate,
    days: i64,
    ws: i64,
    common_open: i64,
    common_close: i64,
) -> Vec<(ConfKind, i64, i64)> {
    let kinds = [ConfKind::Outage, ConfKind::Storm, ConfKind::DialFailed];
    let mut cand: Vec<i64> = match days {
        1 => vec![0],
        2..=4 => (0..days - 1).collect(),
        _ => (1..days - 1).collect(),
    };
    let weekdays: Vec<i64> = cand
        .iter()
        .copied()
        .filter(|&d| {
            let wd = (first + Duration::days(d)).weekday();
            wd != Weekday::Sat && wd != Weekday::Sun
        })
        .collect();
    if weekdays.len() >= 3 {
        cand = weekdays;
    }
    cand.shuffle(rng);
    let distinct = cand.len() >= 3;
    kinds
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let day = cand[i % cand.len()];
            let len = match k {
                ConfKind::Outage => rng.random_range(4..=8) * 15 * MIN_MS,
                _ => HOUR_MS,
            };
            let start = if distinct {
                let slots = (common_close - common_open - len) / (5 * MIN_MS);
                common_open + rng.random_range(0..=slots) * 5 * MIN_MS
            } else {
                // Shared days: fixed, non-overlapping slots (easy: 2-hour slots 14-16,
                // 16-18, 18-20; hard: 40-minute slots from 18:00).
                common_open + (i as i64) * (common_close - common_open) / 3
            };
            let s = ws + day * DAY_MS + start;
            (k, s, s + len)
        })
        .collect()
}

/// Hard profile: the outage of provider 0 on a weekday other than the confounders' days
/// (when there is one), never the first or last day: starts 16:00-19:00 UTC on the
/// quarter hour and lasts 2-4 hours.
fn plan_provider_outage(
    seed: u64,
    first: NaiveDate,
    days: i64,
    ws: i64,
    confounders: &[(ConfKind, i64, i64)],
) -> (u8, i64, i64) {
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x0B7A));
    let taken: HashSet<i64> = confounders
        .iter()
        .map(|c| (c.1 - ws).div_euclid(DAY_MS))
        .collect();
    let all: Vec<i64> = if days >= 3 {
        (1..days - 1).collect()
    } else {
        vec![0]
    };
    let free = |d: &i64| !taken.contains(d);
    let weekday = |d: &i64| {
        let wd = (first + Duration::days(*d)).weekday();
        wd != Weekday::Sat && wd != Weekday::Sun
    };
    let mut cand: Vec<i64> = all
        .iter()
        .copied()
        .filter(|d| free(d) && weekday(d))
        .collect();
    if cand.is_empty() {
        cand = all.iter().copied().filter(free).collect();
    }
    if cand.is_empty() {
        cand = all;
    }
    let day = cand[rng.random_range(0..cand.len())];
    let start = ws + day * DAY_MS + 16 * HOUR_MS + rng.random_range(0..=12) * 15 * MIN_MS;
    let len = rng.random_range(8..=16) * 15 * MIN_MS;
    (0, start, start + len)
}

/// Target shares of the fleet per kind; Healthy takes the rest (about half).
pub(crate) const KIND_SHARES: [(Kind, f64); 6] = [
    (Kind::BurstThenDegrade, 0.10),
    (Kind::AlreadyFlagged, 0.08),
    (Kind::SlowDegrader, 0.08),
    (Kind::LowVolume, 0.12),
    (Kind::RestedRecovered, 0.07),
    (Kind::InboundOnly, 0.05),
];

/// Kinds in number order: shares rounded (at least one each once there are 10 numbers),
/// the rest Healthy, shuffled by the seed.
pub(crate) fn assign_kinds(seed: u64, n: usize) -> Vec<Kind> {
    let mut v = Vec::with_capacity(n);
    for (k, share) in KIND_SHARES {
        let mut c = (share * n as f64).round() as usize;
        if n >= 10 {
            c = c.max(1);
        }
        v.extend(std::iter::repeat_n(k, c));
    }
    v.truncate(n);
    v.resize(n, Kind::Healthy);
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x41D5));
    v.shuffle(&mut rng);
    v
}

/// Area codes of the fleet's own caller numbers.
const OUR_AREAS: [u16; 12] = [415, 212, 646, 312, 737, 628, 332, 917, 510, 650, 512, 617];

/// `n` distinct caller numbers, E.164, valid for libphonenumber.
pub(crate) fn caller_numbers(seed: u64, n: usize) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x4E55));
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let area = OUR_AREAS[rng.random_range(0..OUR_AREAS.len())];
        let ex = exchange(&mut rng);
        let sub: u16 = rng.random_range(0..10_000);
        if seen.insert((area, ex, sub)) {
            out.push(format!("+1{area}{ex}{sub:04}"));
        }
    }
    out
}

/// Hard profile: target shares per kind; Healthy takes the rest (about 37%).
pub(crate) const HARD_KIND_SHARES: [(Kind, f64); 10] = [
    (Kind::BurstThenDegrade, 0.08),
    (Kind::SmallBurst, 0.07),
    (Kind::AlreadyFlagged, 0.04),
    (Kind::SlowDegrader, 0.07),
    (Kind::LowVolume, 0.10),
    (Kind::RestedRecovered, 0.05),
    (Kind::InboundOnly, 0.03),
    (Kind::Heavy, 0.03),
    (Kind::NewMidWindow, 0.06),
    (Kind::WeekdayOnly, 0.10),
];

/// Hard profile: kinds in number order, as `assign_kinds` (at least one each once there
/// are 20 numbers).
pub(crate) fn assign_hard_kinds(seed: u64, n: usize) -> Vec<Kind> {
    let mut v = Vec::with_capacity(n);
    for (k, share) in HARD_KIND_SHARES {
        let mut c = (share * n as f64).round() as usize;
        if n >= 20 {
            c = c.max(1);
        }
        v.extend(std::iter::repeat_n(k, c));
    }
    v.truncate(n);
    v.resize(n, Kind::Healthy);
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x41D6));
    v.shuffle(&mut rng);
    v
}

/// Hard profile: area codes across the US time zones (Eastern, Central, Mountain,
/// Arizona, Pacific).
pub(crate) const HARD_AREAS: [u16; 24] = [
    212, 646, 917, 617, 404, 305, 704, // Eastern
    312, 512, 737, 214, 713, 615, // Central
    303, 720, 801, // Mountain
    602, 480, // Arizona (no DST)
    415, 510, 628, 206, 213, 650, // Pacific
];

/// Hard profile: `n` distinct caller numbers across `HARD_AREAS`.
pub(crate) fn hard_caller_numbers(seed: u64, n: usize) -> Vec<String> {
    let mut rng = SmallRng::seed_from_u64(stream_seed(seed, 0x4E56));
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let area = HARD_AREAS[rng.random_range(0..HARD_AREAS.len())];
        let ex = exchange(&mut rng);
        let sub: u16 = rng.random_range(0..10_000);
        if seen.insert((area, ex, sub)) {
            out.push(format!("+1{area}{ex}{sub:04}"));
        }
    }
    out
}
