//! The issue-15 figures of one fleet: top-k precision of numhealth and of the baseline at
//! the mid-window cut and the end, a 6-hourly sweep over the whole window (calm numbers
//! removed or warned), burst recall against the store's `bursts` table, lead time before
//! the first `marked_as_spam`, and whether the one-provider outage flagged anybody.
//!
//! Definitions (see also `super::is_positive_at`):
//! - **Calm numbers**: `Kind::is_calm` (healthy, heavy, new mid-window, weekday-only,
//!   low-volume, inbound-only). A calm (number, step) pair counts when the number is
//!   scored at that step (it has calls in the lookback); *removed* = rest or retire (must
//!   be 0), *warned* = `Assessment::is_warning` (target <= 2% of the pairs).
//! - **Burst recall**: a planted burst is recalled when a stored burst of the same number
//!   overlaps `[start, last call]`. **Invented** bursts are stored bursts of numbers with no
//!   planted burst, per 10,000 of those numbers' outbound calls.
//! - **Lead time**: over numbers whose first `marked_as_spam` falls in the window at least
//!   a day after their first call (numbers labelled from their first calls have no history
//!   to warn on), the earliest sweep step in `[first spam - 7 days, first spam)` at which
//!   `is_warning()` held; lead = first spam - that step, in days, 0 when never warned. The
//!   median is over every such number (`None` when there is none); *ahead* counts leads
//!   of at least one day.
//! - **Outage**: the hit provider's numbers at the sweep steps after the outage began up to
//!   a day after it ended. A number counts as *flagged by the outage* when it is warned,
//!   rested or retired at one of those steps although it would not be warned anyway: it was
//!   not warned at the last step before the outage, it is positive (its own planted
//!   trouble, `super::is_positive_at`) neither at that step nor at the inspected ones, and
//!   its own planted trouble had not begun (`Truth::trouble_start_ms`) by the step it was
//!   warned at: a slide still below the 8 points `is_positive_at` waits for is the number's
//!   own, and warning on it early is detection, not the outage.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::baseline::Calls;
use super::{is_positive_at, removed};
use crate::error::Result;
use crate::health::assessment::Assessment;
use crate::health::score_config::ScoreConfig;
use crate::sim::{Fleet, Truth};
use crate::store::Store;
use crate::store::assess::assess_all;
use crate::time::rfc3339;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The sweep's step.
pub const STEP_MS: i64 = 6 * HOUR_MS;
/// How long before its first label a number's warning counts as lead time.
pub const LEAD_HORIZON_MS: i64 = 7 * DAY_MS;

/// Top-k precision of numhealth and of the baseline at one cut, k = positives.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TopK {
    pub as_of: String,
    pub positives: usize,
    pub precision_numhealth: f64,
    pub precision_baseline: f64,
    /// numhealth's top-k by kind: the non-positives in it, and the positives left out.
    pub numhealth_false_by_kind: BTreeMap<String, usize>,
    pub numhealth_missed_by_kind: BTreeMap<String, usize>,
}

/// The 6-hourly sweep over the whole window.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Sweep {
    pub steps: usize,
    pub calm_numbers: usize,
    /// (calm number, step) pairs scored.
    pub calm_pairs: usize,
    /// Calm pairs rested or retired (must be 0), and the distinct numbers among them.
    pub calm_removed_pairs: usize,
    pub calm_removed_numbers: usize,
    /// Calm pairs warned (`is_warning`), and their share of `calm_pairs` (target <= 0.02).
    pub calm_warned_pairs: usize,
    pub calm_warned_share: f64,
    pub calm_warned_numbers: usize,
    /// Of the removed and warned calm pairs, those of the outage's provider at the steps
    /// after the outage began up to a day after it ended.
    pub calm_removed_pairs_after_outage: usize,
    pub calm_warned_pairs_after_outage: usize,
    /// Removed and warned calm pairs by kind (`sim::Kind::as_str`), for tuning.
    pub calm_removed_by_kind: BTreeMap<String, usize>,
    pub calm_warned_by_kind: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BurstFigures {
    pub planted: usize,
    pub recalled: usize,
    /// `recalled / planted` (target >= 0.95); `None` without planted bursts.
    pub recall: Option<f64>,
    /// Stored bursts on numbers without a planted burst, and those numbers' outbound calls.
    pub invented: usize,
    pub calls_without_planted: usize,
    /// Target <= 1.
    pub invented_per_10k_calls: f64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LeadTime {
    /// Numbers labelled in the window at least a day after their first call.
    pub labelled: usize,
    /// Of them, warned inside the 7-day horizon before the label.
    pub warned: usize,
    /// Of them, warned at least one day ahead, and the share (target >= 0.9).
    pub warned_1d_ahead: usize,
    pub share_1d_ahead: Option<f64>,
    /// Median lead in days (0 for numbers never warned; target >= 3); `None` if none labelled.
    pub median_lead_days: Option<f64>,
    /// Each labelled number's lead in days, ascending.
    pub lead_days: Vec<f64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct OutageFigures {
    pub provider: u8,
    pub start: String,
    pub end: String,
    /// Numbers of the hit provider, and the sweep steps inspected.
    pub hit_numbers: usize,
    pub steps: usize,
    /// Hit numbers flagged because of the outage (must be 0).
    pub flagged: usize,
    pub flagged_numbers: Vec<String>,
}

/// The figures of one fleet.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Figures {
    pub profile: String,
    pub mid: TopK,
    pub end: TopK,
    pub sweep: Sweep,
    pub bursts: BurstFigures,
    pub lead_time: LeadTime,
    pub outage: Option<OutageFigures>,
}

/// Precision of the first `k` of `ranked` (numbers riskiest first) against `positive`;
/// 1.0 when `k` is 0.
pub fn precision_at_k<'a>(
    ranked: impl IntoIterator<Item = &'a str>,
    k: usize,
    positive: impl Fn(&str) -> bool,
) -> f64 {
    if k == 0 {
        return 1.0;
    }
    let hits = ranked.into_iter().take(k).filter(|n| positive(n)).count();
    hits as f64 / k as f64
}

/// Whether `[a0, a1]` and `[b0, b1]` overlap.
fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// Burst recall and invented bursts from the planted bursts (`truths`), the stored ones
/// (`(number, start, end)`) and outbound calls per number.
pub fn burst_figures(
    truths: &[Truth],
    stored: &[(String, i64, i64)],
    calls_of: impl Fn(&str) -> usize,
) -> BurstFigures {
    let mut by_number: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for (n, s, e) in stored {
        by_number.entry(n.as_str()).or_default().push((*s, *e));
    }
    let mut f = BurstFigures::default();
    for t in truths {
        let mine = by_number.get(t.number.as_str()).map_or(&[][..], |v| v);
        if t.planted_bursts.is_empty() {
            f.invented += mine.len();
            f.calls_without_planted += calls_of(&t.number);
            continue;
        }
        for b in &t.planted_bursts {
            f.planted += 1;
            f.recalled += usize::from(mine.iter().any(|&m| overlaps(m, (b.start_ms, b.end_ms))));
        }
    }
    f.recall = (f.planted > 0).then(|| f.recalled as f64 / f.planted as f64);
    f.invented_per_10k_calls = if f.calls_without_planted == 0 {
        0.0
    } else {
        f.invented as f64 * 10_000.0 / f.calls_without_planted as f64
    };
    f
}

/// Lead-time figures from each labelled number's first label and its warned steps.
pub fn lead_time(labelled: &[(i64, Vec<i64>)]) -> LeadTime {
    let mut lt = LeadTime {
        labelled: labelled.len(),
        ..LeadTime::default()
    };
    for (spam, warned_steps) in labelled {
        let first = warned_steps
            .iter()
            .copied()
            .filter(|&s| s >= spam - LEAD_HORIZON_MS && s < *spam)
            .min();
        let lead = first.map_or(0.0, |s| (spam - s) as f64 / DAY_MS as f64);
        lt.warned += usize::from(first.is_some());
        lt.warned_1d_ahead += usize::from(lead >= 1.0);
        lt.lead_days.push(lead);
    }
    lt.lead_days.sort_by(f64::total_cmp);
    lt.median_lead_days = median(&lt.lead_days);
    lt.share_1d_ahead = (lt.labelled > 0).then(|| lt.warned_1d_ahead as f64 / lt.labelled as f64);
    lt
}

/// The median of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// What the sweep remembers of one number at one step.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    warned: bool,
    removed: bool,
}

/// Computes the figures of a loaded fleet.
pub fn figures(
    store: &Store,
    fleet: &Fleet,
    calls: &Calls,
    cfg: &ScoreConfig,
    mid_ms: i64,
) -> Result<Figures> {
    let truths = &fleet.truths;
    let by_number: HashMap<&str, &Truth> = truths.iter().map(|t| (t.number.as_str(), t)).collect();
    let positive_at = |n: &str, at: i64| by_number.get(n).is_some_and(|t| is_positive_at(t, at));
    let top_k = |at: i64, ranked: &[Assessment]| -> TopK {
        let k = truths.iter().filter(|t| is_positive_at(t, at)).count();
        let base = calls.rank(at);
        let mut r = TopK {
            as_of: rfc3339(at),
            positives: k,
            precision_numhealth: precision_at_k(ranked.iter().map(|a| a.number.as_str()), k, |n| {
                positive_at(n, at)
            }),
            precision_baseline: precision_at_k(base.iter().map(|b| b.0.as_str()), k, |n| {
                positive_at(n, at)
            }),
            ..TopK::default()
        };
        let top: std::collections::HashSet<&str> =
            ranked.iter().take(k).map(|a| a.number.as_str()).collect();
        for t in truths {
            let (pos, inside) = (is_positive_at(t, at), top.contains(t.number.as_str()));
            let kind = t.kind.as_str().to_string();
            if inside && !pos {
                *r.numhealth_false_by_kind.entry(kind).or_default() += 1;
            } else if pos && !inside {
                *r.numhealth_missed_by_kind.entry(kind).or_default() += 1;
            }
        }
        r
    };
    let mut out = Figures {
        profile: fleet.profile.as_str().to_string(),
        mid: top_k(mid_ms, &assess_all(store, cfg, mid_ms)?),
        ..Figures::default()
    };

    // The sweep: every 6 hours from the window's start to its end.
    let mut steps = Vec::new();
    let mut at = fleet.window_start_ms + STEP_MS;
    while at <= fleet.window_end_ms {
        steps.push(at);
        at += STEP_MS;
    }
    let mut seen: HashMap<String, Vec<(i64, Seen)>> = HashMap::new();
    let mut sw = Sweep {
        steps: steps.len(),
        calm_numbers: truths.iter().filter(|t| t.kind.is_calm()).count(),
        ..Sweep::default()
    };
    let (mut removed_numbers, mut warned_numbers) = (Vec::new(), Vec::new());
    for &step in &steps {
        let ranked = assess_all(store, cfg, step)?;
        if step == fleet.window_end_ms {
            out.end = top_k(step, &ranked);
        }
        for a in &ranked {
            let s = Seen {
                warned: a.is_warning(),
                removed: removed(a),
            };
            if let Some(t) = by_number
                .get(a.number.as_str())
                .filter(|t| t.kind.is_calm())
            {
                let after_outage = fleet.provider_outage.is_some_and(|o| {
                    t.provider == Some(o.provider) && step > o.start_ms && step <= o.end_ms + DAY_MS
                });
                if after_outage {
                    sw.calm_removed_pairs_after_outage += usize::from(s.removed);
                    sw.calm_warned_pairs_after_outage += usize::from(s.warned);
                }
                let kind = t.kind.as_str().to_string();
                if s.removed {
                    *sw.calm_removed_by_kind.entry(kind.clone()).or_default() += 1;
                }
                if s.warned {
                    *sw.calm_warned_by_kind.entry(kind).or_default() += 1;
                }
                sw.calm_pairs += 1;
                sw.calm_removed_pairs += usize::from(s.removed);
                sw.calm_warned_pairs += usize::from(s.warned);
                if s.removed {
                    removed_numbers.push(a.number.clone());
                }
                if s.warned {
                    warned_numbers.push(a.number.clone());
                }
            }
            if s.warned || s.removed {
                seen.entry(a.number.clone()).or_default().push((step, s));
            }
        }
    }
    if out.end.as_of.is_empty() {
        let end = fleet.window_end_ms;
        out.end = top_k(end, &assess_all(store, cfg, end)?);
    }
    for v in [&mut removed_numbers, &mut warned_numbers] {
        v.sort();
        v.dedup();
    }
    sw.calm_removed_numbers = removed_numbers.len();
    sw.calm_warned_numbers = warned_numbers.len();
    sw.calm_warned_share = if sw.calm_pairs == 0 {
        0.0
    } else {
        sw.calm_warned_pairs as f64 / sw.calm_pairs as f64
    };
    out.sweep = sw;

    let stored: Vec<(String, i64, i64)> = store
        .list_bursts(None, None, None)?
        .into_iter()
        .map(|b| (b.number, b.start_ms, b.end_ms))
        .collect();
    out.bursts = burst_figures(truths, &stored, |n| calls.attempts(n));

    let warned_steps = |n: &str| -> Vec<i64> {
        seen.get(n)
            .map(|v| {
                v.iter()
                    .filter(|(_, s)| s.warned)
                    .map(|(at, _)| *at)
                    .collect()
            })
            .unwrap_or_default()
    };
    let labelled: Vec<(i64, Vec<i64>)> = truths
        .iter()
        .filter_map(|t| {
            let spam = t.first_spam_ms?;
            let first = t.first_call_ms?;
            (spam >= first + DAY_MS && spam < fleet.window_end_ms)
                .then(|| (spam, warned_steps(&t.number)))
        })
        .collect();
    out.lead_time = lead_time(&labelled);

    out.outage = fleet.provider_outage.map(|o| {
        let before = steps.iter().copied().filter(|&s| s <= o.start_ms).max();
        let covered: Vec<i64> = steps
            .iter()
            .copied()
            .filter(|&s| s > o.start_ms && s <= o.end_ms + DAY_MS)
            .collect();
        let hit: Vec<&Truth> = truths
            .iter()
            .filter(|t| t.provider == Some(o.provider))
            .collect();
        let mut flagged_numbers: Vec<String> = hit
            .iter()
            .filter(|t| {
                let v = seen.get(t.number.as_str()).map_or(&[][..], |v| v);
                let anyway = before.is_some_and(|b| {
                    is_positive_at(t, b) || v.iter().any(|(at, s)| *at == b && s.warned)
                }) || covered.iter().any(|&s| is_positive_at(t, s));
                // A number whose own planted trouble (a slide starting, a burst) had begun by
                // the step it was warned at is warned for that, not for the outage.
                let own_trouble = |at: i64| t.trouble_start_ms.is_some_and(|ts| ts < at);
                !anyway
                    && v.iter()
                        .any(|(at, _)| covered.contains(at) && !own_trouble(*at))
            })
            .map(|t| t.number.clone())
            .collect();
        flagged_numbers.sort();
        OutageFigures {
            provider: o.provider,
            start: rfc3339(o.start_ms),
            end: rfc3339(o.end_ms),
            hit_numbers: hit.len(),
            steps: covered.len(),
            flagged: flagged_numbers.len(),
            flagged_numbers,
        }
    });
    Ok(out)
}

/// The figures over several fleets: precisions as the mean and the minimum over fleets,
/// everything else pooled (sums, pooled shares, the median over every labelled number).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Aggregate {
    pub fleets: usize,
    pub mid_precision_numhealth_mean: f64,
    pub mid_precision_numhealth_min: f64,
    pub mid_precision_baseline_mean: f64,
    pub mid_precision_baseline_min: f64,
    pub end_precision_numhealth_mean: f64,
    pub end_precision_numhealth_min: f64,
    pub end_precision_baseline_mean: f64,
    pub end_precision_baseline_min: f64,
    pub calm_pairs: usize,
    pub calm_removed_pairs: usize,
    pub calm_removed_numbers: usize,
    pub calm_warned_share: f64,
    pub bursts_planted: usize,
    pub burst_recall: Option<f64>,
    pub invented_per_10k_calls: f64,
    pub labelled: usize,
    pub median_lead_days: Option<f64>,
    pub share_1d_ahead: Option<f64>,
    pub outage_hit_numbers: usize,
    pub outage_flagged: usize,
}

pub fn aggregate(all: &[&Figures]) -> Aggregate {
    let stat = |f: &dyn Fn(&Figures) -> f64| -> (f64, f64) {
        let v: Vec<f64> = all.iter().map(|x| f(x)).collect();
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        (
            mean,
            v.iter().copied().fold(f64::INFINITY, f64::min).min(1.0),
        )
    };
    let (a, b) = stat(&|f| f.mid.precision_numhealth);
    let (c, d) = stat(&|f| f.mid.precision_baseline);
    let (e, g) = stat(&|f| f.end.precision_numhealth);
    let (h, i) = stat(&|f| f.end.precision_baseline);
    let sum = |f: &dyn Fn(&Figures) -> usize| -> usize { all.iter().map(|x| f(x)).sum() };
    let calm_pairs = sum(&|f| f.sweep.calm_pairs);
    let planted = sum(&|f| f.bursts.planted);
    let without = sum(&|f| f.bursts.calls_without_planted);
    let mut leads: Vec<f64> = all
        .iter()
        .flat_map(|f| f.lead_time.lead_days.iter().copied())
        .collect();
    leads.sort_by(f64::total_cmp);
    let labelled = leads.len();
    Aggregate {
        fleets: all.len(),
        mid_precision_numhealth_mean: a,
        mid_precision_numhealth_min: b,
        mid_precision_baseline_mean: c,
        mid_precision_baseline_min: d,
        end_precision_numhealth_mean: e,
        end_precision_numhealth_min: g,
        end_precision_baseline_mean: h,
        end_precision_baseline_min: i,
        calm_pairs,
        calm_removed_pairs: sum(&|f| f.sweep.calm_removed_pairs),
        calm_removed_numbers: sum(&|f| f.sweep.calm_removed_numbers),
        calm_warned_share: if calm_pairs == 0 {
            0.0
        } else {
            sum(&|f| f.sweep.calm_warned_pairs) as f64 / calm_pairs as f64
        },
        bursts_planted: planted,
        burst_recall: (planted > 0).then(|| sum(&|f| f.bursts.recalled) as f64 / planted as f64),
        invented_per_10k_calls: if without == 0 {
            0.0
        } else {
            sum(&|f| f.bursts.invented) as f64 * 10_000.0 / without as f64
        },
        labelled,
        median_lead_days: median(&leads),
        share_1d_ahead: (labelled > 0)
            .then(|| sum(&|f| f.lead_time.warned_1d_ahead) as f64 / labelled as f64),
        outage_hit_numbers: sum(&|f| f.outage.as_ref().map_or(0, |o| o.hit_numbers)),
        outage_flagged: sum(&|f| f.outage.as_ref().map_or(0, |o| o.flagged)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Kind, PlantedBurst};

    fn burst_truth(n: &str, bursts: &[(i64, i64)]) -> Truth {
        Truth {
            number: n.into(),
            kind: if bursts.is_empty() {
                Kind::Healthy
            } else {
                Kind::SmallBurst
            },
            planted_bursts: bursts
                .iter()
                .map(|&(s, e)| PlantedBurst {
                    start_ms: s,
                    end_ms: e,
                    calls: 12,
                })
                .collect(),
            ..Truth::default()
        }
    }

    #[test]
    fn precision_of_the_top_k() {
        let ranked = ["a", "b", "c", "d"];
        let pos = |n: &str| matches!(n, "a" | "c" | "d");
        assert_eq!(precision_at_k(ranked, 2, pos), 0.5);
        assert_eq!(precision_at_k(ranked, 3, pos), 2.0 / 3.0);
        assert_eq!(precision_at_k(ranked, 0, pos), 1.0);
        // Fewer ranked numbers than k: the missing ones are misses.
        assert_eq!(precision_at_k(["a"], 2, pos), 0.5);
    }

    #[test]
    fn recall_and_invented_bursts() {
        let truths = vec![
            burst_truth("a", &[(100, 200), (1_000, 1_100)]),
            burst_truth("b", &[(500, 600)]),
            burst_truth("c", &[]),
            burst_truth("d", &[]),
        ];
        let stored = vec![
            ("a".to_string(), 150, 400),     // overlaps a's first
            ("a".to_string(), 2_000, 2_100), // a's own, not planted: neither hit nor invented
            ("b".to_string(), 601, 700),     // just misses b's
            ("c".to_string(), 10, 20),       // invented
            ("x".to_string(), 500, 600),     // other number: does not recall b's
        ];
        let calls = |n: &str| if n == "c" { 15_000 } else { 5_000 };
        let f = burst_figures(&truths, &stored, calls);
        assert_eq!((f.planted, f.recalled), (3, 1));
        assert_eq!(f.recall, Some(1.0 / 3.0));
        assert_eq!((f.invented, f.calls_without_planted), (1, 20_000));
        assert_eq!(f.invented_per_10k_calls, 0.5);
        // Touching ends overlap.
        let f = burst_figures(&truths[1..2], &[("b".into(), 600, 610)], calls);
        assert_eq!(f.recall, Some(1.0));
        let none = burst_figures(&truths[2..], &[], calls);
        assert_eq!((none.recall, none.invented_per_10k_calls), (None, 0.0));
    }

    #[test]
    fn lead_days_and_their_median() {
        let day = DAY_MS;
        let spam = 20 * day;
        let labelled = vec![
            // Warned 4 days ahead (and earlier than the horizon, which does not count).
            (spam, vec![spam - 9 * day, spam - 4 * day, spam - 3 * day]),
            // Warned 12 hours ahead only.
            (spam, vec![spam - day / 2]),
            // Never warned before the label (after it does not count).
            (spam, vec![spam, spam + day]),
        ];
        let lt = lead_time(&labelled);
        assert_eq!((lt.labelled, lt.warned, lt.warned_1d_ahead), (3, 2, 1));
        assert_eq!(lt.lead_days, vec![0.0, 0.5, 4.0]);
        assert_eq!(lt.median_lead_days, Some(0.5));
        assert_eq!(lt.share_1d_ahead, Some(1.0 / 3.0));
        let empty = lead_time(&[]);
        assert_eq!(empty.median_lead_days, None);
        assert_eq!(empty.share_1d_ahead, None);
        assert_eq!(median(&[1.0, 3.0]), Some(2.0));
    }

    #[test]
    fn the_aggregate_pools_counts_and_averages_precisions() {
        let mut a = Figures::default();
        a.mid.precision_numhealth = 0.5;
        a.sweep.calm_pairs = 100;
        a.sweep.calm_warned_pairs = 4;
        a.bursts.planted = 10;
        a.bursts.recalled = 10;
        a.lead_time.lead_days = vec![1.0, 5.0];
        a.lead_time.warned_1d_ahead = 2;
        let mut b = Figures::default();
        b.mid.precision_numhealth = 1.0;
        b.sweep.calm_pairs = 300;
        b.bursts.planted = 10;
        b.bursts.recalled = 8;
        b.lead_time.lead_days = vec![0.0];
        let g = aggregate(&[&a, &b]);
        assert_eq!(g.mid_precision_numhealth_mean, 0.75);
        assert_eq!(g.mid_precision_numhealth_min, 0.5);
        assert_eq!(g.calm_warned_share, 0.01);
        assert_eq!(g.burst_recall, Some(0.9));
        assert_eq!(g.median_lead_days, Some(1.0));
        assert_eq!(g.share_1d_ahead, Some(2.0 / 3.0));
    }
}
