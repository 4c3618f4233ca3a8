//! Holds the scoring method to its evaluated figures on simulated fleets: top-k precision,
//! early warning before the first spam label, no healthy number rested on any night, and
//! rested-and-recovered numbers off the top once they call cleanly again.

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
        let night = &r["nightly"];
        assert_eq!(night["healthy_rested_or_retired"], 0, "any night: {r}");
        assert!(night["nights_once_back"].as_u64().unwrap() > 0, "{r}");
        assert!(
            night["recovered_back_max_score"].as_f64().unwrap() < 25.0,
            "recovered numbers are back to a low score: {r}"
        );
        assert!(ew["burst_numbers"].as_u64().unwrap() > 0, "{r}");
        assert_eq!(
            ew["flagged_before_first_spam"], ew["burst_numbers"],
            "burst numbers warned before their label: {r}"
        );
    }
}

/// On fleets of the README's size (other seeds than its figures), once every recovered
/// number has called cleanly on 3 days the top-k by score holds the bad numbers (0.94-1.0
/// measured on seeds 1-5 and 31-33; before the recovered-number score, 0.75-0.81).
#[test]
fn recovered_numbers_leave_the_top_once_they_call_cleanly() {
    let env = Env::new();
    let (code, v) = env.json(&[
        "evaluate",
        "--seed",
        "31",
        "--seeds",
        "2",
        "--numbers",
        "60",
        "--days",
        "21",
        "--calls-per-day",
        "60",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let reports = v.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    for r in reports {
        let night = &r["nightly"];
        let back = &night["worst_once_back"];
        assert!(night["nights_once_back"].as_u64().unwrap() >= 3, "{r}");
        assert!(
            back["precision_at_k"].as_f64().unwrap() >= 0.85,
            "top-k once the recovered numbers are back: {r}"
        );
        assert_eq!(back["recovered_still_rested"], 0, "{r}");
        assert_eq!(night["healthy_rested_or_retired"], 0, "{r}");
        assert!(
            night["recovered_back_max_score"].as_f64().unwrap() < 25.0,
            "{r}"
        );
    }
}
