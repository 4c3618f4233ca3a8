//! The accuracy evaluation: scores a simulated fleet with planted patterns against its
//! ground truth, at a mid-window cut (early warning) and at the end. Pure metrics over
//! assessments and truths; `numhealth evaluate` runs the fleet through the real store.

use std::collections::HashMap;

use serde::Serialize;

use crate::health::score::{Action, Assessment};
use crate::sim::{Kind, Truth};

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

/// Whether the planted trouble of `t` had begun before `cut_ms`.
pub fn is_positive_at(t: &Truth, cut_ms: i64) -> bool {
    if !t.bad {
        return false;
    }
    match t.kind {
        Kind::AlreadyFlagged => true,
        Kind::BurstThenDegrade => t.first_burst_ms.is_some_and(|b| b < cut_ms),
        Kind::SlowDegrader => {
            // Give the slide a day to show before expecting the tool to see it.
            t.degrade_start_ms.is_some_and(|d| d + 86_400_000 < cut_ms)
                || t.first_spam_ms.is_some_and(|s| s < cut_ms)
        }
        _ => false,
    }
}

fn acted_on(a: &Assessment) -> bool {
    matches!(a.action, Action::Throttle | Action::Rest | Action::Retire)
}

fn removed(a: &Assessment) -> bool {
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
            Kind::Healthy | Kind::LowVolume | Kind::InboundOnly => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::score::{Components, Level};

    fn truth(n: &str, kind: Kind, bad: bool) -> Truth {
        Truth {
            number: n.into(),
            kind,
            bad,
            first_spam_ms: None,
            first_burst_ms: Some(0),
            degrade_start_ms: None,
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
}
