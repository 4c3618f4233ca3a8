//! `numhealth score`: judge every number as of a moment and record the run, so each
//! number's risk history can be shown. Also the shared "assess everyone" step.

use std::collections::BTreeMap;

use crate::cli::{ScoreArgs, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::health::score::{Assessment, ScoreConfig, assess};
use crate::report::{self, Table};
use crate::store::Store;

/// Scores every number with rollups before `as_of_ms`, riskiest first.
pub fn assess_all(ctx: &Ctx, store: &Store, as_of_ms: i64) -> Result<Vec<Assessment>> {
    assess_store(store, &ctx.settings.score, as_of_ms)
}

/// Scores every number in `store` as of `as_of_ms` with `cfg`, riskiest first.
pub fn assess_store(store: &Store, cfg: &ScoreConfig, as_of_ms: i64) -> Result<Vec<Assessment>> {
    // One number's history in memory at a time.
    let mut out = Vec::new();
    store.for_each_history(as_of_ms, cfg.lookback_days, None, |fleet, h| {
        out.push(assess(&h, fleet, cfg, as_of_ms));
        Ok(())
    })?;
    sort_riskiest_first(&mut out);
    Ok(out)
}

pub fn sort_riskiest_first(v: &mut [Assessment]) {
    v.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.action.cmp(&a.action))
            .then_with(|| a.number.cmp(&b.number))
    });
}

pub fn run(ctx: &Ctx, args: ScoreArgs) -> Result<u8> {
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let (_lock, mut store) = ctx.open_writer()?;
    let results = assess_all(ctx, &store, as_of)?;
    let settings = ctx.settings.to_toml();
    let run_id = store.record_scores(as_of, crate::time::now_ms(), &settings, &results)?;
    let mut by_action: BTreeMap<&str, u64> = BTreeMap::new();
    for a in &results {
        *by_action.entry(a.action.as_str()).or_default() += 1;
    }
    match args.format {
        SummaryFormat::Table => {
            let mut t = Table::new(&["", "count"]);
            t.push(vec!["numbers".into(), results.len().to_string()]);
            for (k, v) in &by_action {
                t.push(vec![(*k).to_string(), v.to_string()]);
            }
            report::emit(crate::cli::Format::Table, &t, &())?;
        }
        SummaryFormat::Json => {
            let v = serde_json::json!({
                "score_run": run_id,
                "as_of": crate::time::rfc3339(as_of),
                "numbers": results.len(),
                "actions": by_action,
            });
            report::write_json(std::io::stdout().lock(), &v)?;
        }
    }
    Ok(exit::OK)
}
