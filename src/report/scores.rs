//! How verdicts look: the `score` run summary, the `risky` list and the `export rotation`
//! list for dialers (to stdout, or written atomically to a file).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::cli::{Format, SummaryFormat};
use crate::error::Result;
use crate::health::assessment::Assessment;
use crate::pool::{Change, Status};
use crate::report::width::Width;
use crate::report::{self, layouts, views};
use crate::store::assess::RecordedScores;
use crate::store::pool::{Rated, RotationRow};
use crate::time::{plural, rfc3339};

/// How many numbers got each action, by action name.
fn count_actions(results: &[Assessment]) -> BTreeMap<&'static str, u64> {
    let mut by_action = BTreeMap::new();
    for a in results {
        *by_action.entry(a.action.as_str()).or_default() += 1;
    }
    by_action
}

/// What a scoring run changed in the number pool. A table for people is one line per
/// change (nothing at all when nothing changed, so cron mails only when there is
/// something to do); JSON has the run's summary (`score_run`, `as_of`, `numbers`,
/// `actions`) and `transitions`, an empty list when nothing changed. A dry run's
/// `score_run` is `null` and `dry_run` true.
pub fn score_run(format: SummaryFormat, as_of_ms: i64, run: &RecordedScores) -> Result<()> {
    match format {
        SummaryFormat::Table => changes(&run.changes),
        SummaryFormat::Json => {
            let mut v = serde_json::json!({
                "score_run": run.run_id,
                "as_of": rfc3339(as_of_ms),
                "numbers": run.assessments.len(),
                "actions": count_actions(&run.assessments),
                "statuses": run.statuses,
                "transitions": run.changes,
            });
            if run.run_id.is_none() {
                v["dry_run"] = true.into();
            }
            report::emit_json(&v)
        }
    }
}

/// One line per change in the number pool (nothing when there is none).
pub fn changes(changes: &[Change]) -> Result<()> {
    report::to_stdout(|out| {
        for c in changes {
            writeln!(out, "{}", c.line()).map_err(report::io)?;
        }
        Ok(())
    })
}

/// The one-line count for stderr, or nothing when nothing changed.
pub fn changes_count(as_of_ms: i64, run: &RecordedScores) -> Option<String> {
    let n = run.changes.len();
    if n == 0 {
        return None;
    }
    let mut moves: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &run.changes {
        *moves.entry(c.to.as_str()).or_default() += 1;
    }
    let moves: Vec<String> = moves.iter().map(|(k, v)| format!("{v} to {k}")).collect();
    let what = format!(
        "{} in the number pool as of {} ({})",
        plural(n as i64, "change", "changes"),
        rfc3339(as_of_ms),
        moves.join(", ")
    );
    Some(match run.run_id {
        Some(id) => format!("score run {id}: {what}"),
        None => format!("dry run, nothing recorded: {what}"),
    })
}

/// The one-line count of what `mark` recorded, for stderr.
pub fn marked_count(changes_made: &[Change]) -> String {
    // The operator's own changes (what time changed before them is shown, not counted).
    let marked = changes_made
        .iter()
        .filter(|c| c.source == crate::pool::Source::Operator)
        .count();
    format!("marked {}", plural(marked as i64, "number", "numbers"))
}

/// What `mark` recorded: one line per change, or JSON `{"transitions": [...]}`.
pub fn marked(format: SummaryFormat, changes_made: &[Change]) -> Result<()> {
    match format {
        SummaryFormat::Table => changes(changes_made),
        SummaryFormat::Json => {
            report::emit_json(&serde_json::json!({ "transitions": changes_made }))
        }
    }
}

/// A `risky` row in JSON: the verdict's keys, then the pool `status`.
#[derive(Serialize)]
struct RiskyJson<'a> {
    #[serde(flatten)]
    assessment: &'a Assessment,
    status: Status,
}

/// The `risky` list: a person's table shortens long reason lists (unless `--wide`) and
/// fits the terminal's width, CSV and JSON carry all.
pub fn risky(format: Format, rows: &[Rated], width: Width) -> Result<()> {
    let full = format != Format::Table || width == Width::Wide;
    let json: Vec<RiskyJson<'_>> = rows
        .iter()
        .map(|r| RiskyJson {
            assessment: &r.assessment,
            status: r.entry.status,
        })
        .collect();
    report::emit_fitted(
        format,
        &views::risky(rows, full),
        &layouts::RISKY,
        width,
        &json,
    )
}

/// The rotation list as CSV, to stdout or (`output`) to a file that appears whole: a
/// private temporary file beside it is written, synced and renamed over it.
pub fn rotation(rows: &[RotationRow], output: Option<&Path>) -> Result<()> {
    let table = views::rotation(rows);
    let Some(path) = output else {
        return report::to_stdout(|out| table.write_csv(out));
    };
    report::write_atomically(path, "the list", |out| table.write_csv(out))?;
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
        use crate::pool::{Caps, Entry};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotation.csv");
        std::fs::write(&path, "old").unwrap();
        let mut entry = Entry::new(
            "+14155550100",
            Status::Resting,
            1_763_596_800_000,
            Caps::NONE,
            "resting".into(),
        );
        entry.until = Some("2025-12-20".parse().unwrap());
        let v = [RotationRow {
            number: "+14155550100".into(),
            assessment: Some(verdict("+14155550100", Action::Rest)),
            entry,
            action: Action::Rest,
            calls_today: 4,
            remaining_today: 0,
        }];
        rotation(&v, Some(&path)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "number,action,rest_until,score,level,reasons,status,since,until,daily_cap,hourly_cap,calls_today,remaining_today,\
             flags,failures,bursts,engagement,pacing,evidence,trend\n\
             +14155550100,rest,2025-12-20,50.0,elevated,one; two,resting,2025-11-20T00:00:00Z,2025-12-20,0,0,4,0,\
             0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        // A retire the pool has not followed (still active) says so before the score's
        // own sentence, so the row's action and its reasons agree.
        let active = Entry::new(
            "+14155550101",
            Status::Active,
            1_763_596_800_000,
            Caps {
                daily: 25,
                hourly: 8,
            },
            "throttled: high risk".into(),
        );
        let held = [RotationRow {
            number: "+14155550101".into(),
            assessment: Some(verdict("+14155550101", Action::Retire)),
            entry: active,
            action: Action::Throttle,
            calls_today: 0,
            remaining_today: 25,
        }];
        let t = views::rotation(&held);
        let mut csv = Vec::new();
        t.write_csv(&mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains(
                "throttle,,50.0,elevated,\"active in the pool (throttled: high risk), so throttle here; \
                 the score alone says retire: one; two\",active"
            ),
            "{csv}"
        );
        let missing = dir.path().join("nope").join("rotation.csv");
        assert!(matches!(
            rotation(&v, Some(&missing)),
            Err(crate::error::Error::Input { .. })
        ));
    }
}
