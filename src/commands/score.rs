//! `numhealth score`: judge every number as of a moment and record the run, so each
//! number's risk history can be shown. Also the shared "assess everyone" step.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::cli::{ScoreArgs, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::health::score::{Assessment, ScoreConfig, assess};
use crate::report::{self, Table};
use crate::store::{HistoryScan, Store, end_hour_exclusive};

/// Scores every number with rollups before `as_of_ms`, riskiest first.
pub fn assess_all(ctx: &Ctx, store: &Store, as_of_ms: i64) -> Result<Vec<Assessment>> {
    assess_store(store, &ctx.settings.score, as_of_ms)
}

/// Scores every number in `store` as of `as_of_ms` with `cfg`, riskiest first.
///
/// Two readers share the work: this thread walks the rollups from the first number up, a
/// second connection on another thread walks them from the last number down, and they
/// stop where they meet (each number is claimed by exactly one of them). Each reader
/// holds one number's history at a time, never the fleet's.
pub fn assess_store(store: &Store, cfg: &ScoreConfig, as_of_ms: i64) -> Result<Vec<Assessment>> {
    let end = end_hour_exclusive(as_of_ms);
    let fleet = store.fleet_hours(end - cfg.lookback_days * 24, end)?;
    let scan = |descending| HistoryScan {
        as_of_ms,
        lookback_days: cfg.lookback_days,
        only: None,
        descending,
    };
    let bursts = store.scan_bursts(&scan(false))?;
    // The highest number the ascending reader took, the lowest the descending one took.
    let claims: Mutex<(Option<String>, Option<String>)> = Mutex::new((None, None));
    let claim = |number: &str, descending: bool| -> bool {
        let Ok(mut c) = claims.lock() else {
            return false;
        };
        let (up, down) = &mut *c;
        let free = if descending {
            up.as_deref().is_none_or(|u| number > u)
        } else {
            down.as_deref().is_none_or(|d| number < d)
        };
        if free {
            *(if descending { down } else { up }) = Some(number.to_string());
        }
        free
    };
    let run = |s: &Store, descending: bool| -> Result<Vec<Assessment>> {
        let mut out = Vec::new();
        s.stream_histories(
            &scan(descending),
            &bursts,
            |n| claim(n, descending),
            |h| {
                out.push(assess(&h, &fleet, cfg, as_of_ms));
                Ok(())
            },
        )?;
        Ok(out)
    };
    // Without a second connection (it cannot be opened), one reader does it all.
    let second = Store::open_ro(store.path()).ok();
    let (up, down) = std::thread::scope(|scope| {
        let run = &run;
        let down = second.map(|s2| scope.spawn(move || run(&s2, true)));
        let up = run(store, false);
        let down = match down {
            Some(handle) => handle
                .join()
                .map_err(|_| Error::Other("the scoring thread failed".into()))
                .and_then(|r| r),
            None => Ok(Vec::new()),
        };
        (up, down)
    });
    let mut out = up?;
    out.extend(down?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::bursts::BurstConfig;
    use crate::model::{Item, Locator};
    use crate::sim::{SimParams, generate};
    use crate::store::LoadSettings;

    /// The two readers meeting in the middle score every number exactly once, with the
    /// same result as one reader walking the whole table.
    #[test]
    fn two_readers_score_every_number_once_like_one_reader() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_rw(&dir.path().join("t.db"), false).unwrap();
        let p = SimParams {
            seed: 3,
            numbers: 37,
            days: 6,
            calls_per_day: 40,
            ..SimParams::default()
        };
        let settings = LoadSettings {
            short_call_ms: 6000,
            bursts: BurstConfig::default(),
            received_ms: 0,
            batch_size: 5000,
            max_pending_rollups: 10_000,
        };
        let run = store.begin_run("ingest", 0).unwrap();
        let mut load = store.begin_file(run, 1, "sim", &settings).unwrap();
        let mut n = 0;
        let fleet = generate(&p, &mut |c| {
            if let Some(rec) = c.to_record() {
                n += 1;
                let at = Locator {
                    line: None,
                    record: n,
                };
                load.add(Item::Call(Box::new(rec), at)).unwrap();
            }
        });
        load.finish("", 0, "sim").unwrap();
        let cfg = ScoreConfig::default();
        let as_of = fleet.window_end_ms;

        let two = assess_store(&store, &cfg, as_of).unwrap();
        let mut one = Vec::new();
        store
            .for_each_history(as_of, cfg.lookback_days, None, |f, h| {
                one.push(assess(&h, f, &cfg, as_of));
                Ok(())
            })
            .unwrap();
        sort_riskiest_first(&mut one);

        let mut numbers: Vec<&str> = two.iter().map(|a| a.number.as_str()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), two.len(), "a number was scored twice");
        assert_eq!(two.len(), 37);
        assert_eq!(two, one);
    }
}
