//! `numhealth bursts`: the stored short-call bursts.

use serde::Serialize;

use crate::cli::BurstsArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::readers::numbers::normalize_number;
use crate::report::{self, views};
use crate::time::{parse_moment, rfc3339};

#[derive(Serialize)]
struct BurstJson {
    number: String,
    start: String,
    end: String,
    calls: i64,
    short_calls: i64,
}

pub fn run(ctx: &Ctx, args: BurstsArgs) -> Result<u8> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_moment("--since", s))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_moment("--until", s))
        .transpose()?;
    let number = args
        .number
        .as_deref()
        .map(|n| normalize_number(&ctx.settings.ingest.default_region, n))
        .transpose()?;
    let store = ctx.open_reader()?;
    let rows = store.list_bursts(number.as_deref(), since, until)?;
    let json: Vec<BurstJson> = rows
        .iter()
        .map(|b| BurstJson {
            number: b.number.clone(),
            start: rfc3339(b.start_ms),
            end: rfc3339(b.end_ms),
            calls: b.calls,
            short_calls: b.short_calls,
        })
        .collect();
    report::emit(args.format, &views::bursts(&rows), &json)?;
    Ok(exit::OK)
}
