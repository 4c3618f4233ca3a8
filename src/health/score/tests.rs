//! Scenario tests for the risk score: hand-built number histories inside hand-built
//! fleets, one per behaviour the scoring must get right (healthy, thin evidence, flags,
//! outages, slow degraders, bursts, pacing, recovery, repeat offenders, monotonicity).

use super::assess;
use crate::health::assessment::{Action, Assessment, FleetHours, Level, NumberHistory};
use crate::health::bursts::Burst;
use crate::health::rollup::HOUR_MS;
use crate::health::score_config::ScoreConfig;
use crate::model::HourCounts;

mod readable;

const DAY: i64 = 24;
/// As-of: midnight UTC of day 20_000 (2024-10-04).
const AS_OF_DAY: i64 = 20_000;
const AS_OF: i64 = AS_OF_DAY * DAY * HOUR_MS;

/// Outcome mix of a day's calls.
#[derive(Debug, Clone, Copy)]
struct Mix {
    fail: f64,
    spam: f64,
    human: f64,
    short: f64,
    talk_s: i64,
}

const HEALTHY: Mix = Mix {
    fail: 0.02,
    spam: 0.0,
    human: 0.25,
    short: 0.1,
    talk_s: 60,
};

/// Carries fractional counts between hours so a day's totals match its rates exactly.
#[derive(Default)]
struct Carry([f64; 4]);

impl Carry {
    fn take(&mut self, i: usize, x: f64) -> i64 {
        self.0[i] += x;
        let n = self.0[i].floor();
        self.0[i] -= n;
        n as i64
    }
}

/// One hour of `calls` outbound calls with the mix.
fn hour(calls: i64, m: Mix, carry: &mut Carry) -> HourCounts {
    let fail = carry.take(0, calls as f64 * m.fail).min(calls);
    let spam = carry.take(1, calls as f64 * m.spam).min(calls - fail);
    let human = carry
        .take(2, calls as f64 * m.human)
        .min(calls - fail - spam);
    let short = carry.take(3, human as f64 * m.short).min(human);
    HourCounts {
        attempts: calls,
        connected: human,
        human,
        short_human: short,
        talk_ms: (human - short) * m.talk_s * 1000 + short * 2000,
        short_calls: fail + spam + short,
        no_answer: calls - fail - spam - human,
        dial_failed: fail,
        marked_as_spam: spam,
        ..HourCounts::default()
    }
}

/// Days `from..to` (relative to as-of's day, negative = past), `per_day` calls each spread
/// over 8 business hours (14:00-21:00 UTC), with a mix per relative day.
fn days(from: i64, to: i64, per_day: i64, mix: impl Fn(i64) -> Mix) -> Vec<(i64, HourCounts)> {
    days_phased(from, to, per_day, mix, 0.0)
}

/// `days` with the fractional counts starting at `phase` (0..1), which moves the hours
/// where the whole counts land.
fn days_phased(
    from: i64,
    to: i64,
    per_day: i64,
    mix: impl Fn(i64) -> Mix,
    phase: f64,
) -> Vec<(i64, HourCounts)> {
    let mut out = Vec::new();
    let mut carry = Carry([phase; 4]);
    for d in from..to {
        for i in 0..8 {
            let calls = per_day / 8 + i64::from(i < per_day % 8);
            if calls > 0 {
                out.push((
                    (AS_OF_DAY + d) * DAY + 14 + i,
                    hour(calls, mix(d), &mut carry),
                ));
            }
        }
    }
    out
}

fn number(name: &str, hours: Vec<(i64, HourCounts)>) -> NumberHistory {
    let first = hours.first().map_or(AS_OF, |h| h.0 * HOUR_MS);
    let last_spam = hours
        .iter()
        .filter(|h| h.1.marked_as_spam > 0)
        .map(|h| h.0 * HOUR_MS)
        .max();
    let last_rep = hours
        .iter()
        .filter(|h| h.1.reputation_failures() > 0)
        .map(|h| h.0 * HOUR_MS)
        .max();
    NumberHistory {
        number: name.into(),
        first_seen_ms: first,
        hours,
        bursts: vec![],
        last_spam_ms: last_spam,
        last_reputation_ms: last_rep,
    }
}

/// 20 healthy peers at 80 calls a day for 30 days.
fn peers() -> Vec<NumberHistory> {
    // Each peer's failures fall in different hours (a phase in the carry): identical
    // peers failing in the same hours would look like an outage hitting them all at once.
    (0..20)
        .map(|i| {
            let hours = days_phased(-30, 0, 80, |_| HEALTHY, f64::from(i) / 20.0);
            number(&format!("+1415555{i:04}"), hours)
        })
        .collect()
}

fn fleet_of<'a>(ns: impl IntoIterator<Item = &'a NumberHistory>) -> FleetHours {
    let mut f = FleetHours::default();
    for n in ns {
        for (h, c) in &n.hours {
            f.hours.entry(*h).or_default().add_scaled(c, 1);
        }
    }
    f
}

/// Assesses `n` in a fleet of healthy peers plus itself.
fn judge(n: &NumberHistory) -> Assessment {
    let p = peers();
    let fleet = fleet_of(p.iter().chain(std::iter::once(n)));
    checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF))
}

/// Checks the invariants every assessment keeps, and returns it.
fn checked(a: Assessment) -> Assessment {
    let c = a.components;
    for v in [
        c.flags,
        c.failures,
        c.bursts,
        c.engagement,
        c.pacing,
        c.evidence,
        c.trend,
    ] {
        assert!((0.0..=100.0).contains(&v), "component out of range: {a:#?}");
    }
    assert!((0.0..=100.0).contains(&a.score), "{a:#?}");
    assert!(a.action == Action::Keep || !a.reasons.is_empty(), "{a:#?}");
    assert_eq!(a.rest_until.is_some(), a.action == Action::Rest, "{a:#?}");
    readable::assert_readable(&a);
    a
}

fn burst(hours_ago: i64, short_calls: i64) -> Burst {
    let end = AS_OF - hours_ago * HOUR_MS;
    Burst {
        start_ms: end - 9 * 60_000,
        end_ms: end,
        calls: short_calls + 2,
        short_calls,
    }
}

fn has_reason(a: &Assessment, needle: &str) -> bool {
    a.reasons.iter().any(|r| r.contains(needle))
}

#[test]
fn healthy_high_volume_number_is_kept() {
    let a = judge(&number("+14155550100", days(-30, 0, 90, |_| HEALTHY)));
    assert_eq!(a.action, Action::Keep, "{a:#?}");
    assert_eq!(a.level, Level::Low);
    assert!(a.score < 10.0, "{a:#?}");
    assert!(a.components.evidence > 95.0);
}

#[test]
fn two_calls_one_failure_is_insufficient() {
    let mut c = HourCounts {
        attempts: 2,
        no_answer: 1,
        dial_failed: 1,
        ..HourCounts::default()
    };
    c.short_calls = 1;
    let mut n = number("+14155550101", vec![((AS_OF_DAY - 1) * DAY + 15, c)]);
    n.first_seen_ms = AS_OF - 3 * DAY * HOUR_MS;
    let a = judge(&n);
    assert_eq!(a.level, Level::Insufficient, "{a:#?}");
    assert_eq!(a.action, Action::Keep);
    assert!(a.score < 25.0);
    assert!(has_reason(&a, "only 2 calls"), "{a:#?}");
}

#[test]
fn repeated_recent_spam_flags_rest_the_number() {
    let mix = |d: i64| {
        if d >= -3 {
            Mix {
                spam: 0.04,
                ..HEALTHY
            }
        } else {
            HEALTHY
        }
    };
    let a = judge(&number("+14155550102", days(-30, 0, 80, mix)));
    assert_eq!(a.action, Action::Rest, "{a:#?}");
    assert!(a.level >= Level::High);
    let until = a.rest_until.clone().unwrap();
    assert!(until.as_str() > "2024-10-04", "{until}");
    assert!(
        has_reason(
            &a,
            "marked as spam 9 times in the last 7 days (next to none would be normal for this fleet), 6 of them in the last 48 hours"
        ),
        "{a:#?}"
    );
}

#[test]
fn fleet_wide_failure_hour_flags_nobody_but_a_lone_one_does() {
    // Yesterday 15:00 UTC every call of the number failed.
    let outage_hour = (AS_OF_DAY - 1) * DAY + 15;
    let fail_all = |mut hours: Vec<(i64, HourCounts)>| {
        for (h, c) in &mut hours {
            if *h == outage_hour {
                *c = HourCounts {
                    attempts: c.attempts,
                    dial_failed: c.attempts,
                    short_calls: c.attempts,
                    ..HourCounts::default()
                };
            }
        }
        hours
    };
    let n = number("+14155550103", fail_all(days(-30, 0, 96, |_| HEALTHY)));
    // The whole fleet fails in that hour too: a carrier outage.
    let p: Vec<NumberHistory> = peers()
        .into_iter()
        .map(|p| NumberHistory {
            hours: fail_all(p.hours),
            ..p
        })
        .collect();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&n)));
    let a = checked(assess(&n, &fleet, &ScoreConfig::default(), AS_OF));
    assert!(a.action <= Action::Monitor, "{a:#?}");
    assert!(a.score < 25.0, "{a:#?}");
    // The outage hour and the hours either side of it (outages rarely start on the hour).
    assert_eq!(a.metrics.set_aside_hours, 3);
    assert!(has_reason(&a, "outage"), "{a:#?}");
    for peer in &p {
        let b = checked(assess(peer, &fleet, &ScoreConfig::default(), AS_OF));
        assert_eq!(b.action, Action::Keep, "{b:#?}");
    }
    // The same failures while the rest of the fleet is healthy: the number is flagged.
    let b = judge(&n);
    assert!(b.action >= Action::Monitor, "{b:#?}");
    assert!(b.level >= Level::Elevated, "{b:#?}");
    assert!(b.components.failures > 15.0, "{b:#?}");
    assert!(has_reason(&b, "failed, declined or blocked on"), "{b:#?}");
}

#[test]
fn one_providers_outage_flags_none_of_its_numbers() {
    // A quarter of the fleet (one telephony provider's numbers) fails every call for three
    // hours yesterday, 15:20 to 18:20 (not on the hour); the records name no provider.
    let (from, to) = ((AS_OF_DAY - 1) * DAY + 15, (AS_OF_DAY - 1) * DAY + 18);
    let hit = |mut hours: Vec<(i64, HourCounts)>| {
        for (h, c) in &mut hours {
            if (from..=to).contains(h) {
                let n = if *h == from {
                    c.attempts * 2 / 3
                } else if *h == to {
                    c.attempts / 3
                } else {
                    c.attempts
                };
                let keep = c.attempts - n;
                *c = HourCounts {
                    attempts: c.attempts,
                    dial_failed: n,
                    no_answer: keep,
                    short_calls: c.attempts,
                    ..HourCounts::default()
                };
            }
        }
        hours
    };
    let p: Vec<NumberHistory> = peers()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 4 == 0 {
                NumberHistory {
                    hours: hit(p.hours),
                    ..p
                }
            } else {
                p
            }
        })
        .collect();
    let fleet = fleet_of(p.iter());
    for (i, n) in p.iter().enumerate() {
        let a = checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF));
        assert!(!a.is_warning(), "number {i}: {a:#?}");
        assert!(a.score < 25.0, "number {i}: {a:#?}");
        if i % 4 == 0 {
            assert!(a.metrics.set_aside_hours >= 4, "number {i}: {a:#?}");
        }
    }
    // The same hours failing on one number alone are its own failures.
    let lone = number("+14155550199", hit(days(-30, 0, 80, |_| HEALTHY)));
    let b = judge(&lone);
    assert!(b.is_warning(), "{b:#?}");
}

#[test]
fn a_naturally_low_answer_rate_is_no_slide() {
    // Answered 8% of its calls for the whole month (its list, not a label), against a fleet
    // answering 25%: kept. Falling from 25% to 8% in the last week is a slide.
    let low = Mix {
        human: 0.08,
        ..HEALTHY
    };
    let a = judge(&number("+14155550198", days(-30, 0, 90, |_| low)));
    assert!(a.action <= Action::Monitor, "{a:#?}");
    assert!(a.components.engagement < 50.0, "{a:#?}");
    let b = judge(&number(
        "+14155550197",
        days(-30, 0, 90, |d| if d >= -7 { low } else { HEALTHY }),
    ));
    assert!(
        b.components.engagement > a.components.engagement + 30.0,
        "{b:#?}"
    );
    assert!(has_reason(&b, "down from its usual"), "{b:#?}");
}

#[test]
fn slow_degrader_is_caught_while_it_slides() {
    // 2% until a week ago, then 4, 6, 8, 10, 12, 14, 15%: never marked_as_spam.
    let rate = |d: i64| {
        if d < -7 {
            0.02
        } else {
            [0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.15][(d + 7) as usize]
        }
    };
    let n = number(
        "+14155550104",
        days(-30, 0, 96, |d| Mix {
            fail: rate(d),
            ..HEALTHY
        }),
    );
    let a = judge(&n);
    assert!(a.action >= Action::Throttle, "{a:#?}");
    assert!(has_reason(&a, "failure rate rising"), "{a:#?}");
    assert!(a.components.trend > 0.0);
    // Mid-slide (as-of three days earlier, at 10%): already watched.
    let mid = NumberHistory {
        hours: n
            .hours
            .iter()
            .copied()
            .filter(|h| h.0 < (AS_OF_DAY - 3) * DAY)
            .collect(),
        ..n.clone()
    };
    let p = peers();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&mid)));
    let b = checked(assess(
        &mid,
        &fleet,
        &ScoreConfig::default(),
        AS_OF - 3 * DAY * HOUR_MS,
    ));
    assert!(b.action >= Action::Monitor, "{b:#?}");
    assert!(has_reason(&b, "failure rate rising"), "{b:#?}");
}

#[test]
fn recent_bursts_throttle_before_any_flag() {
    let mut n = number("+14155550105", days(-30, 0, 80, |_| HEALTHY));
    n.bursts = vec![burst(30, 14), burst(20, 23)];
    let a = judge(&n);
    assert_eq!(a.action, Action::Throttle, "{a:#?}");
    assert_eq!(
        a.reasons[0],
        "slow it to at most 100 calls a day and 30 an hour: 2 bursts of short calls in the last 48 hours",
        "{a:#?}"
    );
    assert_eq!(
        a.reasons[1],
        "2 bursts of short calls in the last 48 hours (the largest: 23 short calls in 9 minutes)",
        "{a:#?}"
    );
    // One burst 25 days ago matters much less than three yesterday.
    n.bursts = vec![burst(25 * 24, 12)];
    let old = judge(&n);
    n.bursts = vec![burst(26, 12), burst(24, 15), burst(22, 11)];
    let fresh = judge(&n);
    assert_eq!(old.action, Action::Keep, "{old:#?}");
    assert!(fresh.components.bursts > 10.0 * old.components.bursts.max(0.1));
    assert!(fresh.score > old.score + 30.0);
}

#[test]
fn pacing_over_the_limit_throttles() {
    let n = number("+14155550106", days(-30, 0, 150, |_| HEALTHY));
    let a = judge(&n);
    assert_eq!(a.action, Action::Throttle, "{a:#?}");
    assert!(
        has_reason(
            &a,
            "peaked at 150 calls in one day in the last 48 hours, over the limit of 100 a day"
        ),
        "{a:#?}"
    );
    assert!(a.components.pacing > 40.0);
    // A cap to keep, not a label risk: it scores like the same calls under the limit.
    let under = judge(&number("+14155550106", days(-30, 0, 90, |_| HEALTHY)));
    assert_eq!(under.components.pacing, 0.0, "{under:#?}");
    assert!((a.score - under.score).abs() < 1.0, "{a:#?} {under:#?}");
}

#[test]
fn a_burst_stops_counting_after_the_burst_memory() {
    let mut n = number("+14155550127", days(-20, 0, 60, |_| HEALTHY));
    n.bursts = vec![burst(6 * 24, 15)];
    let six_days = judge(&n);
    n.bursts = vec![burst(8 * 24, 15)];
    let eight_days = judge(&n);
    assert!(six_days.components.bursts > 30.0, "{six_days:#?}");
    assert_eq!(eight_days.components.bursts, 0.0, "{eight_days:#?}");
}

#[test]
fn short_answers_count_against_the_fleet_only_well_above_its_share() {
    // 14% of answers short against the fleet's 10% is how scripts differ; 60% is not.
    let mix = |short| Mix { short, ..HEALTHY };
    let a = judge(&number("+14155550128", days(-14, 0, 80, |_| mix(0.14))));
    let b = judge(&number("+14155550129", days(-14, 0, 80, |_| mix(0.6))));
    assert!(a.components.engagement < 1.0, "{a:#?}");
    assert!(b.components.engagement > 30.0, "{b:#?}");
}

#[test]
fn rested_and_recovered_number_comes_back() {
    let mut n = number("+14155550107", days(-14, 0, 60, |_| HEALTHY));
    n.first_seen_ms = AS_OF - 120 * DAY * HOUR_MS;
    n.last_spam_ms = Some(AS_OF - 60 * DAY * HOUR_MS);
    let a = judge(&n);
    assert_eq!(a.action, Action::Keep, "{a:#?}");
    assert!(a.score < 25.0, "{a:#?}");
    assert!(
        has_reason(
            &a,
            "last marked as spam 60 days ago, none in the last 30 days"
        ),
        "{a:#?}"
    );
}

#[test]
fn repeat_offender_is_retired() {
    // Flagged 25-24 days ago, rested (no calls) until a week ago, flagged again now.
    let flagged = Mix {
        spam: 0.05,
        ..HEALTHY
    };
    let mut hours = days(-26, -23, 80, |d| if d >= -25 { flagged } else { HEALTHY });
    hours.extend(days(-7, 0, 80, |d| if d >= -2 { flagged } else { HEALTHY }));
    let a = judge(&number("+14155550108", hours));
    assert_eq!(a.action, Action::Retire, "{a:#?}");
    assert!(
        a.reasons[0]
            .starts_with("replace this number: marked as spam again in the last 7 days after"),
        "{a:#?}"
    );
    // Marked on most days of the last week at a high share: retire too.
    let b = judge(&number(
        "+14155550109",
        days(-30, 0, 80, |d| if d >= -4 { flagged } else { HEALTHY }),
    ));
    assert_eq!(b.action, Action::Retire, "{b:#?}");
    assert!(
        b.reasons[0].contains("days in the last 7 days it was marked as spam on 5% of its calls"),
        "{b:#?}"
    );
}

#[test]
fn a_resting_number_keeps_its_rest_date() {
    // Flagged 3-2 days ago (4/day), then idle: rest, and the date does not move while idle.
    let mix = |d: i64| {
        if d >= -3 {
            Mix {
                spam: 0.05,
                ..HEALTHY
            }
        } else {
            HEALTHY
        }
    };
    let n = number("+14155550110", days(-30, -1, 80, mix));
    let a = judge(&n);
    assert_eq!(a.action, Action::Rest, "{a:#?}");
    let p = peers();
    let fleet = fleet_of(p.iter().chain(std::iter::once(&n)));
    let later = checked(assess(
        &n,
        &fleet,
        &ScoreConfig::default(),
        AS_OF + 10 * DAY * HOUR_MS,
    ));
    assert_eq!(later.action, Action::Rest, "{later:#?}");
    assert_eq!(later.rest_until, a.rest_until);
}

#[test]
fn low_volume_numbers_are_never_rested() {
    // Two calls a day with the odd failure and decline.
    let mix = |d: i64| {
        if d % 5 == 0 {
            Mix {
                fail: 0.5,
                ..HEALTHY
            }
        } else {
            HEALTHY
        }
    };
    let a = judge(&number("+14155550111", days(-30, 0, 2, mix)));
    assert!(a.action <= Action::Monitor, "{a:#?}");
    // A handful of calls with a direct flag: not enough data, but watched.
    let n = number(
        "+14155550112",
        days(-3, 0, 3, |_| Mix {
            spam: 0.2,
            ..HEALTHY
        }),
    );
    let b = judge(&n);
    assert_eq!(b.level, Level::Insufficient, "{b:#?}");
    assert_eq!(b.action, Action::Monitor, "{b:#?}");
}

#[test]
fn low_answer_rate_against_the_fleet_is_reported() {
    let mix = |d: i64| {
        if d >= -7 {
            Mix {
                human: 0.08,
                short: 0.4,
                talk_s: 20,
                ..HEALTHY
            }
        } else {
            HEALTHY
        }
    };
    let a = judge(&number("+14155550113", days(-30, 0, 90, mix)));
    assert!(a.action >= Action::Monitor, "{a:#?}");
    assert!(
        has_reason(
            &a,
            "a person answered 7.9% of its calls in the last 7 days, down from its usual 25%"
        ),
        "{a:#?}"
    );
    assert!(
        has_reason(
            &a,
            "a person answered 7.9% of 630 calls in the last 7 days, against 25% for the rest of the fleet"
        ),
        "{a:#?}"
    );
    assert!(a.components.engagement > 50.0, "{a:#?}");
}

#[test]
fn more_failures_never_lower_the_score() {
    let base = days(-30, 0, 90, |d| Mix {
        fail: if d >= -5 { 0.05 } else { 0.02 },
        ..HEALTHY
    });
    // Failures added in the recent window: earlier ones are also the number's own past,
    // against which a recent slide is measured, so only recent ones must never lower it.
    let recent: Vec<usize> = (0..base.len())
        .filter(|&i| base[i].0 >= AS_OF_DAY * DAY - ScoreConfig::default().recent_hours)
        .collect();
    let mut prev = -1.0;
    let mut hours = base.clone();
    for step in 0..40 {
        // Turn an answered or unanswered call into a dial_failed, round-robin over recent hours.
        let (_, c) = &mut hours[recent[step * 7 % recent.len()]];
        if c.no_answer > 0 {
            c.no_answer -= 1;
        } else if c.human > 0 {
            c.human -= 1;
            c.connected -= 1;
        }
        c.dial_failed += 1;
        let a = judge(&number("+14155550114", hours.clone()));
        assert!(a.score >= prev, "step {step}: {} < {prev}", a.score);
        prev = a.score;
    }
    // Extra failed attempts on top: still never lower.
    for step in 0..20 {
        let (_, c) = &mut hours[recent[step * 11 % recent.len()]];
        c.attempts += 2;
        c.dial_failed += 2;
        c.short_calls += 2;
        let a = judge(&number("+14155550114", hours.clone()));
        assert!(a.score >= prev, "extra {step}: {} < {prev}", a.score);
        prev = a.score;
    }
    assert!(prev > 50.0, "{prev}");
    // And more marked_as_spam on a clean number never lower it either.
    let mut hours = days(-30, 0, 90, |_| HEALTHY);
    let mut prev = -1.0;
    for step in 0..12 {
        let (_, c) = &mut hours[recent[step * 5 % recent.len()]];
        c.no_answer -= 1;
        c.marked_as_spam += 1;
        let a = judge(&number("+14155550115", hours.clone()));
        assert!(a.score >= prev, "spam {step}: {} < {prev}", a.score);
        prev = a.score;
    }
}

/// A fleet of healthy numbers with random outcomes (2% dial_failed, 25% answered, and an
/// optional background rate of marked_as_spam), volumes from 2 to 90 calls a day.
fn random_fleet(seed: u64, spam_base: f64, count: usize) -> Vec<NumberHistory> {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let per_day = [2, 5, 10, 30, 60, 90][i % 6];
            let mut hours = Vec::new();
            for d in -30..0i64 {
                for hr in 0..8 {
                    let mut c = HourCounts::default();
                    for _ in 0..per_day / 8 + i64::from(hr < per_day % 8) {
                        c.attempts += 1;
                        let u: f64 = rng.random();
                        if u < 0.02 {
                            c.dial_failed += 1;
                        } else if u < 0.02 + spam_base {
                            c.marked_as_spam += 1;
                        } else if u < 0.27 {
                            c.connected += 1;
                            c.human += 1;
                            if rng.random_bool(0.1) {
                                c.short_human += 1;
                                c.talk_ms += 2000;
                            } else {
                                c.talk_ms += rng.random_range(10_000..120_000);
                            }
                        } else {
                            c.no_answer += 1;
                        }
                    }
                    if c.attempts > 0 {
                        hours.push(((AS_OF_DAY + d) * DAY + 14 + hr, c));
                    }
                }
            }
            number(&format!("+1628555{i:04}"), hours)
        })
        .collect()
}

#[test]
fn random_healthy_fleets_rest_nobody() {
    // Without marked_as_spam noise nobody rests, at most one in a hundred is throttled (an
    // early warning on a chance run of failures), and few are monitored.
    for seed in [7, 8, 9] {
        let ns = random_fleet(seed, 0.0, 180);
        let fleet = fleet_of(ns.iter());
        let (mut watched, mut throttled) = (0, 0);
        for n in &ns {
            let a = checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF));
            assert!(a.action <= Action::Throttle, "{a:#?}");
            watched += usize::from(a.action == Action::Monitor);
            throttled += usize::from(a.action == Action::Throttle);
        }
        assert!(
            throttled * 100 <= ns.len(),
            "seed {seed}: {throttled} of {} throttled",
            ns.len()
        );
        assert!(
            watched * 20 <= ns.len(),
            "seed {seed}: {watched} of {} monitored",
            ns.len()
        );
    }
    // With a background of random marked_as_spam (0.2% of calls everywhere), only a number
    // that collects several flags in one week against that rate rests; none retires.
    for seed in [7, 8, 9] {
        let ns = random_fleet(seed, 0.002, 180);
        let fleet = fleet_of(ns.iter());
        let mut rested = 0;
        for n in &ns {
            let a = checked(assess(n, &fleet, &ScoreConfig::default(), AS_OF));
            assert!(a.action <= Action::Rest, "{a:#?}");
            if a.action == Action::Rest {
                assert!(a.metrics.marked_as_spam_7d >= 3, "{a:#?}");
                rested += 1;
            }
        }
        assert!(rested * 100 <= 2 * ns.len(), "seed {seed}: {rested} rested");
    }
}

#[test]
fn numbers_just_like_their_fleet_are_judged_alike_and_kept() {
    // A fleet of identical busy numbers (3 calls an hour round the clock for 30 days, the
    // healthy mix): each is measured against the rest, which look exactly like it, so
    // nothing stands out and all get the same verdict.
    let mut carry = Carry::default();
    let hours: Vec<_> = (0..720)
        .map(|h| ((AS_OF_DAY - 30) * DAY + h, hour(3, HEALTHY, &mut carry)))
        .collect();
    let ns: Vec<NumberHistory> = (0..40)
        .map(|i| number(&format!("+1415556{i:04}"), hours.clone()))
        .collect();
    let fleet = fleet_of(ns.iter());
    // Identical numbers fail in the same hours, which the partial-outage rule would set
    // aside as every number failing at once; this test is about judging them alike.
    let cfg = ScoreConfig {
        outage_ratio: 1_000.0,
        ..ScoreConfig::default()
    };
    let all: Vec<Assessment> = ns
        .iter()
        .map(|n| checked(assess(n, &fleet, &cfg, AS_OF)))
        .collect();
    let first = &all[0];
    assert_eq!(first.action, Action::Keep, "{first:#?}");
    assert_eq!(first.level, Level::Low, "{first:#?}");
    assert_eq!(first.attempts, 3 * 720, "all in the lookback: {first:#?}");
    assert!(first.score < 10.0, "{first:#?}");
    assert!(
        first.metrics.failure_rate_7d > 0.0,
        "the mix has failures: {first:#?}"
    );
    for a in &all[1..] {
        let renamed = Assessment {
            number: first.number.clone(),
            ..a.clone()
        };
        assert_eq!(
            &renamed, first,
            "{} judged unlike {}",
            a.number, first.number
        );
    }
}

/// Flagged on days -18..-14 (15% of calls marked), silent until `back`, clean since.
fn flagged_then_clean(back: i64) -> NumberHistory {
    let mut hours = days(-18, -14, 60, |_| Mix {
        spam: 0.15,
        fail: 0.2,
        ..HEALTHY
    });
    hours.extend(days(back, 0, 60, |_| HEALTHY));
    number("+14155550120", hours)
}

#[test]
fn a_flagged_number_that_calls_cleanly_since_loses_its_old_flags() {
    let silent = judge(&flagged_then_clean(0));
    let one_day = judge(&flagged_then_clean(-1));
    let three_days = judge(&flagged_then_clean(-3));
    assert_eq!(silent.metrics.recovery_factor, 1.0, "{silent:#?}");
    assert!(silent.components.flags > 50.0, "{silent:#?}");
    // Back from a rest (silent for 13 days after its flags): 60 clean calls on 1 day
    // weigh 0.5^(60/10 + 1/3); 180 on 3 days 0.5^(180/10 + 3/3).
    assert!((one_day.metrics.recovery_factor - 0.5f64.powf(6.0 + 1.0 / 3.0)).abs() < 1e-9);
    assert!((three_days.metrics.recovery_factor - 0.5f64.powf(18.0 + 1.0)).abs() < 1e-9);
    assert!(
        silent.score > one_day.score && one_day.score > three_days.score,
        "{} {} {}",
        silent.score,
        one_day.score,
        three_days.score
    );
    assert!(three_days.score < 25.0, "{three_days:#?}");
    assert_eq!(three_days.metrics.clean_calls_since_flag, 180);
    assert_eq!(three_days.metrics.clean_days_since_flag, 3);
    assert!(
        has_reason(
            &three_days,
            "clean on 180 calls over 3 days since it came back from a rest after its last spam mark on 2024-09-19"
        ),
        "{three_days:#?}"
    );
}

/// Flagged (15% of calls marked) on days `flagged`, then `clean_per_day` clean calls a day
/// on days `clean` (`days` ranges: the end is excluded).
fn flags_then_clean(
    n: &str,
    flagged: (i64, i64),
    clean: (i64, i64),
    clean_per_day: i64,
) -> Assessment {
    let mut hours = days(flagged.0, flagged.1, 60, |_| Mix {
        spam: 0.15,
        ..HEALTHY
    });
    hours.extend(days(clean.0, clean.1, clean_per_day, |_| HEALTHY));
    judge(&number(n, hours))
}

#[test]
fn clean_calls_straight_after_the_flags_count_in_larger_steps_than_after_a_rest() {
    // Flagged on days -6 and -5, clean on days -3..-1 with no silence of a week between: no
    // rest, so each 40 clean calls halve the old evidence (180 calls on 3 days:
    // 0.5^(180/40 + 3/3)).
    let a = flags_then_clean("+14155550124", (-6, -4), (-3, 0), 60);
    let factor = |a: &Assessment| a.metrics.recovery_factor;
    assert!((factor(&a) - 0.5f64.powf(4.5 + 1.0)).abs() < 1e-9, "{a:#?}");
    assert!(has_reason(
        &a,
        "clean on 180 calls over 3 days since its last spam mark on"
    ));
    // The same calls after a silence of ten days (the flags on days -14 and -13): rested,
    // so each 10 clean calls halve it (0.5^(180/10 + 3/3)).
    let b = flags_then_clean("+14155550125", (-14, -12), (-3, 0), 60);
    assert!(
        (factor(&b) - 0.5f64.powf(18.0 + 1.0)).abs() < 1e-9,
        "{b:#?}"
    );
    assert!(has_reason(
        &b,
        "since it came back from a rest after its last spam mark on"
    ));
    // Nine calls back from the rest are not yet a record.
    let c = flags_then_clean("+14155550126", (-14, -12), (-1, 0), 9);
    assert_eq!(factor(&c), 1.0, "{c:#?}");
}

#[test]
fn a_failing_number_after_its_flags_has_not_recovered() {
    let mut hours = days(-18, -14, 60, |_| Mix {
        spam: 0.15,
        ..HEALTHY
    });
    hours.extend(days(-3, 0, 60, |_| Mix {
        fail: 0.25,
        ..HEALTHY
    }));
    let a = judge(&number("+14155550121", hours));
    assert_eq!(a.metrics.recovery_factor, 1.0, "{a:#?}");
    assert!(!has_reason(&a, "clean on"), "{a:#?}");
}

#[test]
fn more_flags_never_lower_a_recovered_numbers_score() {
    let mut hours = flagged_then_clean(-4).hours;
    let mut prev = judge(&number("+14155550122", hours.clone())).score;
    let n = hours.len();
    for step in 0..30 {
        // Mark one more unanswered call as spam, spread over the whole record.
        let (_, c) = &mut hours[step * 11 % n];
        if c.no_answer == 0 {
            continue;
        }
        c.no_answer -= 1;
        c.marked_as_spam += 1;
        let a = judge(&number("+14155550122", hours.clone()));
        assert!(a.score >= prev, "step {step}: {} < {prev}", a.score);
        prev = a.score;
    }
}

#[test]
fn a_late_flag_after_failing_calls_does_not_start_a_recovery() {
    let mut hours = days(-18, -14, 60, |_| Mix {
        spam: 0.15,
        ..HEALTHY
    });
    hours.extend(days(-6, 0, 60, |_| Mix {
        fail: 0.25,
        ..HEALTHY
    }));
    let before = judge(&number("+14155550123", hours.clone()));
    // One more flag at the start of yesterday: the calls since it fail just as much.
    let i = hours
        .iter()
        .position(|h| h.0 >= (AS_OF_DAY - 1) * DAY)
        .unwrap();
    hours[i].1.no_answer -= 1;
    hours[i].1.marked_as_spam += 1;
    let after = judge(&number("+14155550123", hours));
    assert_eq!(after.metrics.recovery_factor, 1.0, "{after:#?}");
    assert!(
        after.score >= before.score,
        "{} < {}",
        after.score,
        before.score
    );
}
