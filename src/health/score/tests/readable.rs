//! Reasons an operator can read: across varied numbers (random fleets and the hand-built
//! scenarios, every action among them) no reason carries statistics, internal words or a
//! bad plural, every reason names its window or a date, and each lead has its one wording.

use super::*;

/// Substrings no reason may contain (matched case-insensitively).
const BANNED: [&str; 20] = [
    "p=",
    "p<",
    "reputation failure",
    "evidence",
    "beyond rest",
    "anomaly",
    "predicts",
    "cusum",
    "ewma",
    "resting until",
    "marked_as_spam",
    "48h",
    "; ",
    " 1 hours",
    " 1 days",
    " 1 failures",
    " 1 calls",
    " 1 bursts",
    " 1 minutes",
    " 1 seconds",
];

/// Whether `s` holds a `YYYY-MM-DD` date.
fn has_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(10).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
    })
}

/// Checks the reasons of one assessment against the wording rules.
pub(super) fn assert_readable(a: &Assessment) {
    for r in &a.reasons {
        let lower = r.to_lowercase();
        for b in BANNED {
            assert!(!lower.contains(b), "{b:?} in reason {r:?} of {a:#?}");
        }
        assert!(
            r.contains("in the last") || has_date(r),
            "no window or date in {r:?} of {a:#?}"
        );
    }
    let lead = a.reasons.first().map(String::as_str).unwrap_or_default();
    match a.action {
        Action::Throttle => {
            assert!(lead.starts_with("slow it to at most "), "{a:#?}");
            assert!(a.reasons.iter().any(|r| r.contains("at most")), "{a:#?}");
        }
        Action::Rest => {
            let until = a.rest_until.as_deref().unwrap_or("none");
            assert!(lead.starts_with(&format!("rest until {until}: ")), "{a:#?}");
        }
        Action::Retire => assert!(lead.starts_with("replace this number: "), "{a:#?}"),
        Action::Keep | Action::Monitor => {}
    }
    for r in &a.reasons[a.reasons.len().min(1)..] {
        assert!(
            !r.starts_with("rest until") && !r.starts_with("replace this number"),
            "a lead after the first reason: {a:#?}"
        );
    }
}

/// Hand-built numbers covering every action and every kind of reason.
fn scenarios() -> Vec<Assessment> {
    let mut out = Vec::new();
    let spam = |share: f64| Mix {
        spam: share,
        ..HEALTHY
    };
    // Healthy, flagged this week, flagged most days, flagged again after a rest.
    out.push(judge(&number(
        "+14155550200",
        days(-30, 0, 90, |_| HEALTHY),
    )));
    out.push(judge(&number(
        "+14155550201",
        days(-30, 0, 80, |d| if d >= -3 { spam(0.04) } else { HEALTHY }),
    )));
    out.push(judge(&number(
        "+14155550202",
        days(-30, 0, 80, |d| if d >= -4 { spam(0.05) } else { HEALTHY }),
    )));
    let mut again = days(
        -26,
        -23,
        80,
        |d| if d >= -25 { spam(0.05) } else { HEALTHY },
    );
    again.extend(days(
        -7,
        0,
        80,
        |d| if d >= -2 { spam(0.05) } else { HEALTHY },
    ));
    out.push(judge(&number("+14155550203", again)));
    // Resting: flagged, then idle for ten days.
    let idle = number(
        "+14155550204",
        days(-30, -1, 80, |d| if d >= -3 { spam(0.05) } else { HEALTHY }),
    );
    let p = peers();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&idle)));
    out.push(checked(assess(
        &idle,
        &fleet,
        &ScoreConfig::default(),
        AS_OF + 10 * DAY * HOUR_MS,
    )));
    // Flags only before the week; a flag from before the lookback.
    out.push(judge(&number(
        "+14155550205",
        days(-30, 0, 80, |d| if d == -20 { spam(0.02) } else { HEALTHY }),
    )));
    let mut old = number("+14155550206", days(-14, 0, 60, |_| HEALTHY));
    old.first_seen_ms = AS_OF - 120 * DAY * HOUR_MS;
    old.last_spam_ms = Some(AS_OF - 60 * DAY * HOUR_MS);
    out.push(judge(&old));
    // One call with an outcome; no calls at all.
    let one = HourCounts {
        attempts: 1,
        no_answer: 1,
        ..HourCounts::default()
    };
    out.push(judge(&number(
        "+14155550207",
        vec![((AS_OF_DAY - 1) * DAY + 15, one)],
    )));
    out.push(judge(&number("+14155550208", vec![])));
    // Failing on half its calls for ten days, answered rarely and briefly: a rest on
    // failures alone.
    out.push(judge(&number(
        "+14155550209",
        days(-30, 0, 90, |d| {
            if d >= -10 {
                Mix {
                    fail: 0.5,
                    human: 0.05,
                    short: 0.6,
                    talk_s: 10,
                    ..HEALTHY
                }
            } else {
                HEALTHY
            }
        }),
    )));
    // A slow degrader; one burst yesterday; one burst weeks ago; over the pace.
    out.push(judge(&number(
        "+14155550210",
        days(-30, 0, 96, |d| Mix {
            fail: if d < -7 {
                0.02
            } else {
                0.04 + 0.02 * (d + 7) as f64
            },
            ..HEALTHY
        }),
    )));
    let mut bursty = number("+14155550211", days(-30, 0, 80, |_| HEALTHY));
    bursty.bursts = vec![burst(20, 11)];
    out.push(judge(&bursty));
    bursty.bursts = vec![burst(12 * 24, 15)];
    out.push(judge(&bursty));
    out.push(judge(&number(
        "+14155550212",
        days(-30, 0, 150, |_| HEALTHY),
    )));
    // An hour in which the whole fleet failed, and one in which it was all marked as spam.
    let (fail_hour, spam_hour) = ((AS_OF_DAY - 1) * DAY + 15, (AS_OF_DAY - 2) * DAY + 16);
    let storm = |mut hours: Vec<(i64, HourCounts)>| {
        for (h, c) in &mut hours {
            let n = c.attempts;
            if *h == fail_hour {
                *c = HourCounts {
                    attempts: n,
                    dial_failed: n,
                    short_calls: n,
                    ..HourCounts::default()
                };
            } else if *h == spam_hour {
                *c = HourCounts {
                    attempts: n,
                    marked_as_spam: n,
                    short_calls: n,
                    ..HourCounts::default()
                };
            }
        }
        hours
    };
    let mut hours = storm(days(-30, 0, 96, |_| HEALTHY));
    // The number itself had one mark in the fleet's spam hour.
    for (_, c) in hours.iter_mut().filter(|(h, _)| *h == spam_hour) {
        c.no_answer = c.attempts - 1;
        c.marked_as_spam = 1;
        c.short_calls = 1;
    }
    let n = number("+14155550213", hours);
    let p: Vec<NumberHistory> = peers()
        .into_iter()
        .map(|p| NumberHistory {
            hours: storm(p.hours),
            ..p
        })
        .collect();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&n)));
    out.push(checked(assess(&n, &fleet, &ScoreConfig::default(), AS_OF)));
    out
}

#[test]
fn reasons_read_as_plain_english_for_every_kind_of_number() {
    let mut all = scenarios();
    for (seed, spam_base) in [(7, 0.0), (8, 0.002), (9, 0.01)] {
        let ns = random_fleet(seed, spam_base, 120);
        let fleet = fleet_of(ns.iter());
        all.extend(
            ns.iter()
                .map(|n| checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF))),
        );
    }
    for a in &all {
        assert_readable(a);
    }
    // The corpus is varied enough to mean something: every action, and the reasons that
    // once carried statistics or bad plurals.
    for action in [
        Action::Keep,
        Action::Monitor,
        Action::Throttle,
        Action::Rest,
        Action::Retire,
    ] {
        assert!(all.iter().any(|a| a.action == action), "no {action:?}");
    }
    let any = |needle: &str| all.iter().any(|a| has_reason(a, needle));
    for needle in [
        "would be normal for this fleet",
        "failed, declined or blocked on",
        "for the rest of the fleet",
        "came during an outage that hit the whole fleet, not counted",
        "1 spam mark in the last 30 days came in hours when the whole fleet was being marked at once, not counted against this number",
        "only 1 call with an outcome in the last 30 days",
        "no calls with an outcome",
        "1 burst of short calls in the last 48 hours",
        "failure rate",
        "peaked at",
        "failures, declines and spam marks in the last 30 days put it at critical risk",
        "with no calls since to show it has recovered",
        "marked as spam again in the last 7 days after",
        "last marked as spam 60 days ago",
    ] {
        assert!(any(needle), "no reason with {needle:?}");
    }
}

#[test]
fn a_throttle_names_the_pace_from_the_pacing_limits() {
    let cfg = ScoreConfig {
        max_calls_per_day: 120,
        max_calls_per_hour: 12,
        ..ScoreConfig::default()
    };
    let n = number("+14155550214", days(-30, 0, 130, |_| HEALTHY));
    let p = peers();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&n)));
    let a = checked(assess(&n, &fleet, &cfg, AS_OF));
    assert_eq!(a.action, Action::Throttle, "{a:#?}");
    assert_eq!(
        a.reasons[0],
        "slow it to at most 120 calls a day and 12 an hour: more calls than that in the last 48 hours",
        "{a:#?}"
    );
}

#[test]
fn the_figures_left_out_of_the_reasons_stay_in_the_metrics() {
    // A fleet with background spam marks: the reasons round what is normal, the metrics
    // keep the exact expectation beside the p-value and the fleet's rates.
    let ns = random_fleet(9, 0.01, 120);
    let fleet = fleet_of(ns.iter());
    let mut compared = 0;
    for n in &ns {
        let a = checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF));
        let json = serde_json::to_value(&a).unwrap_or_default();
        for key in [
            "failure_p",
            "fleet_failure_rate_7d",
            "marked_as_spam_7d",
            "expected_marked_as_spam_7d",
        ] {
            assert!(json["metrics"][key].is_number(), "{key} missing: {json}");
        }
        let expected = a.metrics.expected_marked_as_spam_7d;
        if expected >= 0.95 && a.metrics.marked_as_spam_7d > 0 {
            let about = format!("(about {expected:.0} would be normal for this fleet)");
            let about_week = format!("(about {expected:.0} in 7 days would be normal");
            assert!(
                has_reason(&a, &about) || has_reason(&a, &about_week),
                "{about} {a:#?}"
            );
            compared += 1;
        }
    }
    assert!(
        compared > 5,
        "only {compared} numbers with flags and a fleet expectation"
    );
}
