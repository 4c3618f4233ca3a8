//! `numhealth report`: one self-contained HTML file (fleet charts, risk table, the numbers
//! that need action, the pool plan), written atomically.

use crate::cli::ReportArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::rules;
use crate::store::overview::gather_overview;

pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<u8> {
    let as_of = ctx.as_of(args.as_of.as_of.as_deref())?;
    let rules = rules(&ctx.settings.score, &ctx.settings.pool)?;
    let store = ctx.open_reader()?;
    let overview = gather_overview(
        &store,
        &rules,
        &as_of,
        ctx.settings.report.max_number_sections,
    )?;
    if let Some(w) = &overview.warning {
        ctx.say(w);
    }
    let bytes = report::html::write(&overview, &args.output)?;
    ctx.done(&format!(
        "wrote the report ({} KB, {} numbers at risk) to {}",
        bytes.div_ceil(1024),
        overview.risk.len(),
        report::output_name(&args.output)
    ));
    Ok(exit::OK)
}
