//! `numhealth simulate`: write a simulated fleet (every input shape) and its ground truth
//! into a new or empty directory (`--force` for one that has files).

use std::path::Path;

use chrono::NaiveDate;

use crate::cli::SimulateArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::sim::{SimParams, write_fleet};

pub fn run(ctx: &Ctx, args: SimulateArgs) -> Result<u8> {
    let end = match args.end.as_deref() {
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::Usage(format!("--end {s:?}: expected YYYY-MM-DD")))?,
        None => SimParams::default().end,
    };
    if args.numbers == 0 || args.days < 1 || args.calls_per_day == 0 {
        return Err(Error::Usage(
            "--numbers, --days and --calls-per-day must be positive".into(),
        ));
    }
    let p = SimParams {
        seed: args.seed,
        numbers: args.numbers,
        days: args.days,
        end,
        calls_per_day: args.calls_per_day,
        full_objects: true,
        profile: args.profile.into(),
    };
    if !args.force && has_entries(&args.out) {
        return Err(Error::Input {
            path: args.out.display().to_string(),
            message: "the directory already has files; choose an empty or new directory, \
                      or pass --force to write into it (files of the same name are overwritten)"
                .into(),
        });
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Error::Input {
        path: args.out.display().to_string(),
        message: format!("cannot create directory: {e}"),
    })?;
    let summary = write_fleet(&p, &args.out, args.ndjson_only).map_err(|e| Error::Input {
        path: args.out.display().to_string(),
        message: format!("writing the fleet failed: {e}"),
    })?;
    for f in &summary.files {
        ctx.say(&format!("{}: {} records", f.file, f.records));
    }
    ctx.say(&format!(
        "{} calls ({} phone, {} web) for {} numbers into {}",
        summary.calls,
        summary.phone_calls,
        summary.web_calls,
        summary.fleet.truths.len(),
        args.out.display()
    ));
    Ok(exit::OK)
}

/// Whether `dir` is a directory with at least one entry (a missing one has none).
fn has_entries(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}
