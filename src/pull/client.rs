//! Fetching one List Calls page over HTTP with timeouts and bounded retries: 429, 5xx,
//! timeouts, resets and truncated or unreadable bodies are retried with backoff; a
//! refused key or another 4xx is not. Errors name the page and never contain the key.

use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use ureq::Agent;

use crate::config::PullConfig;
use crate::pull::backoff::{Backoff, parse_retry_after};
use crate::pull::page::{self, PageMeta};
use crate::pull::secret::ApiKey;

/// The most a page body may weigh (v3 items carry no transcripts; 1000 calls is a few MB).
const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Unusable bodies (invalid JSON, truncated) tolerated per page before giving up.
pub const MAX_BAD_BODIES: u32 = 3;
/// The most of an error response's body quoted in a message.
const SNIPPET_CHARS: usize = 200;

/// Everything the client needs, from settings and the environment.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub key: ApiKey,
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

impl ClientConfig {
    pub fn new(base_url: &str, key: ApiKey, p: &PullConfig) -> ClientConfig {
        ClientConfig {
            base_url: base_url.to_string(),
            key,
            max_attempts: p.max_attempts.max(1),
            backoff: Backoff {
                initial_ms: p.backoff_initial_ms,
                max_ms: p.backoff_max_ms,
            },
            connect_timeout: Duration::from_secs(p.connect_timeout_secs.max(1)),
            read_timeout: Duration::from_secs(p.read_timeout_secs.max(1)),
        }
    }
}

/// A page that arrived whole and parsed.
#[derive(Debug)]
pub struct FetchedPage {
    pub body: Vec<u8>,
    pub meta: PageMeta,
    /// Requests it took.
    pub attempts: u32,
}

/// Why a page could not be fetched. Messages name the page; none contains the key.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{page}: the API key was refused (HTTP {status}); check RETELL_API_KEY (not retried)")]
    Refused { page: String, status: u16 },
    #[error("{page}: gave up after {attempts} attempt(s); last: {last}")]
    Exhausted {
        page: String,
        attempts: u32,
        last: String,
    },
    #[error("{page}: {message}")]
    Fatal { page: String, message: String },
}

/// What one request came to.
enum Outcome {
    Page(Vec<u8>, PageMeta),
    Retry {
        why: String,
        after: Option<Duration>,
        bad_body: bool,
    },
    Stop(String),
    Refused(u16),
}

/// A List Calls v3 client.
pub struct Client {
    agent: Agent,
    url: String,
    key: ApiKey,
    max_attempts: u32,
    backoff: Backoff,
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Client {
        let read = Some(cfg.read_timeout);
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_resolve(Some(cfg.connect_timeout))
            .timeout_connect(Some(cfg.connect_timeout))
            .timeout_per_read(read)
            .timeout_recv_response(read)
            // A server trickling bytes just under the per-read timeout still ends.
            .timeout_recv_body(Some(cfg.read_timeout.saturating_mul(5)))
            .user_agent(concat!("numhealth/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Client {
            agent,
            url: format!(
                "{}{}",
                cfg.base_url.trim_end_matches('/'),
                super::LIST_CALLS_PATH
            ),
            key: cfg.key,
            max_attempts: cfg.max_attempts,
            backoff: cfg.backoff,
        }
    }

    /// POSTs `body` until a usable page arrives or the attempts run out. `say` hears about
    /// each retry; `page` names the page in messages.
    pub fn fetch(
        &self,
        page: &str,
        body: &Value,
        say: &dyn Fn(&str),
    ) -> Result<FetchedPage, PullError> {
        let payload = serde_json::to_vec(body).map_err(|e| PullError::Fatal {
            page: page.into(),
            message: format!("cannot encode the request: {e}"),
        })?;
        let mut bad_bodies = 0u32;
        let mut attempt = 1u32;
        loop {
            let (why, after, bad_body) = match self.attempt(&payload) {
                Outcome::Page(body, meta) => {
                    return Ok(FetchedPage {
                        body,
                        meta,
                        attempts: attempt,
                    });
                }
                Outcome::Refused(status) => {
                    return Err(PullError::Refused {
                        page: page.into(),
                        status,
                    });
                }
                Outcome::Stop(message) => {
                    return Err(PullError::Fatal {
                        page: page.into(),
                        message,
                    });
                }
                Outcome::Retry {
                    why,
                    after,
                    bad_body,
                } => (why, after, bad_body),
            };
            bad_bodies += u32::from(bad_body);
            if attempt >= self.max_attempts || bad_bodies >= MAX_BAD_BODIES {
                return Err(PullError::Exhausted {
                    page: page.into(),
                    attempts: attempt,
                    last: why,
                });
            }
            let wait = self
                .backoff
                .wait(attempt, rand::rng().random::<f64>(), after);
            say(&format!(
                "{page}: {why}; retrying in {:.2} s (attempt {} of {})",
                wait.as_secs_f64(),
                attempt + 1,
                self.max_attempts
            ));
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    /// One request and its classification.
    fn attempt(&self, payload: &[u8]) -> Outcome {
        let sent = self
            .agent
            .post(&self.url)
            .header("Authorization", self.key.authorization())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send(payload);
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => return transport_failure("the request failed", &e),
        };
        let status = resp.status().as_u16();
        match status {
            200..=299 => self.read_page(resp.body_mut()),
            401 | 403 => Outcome::Refused(status),
            408 | 429 | 500..=599 => Outcome::Retry {
                why: format!("HTTP {status}"),
                after: retry_after(&resp),
                bad_body: false,
            },
            _ => Outcome::Stop(format!(
                "HTTP {status} from the API (not retried): {}",
                self.snippet(resp.body_mut())
            )),
        }
    }

    fn read_page(&self, body: &mut ureq::Body) -> Outcome {
        let bytes = match body.with_config().limit(MAX_PAGE_BYTES).read_to_vec() {
            Ok(b) => b,
            Err(e) => return transport_failure("reading the page failed", &e),
        };
        match page::parse(&bytes) {
            Ok(meta) => Outcome::Page(bytes, meta),
            Err(why) => Outcome::Retry {
                why: format!("unusable page: {why}"),
                after: None,
                bad_body: true,
            },
        }
    }

    /// The start of an error response's body, single-line, with the key scrubbed.
    fn snippet(&self, body: &mut ureq::Body) -> String {
        let bytes = body
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let text: String = String::from_utf8_lossy(&bytes)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(SNIPPET_CHARS)
            .collect();
        let text = self.key.redact(text.trim());
        if text.is_empty() {
            "(empty body)".into()
        } else {
            text
        }
    }
}

fn retry_after<B>(resp: &ureq::http::Response<B>) -> Option<Duration> {
    let v = resp.headers().get("retry-after")?.to_str().ok()?;
    parse_retry_after(v, chrono::Utc::now())
}

/// Timeouts, resets, refused connections and protocol hiccups are worth another try;
/// a bad URL, TLS misconfiguration or an oversized body are not.
fn transport_failure(what: &str, e: &ureq::Error) -> Outcome {
    use ureq::Error as E;
    let retryable = matches!(
        e,
        E::Timeout(_) | E::Io(_) | E::ConnectionFailed | E::HostNotFound | E::Protocol(_)
    );
    let why = format!("{what}: {e}");
    if retryable {
        Outcome::Retry {
            why,
            after: None,
            bad_body: false,
        }
    } else {
        Outcome::Stop(why)
    }
}

#[cfg(test)]
mod tests;
