//! The scoring engine: judges every number in the store as of a moment, with two readers
//! meeting in the middle, and with each verdict the pool's evidence for a registered
//! number from the same history; orders the verdicts riskiest first; and records a
//! scoring run: its scores, the pool's transitions and the alert about them, in one
//! transaction.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::health::assessment::Assessment;
use crate::health::score::assess;
use crate::health::score_config::ScoreConfig;
use crate::notify::{NotifyConfig, Payload, RunInfo};
use crate::pool::change::count_statuses;
use crate::pool::{
    Change, Entry, Evidence, PaceLimits, Plan, PoolConfig, Rules, Zones, evidence, plan,
};
use crate::store::outbox::enqueue;
use crate::store::pool::apply_plan;
use crate::store::two_readers::from_both_ends;
use crate::store::{HistoryScan, Store, end_hour_exclusive};
use crate::time::rfc3339;

/// How far ahead of the clock a run's as-of may be (it records transitions at that moment).
pub const MAX_AHEAD_MS: i64 = 5 * 60_000;

/// What the pool needs from a scoring pass: the registry (each number's episode floor)
/// and the lifecycle rules.
pub struct PoolPass<'a> {
    pub registry: &'a HashMap<String, Entry>,
    pub rules: Rules<'a>,
}

/// A scoring pass: the verdicts, riskiest first, and (with a pool) the evidence of each
/// registered number the policy still moves.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    pub assessments: Vec<Assessment>,
    pub evidence: HashMap<String, Evidence>,
}

/// Scores every number in `store` with rollups before `as_of_ms` with `cfg` (its pacing
/// limits for every number), riskiest first.
pub fn assess_all(store: &Store, cfg: &ScoreConfig, as_of_ms: i64) -> Result<Vec<Assessment>> {
    judge_all(store, cfg, as_of_ms, &PaceLimits::default(), None).map(|j| j.assessments)
}

/// Scores every number as a `score` run does: as `assess_all`, with each number's pacing
/// judged by its normal caps in the pool (`PaceLimits`) as the registry at the moment,
/// `rows`, gives them (own caps set later do not count).
pub fn assess_pool(
    store: &Store,
    rules: &Rules<'_>,
    as_of_ms: i64,
    rows: &BTreeMap<String, Entry>,
) -> Result<Vec<Assessment>> {
    let limits = PaceLimits::of_pool(rules, rows.values());
    judge_all(store, rules.score, as_of_ms, &limits, None).map(|j| j.assessments)
}

/// Scores every number as `assess_all` does, each number's pacing judged by `limits`,
/// and, with `pool`, gathers each registered
/// number's evidence since its episode floor from the same history in the same pass.
///
/// Two readers share the work: this thread walks the rollups from the first number up, a
/// second read-only connection (`Store::open_twin`) on another thread walks them from the
/// last number down, and they stop where they meet (each number is claimed by exactly one
/// of them). Each reader holds one number's history at a time, never the fleet's.
pub fn judge_all(
    store: &Store,
    cfg: &ScoreConfig,
    as_of_ms: i64,
    limits: &PaceLimits,
    pool: Option<&PoolPass<'_>>,
) -> Result<Judged> {
    let normal = limits.normal_config(cfg);
    let normal = normal.as_ref().unwrap_or(cfg);
    let end = end_hour_exclusive(as_of_ms);
    let fleet = store.fleet_hours(end - cfg.lookback_days * 24, end)?;
    let scan = |descending| HistoryScan {
        as_of_ms,
        lookback_days: cfg.lookback_days,
        only: None,
        descending,
    };
    let bursts = store.scan_bursts(&scan(false))?;
    type Found = (Vec<Assessment>, Vec<(String, Evidence)>);
    let run =
        |s: &Store, descending: bool, claim: &(dyn Fn(&str) -> bool + Sync)| -> Result<Found> {
            let (mut out, mut found) = (Vec::new(), Vec::new());
            s.stream_histories(&scan(descending), &bursts, claim, |h| {
                if let Some(p) = pool
                    && let Some(e) = p.registry.get(&h.number)
                    && let Some(ev) = evidence::for_entry(e, &h, &fleet, as_of_ms, &p.rules)
                {
                    found.push((h.number.clone(), ev));
                }
                let own = limits.own_config(&h.number, cfg);
                out.push(assess(&h, &fleet, own.as_ref().unwrap_or(normal), as_of_ms));
                Ok(())
            })?;
            Ok((out, found))
        };
    // Without a second connection (it cannot be opened), one reader does it all.
    let ((mut assessments, mut found), (more, more_found)) = from_both_ends(store, "scoring", run)?;
    assessments.extend(more);
    found.extend(more_found);
    sort_riskiest_first(&mut assessments);
    Ok(Judged {
        assessments,
        evidence: found.into_iter().collect(),
    })
}

/// One `score` run's settings and moments.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    pub score: &'a ScoreConfig,
    pub pool: &'a PoolConfig,
    pub notify: &'a NotifyConfig,
    pub as_of_ms: i64,
    /// The clock (the run's record, the alert's queue time, the future limit).
    pub now_ms: i64,
    /// The settings the run ran with, as TOML, kept with the run.
    pub settings: &'a str,
}

/// A scoring run: its verdicts, riskiest first, and what changed in the pool.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedScores {
    /// `score_runs.id`; `None` for a dry run, which records nothing.
    pub run_id: Option<i64>,
    pub assessments: Vec<Assessment>,
    /// The pool's transitions, in number order.
    pub changes: Vec<Change>,
    /// Numbers per status once the run's changes apply.
    pub statuses: BTreeMap<&'static str, usize>,
    /// An alert about the changes was queued for the webhook.
    pub alert_queued: bool,
}

/// The lifecycle rules of a run.
pub fn rules<'a>(score: &'a ScoreConfig, pool: &'a PoolConfig) -> Result<Rules<'a>> {
    Ok(Rules {
        pool,
        score,
        zones: Zones::new(pool.tz().map_err(Error::Usage)?),
    })
}

/// What a run would record, before anything is written: refuses an as-of before the
/// pool's last transition (history is append-only) or more than `MAX_AHEAD_MS` ahead of
/// the clock (exit 1).
fn plan_run(store: &Store, req: &RunRequest<'_>) -> Result<(Vec<Assessment>, Plan)> {
    let as_of = req.as_of_ms;
    if as_of > req.now_ms.saturating_add(MAX_AHEAD_MS) {
        return Err(Error::Other(format!(
            "as-of {} is more than 5 minutes ahead of the clock ({}): a run records the pool's changes at its as-of moment, so it may not run ahead of time",
            rfc3339(as_of),
            rfc3339(req.now_ms)
        )));
    }
    if let Some(last) = store.pool_history_end_ms()?.filter(|&l| as_of < l) {
        return Err(Error::Other(format!(
            "as-of {} is before the pool's last recorded transition or score run ({}): the pool's history is append-only, so score as of that moment or later",
            rfc3339(as_of),
            rfc3339(last)
        )));
    }
    let rules = rules(req.score, req.pool)?;
    let registry = store.pool_registry()?;
    let by_number: HashMap<String, Entry> = registry
        .iter()
        .map(|e| (e.number.clone(), e.clone()))
        .collect();
    let pass = PoolPass {
        registry: &by_number,
        rules,
    };
    let limits = PaceLimits::of_pool(&rules, &registry);
    let judged = judge_all(store, req.score, as_of, &limits, Some(&pass))?;
    let p = plan(
        &registry,
        &judged.assessments,
        &judged.evidence,
        as_of,
        store.last_score_run_ms()?,
        &rules,
    );
    Ok((judged.assessments, p))
}

/// Numbers per status once `p`'s rows replace the registry's.
fn statuses_after(store: &Store, p: &Plan) -> Result<BTreeMap<&'static str, usize>> {
    let mut rows: BTreeMap<String, Entry> = store
        .pool_registry()?
        .into_iter()
        .map(|e| (e.number.clone(), e))
        .collect();
    for e in &p.entries {
        rows.insert(e.number.clone(), e.clone());
    }
    Ok(count_statuses(rows.values()))
}

/// What a run as of `req.as_of_ms` would change, recording and queuing nothing.
pub fn assess_dry_run(store: &Store, req: &RunRequest<'_>) -> Result<RecordedScores> {
    let (assessments, p) = plan_run(store, req)?;
    Ok(RecordedScores {
        run_id: None,
        statuses: statuses_after(store, &p)?,
        changes: Change::list(&p),
        assessments,
        alert_queued: false,
    })
}

/// Scores every number, applies the pool's lifecycle policy and records the run (with
/// its settings), its scores, the transitions and, when there are transitions and a
/// webhook is configured, the alert about them, all in one transaction: a run killed at
/// any moment leaves all of it or none. Deliver the alert with `deliver_alerts` once the
/// write lock is released.
///
/// A run at the as-of of the last recorded run that changes nothing (no transition, every
/// number's score, level, action and rest date as recorded) records nothing: cron may
/// repeat a run, and the history stays one run per moment. It answers with that run's id.
pub fn assess_and_record(store: &mut Store, req: &RunRequest<'_>) -> Result<RecordedScores> {
    let (assessments, p) = plan_run(store, req)?;
    let statuses = statuses_after(store, &p)?;
    if p.transitions.is_empty()
        && let Some(run_id) = store.same_as_last_run(req.as_of_ms, &assessments)?
    {
        return Ok(RecordedScores {
            run_id: Some(run_id),
            assessments,
            changes: Vec::new(),
            statuses,
            alert_queued: false,
        });
    }
    let (run_id, (changes, alert_queued)) = store.record_scores(
        req.as_of_ms,
        req.now_ms,
        req.settings,
        &assessments,
        |tx, run_id| {
            let p = p.with_run(run_id);
            apply_plan(tx, &p)?;
            let changes = Change::list(&p);
            let mut queued = false;
            if req.notify.enabled() {
                let run = RunInfo {
                    score_run: run_id,
                    created_ms: req.now_ms,
                };
                let payload =
                    Payload::transitions(run, req.as_of_ms, &changes, Change::line, &statuses)?;
                if let Some(payload) = payload {
                    queued = enqueue(tx, &payload, req.now_ms)?;
                }
            }
            Ok((changes, queued))
        },
    )?;
    Ok(RecordedScores {
        run_id: Some(run_id),
        assessments,
        changes,
        statuses,
        alert_queued,
    })
}

/// Delivers what the outbox holds due (this run's alert, earlier runs' retries, a
/// stale-data alert) when a webhook is configured; call it after the run committed and
/// the write lock was released. Returns one message per failure, for the caller to print
/// even under `-q`; they are also noted on run `run_id`. A failure never fails the run:
/// later runs retry under the same idempotency key.
pub fn deliver_alerts(
    store: &Store,
    notify: &NotifyConfig,
    run_id: Option<i64>,
    now_ms: i64,
) -> Vec<String> {
    if !notify.enabled() {
        return Vec::new();
    }
    let mut failed = match crate::notify::deliver_due(store, notify, now_ms) {
        Ok(report) => report.failed,
        Err(e) => vec![format!("alerts were not delivered: {e}")],
    };
    if let Some(id) = run_id
        && !failed.is_empty()
        && let Err(e) = store.note_alert_error(id, &failed.join("; "))
    {
        failed.push(format!(
            "the failed delivery was not noted on score run {id}: {e}"
        ));
    }
    failed
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
    use crate::sim::SimParams;
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
        let (fleet, _) = crate::eval::load_simulated(&mut store, &p, &settings).unwrap();
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

        let (pool, notify) = (PoolConfig::default(), NotifyConfig::default());
        let req = RunRequest {
            score: &cfg,
            pool: &pool,
            notify: &notify,
            as_of_ms: as_of,
            now_ms: as_of,
            settings: "",
        };
        let recorded = assess_and_record(&mut store, &req).unwrap();
        assert_eq!(recorded.assessments, two);
        // The first run registers every number.
        assert_eq!(recorded.changes.len(), 37);
        assert_eq!(store.pool_registry().unwrap().len(), 37);
        let recorded_run = recorded.run_id.unwrap();
        let first = &two[0];
        let history = store.score_history(&first.number, as_of, 10).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].run_id, history[0].score),
            (recorded_run, first.score)
        );
    }

    #[test]
    fn score_rows_beyond_the_window_are_thinned_to_the_last_run_of_each_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_rw(&dir.path().join("t.db"), false).unwrap();
        let day = 86_400_000;
        let t0 = 20_000 * day;
        let verdicts: Vec<Assessment> = ["+14155550100", "+14155550101"]
            .iter()
            .map(|n| Assessment {
                number: n.to_string(),
                score: 1.0,
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
        // Three runs on day 0, two on day 1, one on day 40 (the newest).
        let moments = [
            t0 + 1000,
            t0 + 7 * 3_600_000,
            t0 + 23 * 3_600_000,
            t0 + day,
            t0 + day + 60_000,
            t0 + 40 * day + 5,
        ];
        let mut runs = Vec::new();
        for at in moments {
            let (id, ()) = store
                .record_scores(at, at, "", &verdicts, |_, _| Ok(()))
                .unwrap();
            runs.push(id);
        }
        let (deleted, since) = store.thin_scores(30).unwrap();
        assert_eq!(since, Some(t0 + 10 * day));
        assert_eq!(
            deleted,
            2 * 3,
            "two of day 0's runs and one of day 1's, 2 rows each"
        );
        let left: Vec<i64> = store
            .score_history("+14155550100", i64::MAX, 100)
            .unwrap()
            .iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(left, [runs[2], runs[4], runs[5]]);
        // Thinning again changes nothing.
        assert_eq!(store.thin_scores(30).unwrap().0, 0);
        assert_eq!(store.thin_scores(60).unwrap().0, 0);
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
