//! How verdicts look: the `score` run summary, the `risky` list and the `export rotation`
//! list for dialers (to stdout, or written atomically to a file).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::cli::{Format, SummaryFormat};
use crate::error::{Error, Result};
use crate::health::assessment::Assessment;
use crate::report::{self, Table, views};
use crate::time::rfc3339;

/// How many numbers got each action, by action name.
fn count_actions(results: &[Assessment]) -> BTreeMap<&'static str, u64> {
    let mut by_action = BTreeMap::new();
    for a in results {
        *by_action.entry(a.action.as_str()).or_default() += 1;
    }
    by_action
}

/// The summary of a recorded scoring run: how many numbers, and how many per action.
pub fn score_summary(
    format: SummaryFormat,
    run_id: i64,
    as_of_ms: i64,
    results: &[Assessment],
) -> Result<()> {
    let by_action = count_actions(results);
    match format {
        SummaryFormat::Table => {
            let mut t = Table::new(&["", "count"]);
            t.push(vec!["numbers".into(), results.len().to_string()]);
            for (k, v) in &by_action {
                t.push(vec![(*k).to_string(), v.to_string()]);
            }
            report::emit(Format::Table, &t, &())
        }
        SummaryFormat::Json => {
            let v = serde_json::json!({
                "score_run": run_id,
                "as_of": rfc3339(as_of_ms),
                "numbers": results.len(),
                "actions": by_action,
            });
            report::write_json(std::io::stdout().lock(), &v)
        }
    }
}

/// The `risky` list: a person's table shortens long reason lists, CSV and JSON carry all.
pub fn risky(format: Format, rows: &[&Assessment]) -> Result<()> {
    let full = format != Format::Table;
    report::emit(format, &views::assessments(rows, full), rows)
}

/// The rotation list as CSV, to stdout or (`output`) to a file that appears whole: a
/// private temporary file beside it is written, synced and renamed over it.
pub fn rotation(rows: &[&Assessment], output: Option<&Path>) -> Result<()> {
    let table = views::rotation(rows);
    let Some(path) = output else {
        return table.write_csv(std::io::stdout().lock());
    };
    let shown = path.display().to_string();
    let fail = |m: String| Error::Input {
        path: shown.clone(),
        message: m,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".numhealth-rotation-")
        .tempfile_in(dir)
        .map_err(|e| fail(format!("cannot create a file in {}: {e}", dir.display())))?;
    table.write_csv(&mut tmp)?;
    tmp.flush().map_err(|e| fail(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
    tmp.persist(path)
        .map_err(|e| fail(format!("cannot move the list into place: {}", e.error)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assessment::{Action, Level};

    fn verdict(n: &str, action: Action) -> Assessment {
        Assessment {
            number: n.into(),
            score: 50.0,
            level: Level::Elevated,
            action,
            rest_until: None,
            rest_cause: None,
            components: Default::default(),
            reasons: vec!["one".into(), "two".into()],
            attempts: 3,
            metrics: Default::default(),
        }
    }

    #[test]
    fn actions_are_counted_by_name() {
        let v = [
            verdict("+1", Action::Rest),
            verdict("+2", Action::Keep),
            verdict("+3", Action::Rest),
        ];
        let counts: Vec<_> = count_actions(&v).into_iter().collect();
        assert_eq!(counts, [("keep", 1), ("rest", 2)]);
    }

    #[test]
    fn rotation_file_is_written_whole_and_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotation.csv");
        std::fs::write(&path, "old").unwrap();
        let v = [verdict("+14155550100", Action::Rest)];
        rotation(&v.iter().collect::<Vec<_>>(), Some(&path)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "number,action,rest_until,score,level,reasons\n+14155550100,rest,,50.0,elevated,one; two\n"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        let missing = dir.path().join("nope").join("rotation.csv");
        assert!(matches!(
            rotation(&v.iter().collect::<Vec<_>>(), Some(&missing)),
            Err(Error::Input { .. })
        ));
    }
}
