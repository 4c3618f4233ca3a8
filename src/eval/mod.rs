//! The accuracy evaluation: runs simulated fleets with planted patterns through the real
//! store and scoring (`evaluate_fleets`), and measures the verdicts against the ground
//! truth at a mid-window cut and at the end, night by night from the mid-window cut to the
//! end (open loop: every call is loaded, each night scores only what came before it), plus
//! early warning on burst numbers. With `figures` (always for the hard profile) it also
//! computes the issue-15 figures (`figures`): numhealth's and a plain baseline's
//! (`baseline`) top-k precision, a 6-hourly sweep, burst recall, lead time and the
//! one-provider outage.

pub mod baseline;
pub mod figures;

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::health::assessment::{Action, Assessment};
use crate::health::rollup::HOUR_MS;
use crate::health::score::assess;
use crate::health::score_config::ScoreConfig;
use crate::model::{Item, Locator};
use crate::sim::{Fleet, Kind, Profile, SimParams, Truth, generate};

use crate::store::assess::assess_all;
use crate::store::{LoadSettings, Store};
use crate::time::rfc3339;
use baseline::Calls;
use figures::Figures;

/// How the tool did at one cut.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CutReport {
    pub as_of: String,
    /// Numbers whose planted trouble had begun before the cut (the positives).
    pub positives: usize,
    /// Precision of the top-k by score, k = positives.
    pub precision_at_k: f64,
    /// Positives whose action is throttle, rest or retire.
    pub positives_acted_on: usize,
    /// Healthy, low-volume or inbound-only numbers sent to rest or retire (must be 0).
    pub healthy_rested_or_retired: usize,
    /// Healthy, low-volume or inbound-only numbers throttled (pacing advice, not removal).
    pub healthy_throttled: usize,
    /// Rested-and-recovered numbers still rested or retired at this cut.
    pub recovered_still_rested: usize,
    pub recovered_numbers: usize,
}

/// Whether `t` is a positive at `cut_ms`: a number that should rank among the riskiest.
///
/// - AlreadyFlagged: always (once it has called, in the hard profile).
/// - BurstThenDegrade: once its first burst is before the cut.
/// - SlowDegrader: once its slide has been visible for a day (hard: its excess failure
///   share reached `sim::SLIDE_VISIBLE`, `Truth::slide_visible_ms`; easy: a day after the
///   slide began), or once it has been labelled.
/// - SmallBurst (hard): while one of its planted bursts lies in the 7 days before the cut.
/// - RestedRecovered (hard): from its first call until it calls again after its rest (a
///   recovered number that has called cleanly after its rest is not positive); in the easy
///   profile never (its figures predate this rule).
/// - Calm kinds: never.
pub fn is_positive_at(t: &Truth, cut_ms: i64) -> bool {
    let called = t.first_call_ms.is_none_or(|f| f < cut_ms);
    match t.kind {
        Kind::AlreadyFlagged => called,
        Kind::BurstThenDegrade => t.first_burst_ms.is_some_and(|b| b < cut_ms),
        Kind::SlowDegrader => {
            let visible = t.slide_visible_ms.or(t.degrade_start_ms);
            // Give the slide a day to show before expecting the tool to see it.
            visible.is_some_and(|d| d + 86_400_000 < cut_ms)
                || t.first_spam_ms.is_some_and(|s| s < cut_ms)
        }
        Kind::SmallBurst => t
            .planted_bursts
            .iter()
            .any(|b| b.start_ms < cut_ms && b.start_ms >= cut_ms - 7 * 86_400_000),
        Kind::RestedRecovered => match (t.provider, t.rest_ms) {
            (Some(_), Some((_, back))) => called && cut_ms <= back,
            (Some(_), None) => called,
            (None, _) => false,
        },
        _ => false,
    }
}

fn acted_on(a: &Assessment) -> bool {
    matches!(a.action, Action::Throttle | Action::Rest | Action::Retire)
}

pub(crate) fn removed(a: &Assessment) -> bool {
    matches!(a.action, Action::Rest | Action::Retire)
}

/// Scores one cut. `ranked` is riskiest first.
pub fn score_cut(as_of: String, cut_ms: i64, truths: &[Truth], ranked: &[Assessment]) -> CutReport {
    let by_number: HashMap<&str, &Truth> = truths.iter().map(|t| (t.number.as_str(), t)).collect();
    let positive = |n: &str| by_number.get(n).is_some_and(|t| is_positive_at(t, cut_ms));
    let positives = truths.iter().filter(|t| is_positive_at(t, cut_ms)).count();
    let hits = ranked
        .iter()
        .take(positives)
        .filter(|a| positive(&a.number))
        .count();
    let mut r = CutReport {
        as_of,
        positives,
        precision_at_k: if positives == 0 {
            1.0
        } else {
            hits as f64 / positives as f64
        },
        ..CutReport::default()
    };
    for a in ranked {
        let Some(t) = by_number.get(a.number.as_str()) else {
            continue;
        };
        if positive(&a.number) && acted_on(a) {
            r.positives_acted_on += 1;
        }
        match t.kind {
            k if k.is_calm() => {
                r.healthy_rested_or_retired += usize::from(removed(a));
                r.healthy_throttled += usize::from(a.action == Action::Throttle);
            }
            Kind::RestedRecovered => {
                r.recovered_numbers += 1;
                r.recovered_still_rested += usize::from(removed(a));
            }
            _ => {}
        }
    }
    r
}

/// Early warning for burst numbers: was each one acted on (throttle or worse) as of the
/// hour of its first `marked_as_spam`, i.e. before the label arrived?
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EarlyWarning {
    pub burst_numbers: usize,
    pub flagged_before_first_spam: usize,
    /// Median hours between the first burst and the first action, among those flagged.
    pub median_hours_burst_to_action: Option<f64>,
}

/// The evaluation of one simulated fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedReport {
    pub seed: u64,
    /// Calls loaded into the store.
    pub calls: u64,
    pub mid: CutReport,
    pub end: CutReport,
    pub nightly: Nightly,
    pub early_warning: EarlyWarning,
    /// The issue-15 figures (hard profile, or `--figures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figures: Option<Figures>,
}

/// The cuts at each UTC midnight after the mid-window cut, up to the end.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Nightly {
    pub nights: usize,
    /// Each night's top-k precision, oldest first.
    pub precision_by_night: Vec<f64>,
    /// The night with the lowest top-k precision (the earliest of equals).
    pub worst: CutReport,
    /// Nights on which every rested-and-recovered number had called cleanly on at least
    /// `recovery_clean_days` days since its last flag, and the worst of them (`None` when
    /// there was no such night).
    pub nights_once_back: usize,
    pub worst_once_back: Option<CutReport>,
    /// The highest score of a rested-and-recovered number with at least
    /// `recovery_clean_days` clean days since its last flag, over the nights.
    pub recovered_back_max_score: f64,
    /// Healthy, low-volume or inbound-only numbers sent to rest or retire, summed over the
    /// nights (must be 0).
    pub healthy_rested_or_retired: usize,
    /// Nights on which a rested-and-recovered number with at least `recovery_clean_days`
    /// clean days since its last flag (`metrics.clean_days_since_flag`) ranked in the top-k.
    pub recovered_back_on_top: usize,
}

/// Evaluates each fleet in turn, each in its own temporary database loaded with
/// `settings` and scored with `cfg`; with `figures` (or a hard fleet) also the figures.
pub fn evaluate_fleets(
    fleets: &[SimParams],
    settings: &LoadSettings,
    cfg: &ScoreConfig,
    figures: bool,
) -> Result<Vec<SeedReport>> {
    fleets
        .iter()
        .map(|p| evaluate_fleet(p, settings, cfg, figures))
        .collect()
}

/// Generates the fleet `p` into a temporary database, scores it at a cut 60% into its
/// window and at its end, and walks its burst numbers for early warning.
pub fn evaluate_fleet(
    p: &SimParams,
    settings: &LoadSettings,
    cfg: &ScoreConfig,
    figures: bool,
) -> Result<SeedReport> {
    let dir = tempfile::tempdir()
        .map_err(|e| Error::Other(format!("cannot create a temporary directory: {e}")))?;
    let mut store = Store::open_rw(&dir.path().join("eval.db"), false)?;
    let figures = figures || p.profile == Profile::Hard;
    let mut recorded = figures.then(Calls::default);
    let (fleet, calls) = load_fleet(&mut store, p, settings, recorded.as_mut())?;
    let span = fleet.window_end_ms - fleet.window_start_ms;
    let mid_ms = (fleet.window_start_ms + span * 6 / 10).div_euclid(HOUR_MS) * HOUR_MS;
    let cut = |at_ms: i64| -> Result<CutReport> {
        Ok(score_cut(
            rfc3339(at_ms),
            at_ms,
            &fleet.truths,
            &assess_all(&store, cfg, at_ms)?,
        ))
    };
    Ok(SeedReport {
        seed: p.seed,
        calls,
        mid: cut(mid_ms)?,
        end: cut(fleet.window_end_ms)?,
        nightly: nightly(&store, &fleet, mid_ms, cfg)?,
        early_warning: early_warning(&store, &fleet.truths, cfg)?,
        figures: match &recorded {
            Some(c) => Some(figures::figures(&store, &fleet, c, cfg, mid_ms)?),
            None => None,
        },
    })
}

/// Scores every UTC midnight after `mid_ms` up to the end of the fleet's window.
fn nightly(store: &Store, fleet: &Fleet, mid_ms: i64, cfg: &ScoreConfig) -> Result<Nightly> {
    let day_ms = 24 * HOUR_MS;
    let recovered: HashMap<&str, ()> = fleet
        .truths
        .iter()
        .filter(|t| t.kind == Kind::RestedRecovered)
        .map(|t| (t.number.as_str(), ()))
        .collect();
    let mut out = Nightly::default();
    let mut night = (mid_ms.div_euclid(day_ms) + 1) * day_ms;
    while night <= fleet.window_end_ms {
        let ranked = assess_all(store, cfg, night)?;
        let c = score_cut(rfc3339(night), night, &fleet.truths, &ranked);
        let back = |a: &Assessment| {
            recovered.contains_key(a.number.as_str())
                && a.metrics.clean_days_since_flag >= cfg.recovery_clean_days
        };
        let all_back = !recovered.is_empty()
            && ranked
                .iter()
                .filter(|a| recovered.contains_key(a.number.as_str()))
                .all(back);
        if all_back {
            out.nights_once_back += 1;
            if out
                .worst_once_back
                .as_ref()
                .is_none_or(|w| c.precision_at_k < w.precision_at_k)
            {
                out.worst_once_back = Some(c.clone());
            }
        }
        let back_on_top = ranked.iter().take(c.positives).any(|a| {
            recovered.contains_key(a.number.as_str())
                && a.metrics.clean_days_since_flag >= cfg.recovery_clean_days
        });
        out.recovered_back_on_top += usize::from(back_on_top);
        for a in ranked.iter().filter(|a| back(a)) {
            out.recovered_back_max_score = out.recovered_back_max_score.max(a.score);
        }
        out.healthy_rested_or_retired += c.healthy_rested_or_retired;
        out.precision_by_night.push(c.precision_at_k);
        if out.nights == 0 || c.precision_at_k < out.worst.precision_at_k {
            out.worst = c;
        }
        out.nights += 1;
        night += day_ms;
    }
    Ok(out)
}

/// Generates the fleet `p` into `store` as one ingest run; returns it and the calls loaded.
/// (The evaluation's loader, for tests that need a simulated fleet in a store.)
pub fn load_simulated(
    store: &mut Store,
    p: &SimParams,
    settings: &LoadSettings,
) -> Result<(Fleet, u64)> {
    load_fleet(store, p, settings, None)
}

/// Generates the fleet into `store` as one ingest run; returns it and the calls loaded.
fn load_fleet(
    store: &mut Store,
    p: &SimParams,
    settings: &LoadSettings,
    mut record: Option<&mut Calls>,
) -> Result<(Fleet, u64)> {
    let run_id = store.begin_run("ingest", crate::time::now_ms())?;
    let mut calls = 0u64;
    let mut load = store.begin_file(run_id, 1, "simulated fleet", settings)?;
    let mut failed = None;
    let fleet = generate(p, &mut |c| {
        if failed.is_some() {
            return;
        }
        if let Some(rec) = c.to_record() {
            calls += 1;
            if let Some(r) = record.as_deref_mut() {
                r.add(&rec);
            }
            let at = Locator {
                line: None,
                record: calls,
            };
            if let Err(e) = load.add(Item::Call(Box::new(rec), at)) {
                failed = Some(e);
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    load.finish("", 0, "simulated")?;
    Ok((fleet, calls))
}

/// Walks each burst number hour by hour from its first burst to its first spam label,
/// and notes the first hour it was throttled or worse.
fn early_warning(store: &Store, truths: &[Truth], cfg: &ScoreConfig) -> Result<EarlyWarning> {
    let mut ew = EarlyWarning::default();
    let mut lags = Vec::new();
    for t in truths.iter().filter(|t| t.kind == Kind::BurstThenDegrade) {
        let (Some(burst), Some(spam)) = (t.first_burst_ms, t.first_spam_ms) else {
            continue;
        };
        ew.burst_numbers += 1;
        let mut hour = burst.div_euclid(HOUR_MS) + 1;
        while hour * HOUR_MS <= spam {
            let inputs =
                store.scoring_inputs(hour * HOUR_MS, cfg.lookback_days, Some(&t.number))?;
            if let Some(h) = inputs.histories.first() {
                let a = assess(h, &inputs.fleet, cfg, hour * HOUR_MS);
                if acted_on(&a) {
                    ew.flagged_before_first_spam += 1;
                    lags.push((hour * HOUR_MS - burst) as f64 / HOUR_MS as f64);
                    break;
                }
            }
            hour += 1;
        }
    }
    lags.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    ew.median_hours_burst_to_action = lags.get(lags.len() / 2).copied();
    Ok(ew)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assessment::{Components, Level};

    fn truth(n: &str, kind: Kind, bad: bool) -> Truth {
        Truth {
            number: n.into(),
            kind,
            bad,
            first_spam_ms: None,
            first_burst_ms: Some(0),
            degrade_start_ms: None,
            ..Truth::default()
        }
    }

    fn verdict(n: &str, score: f64, action: Action) -> Assessment {
        Assessment {
            number: n.into(),
            score,
            level: Level::Low,
            action,
            rest_until: None,
            rest_cause: None,
            components: Components::default(),
            reasons: vec![],
            attempts: 0,
            metrics: Default::default(),
        }
    }

    #[test]
    fn precision_and_false_rests_are_counted() {
        let truths = vec![
            truth("a", Kind::BurstThenDegrade, true),
            truth("b", Kind::AlreadyFlagged, true),
            truth("c", Kind::Healthy, false),
            truth("d", Kind::LowVolume, false),
        ];
        let ranked = vec![
            verdict("a", 90.0, Action::Rest),
            verdict("c", 80.0, Action::Rest),
            verdict("b", 70.0, Action::Throttle),
            verdict("d", 1.0, Action::Keep),
        ];
        let r = score_cut("t".into(), 10, &truths, &ranked);
        assert_eq!(r.positives, 2);
        assert_eq!(r.precision_at_k, 0.5);
        assert_eq!(r.positives_acted_on, 2);
        assert_eq!(r.healthy_rested_or_retired, 1);
    }

    #[test]
    fn positives_of_the_hard_kinds() {
        use crate::sim::PlantedBurst;
        let day = 86_400_000;
        let base = |kind| Truth {
            number: "n".into(),
            kind,
            provider: Some(1),
            first_call_ms: Some(0),
            ..Truth::default()
        };
        // A small-burst number is positive for 7 days after each burst.
        let sb = Truth {
            planted_bursts: vec![PlantedBurst {
                start_ms: 10 * day,
                end_ms: 10 * day + 1,
                calls: 12,
            }],
            ..base(Kind::SmallBurst)
        };
        assert!(!is_positive_at(&sb, 10 * day));
        assert!(is_positive_at(&sb, 12 * day));
        assert!(!is_positive_at(&sb, 18 * day));
        // A slide once visible for a day, or once labelled.
        let slide = Truth {
            degrade_start_ms: Some(5 * day),
            slide_visible_ms: Some(9 * day),
            ..base(Kind::SlowDegrader)
        };
        assert!(!is_positive_at(&slide, 9 * day));
        assert!(is_positive_at(&slide, 10 * day + 1));
        let labelled = Truth {
            first_spam_ms: Some(7 * day),
            ..slide.clone()
        };
        assert!(is_positive_at(&labelled, 8 * day));
        // A recovered number until it calls again after its rest.
        let rr = Truth {
            rest_ms: Some((3 * day, 15 * day)),
            ..base(Kind::RestedRecovered)
        };
        assert!(is_positive_at(&rr, 2 * day));
        assert!(is_positive_at(&rr, 15 * day));
        assert!(!is_positive_at(&rr, 15 * day + 1));
        // In the easy profile (no provider) the recovered number never is.
        let easy_rr = Truth {
            provider: None,
            ..rr.clone()
        };
        assert!(!is_positive_at(&easy_rr, 2 * day));
        for k in [
            Kind::Heavy,
            Kind::NewMidWindow,
            Kind::WeekdayOnly,
            Kind::Healthy,
        ] {
            assert!(!is_positive_at(&base(k), 20 * day));
        }
        // Already flagged numbers once they have called.
        let af = Truth {
            first_call_ms: Some(5 * day),
            ..base(Kind::AlreadyFlagged)
        };
        assert!(!is_positive_at(&af, 4 * day) && is_positive_at(&af, 6 * day));
    }
}
