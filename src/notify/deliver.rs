//! Delivering the outbox: each due payload is POSTed once per run with its
//! `Idempotency-Key` and a timeout; a 2xx marks it delivered, anything else schedules the
//! next attempt with backoff (for a later run) until `max_attempts` is reached. Each
//! outcome is written in its own short statement, so delivery never holds a transaction
//! open across a request. Messages name the webhook's host, never its URL.

use std::time::Duration;

use ureq::Agent;

use crate::error::Result;
use crate::notify::{NotifyConfig, Secret};
use crate::pull::backoff::Backoff;
use crate::store::Store;
use crate::store::outbox::OutboxRow;
use crate::time::rfc3339;

/// Payloads looked at per run; older ones first, the rest wait for the next run.
const BATCH: i64 = 100;
/// A claimed payload is left alone by other runs this much longer than the timeout.
const CLAIM_MARGIN_MS: i64 = 60_000;
/// The most of an error response's body quoted in a message.
const SNIPPET_CHARS: usize = 120;

/// What one delivery round did. `failed` holds one message per failed attempt, for the
/// caller to print (even under `-q`) and note in its run record; it never fails the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: Vec<String>,
    /// Due payloads not tried because the webhook was unreachable; the next run tries them.
    pub postponed: usize,
}

/// Why one attempt failed, and whether the webhook could not be reached at all (then the
/// other payloads are not tried this round: each would wait out the timeout too).
struct Failure {
    why: String,
    unreachable: bool,
}

/// POSTs every due payload of the outbox to the configured webhook (nothing to do
/// without one). Call it after the run's transaction committed and the write lock was
/// released. `Err` only for database errors; delivery failures are in the report.
pub fn deliver_due(store: &Store, cfg: &NotifyConfig, now_ms: i64) -> Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let Some(url) = cfg.webhook.as_ref() else {
        return Ok(report);
    };
    let host = url.host().unwrap_or_else(|| "(not a URL)".into());
    let timeout = Duration::from_secs(cfg.timeout_secs.max(1));
    let max_attempts = cfg.max_attempts.max(1);
    let backoff = Backoff {
        initial_ms: cfg.backoff_initial_secs.saturating_mul(1000),
        max_ms: cfg.backoff_max_secs.saturating_mul(1000),
    };
    let lease_ms = i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX) + CLAIM_MARGIN_MS;
    let agent = agent(timeout);
    let due = store.outbox_due(now_ms, max_attempts, BATCH)?;
    for (i, row) in due.iter().enumerate() {
        // Another run delivering at the same moment took it first.
        if !store.outbox_claim(row.id, row.next_attempt_ms, now_ms.saturating_add(lease_ms))? {
            continue;
        }
        let failure = match post(&agent, url, row, timeout) {
            Ok(()) => {
                store.outbox_mark_delivered(row.id, now_ms)?;
                report.delivered += 1;
                continue;
            }
            Err(f) => f,
        };
        let attempts = row.attempts.saturating_add(1);
        let wait = i64::try_from(backoff.ceiling_ms(attempts)).unwrap_or(i64::MAX);
        let next = now_ms.saturating_add(wait);
        store.outbox_mark_failed(row.id, &failure.why, next)?;
        let what = describe(row);
        report.failed.push(if attempts >= max_attempts {
            format!(
                "webhook {host}: gave up on {what} after {attempts} attempts; last: {}",
                failure.why
            )
        } else {
            format!(
                "webhook {host}: {what} was not delivered ({}); attempt {attempts} of {max_attempts}, retried by the first run after {}",
                failure.why,
                rfc3339(next)
            )
        });
        if failure.unreachable {
            report.postponed = due.len() - i - 1;
            break;
        }
    }
    Ok(report)
}

fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        // A redirect would send the payload somewhere nobody configured.
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .user_agent(concat!("numhealth/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// "the alert of score run 12" / "the stale-data alert of 2026-11-21T00:00:00Z".
fn describe(row: &OutboxRow) -> String {
    match row.score_run {
        Some(run) => format!("the alert of score run {run}"),
        None => format!("the alert queued at {}", rfc3339(row.created_ms)),
    }
}

/// One POST of the stored body, byte for byte as queued.
fn post(
    agent: &Agent,
    url: &Secret,
    row: &OutboxRow,
    timeout: Duration,
) -> std::result::Result<(), Failure> {
    let sent = agent
        .post(url.expose())
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &row.idempotency_key)
        .send(row.payload.as_bytes());
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => return Err(transport_failure(&e, url, timeout)),
    };
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(16 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    let snippet: String = String::from_utf8_lossy(&bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SNIPPET_CHARS)
        .collect();
    let snippet = url.redact(snippet.trim());
    Err(Failure {
        why: if snippet.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {snippet}")
        },
        unreachable: false,
    })
}

fn transport_failure(e: &ureq::Error, url: &Secret, timeout: Duration) -> Failure {
    use ureq::Error as E;
    let (why, unreachable) = match e {
        E::Timeout(_) => (format!("no answer within {} s", timeout.as_secs()), true),
        E::HostNotFound => ("host not found".to_string(), true),
        E::ConnectionFailed => ("connection failed".to_string(), true),
        E::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            ("connection refused".to_string(), true)
        }
        E::Io(io) => (format!("network error: {}", io.kind()), true),
        other => (url.redact(&other.to_string()), false),
    };
    Failure { why, unreachable }
}
