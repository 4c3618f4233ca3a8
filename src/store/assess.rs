//! The scoring engine: judges every number in the store as of a moment, with two readers
//! meeting in the middle, orders the verdicts riskiest first, and records a scoring run.

use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::health::assessment::Assessment;
use crate::health::score::assess;
use crate::health::score_config::ScoreConfig;
use crate::store::{HistoryScan, Store, end_hour_exclusive};

/// Scores every number in `store` with rollups before `as_of_ms` with `cfg`, riskiest first.
///
/// Two readers share the work: this thread walks the rollups from the first number up, a
/// second read-only connection (`Store::open_twin`) on another thread walks them from the
/// last number down, and they stop where they meet (each number is claimed by exactly one
/// of them). Each reader holds one number's history at a time, never the fleet's.
pub fn assess_all(store: &Store, cfg: &ScoreConfig, as_of_ms: i64) -> Result<Vec<Assessment>> {
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
    let second = store.open_twin().ok();
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

/// A recorded scoring run: its id in `score_runs` and its verdicts, riskiest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedScores {
    pub run_id: i64,
    pub assessments: Vec<Assessment>,
}

/// Scores every number as `assess_all` does and records the run (with `settings`, the
/// settings it ran with as TOML), so each number's risk history can be shown.
pub fn assess_and_record(
    store: &mut Store,
    cfg: &ScoreConfig,
    as_of_ms: i64,
    settings: &str,
) -> Result<RecordedScores> {
    let assessments = assess_all(store, cfg, as_of_ms)?;
    let run_id = store.record_scores(as_of_ms, crate::time::now_ms(), settings, &assessments)?;
    Ok(RecordedScores {
        run_id,
        assessments,
    })
}

/// The first `top` (all when `None`) of `ranked` scoring at least `min_score`.
pub fn riskiest(
    ranked: &[Assessment],
    min_score: Option<f64>,
    top: Option<usize>,
) -> Vec<&Assessment> {
    ranked
        .iter()
        .filter(|a| min_score.is_none_or(|m| a.score >= m))
        .take(top.unwrap_or(usize::MAX))
        .collect()
}

/// Highest score first; on a tie the harsher action, then the number.
pub fn sort_riskiest_first(v: &mut [Assessment]) {
    v.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.action.cmp(&a.action))
            .then_with(|| a.number.cmp(&b.number))
    });
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

        let two = assess_all(&store, &cfg, as_of).unwrap();
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

        let recorded = assess_and_record(&mut store, &cfg, as_of, "").unwrap();
        assert_eq!(recorded.assessments, two);
        let first = &two[0];
        let history = store.score_history(&first.number, as_of, 10).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].run_id, history[0].score),
            (recorded.run_id, first.score)
        );
    }

    #[test]
    fn riskiest_keeps_the_order_and_applies_the_floor_then_the_count() {
        let mut all: Vec<Assessment> = [5.0, 40.0, 20.0, 60.0]
            .iter()
            .enumerate()
            .map(|(i, &score)| Assessment {
                number: format!("+1415555000{i}"),
                score,
                level: crate::health::assessment::Level::Low,
                action: crate::health::assessment::Action::Keep,
                rest_until: None,
                rest_cause: None,
                components: Default::default(),
                reasons: vec![],
                attempts: 0,
                metrics: Default::default(),
            })
            .collect();
        sort_riskiest_first(&mut all);
        let scores = |v: Vec<&Assessment>| v.iter().map(|a| a.score).collect::<Vec<_>>();
        assert_eq!(scores(riskiest(&all, None, None)), [60.0, 40.0, 20.0, 5.0]);
        assert_eq!(scores(riskiest(&all, Some(20.0), None)), [60.0, 40.0, 20.0]);
        assert_eq!(scores(riskiest(&all, Some(20.0), Some(2))), [60.0, 40.0]);
        assert_eq!(scores(riskiest(&all, None, Some(0))), Vec::<f64>::new());
    }
}
