//! Holds the scoring method to its evaluated figures on small simulated fleets: top-k
//! precision, early warning before the first spam label, and no healthy number rested.

mod common;

use common::Env;

#[test]
fn small_fleets_meet_the_evaluated_figures() {
    let env = Env::new();
    let (code, v) = env.json(&[
        "evaluate",
        "--seed",
        "7",
        "--seeds",
        "2",
        "--numbers",
        "30",
        "--days",
        "16",
        "--calls-per-day",
        "40",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let reports = v.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    for r in reports {
        let (mid, end, ew) = (&r["mid"], &r["end"], &r["early_warning"]);
        for cut in [mid, end] {
            assert_eq!(
                cut["healthy_rested_or_retired"], 0,
                "healthy/low-volume number rested: {r}"
            );
            assert!(cut["positives"].as_u64().unwrap() > 0, "{r}");
        }
        assert!(
            end["precision_at_k"].as_f64().unwrap() >= 0.9,
            "end precision: {r}"
        );
        assert_eq!(
            end["positives_acted_on"], end["positives"],
            "every bad number acted on by the end: {r}"
        );
        assert_eq!(
            end["recovered_still_rested"], 0,
            "recovered numbers come back: {r}"
        );
        let acted = mid["positives_acted_on"].as_f64().unwrap();
        assert!(
            acted >= 0.6 * mid["positives"].as_f64().unwrap(),
            "mid-window recall: {r}"
        );
        assert!(ew["burst_numbers"].as_u64().unwrap() > 0, "{r}");
        assert_eq!(
            ew["flagged_before_first_spam"], ew["burst_numbers"],
            "burst numbers warned before their label: {r}"
        );
    }
}
