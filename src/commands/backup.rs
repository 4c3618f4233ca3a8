//! `numhealth backup FILE`: a consistent copy via SQLite's online backup API.

use crate::cli::BackupArgs;
use crate::commands::Ctx;
use crate::error::{Result, exit};

pub fn run(ctx: &Ctx, args: BackupArgs) -> Result<u8> {
    let store = ctx.open_reader()?;
    store.backup_to(&args.file)?;
    ctx.done(&format!(
        "backed up {} to {}",
        ctx.db.display(),
        args.file.display()
    ));
    Ok(exit::OK)
}
