//! `numhealth export rotation`: the list dialers consume, written atomically.

use std::io::Write;

use crate::cli::{ExportArgs, ExportWhat};
use crate::commands::Ctx;
use crate::commands::score::assess_all;
use crate::error::{Error, Result, exit};
use crate::report::views;

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<u8> {
    let ExportWhat::Rotation(args) = args.what;
    let as_of = crate::time::as_of_or_now(args.as_of.as_of.as_deref())?;
    let store = ctx.open_reader()?;
    let all = assess_all(ctx, &store, as_of)?;
    let rows: Vec<_> = all.iter().collect();
    let table = views::rotation(&rows);
    match args.output {
        None => {
            let stdout = std::io::stdout();
            table.write_csv(stdout.lock())?;
        }
        Some(path) => {
            let shown = path.display().to_string();
            let fail = |m: String| Error::Input {
                path: shown.clone(),
                message: m,
            };
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            // A private temporary file beside the target, renamed over it: readers never see half a list.
            let mut tmp = tempfile::Builder::new()
                .prefix(".numhealth-rotation-")
                .tempfile_in(dir)
                .map_err(|e| fail(format!("cannot create a file in {}: {e}", dir.display())))?;
            table.write_csv(&mut tmp)?;
            tmp.flush().map_err(|e| fail(e.to_string()))?;
            tmp.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
            tmp.persist(&path)
                .map_err(|e| fail(format!("cannot move the list into place: {}", e.error)))?;
            ctx.say(&format!("wrote {} numbers to {shown}", rows.len()));
        }
    }
    Ok(exit::OK)
}
