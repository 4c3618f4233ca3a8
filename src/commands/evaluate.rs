//! `numhealth evaluate`: run simulated fleets with planted patterns through the real
//! store and scoring, and measure the verdicts against the ground truth.

use serde::Serialize;

use crate::cli::{EvaluateArgs, Format};
use crate::commands::Ctx;
use crate::commands::score::assess_store;
use crate::error::{Error, Result, exit};
use crate::eval::{CutReport, EarlyWarning, score_cut};
use crate::health::rollup::HOUR_MS;
use crate::health::score::{Action, assess};
use crate::model::{Item, Locator};
use crate::report::{self, Table};
use crate::sim::{Kind, SimParams, generate};
use crate::store::{LoadSettings, Store};
use crate::time::rfc3339;

#[derive(Serialize)]
struct SeedReport {
    seed: u64,
    calls: u64,
    mid: CutReport,
    end: CutReport,
    early_warning: EarlyWarning,
}

pub fn run(ctx: &Ctx, args: EvaluateArgs) -> Result<u8> {
    let end = match args.end.as_deref() {
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::Usage(format!("--end {s:?}: expected YYYY-MM-DD")))?,
        None => SimParams::default().end,
    };
    let mut reports = Vec::new();
    for seed in args.seed..args.seed + args.seeds.max(1) {
        let p = SimParams {
            seed,
            numbers: args.numbers,
            days: args.days,
            end,
            calls_per_day: args.calls_per_day,
            full_objects: false,
        };
        reports.push(evaluate_one(ctx, &p)?);
    }
    match args.format {
        Format::Json => report::write_json(std::io::stdout().lock(), &reports)?,
        f => {
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
            for r in &reports {
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
            report::emit(f, &t, &())?;
        }
    }
    Ok(exit::OK)
}

fn evaluate_one(ctx: &Ctx, p: &SimParams) -> Result<SeedReport> {
    let dir = tempfile::tempdir()
        .map_err(|e| Error::Other(format!("cannot create a temporary directory: {e}")))?;
    let mut store = Store::open_rw(&dir.path().join("eval.db"), false)?;
    let settings = LoadSettings::from_settings(&ctx.settings, crate::time::now_ms());
    let run_id = store.begin_run("ingest", crate::time::now_ms())?;
    let mut calls = 0u64;
    let fleet = {
        let mut load = store.begin_file(run_id, 1, "simulated fleet", &settings)?;
        let mut failed = None;
        let fleet = generate(p, &mut |c| {
            if failed.is_some() {
                return;
            }
            if let Some(rec) = c.to_record() {
                calls += 1;
                let at = Locator {
                    line: None,
                    record: calls,
                };
                if let Err(e) = load.add(Item::Call(Box::new(rec), at)) {
                    failed = Some(e);
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        load.finish("", 0, "simulated")?;
        fleet
    };
    let cfg = &ctx.settings.score;
    let span = fleet.window_end_ms - fleet.window_start_ms;
    let mid_ms = (fleet.window_start_ms + span * 6 / 10).div_euclid(HOUR_MS) * HOUR_MS;
    let mid = score_cut(
        rfc3339(mid_ms),
        mid_ms,
        &fleet.truths,
        &assess_store(&store, cfg, mid_ms)?,
    );
    let end = score_cut(
        rfc3339(fleet.window_end_ms),
        fleet.window_end_ms,
        &fleet.truths,
        &assess_store(&store, cfg, fleet.window_end_ms)?,
    );
    // Early warning: walk each burst number hour by hour from its first burst to its first label.
    let mut ew = EarlyWarning::default();
    let mut lags = Vec::new();
    for t in fleet
        .truths
        .iter()
        .filter(|t| t.kind == Kind::BurstThenDegrade)
    {
        let (Some(burst), Some(spam)) = (t.first_burst_ms, t.first_spam_ms) else {
            continue;
        };
        ew.burst_numbers += 1;
        let mut hour = burst.div_euclid(HOUR_MS) + 1;
        while hour * HOUR_MS <= spam {
            let inputs =
                store.scoring_inputs(hour * HOUR_MS, cfg.lookback_days, Some(&t.number))?;
            if let Some(h) = inputs.histories.first() {
                let a = assess(h, &inputs.fleet, cfg, hour * HOUR_MS);
                if matches!(a.action, Action::Throttle | Action::Rest | Action::Retire) {
                    ew.flagged_before_first_spam += 1;
                    lags.push((hour * HOUR_MS - burst) as f64 / HOUR_MS as f64);
                    break;
                }
            }
            hour += 1;
        }
    }
    lags.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    ew.median_hours_burst_to_action = lags.get(lags.len() / 2).copied();
    Ok(SeedReport {
        seed: p.seed,
        calls,
        mid,
        end,
        early_warning: ew,
    })
}
