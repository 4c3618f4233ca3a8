//! `numhealth pull`: talking to the platform's List Calls v3 API (request bodies, retries
//! with backoff, page envelopes), the pull window and watermark rules, and the run that
//! ties them together (`run`). It never touches SQL or parses call objects: each page's
//! bytes go to the same reader and loader as `ingest` (`store::ingest`).

pub mod backoff;
pub mod client;
pub mod page;
pub mod request;
pub mod run;
pub mod secret;
pub mod window;

#[cfg(test)]
mod test_server;

pub use client::{Client, ClientConfig, FetchedPage, PullError};
pub use page::PageMeta;
pub use run::{PullRequest, run_pull};
pub use secret::ApiKey;
pub use window::Window;

/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "RETELL_API_KEY";
/// Environment variable overriding the API's base URL (as the platform's SDKs read it).
pub const BASE_URL_ENV: &str = "RETELL_BASE_URL";
/// The platform's API.
pub const DEFAULT_BASE_URL: &str = "https://api.retellai.com";
/// The List Calls v3 endpoint, relative to the base URL.
pub const LIST_CALLS_PATH: &str = "/v3/list-calls";

/// The base URL from `RETELL_BASE_URL` (empty counts as unset), without a trailing `/`.
pub fn base_url_from_env() -> String {
    let raw = std::env::var(BASE_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    raw.trim().trim_end_matches('/').to_string()
}
