//! The webhook URL, wrapped so it cannot leak: `Debug`, `Display` and `Serialize` print
//! `<redacted>` (so `numhealth config` and the settings stored with a score run never
//! hold it), and messages name only its host.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ureq::http::Uri;

/// What every rendering of a secret prints.
pub const REDACTED: &str = "<redacted>";

/// A webhook URL: its path and query often are the credential (Slack's are). The only
/// ways to read it are [`Secret::expose`], for the request, and [`Secret::host`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(Secret(raw.trim().to_string()))
    }
}

impl Secret {
    /// Wraps a value; blank values (only whitespace) are `None`.
    pub fn new(raw: &str) -> Option<Secret> {
        let v = raw.trim();
        (!v.is_empty()).then(|| Secret(v.to_string()))
    }

    /// Reads the environment variable `var`; `None` when unset or blank.
    pub fn from_env(var: &str) -> Option<Secret> {
        std::env::var(var).ok().and_then(|v| Secret::new(&v))
    }

    /// The value itself, for the request and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL's host, with its port when one is given (`hooks.slack.com`,
    /// `127.0.0.1:8080`): all a message may say about it. `None` when it is not a URL.
    pub fn host(&self) -> Option<String> {
        let uri: Uri = self.0.parse().ok()?;
        let host = uri.host().filter(|h| !h.is_empty())?;
        Some(match uri.port_u16() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        })
    }

    /// Why this is not a usable webhook URL (naming `what`, never the value), or `None`.
    pub fn url_problem(&self, what: &str) -> Option<String> {
        if self.0 == REDACTED {
            return Some(format!(
                "{what} is {REDACTED:?} (copied from `numhealth config`?): write the real URL, or set it in NUMHEALTH_WEBHOOK_URL instead"
            ));
        }
        let scheme_ok = self
            .0
            .parse::<Uri>()
            .ok()
            .and_then(|u| u.scheme_str().map(|s| s == "https" || s == "http"))
            .unwrap_or(false);
        if !scheme_ok || self.host().is_none() {
            return Some(format!(
                "{what} is not an http(s) URL like https://hooks.example.com/... (its value is not shown: it is a secret)"
            ));
        }
        None
    }

    /// `text` with the whole value, and its path-and-query part, replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.replace(&self.0, REDACTED);
        if let Ok(uri) = self.0.parse::<Uri>()
            && let Some(pq) = uri.path_and_query().map(|p| p.as_str())
            && pq.len() > 1
        {
            out = out.replace(pq, REDACTED);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX?token=abc";

    #[test]
    fn every_rendering_hides_the_value() {
        let s = Secret::new(&format!("  {URL} ")).unwrap();
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"<redacted>\"");
        assert_eq!(s.expose(), URL);
        assert!(Secret::new("  ").is_none());
    }

    #[test]
    fn host_and_redact_never_give_the_path_away() {
        let s = Secret::new(URL).unwrap();
        assert_eq!(s.host().as_deref(), Some("hooks.slack.com"));
        let local = Secret::new("http://127.0.0.1:8080/hook/abc").unwrap();
        assert_eq!(local.host().as_deref(), Some("127.0.0.1:8080"));
        let text = format!("failed {URL} and /services/T000/B000/XXXXsecretXXXX?token=abc");
        let r = s.redact(&text);
        assert!(!r.contains("secret") && !r.contains("abc"), "{r}");
    }

    #[test]
    fn url_problems_name_the_setting_not_the_value() {
        assert_eq!(Secret::new(URL).unwrap().url_problem("w"), None);
        for bad in [
            "ftp://x.example/secretpath",
            "not a url secretpath",
            "/secretpath",
        ] {
            let p = Secret::new(bad)
                .unwrap()
                .url_problem("notify.webhook")
                .unwrap();
            assert!(
                p.contains("notify.webhook") && !p.contains("secretpath"),
                "{p}"
            );
        }
        let copied = Secret::new(REDACTED).unwrap().url_problem("notify.webhook");
        assert!(copied.unwrap().contains("numhealth config"));
    }
}
