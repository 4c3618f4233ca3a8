//! What an alert says: a JSON body with a Slack-compatible `text` (plain English, one line
//! per change, `&`, `<` and `>` escaped as Slack asks) and the same facts as structured
//! keys, plus the idempotency key that every delivery attempt of it carries.

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::time::rfc3339;

/// Changes listed one per line in `text`; the rest are counted ("...and 12 more").
pub const MAX_TEXT_LINES: usize = 20;
/// Changes listed in the structured `transitions` key; the rest are counted in
/// `transitions_omitted`, so a first run over a large fleet still fits a webhook's limits.
pub const MAX_LISTED: usize = 500;

/// The score run an alert reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunInfo {
    /// `score_runs.id`.
    pub score_run: i64,
    /// When the run was recorded (ms); with the id it makes the idempotency key unique
    /// even across a database that was recreated.
    pub created_ms: i64,
}

/// One alert, ready for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The score run it reports on (`None` for a stale-data alert).
    pub score_run: Option<i64>,
    /// Sent as the `Idempotency-Key` header on every attempt; unique in the outbox.
    pub idempotency_key: String,
    pub body: Value,
}

impl Payload {
    /// A score run's transitions; `None` when there are none (nothing is queued or sent).
    /// `line` describes one transition in plain English (e.g. `+14155550100 active ->
    /// resting until 2026-12-19 (9 marked_as_spam in the last 7 days)`); `counts` is any
    /// summary the caller wants alongside (e.g. numbers per status).
    pub fn transitions<T: Serialize>(
        run: RunInfo,
        as_of_ms: i64,
        transitions: &[T],
        line: impl Fn(&T) -> String,
        counts: &impl Serialize,
    ) -> Result<Option<Payload>> {
        if transitions.is_empty() {
            return Ok(None);
        }
        let n = transitions.len();
        let as_of = rfc3339(as_of_ms);
        let mut text = format!(
            "numhealth: {n} {} in the number pool as of {as_of}:",
            plural(n, "change", "changes")
        );
        for t in transitions.iter().take(MAX_TEXT_LINES) {
            text.push_str("\n- ");
            text.push_str(&slack_escape(&one_line(&line(t))));
        }
        if n > MAX_TEXT_LINES {
            text.push_str(&format!(
                "\n...and {} more (`numhealth numbers` lists every number)",
                n - MAX_TEXT_LINES
            ));
        }
        let listed = transitions
            .iter()
            .take(MAX_LISTED)
            .map(serde_json::to_value)
            .collect::<serde_json::Result<Vec<Value>>>()
            .map_err(|e| Error::Other(format!("cannot encode the alert's transitions: {e}")))?;
        let counts = serde_json::to_value(counts)
            .map_err(|e| Error::Other(format!("cannot encode the alert's counts: {e}")))?;
        let body = json!({
            "text": text,
            "source": "numhealth",
            "kind": "transitions",
            "score_run": run.score_run,
            "as_of": as_of,
            "changes": n,
            "counts": counts,
            "transitions": listed,
            "transitions_omitted": n.saturating_sub(MAX_LISTED),
        });
        Ok(Some(Payload {
            score_run: Some(run.score_run),
            idempotency_key: format!("numhealth-score-run-{}-{}", run.score_run, run.created_ms),
            body,
        }))
    }

    /// The data is stale: the newest of it (stored calls or the last pull's watermark) is
    /// `newest_ms`, more than `stale_after_hours` before `as_of_ms`. The key is derived from
    /// `newest_ms`, so one stretch of stale data raises one alert however often cron runs.
    pub fn stale(newest_ms: i64, as_of_ms: i64, stale_after_hours: i64) -> Payload {
        let newest = rfc3339(newest_ms);
        let as_of = rfc3339(as_of_ms);
        let age_hours = as_of_ms.saturating_sub(newest_ms).max(0) / 3_600_000;
        let text = format!(
            "numhealth: the call data is stale: the newest is from {newest}, {age_hours} {} before {as_of} (the limit is {stale_after_hours} {}). Scores would drift towards keep; check the nightly pull or ingest.",
            plural_i(age_hours, "hour", "hours"),
            plural_i(stale_after_hours, "hour", "hours"),
        );
        Payload {
            score_run: None,
            idempotency_key: format!("numhealth-stale-{newest_ms}"),
            body: json!({
                "text": slack_escape(&text),
                "source": "numhealth",
                "kind": "stale",
                "as_of": as_of,
                "newest": newest,
                "age_hours": age_hours,
                "stale_after_hours": stale_after_hours,
            }),
        }
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn plural_i<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Control characters (newlines included) become spaces, so one change is one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The three characters Slack's `text` needs escaped (it decodes exactly these).
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct T {
        number: &'static str,
        from: &'static str,
        to: &'static str,
    }

    fn line(t: &T) -> String {
        format!("{} {} -> {}", t.number, t.from, t.to)
    }

    const RUN: RunInfo = RunInfo {
        score_run: 7,
        created_ms: 1_790_000_000_123,
    };

    #[test]
    fn no_transitions_no_payload() {
        let none: &[T] = &[];
        assert!(
            Payload::transitions(RUN, 0, none, line, &json!({}))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn transitions_payload_has_text_and_structure() {
        let ts = [
            T {
                number: "+14155550100",
                from: "active",
                to: "resting",
            },
            T {
                number: "+14155550101",
                from: "resting",
                to: "probation\nnow",
            },
        ];
        let as_of = 1_795_219_200_000; // 2026-11-21T00:00:00Z
        let p = Payload::transitions(RUN, as_of, &ts, line, &json!({"resting": 1}))
            .unwrap()
            .unwrap();
        assert_eq!(p.score_run, Some(7));
        assert_eq!(p.idempotency_key, "numhealth-score-run-7-1790000000123");
        let text = p.body["text"].as_str().unwrap();
        assert_eq!(
            text,
            "numhealth: 2 changes in the number pool as of 2026-11-21T00:00:00Z:\n\
             - +14155550100 active -&gt; resting\n\
             - +14155550101 resting -&gt; probation now"
        );
        assert_eq!(p.body["changes"], 2);
        assert_eq!(p.body["counts"]["resting"], 1);
        assert_eq!(p.body["transitions"][0]["to"], "resting");
        assert_eq!(p.body["transitions_omitted"], 0);
    }

    #[test]
    fn long_lists_are_cut_in_text_and_capped_in_structure() {
        let ts: Vec<T> = (0..MAX_LISTED + 5)
            .map(|_| T {
                number: "+14155550100",
                from: "active",
                to: "retired",
            })
            .collect();
        let p = Payload::transitions(RUN, 0, &ts, line, &())
            .unwrap()
            .unwrap();
        let text = p.body["text"].as_str().unwrap();
        assert_eq!(text.lines().count(), 1 + MAX_TEXT_LINES + 1);
        assert!(text.contains(&format!("and {} more", MAX_LISTED + 5 - MAX_TEXT_LINES)));
        assert!(text.starts_with(&format!("numhealth: {} changes", MAX_LISTED + 5)));
        assert_eq!(p.body["transitions"].as_array().unwrap().len(), MAX_LISTED);
        assert_eq!(p.body["transitions_omitted"], 5);
    }

    #[test]
    fn stale_alert_names_the_age_and_is_keyed_by_the_newest_data() {
        let newest = 1_795_057_200_000; // 2026-11-19T03:00:00Z
        let as_of = newest + 45 * 3_600_000 + 59_000;
        let p = Payload::stale(newest, as_of, 36);
        assert_eq!(p.score_run, None);
        assert_eq!(p.idempotency_key, format!("numhealth-stale-{newest}"));
        assert_eq!(p.body["kind"], "stale");
        assert_eq!(p.body["age_hours"], 45);
        let text = p.body["text"].as_str().unwrap();
        assert!(
            text.starts_with(
                "numhealth: the call data is stale: the newest is from 2026-11-19T03:00:00Z, 45 hours before"
            ),
            "{text}"
        );
        assert!(text.contains("(the limit is 36 hours)"), "{text}");
        assert_eq!(
            Payload::stale(newest, as_of + 3_600_000, 36).idempotency_key,
            p.idempotency_key
        );
        assert!(
            Payload::stale(0, 3_600_000, 1).body["text"]
                .as_str()
                .unwrap()
                .contains("1 hour before")
        );
    }
}
