//! How `numhealth evaluate` looks: one row per seed and cut, or the reports as JSON.

use crate::cli::Format;
use crate::error::Result;
use crate::eval::SeedReport;
use crate::report::{self, Table};

/// The evaluation table: each seed's mid-window and end cuts with its early warning.
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
        for (name, c) in [("mid", &r.mid), ("end", &r.end)] {
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
    use crate::eval::{CutReport, EarlyWarning};

    #[test]
    fn each_seed_gives_a_mid_and_an_end_row() {
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
            early_warning: EarlyWarning {
                burst_numbers: 3,
                flagged_before_first_spam: 2,
                median_hours_burst_to_action: None,
            },
        };
        let t = evaluation_table(&[r]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0][..5], ["7", "mid", "m", "4", "0.75"]);
        assert_eq!(t.rows[1][1..3], ["end", "e"]);
        assert_eq!(t.rows[1][8], "1/2");
        assert_eq!(t.rows[1][11], "", "no median without a flagged number");
    }
}
