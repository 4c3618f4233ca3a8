//! `numhealth check`: integrity check, counts and a content checksum.

use crate::cli::{CheckArgs, Format, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Result, exit};
use crate::report::{self, Table};

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    let r = store.check()?;
    match args.format {
        SummaryFormat::Json => report::write_json(std::io::stdout().lock(), &r)?,
        SummaryFormat::Table => {
            let mut t = Table::new(&["", "value"]);
            t.push(vec!["integrity".into(), r.integrity.clone()]);
            t.push(vec!["calls".into(), r.calls.to_string()]);
            t.push(vec!["rollup_rows".into(), r.rollup_rows.to_string()]);
            t.push(vec!["bursts".into(), r.bursts.to_string()]);
            t.push(vec!["checksum".into(), r.checksum.clone()]);
            report::emit(Format::Table, &t, &())?;
        }
    }
    Ok(if r.integrity == "ok" {
        exit::OK
    } else {
        exit::FAILURE
    })
}
