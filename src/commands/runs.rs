//! `numhealth runs`: what each ingest or pull run did, file by file.

use serde::Serialize;

use crate::cli::{Format, RunsArgs};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report::{self, views};
use crate::store::{RunFileRow, RunRow};

#[derive(Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    run: &'a RunRow,
    file_list: Vec<&'a RunFileRow>,
}

pub fn run(ctx: &Ctx, args: RunsArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let runs = store.list_runs(args.limit)?;
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let files = store.run_files(&ids)?;
    let json: Vec<RunJson> = runs
        .iter()
        .map(|r| RunJson {
            run: r,
            file_list: files.iter().filter(|f| f.run_id == r.id).collect(),
        })
        .collect();
    report::emit(args.format, &views::runs(&runs), &json)?;
    if args.format == Format::Table && !files.is_empty() {
        println!();
        report::emit(Format::Table, &views::run_files(&files), &())?;
    }
    Ok(exit::OK)
}
