//! How `numhealth evaluate` looks: one row per seed and cut, or the reports as JSON.

use crate::cli::Format;
use crate::error::Result;
use crate::eval::SeedReport;
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

/// Prints the reports: JSON as they are, a table or CSV as `evaluation_table`.
pub fn evaluation(format: Format, reports: &[SeedReport]) -> Result<()> {
    match format {
        Format::Json => report::emit_json(reports),
        f => report::emit(f, &evaluation_table(reports), &()),
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
}
