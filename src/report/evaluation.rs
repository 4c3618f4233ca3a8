//! How `numhealth evaluate` looks: one row per seed and cut, or the reports as JSON.

use crate::cli::Format;
use crate::error::Result;
use serde::Serialize;

use crate::eval::SeedReport;
use crate::eval::figures::{Aggregate, Figures, aggregate};
use crate::report::{self, Table};

/// The evaluation table: each seed's mid-window and end cuts, and its worst night after the
/// mid-window cut (`worst_night`) and once every recovered number is back
/// (`worst_once_back`, when there was such a night), with its early warning.
pub fn evaluation_table(reports: &[SeedReport]) -> Table {
    let mut t = Table::new(&[
        "seed",
        "cut",
        "as_of",
        "positives",
        "precision@k",
        "acted_on",
        "healthy_rested",
        "healthy_throttled",
        "recovered_rested",
        "burst_numbers",
        "warned_before_spam",
        "median_h_to_action",
    ]);
    for r in reports {
        let cuts = [
            ("mid", Some(&r.mid)),
            ("end", Some(&r.end)),
            ("worst_night", Some(&r.nightly.worst)),
            ("worst_once_back", r.nightly.worst_once_back.as_ref()),
        ];
        for (name, c) in cuts.into_iter().filter_map(|(n, c)| c.map(|c| (n, c))) {
            let ew = &r.early_warning;
            t.push(vec![
                r.seed.to_string(),
                name.into(),
                c.as_of.clone(),
                c.positives.to_string(),
                format!("{:.2}", c.precision_at_k),
                c.positives_acted_on.to_string(),
                c.healthy_rested_or_retired.to_string(),
                c.healthy_throttled.to_string(),
                format!("{}/{}", c.recovered_still_rested, c.recovered_numbers),
                ew.burst_numbers.to_string(),
                ew.flagged_before_first_spam.to_string(),
                ew.median_hours_burst_to_action
                    .map(|h| format!("{h:.0}"))
                    .unwrap_or_default(),
            ]);
        }
    }
    t
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// The issue-15 figures: one row per fleet that has them, and an `all` row (precisions
/// as the mean over fleets, the rest pooled; see `eval::figures::aggregate`).
pub fn figures_table(reports: &[SeedReport]) -> Table {
    let mut t = Table::new(&[
        "seed",
        "profile",
        "mid_k",
        "mid_p@k",
        "mid_base_p@k",
        "end_k",
        "end_p@k",
        "end_base_p@k",
        "calm_removed",
        "calm_warned",
        "burst_recall",
        "invented_10k",
        "labelled",
        "lead_days",
        "warned_1d",
        "outage_flagged",
    ]);
    let with: Vec<(u64, &Figures)> = reports
        .iter()
        .filter_map(|r| r.figures.as_ref().map(|f| (r.seed, f)))
        .collect();
    for (seed, f) in &with {
        t.push(vec![
            seed.to_string(),
            f.profile.clone(),
            f.mid.positives.to_string(),
            format!("{:.2}", f.mid.precision_numhealth),
            format!("{:.2}", f.mid.precision_baseline),
            f.end.positives.to_string(),
            format!("{:.2}", f.end.precision_numhealth),
            format!("{:.2}", f.end.precision_baseline),
            f.sweep.calm_removed_pairs.to_string(),
            format!("{:.2}%", 100.0 * f.sweep.calm_warned_share),
            opt(f.bursts.recall, 2),
            format!("{:.2}", f.bursts.invented_per_10k_calls),
            f.lead_time.labelled.to_string(),
            opt(f.lead_time.median_lead_days, 1),
            opt(f.lead_time.share_1d_ahead, 2),
            f.outage
                .as_ref()
                .map(|o| format!("{}/{}", o.flagged, o.hit_numbers))
                .unwrap_or_default(),
        ]);
    }
    if !with.is_empty() {
        let a = aggregate(&with.iter().map(|(_, f)| *f).collect::<Vec<_>>());
        t.push(vec![
            "all".into(),
            with[0].1.profile.clone(),
            String::new(),
            format!("{:.2}", a.mid_precision_numhealth_mean),
            format!("{:.2}", a.mid_precision_baseline_mean),
            String::new(),
            format!("{:.2}", a.end_precision_numhealth_mean),
            format!("{:.2}", a.end_precision_baseline_mean),
            a.calm_removed_pairs.to_string(),
            format!("{:.2}%", 100.0 * a.calm_warned_share),
            opt(a.burst_recall, 2),
            format!("{:.2}", a.invented_per_10k_calls),
            a.labelled.to_string(),
            opt(a.median_lead_days, 1),
            opt(a.share_1d_ahead, 2),
            format!("{}/{}", a.outage_flagged, a.outage_hit_numbers),
        ]);
    }
    t
}

/// The JSON of an evaluation with figures: every fleet's report and the aggregate.
#[derive(Serialize)]
struct WithFigures<'a> {
    fleets: &'a [SeedReport],
    aggregate: Aggregate,
}

/// Prints the reports. Without figures (the easy profile's default): JSON as they are,
/// a table or CSV as `evaluation_table`. With figures: JSON as `{"fleets": [...],
/// "aggregate": {...}}`; the table followed by `figures_table`; CSV as `figures_table`.
pub fn evaluation(format: Format, reports: &[SeedReport]) -> Result<()> {
    let figures: Vec<&Figures> = reports.iter().filter_map(|r| r.figures.as_ref()).collect();
    if figures.is_empty() {
        return match format {
            Format::Json => report::emit_json(reports),
            f => report::emit(f, &evaluation_table(reports), &()),
        };
    }
    match format {
        Format::Json => report::emit_json(&WithFigures {
            fleets: reports,
            aggregate: aggregate(&figures),
        }),
        Format::Table => {
            report::emit(format, &evaluation_table(reports), &())?;
            report::to_stdout(|out| Ok(writeln!(out)?))?;
            report::emit(format, &figures_table(reports), &())
        }
        f => report::emit(f, &figures_table(reports), &()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{CutReport, EarlyWarning, Nightly};

    #[test]
    fn each_seed_gives_a_mid_an_end_and_a_worst_night_row() {
        let cut = |as_of: &str| CutReport {
            as_of: as_of.into(),
            positives: 4,
            precision_at_k: 0.75,
            recovered_still_rested: 1,
            recovered_numbers: 2,
            ..CutReport::default()
        };
        let r = SeedReport {
            seed: 7,
            calls: 100,
            mid: cut("m"),
            end: cut("e"),
            nightly: Nightly {
                nights: 3,
                precision_by_night: vec![0.75, 1.0, 1.0],
                worst: cut("w"),
                nights_once_back: 1,
                worst_once_back: Some(cut("b")),
                recovered_back_on_top: 0,
                recovered_back_max_score: 0.0,
                healthy_rested_or_retired: 0,
            },
            figures: None,
            early_warning: EarlyWarning {
                burst_numbers: 3,
                flagged_before_first_spam: 2,
                median_hours_burst_to_action: None,
            },
        };
        let t = evaluation_table(&[r]);
        assert_eq!(t.rows.len(), 4);
        assert_eq!(t.rows[0][..5], ["7", "mid", "m", "4", "0.75"]);
        assert_eq!(t.rows[1][1..3], ["end", "e"]);
        assert_eq!(t.rows[1][8], "1/2");
        assert_eq!(t.rows[1][11], "", "no median without a flagged number");
        assert_eq!(t.rows[2][1..3], ["worst_night", "w"]);
        assert_eq!(t.rows[3][1..3], ["worst_once_back", "b"]);
    }

    #[test]
    fn the_figures_table_has_a_row_per_fleet_and_an_all_row() {
        use crate::eval::figures::{Figures, LeadTime};
        let report = |seed, p: f64| SeedReport {
            seed,
            calls: 10,
            mid: CutReport::default(),
            end: CutReport::default(),
            nightly: Nightly::default(),
            early_warning: EarlyWarning::default(),
            figures: Some(Figures {
                profile: "hard".into(),
                mid: crate::eval::figures::TopK {
                    positives: 4,
                    precision_numhealth: p,
                    precision_baseline: 0.25,
                    ..Default::default()
                },
                lead_time: LeadTime {
                    labelled: 1,
                    lead_days: vec![2.0],
                    median_lead_days: Some(2.0),
                    ..Default::default()
                },
                ..Figures::default()
            }),
        };
        let t = figures_table(&[report(1, 0.5), report(2, 1.0)]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0][..5], ["1", "hard", "4", "0.50", "0.25"]);
        assert_eq!(t.rows[2][0], "all");
        assert_eq!(t.rows[2][3], "0.75", "mean over fleets");
        assert_eq!(t.rows[2][13], "2.0", "median lead days");
        assert_eq!(t.rows[2][10], "", "no recall without planted bursts");
        assert!(figures_table(&[]).rows.is_empty());
    }
}
