//! `numhealth score`: judge every number as of a moment, apply the pool's lifecycle policy
//! and record the run with its transitions, then say what changed (nothing when nothing
//! did). Stale data as of now is refused (exit 4) unless `--allow-stale`, and raises one
//! stale-data alert (`store::freshness`). Alerts are delivered after the write lock is
//! released; `--dry-run` records and sends nothing.

use crate::cli::{ScoreArgs, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::{
    RecordedScores, RunRequest, assess_and_record, assess_dry_run, deliver_alerts,
};

pub fn run(ctx: &Ctx, args: ScoreArgs) -> Result<u8> {
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let now = crate::time::now_ms();
    let settings = ctx.settings.to_toml();
    let req = RunRequest {
        score: &ctx.settings.score,
        pool: &ctx.settings.pool,
        notify: &ctx.settings.notify,
        as_of_ms: as_of.ms,
        now_ms: now,
        settings: &settings,
    };
    if args.dry_run {
        let store = ctx.open_reader()?;
        let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
        if let Some(w) = fresh.gate("score", args.allow_stale)? {
            ctx.say(&w);
        }
        if fresh.is_empty() {
            ctx.say("no calls stored yet: nothing to score");
            return Ok(exit::OK);
        }
        show(ctx, args.format, as_of.ms, &assess_dry_run(&store, &req)?)?;
        return Ok(exit::OK);
    }
    let (lock, mut store) = ctx.open_writer()?;
    let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
    let alert = store.queue_stale_alert(&fresh, &ctx.settings.notify, now)?;
    let gate = fresh.gate("score", args.allow_stale);
    let run = match &gate {
        Ok(warning) => {
            if let Some(w) = warning {
                ctx.say(w);
            }
            (!fresh.is_empty())
                .then(|| assess_and_record(&mut store, &req))
                .transpose()
        }
        Err(_) => Ok(None),
    };
    drop(lock);
    // What changed goes out first; delivery may wait for a slow webhook.
    let shown = match &run {
        Ok(Some(r)) if gate.is_ok() => show(ctx, args.format, as_of.ms, r),
        _ => Ok(()),
    };
    let run_id = run.as_ref().ok().and_then(|r| r.as_ref()?.run_id);
    if alert || run_id.is_some() {
        // Shown even with -q; a failed delivery is retried later and keeps the exit code.
        for msg in deliver_alerts(&store, &ctx.settings.notify, run_id, now) {
            ctx.error(&msg);
        }
    }
    gate?;
    if run?.is_none() {
        ctx.say("no calls stored yet: nothing scored, no run recorded");
    }
    shown?;
    Ok(exit::OK)
}

/// The run's changes on stdout, their count on stderr.
fn show(ctx: &Ctx, format: SummaryFormat, as_of_ms: i64, run: &RecordedScores) -> Result<()> {
    report::scores::score_run(format, as_of_ms, run)?;
    if let Some(msg) = report::scores::changes_count(as_of_ms, run) {
        ctx.say(&msg);
    }
    Ok(())
}
