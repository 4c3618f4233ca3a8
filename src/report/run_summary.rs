//! What an ingest or pull run prints: the summary when it ends (a table for people, JSON
//! for scripts) on stdout, and on stderr the failed inputs as they happen, a pointer to
//! the records kept aside, the directories expanded and the database created.

use std::path::Path;

use crate::error::Result;
use crate::report::{Format, emit, views, write_json};
use crate::store::ingest::{Inputs, RunOutcome};

/// Reports an input that failed and was rolled back (always shown, even with `-q`).
pub fn input_failed(message: &str) {
    eprintln!("numhealth: error: {message}");
}

/// Reports every input refused before anything was read (always shown).
pub fn inputs_refused(inputs: &Inputs) {
    inputs.refusals().for_each(input_failed);
}

/// Tells of the directories `--recursive` expanded.
pub fn inputs_expanded(inputs: &Inputs, say: &dyn Fn(&str)) {
    for (dir, files) in &inputs.expanded {
        let noun = if *files == 1 { "file" } else { "files" };
        say(&format!(
            "{}: loading the {files} {noun} below it",
            dir.display()
        ));
    }
}

/// Tells that the run created the database at `db`.
pub fn database_created(db: &Path, say: &dyn Fn(&str)) {
    let shown = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    say(&format!("created database {}", shown.display()));
}

/// Prints the summary of a finished run; `say` gets the notice about rejects. `quiet`
/// (`-q`): no table (JSON, asked for by a script, is still printed).
pub fn print(
    outcome: &RunOutcome,
    format: Format,
    quiet: bool,
    db_flag: Option<&std::path::Path>,
    say: &dyn Fn(&str),
) -> Result<()> {
    let totals = &outcome.totals;
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(totals).unwrap_or_default();
            if let (Some(p), Some(o)) = (outcome.pages, v.as_object_mut()) {
                o.insert("pages".into(), p.into());
            }
            write_json(std::io::stdout().lock(), &v)?;
        }
        _ if quiet => {}
        f => {
            let mut table = views::summary(totals, None);
            for (k, v) in [
                ("already_rejected", totals.already_rejected),
                ("empty_files", totals.empty_files),
            ]
            .into_iter()
            .chain(outcome.pages.map(|p| ("pages", p)))
            {
                table.push(vec![k.to_string(), v.to_string()]);
            }
            emit(f, &table, &())?;
        }
    }
    if totals.rejected > 0 {
        say(&format!(
            "{} record(s) rejected and kept aside; see `numhealth {}rejects --run {}`",
            totals.rejected,
            db_flag.map(db_arg).unwrap_or_default(),
            outcome.run_id
        ));
    }
    Ok(())
}

/// `--db PATH ` as a person would type it again (quoted when the shell needs it).
fn db_arg(path: &std::path::Path) -> String {
    let p = path.display().to_string();
    let plain = p
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b));
    if plain {
        format!("--db {p} ")
    } else {
        format!("--db '{}' ", p.replace('\'', "'\\''"))
    }
}
