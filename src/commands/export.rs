//! `numhealth export rotation`: the list dialers consume, written atomically.

use crate::cli::{ExportArgs, ExportWhat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;
use crate::store::assess::assess_all;

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<u8> {
    let ExportWhat::Rotation(args) = args.what;
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let all = assess_all(&store, &ctx.settings.score, as_of)?;
    let rows: Vec<_> = all.iter().collect();
    report::scores::rotation(&rows, args.output.as_deref())?;
    if let Some(path) = &args.output {
        ctx.say(&format!(
            "wrote {} numbers to {}",
            rows.len(),
            path.display()
        ));
    }
    Ok(exit::OK)
}
