//! `numhealth number E164`: one number's story: daily timeline, bursts, components,
//! action, reasons, score history, and its status and transitions in the number pool.

use crate::cli::NumberArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::readers::numbers::normalize_number;
use crate::report;
use crate::store::assess::rules;
use crate::store::story::StoryRequest;

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
    let store = ctx.open_reader_at(&as_of)?;
    let story = store.number_story(&StoryRequest {
        number: &number,
        as_of_ms: as_of.ms,
        days: args.days,
        tz,
        score: cfg,
        rules: &rules,
    })?;
    report::number::print(&story, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
