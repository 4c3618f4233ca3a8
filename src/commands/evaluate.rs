//! `numhealth evaluate`: run simulated fleets with planted patterns through the real
//! store and scoring, and measure the verdicts against the ground truth.

use crate::cli::EvaluateArgs;
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::eval::evaluate_fleets;
use crate::report;
use crate::sim::SimParams;
use crate::store::LoadSettings;

pub fn run(ctx: &Ctx, args: EvaluateArgs) -> Result<u8> {
    let end = match args.end.as_deref() {
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| Error::Usage(format!("--end {s:?}: expected YYYY-MM-DD")))?,
        None => SimParams::default().end,
    };
    let fleets: Vec<SimParams> = (args.seed..args.seed + args.seeds.max(1))
        .map(|seed| SimParams {
            seed,
            numbers: args.numbers,
            days: args.days,
            end,
            calls_per_day: args.calls_per_day,
            full_objects: false,
            profile: args.profile.into(),
        })
        .collect();
    let settings = LoadSettings::from_settings(&ctx.settings, crate::time::now_ms());
    let reports = evaluate_fleets(&fleets, &settings, &ctx.settings.score, args.figures)?;
    report::evaluation::evaluation(args.format, &reports)?;
    Ok(exit::OK)
}
