//! The plan on a small fleet computed by hand.

use super::*;

const T: i64 = 1_795_219_200_000; // 2026-11-21T00:00Z
const DAY: i64 = 24 * HOUR_MS;

fn n(
    number: &str,
    status: Status,
    cap: i64,
    rest_ends_in_days: Option<i64>,
    attempts: i64,
    spam: i64,
) -> PlannedNumber {
    PlannedNumber {
        number: number.into(),
        status,
        daily_cap: cap,
        rest_ends_ms: rest_ends_in_days.map(|d| T + d * DAY),
        attempts,
        marked_as_spam: spam,
    }
}

/// 415 (California): A active (1400 calls in the week), B on probation at 25 a day (70
/// calls), C resting until 3 days from now, D resting for another 30 days, E retired;
/// callees in 415 took 4200 calls. 212 (New York): three active numbers with 700 calls,
/// 350 to callees there. 646 (New York): no numbers, 1050 calls to callees there. +44: one
/// released number, nothing dialled.
fn fleet() -> PlanInputs {
    use Status::*;
    PlanInputs {
        as_of_ms: T,
        days: 7.0,
        normal_daily_cap: 100,
        numbers: vec![
            n("+14155550101", Active, 100, None, 1400, 14),
            n("+14155550102", Probation, 25, None, 70, 0),
            n("+14155550103", Resting, 0, Some(3), 0, 0),
            n("+14155550104", Resting, 0, Some(30), 0, 0),
            n("+14155550105", Retired, 0, None, 0, 0),
            n("+12125550101", Active, 100, None, 300, 0),
            n("+12125550102", Active, 100, None, 200, 0),
            n("+12125550103", Active, 100, None, 200, 7),
            n("+442071838750", Released, 0, None, 0, 0),
        ],
        lead_attempts: [
            (AreaKey::Nanp("415".into()), 4200),
            (AreaKey::Nanp("212".into()), 350),
            (AreaKey::Nanp("646".into()), 1050),
        ]
        .into_iter()
        .collect(),
    }
}

fn row<'a>(plan: &'a CapacityPlan, group: &str) -> &'a CapacityRow {
    plan.rows
        .iter()
        .find(|r| r.group == group)
        .unwrap_or_else(|| panic!("no row {group}: {plan:#?}"))
}

#[test]
fn replacements_and_spare_match_the_hand_computation() {
    let plan = plan_capacity(&fleet(), GroupBy::AreaCode);
    let groups: Vec<&str> = plan.rows.iter().map(|r| r.group.as_str()).collect();
    // Most replacements first: 415 (3), 646 (2), then 212 and +44 by lead calls.
    assert_eq!(groups, ["415", "646", "212", "+44"]);

    // 415: demand max(1470/7 = 210, 4200/7 = 600) = 600 a day, 6 numbers at 100; it has
    // 2 dialable and 1 back within 7 days: 3 to buy, none spare.
    let r = row(&plan, "415");
    assert_eq!(
        (r.region.as_str(), r.country.as_str()),
        ("California", "US")
    );
    assert_eq!(r.time_zone, "America/Los_Angeles");
    assert_eq!(
        (
            r.numbers,
            r.active,
            r.probation,
            r.resting,
            r.retired,
            r.released
        ),
        (5, 1, 1, 2, 1, 0)
    );
    assert_eq!((r.calls_per_day, r.lead_calls_per_day), (210.0, 600.0));
    assert_eq!(r.capacity_per_day, 125);
    assert_eq!(r.utilisation, Some(210.0 / 125.0));
    assert_eq!(r.flagged_share, Some(14.0 / 1470.0));
    assert_eq!(
        (r.back_within_7d, r.replacements_needed, r.spare),
        (1, 3, 0)
    );

    // 212: max(100, 50) = 100 a day, 1 number needed, 3 dialable: 2 spare.
    let r = row(&plan, "212");
    assert_eq!((r.calls_per_day, r.lead_calls_per_day), (100.0, 50.0));
    assert_eq!(
        (r.capacity_per_day, r.utilisation),
        (300, Some(100.0 / 300.0))
    );
    assert_eq!((r.replacements_needed, r.spare), (0, 2));

    // 646: callees only, 150 a day: 2 to buy; no capacity, no calls of its own.
    let r = row(&plan, "646");
    assert_eq!((r.numbers, r.lead_calls_per_day), (0, 150.0));
    assert_eq!((r.replacements_needed, r.spare), (2, 0));
    assert_eq!((r.utilisation, r.flagged_share), (None, None));

    let r = row(&plan, "+44");
    assert_eq!((r.numbers, r.released, r.country.as_str()), (1, 1, "GB"));
    assert_eq!((r.replacements_needed, r.spare), (0, 0));

    let t = &plan.totals;
    assert_eq!(t.group, "total");
    assert_eq!((t.numbers, t.replacements_needed, t.spare), (9, 5, 2));
    assert_eq!(t.capacity_per_day, 425);
    assert_eq!(
        (t.attempts, t.lead_attempts, t.marked_as_spam),
        (2170, 5600, 21)
    );
    assert_eq!(t.calls_per_day, 310.0);
    assert_eq!(t.lead_calls_per_day, 800.0);
    assert_eq!(t.flagged_share, Some(21.0 / 2170.0));
}

#[test]
fn states_and_countries_sum_their_area_codes() {
    let plan = plan_capacity(&fleet(), GroupBy::State);
    let ny = row(&plan, "New York");
    // 212's 2 spare do not cover 646's need of 2: local presence is per area code.
    assert_eq!((ny.numbers, ny.replacements_needed, ny.spare), (3, 2, 2));
    assert_eq!(ny.lead_calls_per_day, 200.0);
    assert_eq!(ny.country, "US");
    assert_eq!(row(&plan, "California").replacements_needed, 3);
    assert_eq!(plan.totals.replacements_needed, 5);

    let plan = plan_capacity(&fleet(), GroupBy::Country);
    let us = row(&plan, "US");
    assert_eq!((us.numbers, us.replacements_needed, us.spare), (8, 5, 2));
    assert_eq!(row(&plan, "GB").numbers, 1);
    assert_eq!(plan.rows.len(), 2);
}

#[test]
fn every_figure_of_the_totals_is_the_sum_of_the_rows() {
    for by in [GroupBy::AreaCode, GroupBy::State, GroupBy::Country] {
        let plan = plan_capacity(&fleet(), by);
        let sum = |f: fn(&CapacityRow) -> i64| plan.rows.iter().map(f).sum::<i64>();
        let t = &plan.totals;
        assert_eq!(sum(|r| r.numbers), t.numbers);
        assert_eq!(sum(|r| r.resting), t.resting);
        assert_eq!(sum(|r| r.capacity_per_day), t.capacity_per_day);
        assert_eq!(sum(|r| r.replacements_needed), t.replacements_needed);
        assert_eq!(sum(|r| r.spare), t.spare);
        let calls: f64 = plan.rows.iter().map(|r| r.calls_per_day).sum();
        assert!((calls - t.calls_per_day).abs() < 1e-9);
    }
}

#[test]
fn a_short_window_counts_per_day_of_data() {
    let mut inputs = fleet();
    inputs.days = 3.5;
    let plan = plan_capacity(&inputs, GroupBy::AreaCode);
    // 646: 1050 calls in 3.5 days is 300 a day: 3 numbers.
    assert_eq!(row(&plan, "646").replacements_needed, 3);
    inputs.days = 0.0;
    let plan = plan_capacity(&inputs, GroupBy::AreaCode);
    assert_eq!(plan.totals.calls_per_day, 0.0);
}

#[test]
fn areas_of_numbers() {
    assert_eq!(AreaKey::of("+14155550100"), AreaKey::Nanp("415".into()));
    assert_eq!(AreaKey::of("+442071838750"), AreaKey::Country(44));
    assert_eq!(AreaKey::of("+4915123456789"), AreaKey::Country(49));
    assert_eq!(AreaKey::of("+35312345678"), AreaKey::Country(353));
    assert_eq!(AreaKey::of("+11234567890"), AreaKey::Other);
    assert_eq!(AreaKey::of("nonsense"), AreaKey::Other);
    assert_eq!(AreaKey::of("+"), AreaKey::Other);
    assert_eq!(AreaKey::Country(44).label(), "+44");
    assert_eq!(AreaKey::Nanp("999".into()).place().country, "NANP");
    assert_eq!(numbers_needed(200.0, 100), 2);
    assert_eq!(numbers_needed(200.000_000_000_1, 100), 2);
    assert_eq!(numbers_needed(200.5, 100), 3);
    assert_eq!(numbers_needed(0.0, 100), 0);
    assert_eq!(numbers_needed(f64::NAN, 100), 0);
    assert_eq!(numbers_needed(5.0, 0), 0);
}
