//! `numhealth runs`: what each ingest or pull run did, file by file.

use crate::cli::RunsArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report;

pub fn run(ctx: &Ctx, args: RunsArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let runs = store.list_runs(args.limit)?;
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let files = store.run_files(&ids)?;
    report::listings::runs(&runs, &files, args.format.into(), ctx.width)?;
    Ok(exit::OK)
}
