use super::*;
use crate::health::assessment::Level;
use crate::health::verdict::RestCause;

const H: i64 = HOUR_MS;
const D: i64 = DAY_MS;
/// 2026-11-01T00:00:00Z.
const T0: i64 = 1_793_491_200_000;

fn plan() -> Plan {
    Plan {
        since_ms: T0,
        until_ms: T0 + 30 * D,
        step_ms: 6 * H,
        horizon_ms: 7 * D,
        data_end_ms: T0 + 40 * D,
    }
}

fn rule() -> AlarmRule {
    AlarmRule::of(&ScoreConfig::default())
}

fn track(number: &str) -> Track {
    Track {
        number: number.into(),
        assessed_in_range: true,
        ..Track::default()
    }
}

fn flagged(number: &str, flag: i64, warnings: &[i64]) -> Track {
    Track {
        first_assessed_ms: Some(T0 - 7 * D),
        first_flag_ms: Some(flag),
        flags_ms: vec![flag],
        warnings: warnings.to_vec(),
        ..track(number)
    }
}

fn verdict(action: Action, cause: Option<RestCause>) -> Assessment {
    Assessment {
        number: "+14155550100".into(),
        score: 50.0,
        level: Level::High,
        action,
        rest_until: None,
        rest_cause: cause,
        components: Default::default(),
        reasons: vec![],
        attempts: 0,
        metrics: Default::default(),
    }
}

/// Calls in one hour: `judged` dialled with an outcome, `failed` of them dial_failed,
/// `spam` marked as spam.
fn counts(judged: i64, failed: i64, spam: i64) -> HourCounts {
    HourCounts {
        attempts: judged,
        dial_failed: failed,
        marked_as_spam: spam,
        connected: judged - failed - spam,
        ..HourCounts::default()
    }
}

#[test]
fn steps_start_a_horizon_before_since_on_the_grid_and_end_at_until() {
    let p = plan();
    let steps = p.steps();
    assert_eq!(steps[0], T0 - 7 * D, "28 lead-up steps of 6 h");
    assert_eq!(*steps.last().unwrap(), T0 + 30 * D);
    assert_eq!(steps.len() as i64, p.step_count());
    assert_eq!(steps.len(), 28 + 120 + 1);
    assert!(steps.windows(2).all(|w| w[1] - w[0] == 6 * H));
    // A step that does not divide the horizon reaches at least a horizon back.
    let odd = Plan {
        step_ms: 5 * H,
        until_ms: T0 + 12 * H,
        ..p
    };
    let s = odd.steps();
    assert!(s[0] <= T0 - 7 * D && s[0] > T0 - 7 * D - 5 * H);
    assert_eq!(*s.last().unwrap(), T0 + 10 * H);
    assert_eq!(s.len() as i64, odd.step_count());
}

#[test]
fn lead_days_count_only_warnings_within_the_horizon_strictly_before_the_flag() {
    let p = plan();
    let f = T0 + 10 * D;
    let tracks = [
        // 8 days before is outside the 7-day horizon: the first counted one is 3 days ahead.
        flagged("+1a", f, &[f - 8 * D, f - 3 * D, f - 6 * H, f + 6 * H]),
        // Warned only at the flag's own moment and after it: not before.
        flagged("+1b", f, &[f, f + D]),
        // Warned exactly a horizon ahead: counted, 7 days.
        flagged("+1c", f, &[f - 7 * D]),
    ];
    let s = summarize(&tracks, &p, &rule());
    assert_eq!(s.numbers_flagged, 3);
    assert_eq!(s.warned_before_flag, 2);
    assert_eq!(s.lead_days_median, Some(5.0), "median of 3 and 7");
    assert_eq!(s.warned_1d_share, Some(2.0 / 3.0));
    let row = |n: &str| s.numbers.iter().find(|r| r.number == n).unwrap().clone();
    assert_eq!(row("+1a").first_warning_ms, Some(f - 3 * D));
    assert_eq!(row("+1a").lead_days, Some(3.0));
    assert_eq!(row("+1b").first_warning_ms, None);
    assert_eq!(row("+1b").lead_days, None);
    assert_eq!(row("+1b").first_flag_ms, Some(f));
    // A shorter horizon cuts the 3-day lead away, leaving the 6-hour one.
    let short = Plan { horizon_ms: D, ..p };
    let s = summarize(&tracks, &short, &rule());
    assert_eq!(s.warned_before_flag, 1);
    assert_eq!(s.lead_days_median, Some(0.25));
    assert_eq!(
        s.warned_1d_share,
        Some(0.0),
        "a quarter of a day is not a day ahead"
    );
}

#[test]
fn only_first_flags_inside_the_range_count() {
    let p = plan();
    let before = flagged("+1early", T0 - H, &[T0 + D]);
    let after = flagged("+1late", T0 + 30 * D + H, &[T0 + 29 * D]);
    let at_until = flagged("+1edge", T0 + 30 * D, &[T0 + 29 * D]);
    // A number whose data begins with its flag: no step could judge it before.
    let mut new = flagged("+1new", T0 + 2 * D, &[T0 + 2 * D + 6 * H]);
    new.first_assessed_ms = Some(T0 + 2 * D + 6 * H);
    let s = summarize(&[new], &p, &rule());
    assert_eq!((s.numbers_flagged, s.flagged_unjudged), (1, 1));
    let s = summarize(&[before, after, at_until], &p, &rule());
    assert_eq!(s.numbers_flagged, 1, "the range is [since, until]");
    assert_eq!(s.flagged_unjudged, 0);
    assert_eq!(s.warned_before_flag, 1);
    // The two others are rows (warned in the range) without a first flag.
    assert_eq!(s.numbers.len(), 3);
    assert_eq!(s.numbers[0].number, "+1edge");
    assert!(s.numbers[1..].iter().all(|r| r.first_flag_ms.is_none()));
    assert!(s.numbers[1..].iter().all(|r| r.lead_days.is_none()));
}

#[test]
fn median_and_shares_are_null_when_nothing_was_flagged_or_nobody_warned() {
    let p = plan();
    let s = summarize(&[], &p, &rule());
    assert_eq!(
        (s.numbers_flagged, s.lead_days_median, s.warned_1d_share),
        (0, None, None)
    );
    assert_eq!(s.warned_unflagged_share, None);
    let s = summarize(&[flagged("+1", T0 + D, &[])], &p, &rule());
    assert_eq!((s.numbers_flagged, s.warned_before_flag), (1, 0));
    assert_eq!(s.lead_days_median, None);
    assert_eq!(s.warned_1d_share, Some(0.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&mut [2.0]), Some(2.0));
}

#[test]
fn warned_unflagged_share_counts_every_clean_number_assessed() {
    let p = plan();
    let mut warned = track("+1w");
    warned.warnings = vec![T0 + 2 * D];
    // Warned only in the lead-up, before since: not a warning in the range.
    let mut lead_up = track("+1lead");
    lead_up.warnings = vec![T0 - 2 * D];
    // Flagged long before the lookback: a clean number now.
    let mut old_flag = track("+1old");
    old_flag.flags_ms = vec![T0 - 40 * D];
    old_flag.first_flag_ms = Some(T0 - 40 * D);
    // Flagged inside the lookback before since: neither flagged nor clean.
    let mut recent_flag = track("+1recent");
    recent_flag.flags_ms = vec![T0 - 10 * D];
    recent_flag.first_flag_ms = Some(T0 - 10 * D);
    recent_flag.warnings = vec![T0 + D];
    // Never assessed in the range: not counted.
    let mut absent = track("+1absent");
    absent.assessed_in_range = false;
    let quiet = track("+1quiet");
    let s = summarize(
        &[warned, lead_up, old_flag, recent_flag, absent, quiet],
        &p,
        &rule(),
    );
    assert_eq!(s.numbers_assessed, 5);
    assert_eq!((s.unflagged, s.warned_unflagged), (4, 1));
    assert_eq!(s.warned_unflagged_share, Some(0.25));
    let rows: Vec<&str> = s.numbers.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(rows, ["+1recent", "+1w"], "by first warning");
}

#[test]
fn a_rest_is_a_false_alarm_only_when_clean_calls_at_the_fleets_rate_followed() {
    let p = plan();
    let t = T0 + 5 * D;
    let clean = After {
        judged: 200,
        failures: 4,
        expected_failures: 4.0,
    };
    let rested = |number: &str, at: i64, after: After, flags: &[i64]| Track {
        flags_ms: flags.to_vec(),
        first_flag_ms: flags.first().copied(),
        warnings: vec![at],
        rests: vec![RestStep { at_ms: at, after }],
        ..track(number)
    };
    let cases = [
        (rested("+1clean", t, clean, &[]), true),
        // A flag inside the rest period before the step explains the rest (its date
        // counts from the flag); one from before that period does not.
        (rested("+1rest_flag", t, clean, &[t - 8 * D]), false),
        (rested("+1old_flag", t, clean, &[t - 31 * D]), true),
        (rested("+1flag_after", t, clean, &[t + 6 * D]), false),
        (rested("+1flag_before", t, clean, &[t - 2 * D]), false),
        (rested("+1flag_beyond", t, clean, &[t + 7 * D]), true),
        (
            rested(
                "+1few_calls",
                t,
                After {
                    judged: 11,
                    failures: 0,
                    expected_failures: 0.2,
                },
                &[],
            ),
            false,
        ),
        (
            rested(
                "+1failing",
                t,
                After {
                    judged: 200,
                    failures: 20,
                    expected_failures: 4.0,
                },
                &[],
            ),
            false,
        ),
        // Its horizon runs past the data: too early to tell.
        (rested("+1late", T0 + 35 * D, clean, &[]), false),
        (rested("+1end", T0 + 30 * D, clean, &[]), false),
    ];
    let p_end = Plan {
        data_end_ms: T0 + 36 * D,
        ..p
    };
    for (tr, want) in &cases {
        let s = summarize(std::slice::from_ref(tr), &p_end, &rule());
        assert_eq!(s.false_alarms == 1, *want, "{}", tr.number);
        let row = s.numbers.first().is_some_and(|r| r.false_alarm);
        assert_eq!(row, *want, "{}", tr.number);
    }
    let all: Vec<Track> = cases.iter().map(|c| c.0.clone()).collect();
    assert_eq!(summarize(&all, &p_end, &rule()).false_alarms, 3);
}

#[test]
fn pacing_only_throttles_are_not_warnings_and_rests_keep_what_followed() {
    let p = plan();
    let cfg = ScoreConfig::default();
    let hour0 = (T0 - 40 * D) / H;
    let mut h = ReplayHistory {
        number: "+14155550100".into(),
        first_hour: hour0,
        ..ReplayHistory::default()
    };
    for i in 0..(80 * 24) {
        h.hours.push((hour0 + i, counts(10, 1, 0)));
    }
    let mut fleet = FleetHours::default();
    for (hour, c) in &h.hours {
        // The rest of the fleet: 100 calls an hour, 2 failed.
        let mut f = *c;
        f.add_scaled(&counts(100, 2, 0), 1);
        fleet.hours.insert(*hour, f);
    }
    let steps = p.steps();
    let (pacing, bursts, rest) = (T0 + D, T0 + 2 * D, T0 + 3 * D);
    let track = replay_with(&h, &fleet, &cfg, &p, &steps, |n, t| {
        assert!(
            n.hours.iter().all(|(x, _)| *x < t / H),
            "nothing after the step"
        );
        match t {
            _ if t == pacing => verdict(Action::Throttle, Some(RestCause::Pacing)),
            _ if t == bursts => verdict(Action::Throttle, Some(RestCause::Bursts)),
            _ if t == rest => verdict(Action::Rest, Some(RestCause::Score)),
            _ if t == T0 - D => verdict(Action::Retire, Some(RestCause::Flags)),
            _ => verdict(Action::Monitor, None),
        }
    });
    assert_eq!(track.warnings, [T0 - D, bursts, rest]);
    assert_eq!(track.first_assessed_ms, Some(T0 - 7 * D));
    assert!(track.assessed_in_range);
    // The lead-up retire warns but is no rest judged for false alarms.
    assert_eq!(track.rests.len(), 1);
    let r = track.rests[0];
    assert_eq!(r.at_ms, rest);
    assert_eq!(r.after.judged, 7 * 24 * 10);
    assert_eq!(r.after.failures, 7 * 24);
    assert!((r.after.expected_failures - 7.0 * 24.0 * 10.0 * 0.02).abs() < 1e-9);
    let s = summarize(&[track], &p, &rule());
    assert_eq!(s.false_alarms, 0, "10% failures against the fleet's 2%");
}

#[test]
fn a_cut_history_holds_nothing_from_the_step_on() {
    let hour0 = T0 / H;
    let mut h = ReplayHistory {
        number: "+14155550100".into(),
        first_hour: hour0 - 100,
        spam_before: Some(hour0 - 100),
        reputation_before: Some(hour0 - 90),
        first_flag_hour: Some(hour0 - 100),
        ..ReplayHistory::default()
    };
    for i in 0..48 {
        h.hours.push((hour0 + i, counts(5, 0, i64::from(i == 10))));
    }
    h.bursts = vec![
        Burst {
            start_ms: T0 + 9 * H + 50 * 60_000,
            end_ms: T0 + 10 * H + 5 * 60_000,
            calls: 12,
            short_calls: 11,
        },
        Burst {
            start_ms: T0 + 20 * H,
            end_ms: T0 + 20 * H + 60_000,
            calls: 10,
            short_calls: 10,
        },
    ];
    // As of 10:30: the 10:00 hour is not whole, so it is not seen; its spam neither.
    let n = history_at(&h, T0 + 10 * H + 30 * 60_000, 30).unwrap();
    assert_eq!(n.hours.len(), 10);
    assert_eq!(n.hours.last().unwrap().0, hour0 + 9);
    assert_eq!(n.last_spam_ms, Some((hour0 - 100) * H));
    assert_eq!(n.last_reputation_ms, Some((hour0 - 90) * H));
    assert_eq!(n.first_seen_ms, (hour0 - 100) * H);
    assert_eq!(
        n.bursts.len(),
        1,
        "a burst that started before as-of counts"
    );
    // As of 11:00 the 10:00 hour and its spam mark are seen.
    let n = history_at(&h, T0 + 11 * H, 30).unwrap();
    assert_eq!(n.last_spam_ms, Some((hour0 + 10) * H));
    assert_eq!(n.last_reputation_ms, Some((hour0 + 10) * H));
    // A 1-day lookback as of 30:00 starts at 06:00.
    let n = history_at(&h, T0 + 30 * H, 1).unwrap();
    assert_eq!(n.hours.first().unwrap().0, hour0 + 6);
    assert_eq!(n.hours.len(), 24);
    assert_eq!(n.bursts.len(), 2);
    // Before its first hour the number does not exist yet.
    let late = ReplayHistory {
        first_hour: hour0,
        ..h.clone()
    };
    assert!(history_at(&late, T0 + 59 * 60_000, 30).is_none());
    assert!(history_at(&late, T0 + H, 30).is_some());
}
