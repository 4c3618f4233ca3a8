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

/// The hard profile's figures come out of `evaluate --profile hard` with their keys, on a
/// small fleet; the easy profile's output keeps its shape unless `--figures` is asked for.
#[test]
fn hard_fleets_report_the_issue_figures() {
    let env = Env::new();
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let seeds = if extra.contains(&"hard") { "2" } else { "1" };
        let mut v = vec![
            "evaluate",
            "--seed",
            "3",
            "--seeds",
            seeds,
            "--numbers",
            "30",
            "--days",
            "10",
            "--calls-per-day",
            "30",
            "--format",
            "json",
        ];
        v.extend_from_slice(extra);
        v
    };
    let (code, v) = env.json(&args(&["--profile", "hard"]));
    assert_eq!(code, 0, "{v}");
    let fleets = v["fleets"].as_array().unwrap();
    assert_eq!(fleets.len(), 2);
    for r in fleets {
        let f = &r["figures"];
        assert_eq!(f["profile"], "hard", "{f}");
        assert_eq!(f["sweep"]["steps"], 40, "6-hourly over 10 days: {f}");
        assert!(f["sweep"]["calm_pairs"].as_u64().unwrap() > 100, "{f}");
        for cut in ["mid", "end"] {
            assert!(f[cut]["positives"].as_u64().unwrap() > 0, "{f}");
            for p in ["precision_numhealth", "precision_baseline"] {
                assert!((0.0..=1.0).contains(&f[cut][p].as_f64().unwrap()), "{f}");
            }
        }
        assert_eq!(f["mid"]["precision_numhealth"], r["mid"]["precision_at_k"]);
        assert!(f["bursts"]["planted"].as_u64().unwrap() > 0, "{f}");
        assert!(
            f["bursts"]["calls_without_planted"].as_u64().unwrap() > 1000,
            "{f}"
        );
        let o = &f["outage"];
        assert!(o["hit_numbers"].as_u64().unwrap() > 0, "{f}");
        assert!(o["steps"].as_u64().unwrap() >= 4, "{f}");
        assert!(f["lead_time"]["labelled"].is_u64(), "{f}");
    }
    let agg = &v["aggregate"];
    assert_eq!(agg["fleets"], 2);
    let planted: u64 = fleets
        .iter()
        .map(|r| r["figures"]["bursts"]["planted"].as_u64().unwrap())
        .sum();
    assert_eq!(agg["bursts_planted"], planted);

    let (code, easy) = env.json(&args(&[]));
    assert_eq!(code, 0);
    let easy = easy.as_array().expect("the easy output stays an array");
    assert!(easy.iter().all(|r| r.get("figures").is_none()));
    let (code, with) = env.json(&args(&["--figures"]));
    assert_eq!(code, 0);
    let f = &with["fleets"][0]["figures"];
    assert_eq!(f["profile"], "easy");
    assert!(
        f["outage"].is_null(),
        "no one-provider outage in an easy fleet: {f}"
    );
    assert_eq!(
        with["fleets"][0]["mid"], easy[0]["mid"],
        "same fleet, same cut"
    );
}

/// The detection figures of issue 15 on hard fleets (local business hours, low answer
/// rates, heavy and weekday-only numbers, small bursts, slow slides, a one-provider
/// outage). Seeds 7-9 were not the ones the method was tuned on (1-6).
#[test]
fn hard_fleets_hold_the_method_to_its_detection_figures() {
    let env = Env::new();
    let (code, v) = env.json(&[
        "evaluate",
        "--profile",
        "hard",
        "--seed",
        "7",
        "--seeds",
        "3",
        "--numbers",
        "60",
        "--days",
        "21",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{v}");
    for r in v["fleets"].as_array().unwrap() {
        let f = &r["figures"];
        let num = |a: &str, b: &str| f[a][b].as_f64().unwrap();
        assert_eq!(
            f["sweep"]["calm_removed_pairs"], 0,
            "no calm number rested: {f}"
        );
        assert!(num("sweep", "calm_warned_share") <= 0.02, "{f}");
        assert!(num("bursts", "recall") >= 0.95, "{f}");
        assert!(num("bursts", "invented_per_10k_calls") <= 1.0, "{f}");
        assert_eq!(
            f["outage"]["flagged"], 0,
            "the one-provider outage flags nobody: {f}"
        );
        assert!(num("end", "precision_numhealth") >= 0.9, "{f}");
        assert!(num("mid", "precision_numhealth") >= 0.85, "{f}");
        for cut in ["mid", "end"] {
            assert!(
                num(cut, "precision_numhealth") >= num(cut, "precision_baseline"),
                "numhealth ranks at least as well as the plain baseline at the {cut} cut: {f}"
            );
        }
    }
    let agg = &v["aggregate"];
    assert!(agg["median_lead_days"].as_f64().unwrap() >= 3.0, "{agg}");
    assert!(agg["share_1d_ahead"].as_f64().unwrap() >= 0.85, "{agg}");
}
