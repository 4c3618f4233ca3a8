//! Results of looking after the database: `check`, `prune` and the effective settings.

use crate::error::Result;
use crate::report::{Format, Table, emit, io, to_stdout};
use crate::store::{CheckReport, PruneOutcome};
use crate::time::rfc3339;

/// The integrity check, counts, whether fleet totals and attempt marks agree with the
/// rollups and raw calls, and the checksum, as a two-column table or JSON.
pub fn check(r: &CheckReport, format: Format) -> Result<()> {
    let mut t = Table::new(&["", "value"]);
    t.push(vec!["integrity".into(), r.integrity.clone()]);
    t.push(vec!["calls".into(), r.calls.to_string()]);
    t.push(vec!["rollup_rows".into(), r.rollup_rows.to_string()]);
    t.push(vec!["bursts".into(), r.bursts.to_string()]);
    let yes_no = |agree: bool| if agree { "yes" } else { "no" }.to_string();
    t.push(vec![
        "fleet totals agree".into(),
        yes_no(r.fleet_totals_agree),
    ]);
    t.push(vec![
        "attempt marks agree".into(),
        yes_no(r.attempt_marks_agree),
    ]);
    t.push(vec!["checksum".into(), r.checksum.clone()]);
    emit(format, &t, r)
}

/// What `prune` deleted.
pub fn pruned(p: &PruneOutcome) -> Result<()> {
    to_stdout(|out| {
        writeln!(
            out,
            "deleted {} raw calls placed before {}; rollups, bursts and score runs kept",
            p.deleted_calls,
            rfc3339(p.horizon_ms)
        )
        .map_err(io)?;
        if let Some(since) = p.scores_full_since_ms {
            writeln!(
                out,
                "score rows: every run's kept since {}, one per number per day before it ({} deleted)",
                rfc3339(since),
                p.thinned_scores
            )
            .map_err(io)?;
        }
        Ok(())
    })
}

/// What `prune --dry-run` found: the raw calls a prune would delete and the score rows it
/// would thin, none deleted.
pub fn would_prune(p: &PruneOutcome) -> Result<()> {
    to_stdout(|out| {
        writeln!(
            out,
            "would delete {} raw calls placed before {}; nothing deleted (--dry-run)",
            p.deleted_calls,
            rfc3339(p.horizon_ms)
        )
        .map_err(io)?;
        if let Some(since) = p.scores_full_since_ms {
            writeln!(
                out,
                "score rows: would keep every run's since {}, one per number per day before it ({} would be deleted)",
                rfc3339(since),
                p.thinned_scores
            )
            .map_err(io)?;
        }
        Ok(())
    })
}

/// The effective settings, as the TOML of a config file.
pub fn settings(toml: &str) -> Result<()> {
    to_stdout(|out| out.write_all(toml.as_bytes()).map_err(io))
}
