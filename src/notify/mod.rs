//! Alerts to a webhook: the `[notify]` settings, the payloads (a score run's transitions,
//! a stale-data alert) with a Slack-compatible `text`, and their delivery from the outbox
//! with an `Idempotency-Key`, a timeout and backoff across runs.
//!
//! The flow a command follows: build a payload (`None` when there is nothing to say),
//! [`crate::store::outbox::enqueue`] it in the same transaction that records the run, and
//! once that committed and the write lock is released call [`deliver_due`], which also
//! retries what earlier runs could not deliver. Enqueue only when [`NotifyConfig::enabled`]
//! (otherwise alerts would pile up for a webhook configured months later) and never on a
//! dry run. The webhook URL is a secret: it is never stored and messages name its host only.

mod deliver;
mod payload;
mod secret;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Deserializer, Serialize};

pub use deliver::{DeliveryReport, deliver_due};
pub use payload::{MAX_LISTED, MAX_TEXT_LINES, Payload, RunInfo};
pub use secret::{REDACTED, Secret};

/// Environment variable holding the webhook URL; it wins over `[notify] webhook`.
pub const WEBHOOK_ENV: &str = "NUMHEALTH_WEBHOOK_URL";

/// The `[notify]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Where alerts are POSTed (a secret: printed as `<redacted>`). `NUMHEALTH_WEBHOOK_URL`
    /// overrides it; unset, nothing is queued or sent.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "blank_is_none"
    )]
    pub webhook: Option<Secret>,
    /// The whole request (connect, send, answer) must finish within this many seconds.
    pub timeout_secs: u64,
    /// Delivery attempts of one payload, one per run, before it is given up.
    pub max_attempts: u32,
    /// Wait after the first failure before the next run retries; doubles each failure...
    pub backoff_initial_secs: u64,
    /// ...up to this.
    pub backoff_max_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            webhook: None,
            timeout_secs: 10,
            max_attempts: 8,
            backoff_initial_secs: 60,
            backoff_max_secs: 6 * 3600,
        }
    }
}

fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let raw = Option::<String>::deserialize(d)?;
    Ok(raw.as_deref().and_then(Secret::new))
}

impl NotifyConfig {
    /// A webhook is configured: payloads may be queued and sent.
    pub fn enabled(&self) -> bool {
        self.webhook.is_some()
    }

    /// Checks ranges and the URL's shape; messages never contain the URL.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(problem) = self
            .webhook
            .as_ref()
            .and_then(|w| w.url_problem("notify.webhook"))
        {
            return Err(problem);
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err("notify.timeout_secs must be between 1 and 300".into());
        }
        if self.max_attempts < 1 {
            return Err("notify.max_attempts must be >= 1".into());
        }
        if self.backoff_initial_secs < 1 || self.backoff_max_secs < self.backoff_initial_secs {
            return Err(
                "notify.backoff_initial_secs must be >= 1 and notify.backoff_max_secs >= it".into(),
            );
        }
        Ok(())
    }

    /// These settings with `NUMHEALTH_WEBHOOK_URL` (when set and not blank) as the webhook.
    pub fn with_env(self) -> Result<NotifyConfig, String> {
        self.with_webhook_override(Secret::from_env(WEBHOOK_ENV))
    }

    /// These settings with `webhook` (when `Some`) replacing the configured one.
    pub fn with_webhook_override(self, webhook: Option<Secret>) -> Result<NotifyConfig, String> {
        let Some(w) = webhook else {
            return Ok(self);
        };
        if let Some(problem) = w.url_problem(WEBHOOK_ENV) {
            return Err(problem);
        }
        Ok(NotifyConfig {
            webhook: Some(w),
            ..self
        })
    }
}
