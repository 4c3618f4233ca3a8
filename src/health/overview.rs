//! What the HTML report shows, computed: hourly rollups folded into UTC days with their
//! answer, failure and spam rates; the fleet's hours that scoring sets aside (outages,
//! platform anomalies); and which numbers go in the risk table and which need a section
//! of their own. Pure: no SQL, no HTML.

use serde::Serialize;

use crate::health::assessment::{Action, Assessment, FleetHours, Level};
use crate::health::score_config::ScoreConfig;
use crate::health::window::{failures, judged, ratio};
use crate::model::HourCounts;
use crate::pool::Status;

/// One UTC day of a number or of the fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DayPoint {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Dialled calls.
    pub attempts: i64,
    /// Calls whose outcome speaks to the caller number (the rates' denominator).
    pub judged: i64,
    pub human: i64,
    pub dial_failed: i64,
    /// dial_failed, user_declined and network_blocked.
    pub failures: i64,
    pub marked_as_spam: i64,
}

impl DayPoint {
    fn rate(&self, n: i64) -> Option<f64> {
        (self.judged > 0).then(|| ratio(n as f64, self.judged as f64))
    }

    pub fn answer_rate(&self) -> Option<f64> {
        self.rate(self.human)
    }

    pub fn dial_failed_rate(&self) -> Option<f64> {
        self.rate(self.dial_failed)
    }

    pub fn failure_rate(&self) -> Option<f64> {
        self.rate(self.failures)
    }

    pub fn spam_rate(&self) -> Option<f64> {
        self.rate(self.marked_as_spam)
    }
}

/// `hours` (hours since the epoch, any order) folded into every UTC day from `first_day`
/// to `last_day` inclusive, oldest first; days without calls are zero. Hours outside the
/// range are left out.
pub fn days<'a>(
    hours: impl IntoIterator<Item = (i64, &'a HourCounts)>,
    first_day: i64,
    last_day: i64,
) -> Vec<DayPoint> {
    let mut out: Vec<DayPoint> = (first_day..=last_day)
        .map(|day| DayPoint {
            day,
            ..DayPoint::default()
        })
        .collect();
    for (hour, c) in hours {
        let Some(d) = usize::try_from(hour.div_euclid(24) - first_day)
            .ok()
            .and_then(|i| out.get_mut(i))
        else {
            continue;
        };
        d.attempts += c.attempts;
        d.judged += judged(c);
        d.human += c.human;
        d.dial_failed += c.dial_failed;
        d.failures += failures(c);
        d.marked_as_spam += c.marked_as_spam;
    }
    out
}

/// Why a fleet hour is shaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HourMark {
    /// A carrier or trunk outage: telephony faults and reputation failures on at least
    /// `score.outage_rate` of the fleet's resolved calls.
    Outage,
    /// A platform anomaly: `marked_as_spam` on at least `score.flag_anomaly_rate` of the
    /// fleet's judged calls, or platform faults (concurrency limits, account errors) on at
    /// least `score.outage_rate` of the hour's calls.
    Anomaly,
}

/// The fleet's hours with at least `score.outage_min_attempts` calls that look like an
/// outage or a platform anomaly (the hours scoring sets aside, judged on the whole fleet),
/// by hour. An hour that is both is an outage.
pub fn marked_hours(fleet: &FleetHours, cfg: &ScoreConfig) -> Vec<(i64, HourMark)> {
    let min = cfg.outage_min_attempts as f64;
    fleet
        .hours
        .iter()
        .filter_map(|(hour, c)| {
            let resolved = (c.attempts - c.pending).max(0) as f64;
            let j = judged(c) as f64;
            let broken = (c.telephony_fault + c.reputation_failures()) as f64;
            let placed = (c.attempts + c.platform_fault) as f64;
            let mark = if resolved >= min && broken >= cfg.outage_rate * resolved {
                HourMark::Outage
            } else if (j >= min && c.marked_as_spam as f64 >= cfg.flag_anomaly_rate * j)
                || (placed >= min && c.platform_fault as f64 >= cfg.outage_rate * placed)
            {
                HourMark::Anomaly
            } else {
                return None;
            };
            Some((*hour, mark))
        })
        .collect()
}

/// Whether a number needs action: its verdict is anything but `keep`, or it is on
/// probation, resting or retired.
pub fn needs_action(a: &Assessment, status: Status) -> bool {
    a.action != Action::Keep
        || matches!(
            status,
            Status::Probation | Status::Resting | Status::Retired
        )
}

/// Whether a number goes in the risk table: it needs action, or it is kept and active but
/// not clean (marked as spam in the last week, or at elevated risk or above).
pub fn in_risk_table(a: &Assessment, status: Status) -> bool {
    needs_action(a, status)
        || (status != Status::Released
            && (a.metrics.marked_as_spam_7d > 0 || a.level >= Level::Elevated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(attempts: i64, f: impl Fn(&mut HourCounts)) -> HourCounts {
        let mut x = HourCounts {
            attempts,
            ..HourCounts::default()
        };
        f(&mut x);
        x
    }

    #[test]
    fn hours_fold_into_every_day_of_the_range() {
        let a = c(10, |x| {
            x.human = 4;
            x.dial_failed = 2;
            x.user_declined = 1;
            x.marked_as_spam = 1;
            x.pending = 2;
        });
        let b = c(5, |x| x.human = 5);
        // Day 100 hour 3 and hour 20, day 102 hour 0; day 99 is outside.
        let hours = [
            (100 * 24 + 3, &a),
            (100 * 24 + 20, &b),
            (102 * 24, &a),
            (99 * 24, &b),
        ];
        let d = days(hours, 100, 102);
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].day, d[0].attempts, d[0].judged), (100, 15, 13));
        assert_eq!(d[0].answer_rate(), Some(9.0 / 13.0));
        assert_eq!(d[0].failure_rate(), Some(3.0 / 13.0));
        assert_eq!(d[0].dial_failed_rate(), Some(2.0 / 13.0));
        assert_eq!(d[0].spam_rate(), Some(1.0 / 13.0));
        assert_eq!((d[1].attempts, d[1].answer_rate()), (0, None));
        assert_eq!(d[2].attempts, 10);
    }

    #[test]
    fn outages_and_anomalies_are_told_apart() {
        let cfg = ScoreConfig::default();
        let mut fleet = FleetHours::default();
        // Normal hour.
        fleet.hours.insert(1, c(100, |x| x.dial_failed = 5));
        // Carrier outage: most calls end in telephony faults.
        fleet.hours.insert(2, c(100, |x| x.telephony_fault = 70));
        // Fleet-wide spam marks.
        fleet.hours.insert(3, c(100, |x| x.marked_as_spam = 30));
        // Concurrency storm: platform faults (not attempts) swamp the hour.
        fleet.hours.insert(4, c(20, |x| x.platform_fault = 80));
        // Too few calls to say.
        fleet.hours.insert(5, c(4, |x| x.telephony_fault = 4));
        assert_eq!(
            marked_hours(&fleet, &cfg),
            vec![
                (2, HourMark::Outage),
                (3, HourMark::Anomaly),
                (4, HourMark::Anomaly)
            ]
        );
    }

    #[test]
    fn who_needs_action_and_who_is_in_the_table() {
        let mut a = Assessment {
            number: "+14155550100".into(),
            score: 5.0,
            level: Level::Low,
            action: Action::Keep,
            rest_until: None,
            rest_cause: None,
            components: Default::default(),
            reasons: vec![],
            attempts: 50,
            metrics: Default::default(),
        };
        assert!(!needs_action(&a, Status::Active) && !in_risk_table(&a, Status::Active));
        assert!(needs_action(&a, Status::Probation) && in_risk_table(&a, Status::Resting));
        assert!(!in_risk_table(&a, Status::Released));
        a.metrics.marked_as_spam_7d = 1;
        assert!(!needs_action(&a, Status::Active) && in_risk_table(&a, Status::Active));
        a.metrics.marked_as_spam_7d = 0;
        a.action = Action::Monitor;
        assert!(needs_action(&a, Status::Active));
    }
}
