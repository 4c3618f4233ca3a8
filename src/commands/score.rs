//! `numhealth score`: judge every number as of a moment and record the run, so each
//! number's risk history can be shown. Stale data as of now is refused (exit 4) unless
//! `--allow-stale`, and raises one stale-data alert (`store::freshness`).

use crate::cli::ScoreArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::assess_and_record;
use crate::store::freshness::AsOfMoment;

pub fn run(ctx: &Ctx, args: ScoreArgs) -> Result<u8> {
    let as_of = AsOfMoment::from_flag(args.as_of.as_of.as_deref())?;
    let (lock, mut store) = ctx.open_writer()?;
    let fresh = store.check_freshness(&as_of, ctx.settings.score.stale_after_hours)?;
    let now = crate::time::now_ms();
    let alert = store.queue_stale_alert(&fresh, &ctx.settings.notify, now)?;
    let gate = fresh.gate("score", args.allow_stale);
    let run = match &gate {
        Ok(warning) => {
            if let Some(w) = warning {
                ctx.say(w);
            }
            let settings = ctx.settings.to_toml();
            (!fresh.is_empty())
                .then(|| assess_and_record(&mut store, &ctx.settings.score, as_of.ms, &settings))
                .transpose()?
        }
        Err(_) => None,
    };
    drop(lock);
    if alert {
        // Shown even with -q; a failed delivery is retried later and keeps the exit code.
        for msg in store.deliver_stale_alert(&ctx.settings.notify, now) {
            eprintln!("numhealth: error: {msg}");
        }
    }
    gate?;
    let Some(run) = run else {
        ctx.say("no calls stored yet: nothing scored, no run recorded");
        return Ok(exit::OK);
    };
    report::scores::score_summary(args.format, run.run_id, as_of.ms, &run.assessments)?;
    Ok(exit::OK)
}
