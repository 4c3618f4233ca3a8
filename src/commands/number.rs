//! `numhealth number E164`: one number's story: daily timeline, bursts, components,
//! action, reasons, score history, and its status and transitions in the number pool.

use crate::cli::NumberArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::health::assessment::NumberHistory;
use crate::health::daily;
use crate::health::rollup::HOUR_MS;
use crate::health::score::assess;
use crate::readers::numbers::normalize_number;
use crate::report::{self, number::Story};
use crate::store::assess::rules;
use crate::time::rfc3339;

pub fn run(ctx: &Ctx, args: NumberArgs) -> Result<u8> {
    let number = normalize_number(&ctx.settings.ingest.default_region, &args.number)?;
    let tz: chrono_tz::Tz = args.tz.parse().map_err(|_| {
        Error::Usage(format!(
            "--tz {:?} is not an IANA time zone like America/New_York",
            args.tz
        ))
    })?;
    if !(1..=400).contains(&args.days) {
        return Err(Error::Usage("--days must be between 1 and 400".into()));
    }
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let cfg = &ctx.settings.score;
    let rules = rules(cfg, &ctx.settings.pool)?;
    let store = ctx.open_reader()?;
    if let Some(w) = store
        .check_freshness(&as_of, cfg.stale_after_hours)?
        .warning()
    {
        ctx.say(&w);
    }
    let as_of = as_of.ms;
    let inputs = store.scoring_inputs(as_of, cfg.lookback_days.max(args.days), Some(&number))?;
    let Some(history) = inputs.histories.into_iter().next() else {
        return Err(Error::Other(format!(
            "{number} has no calls before {} in {}",
            rfc3339(as_of),
            ctx.db.display()
        )));
    };
    // Score with the configured lookback, show `--days` of timeline.
    let as_of_hour = as_of.div_euclid(HOUR_MS);
    let window_start = as_of_hour - cfg.lookback_days * 24;
    let scored = NumberHistory {
        hours: history
            .hours
            .iter()
            .filter(|(h, _)| *h >= window_start)
            .cloned()
            .collect(),
        ..history.clone()
    };
    let assessment = assess(&scored, &inputs.fleet, cfg, as_of);
    let since_hour = as_of_hour - args.days * 24;
    let story = Story {
        number: &number,
        as_of_ms: as_of,
        first_seen_ms: history.first_seen_ms,
        last_spam_ms: history.last_spam_ms,
        assessment: &assessment,
        tz,
        days: daily::timeline(&history.hours, since_hour, tz),
        bursts: store.list_bursts(Some(&number), Some(since_hour * HOUR_MS), Some(as_of))?,
        history: store.score_history(&number, as_of, 30)?,
        pool: store.pool_number_at(&number, as_of, &rules)?,
    };
    report::number::print(&story, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
