//! What an ingest or pull run prints when it ends: the summary (a table for people, JSON
//! for scripts) on stdout, and on stderr the failed inputs as they happen and a pointer to
//! the records kept aside.

use crate::error::Result;
use crate::report::{Format, emit, views, write_json};
use crate::store::ingest::RunOutcome;

/// Reports an input that failed and was rolled back (always shown, even with `-q`).
pub fn input_failed(message: &str) {
    eprintln!("numhealth: error: {message}");
}

/// Prints the summary of a finished run; `say` gets the notice about rejects.
pub fn print(outcome: &RunOutcome, format: Format, say: &dyn Fn(&str)) -> Result<()> {
    let totals = &outcome.totals;
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(totals).unwrap_or_default();
            if let (Some(p), Some(o)) = (outcome.pages, v.as_object_mut()) {
                o.insert("pages".into(), p.into());
            }
            write_json(std::io::stdout().lock(), &v)?;
        }
        f => emit(f, &views::summary(totals, outcome.pages), &())?,
    }
    if totals.rejected > 0 {
        say(&format!(
            "{} record(s) rejected and kept aside; see `numhealth rejects --run {}`",
            totals.rejected, outcome.run_id
        ));
    }
    Ok(())
}
