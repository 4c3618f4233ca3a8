//! `numhealth mark`: an operator's decision on numbers (active, resting until a date,
//! retired, released), recorded as transitions with source `operator`, all or none.

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use crate::cli::MarkArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::pool::mark::numbers_in;
use crate::pool::{Change, Mark};
use crate::readers::numbers::normalize_number;
use crate::report;
use crate::store::assess::{MAX_AHEAD_MS, rules};
use crate::time::{now_ms, rfc3339};

pub fn run(ctx: &Ctx, args: MarkArgs) -> Result<u8> {
    let region = &ctx.settings.ingest.default_region;
    let mut numbers = args
        .numbers
        .iter()
        .map(|n| normalize_number(region, n))
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = &args.from_file {
        numbers.extend(numbers_from_file(path, region)?);
    }
    if numbers.is_empty() {
        return Err(Error::Usage(
            "no numbers to mark: give NUMBER... or a --from-file with numbers".into(),
        ));
    }
    let until = args
        .until
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                Error::Usage(format!("--until {d:?}: expected a date such as 2026-12-31"))
            })
        })
        .transpose()?;
    let now = now_ms();
    let at_ms = match &args.at {
        Some(t) => ctx.moment("--at", t)?,
        None => now,
    };
    if at_ms > now + MAX_AHEAD_MS {
        return Err(Error::Usage(format!(
            "--at {} is in the future: a mark records what was decided, at most 5 minutes ahead of the clock",
            rfc3339(at_ms)
        )));
    }
    let replaces = args
        .replaces
        .as_deref()
        .map(|n| normalize_number(region, n))
        .transpose()?;
    let mark = Mark {
        status: args.status.into(),
        until,
        note: args.note.clone().filter(|n| !n.trim().is_empty()),
        by: args.by.clone().filter(|n| !n.trim().is_empty()),
        at_ms,
        daily_cap: args.daily_cap,
        hourly_cap: args.hourly_cap,
        add: args.add,
        replaces,
    };
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let (_lock, mut store) = ctx.open_writer()?;
    let plan = store.pool_mark(&numbers, &mark, &rules)?;
    let changes = Change::list(&plan);
    report::scores::marked(args.format, &changes)?;
    ctx.done(&report::scores::marked_count(&changes));
    Ok(exit::OK)
}

/// The numbers in a `--from-file` (`-`: standard input), normalized; a line that is not a
/// phone number fails the whole mark, naming the file and line.
fn numbers_from_file(path: &Path, region: &str) -> Result<Vec<String>> {
    let shown = path.display().to_string();
    let fail = |message: String| Error::Input {
        path: shown.clone(),
        message,
    };
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| fail(format!("cannot read standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    }
    numbers_in(&text)
        .map_err(&fail)?
        .into_iter()
        .map(|(line, n)| {
            normalize_number(region, &n).map_err(|e| fail(format!("line {line}: {e}")))
        })
        .collect()
}
