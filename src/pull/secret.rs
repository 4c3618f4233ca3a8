//! The API key, wrapped so it cannot leak: no `Display`, a `Debug` that prints `***`,
//! and a helper that scrubs it from any text (e.g. an error body) before it is shown.

use std::fmt;

/// A bearer token. The only way to read it is [`ApiKey::authorization`], used for the header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl ApiKey {
    /// Wraps a key; blank keys (only whitespace) are refused.
    pub fn new(raw: &str) -> Option<ApiKey> {
        let k = raw.trim();
        (!k.is_empty()).then(|| ApiKey(k.to_string()))
    }

    /// Reads the key from the environment variable `var`; `None` when unset or blank.
    pub fn from_env(var: &str) -> Option<ApiKey> {
        std::env::var(var).ok().and_then(|v| ApiKey::new(&v))
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// `text` with every occurrence of the key replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_redact_scrubs_it() {
        let k = ApiKey::new("  sk-abc123 ").unwrap();
        assert_eq!(format!("{k:?}"), "***");
        assert_eq!(format!("{:?}", Some(&k)), "Some(***)");
        assert_eq!(k.authorization(), "Bearer sk-abc123");
        assert_eq!(k.redact("bad key sk-abc123!"), "bad key ***!");
        assert!(ApiKey::new("   ").is_none());
    }
}
