//! Settings: thresholds and weights from a TOML file over documented defaults, and the
//! database path resolved from flags and environment. Validated before any domain code runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::health::bursts::BurstConfig;
use crate::health::score::ScoreConfig;
use crate::notify::NotifyConfig;
use crate::pool::PoolConfig;

/// Ingest-time settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// ISO 3166 region for numbers written in national format (`(415) 555-0100`).
    pub default_region: String,
    /// Calls shorter than this many seconds are "short" (reference: 5-15 s quoted, 6 s common).
    pub short_call_secs: i64,
    /// Records whose start is more than this many days before the run are rejected as implausible.
    pub max_age_days: i64,
    /// Calls longer than this many hours are rejected as implausible.
    pub max_duration_hours: i64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            default_region: "US".into(),
            short_call_secs: 6,
            max_age_days: 3650,
            max_duration_hours: 24,
        }
    }
}

/// Settings for `numhealth pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PullConfig {
    /// Re-read this many minutes before the watermark (calls finish and get analysed after they start).
    pub overlap_minutes: i64,
    /// On the first pull with no watermark and no --since, go back this many days.
    pub initial_days: i64,
    /// Attempts per page before giving up (429, 5xx, timeouts).
    pub max_attempts: u32,
    /// First backoff delay; doubles each retry, with jitter.
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    pub connect_timeout_secs: u64,
    pub read_timeout_secs: u64,
    /// Items per page (the API's maximum is 1000).
    pub page_limit: u32,
}

impl Default for PullConfig {
    fn default() -> Self {
        PullConfig {
            overlap_minutes: 180,
            initial_days: 2,
            max_attempts: 6,
            backoff_initial_ms: 500,
            backoff_max_ms: 30_000,
            connect_timeout_secs: 10,
            read_timeout_secs: 60,
            page_limit: 1000,
        }
    }
}

/// Settings for `numhealth report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Numbers that need action get a section each, riskiest first, up to this many; the
    /// report says how many were left out. Default 200.
    pub max_number_sections: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            max_number_sections: 200,
        }
    }
}

/// Everything configurable. `numhealth config` prints the effective value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub ingest: IngestConfig,
    pub bursts: BurstConfig,
    pub score: ScoreConfig,
    pub pull: PullConfig,
    pub notify: NotifyConfig,
    pub pool: PoolConfig,
    pub report: ReportConfig,
}

impl Settings {
    /// Reads a TOML file; unknown keys and bad values are errors naming the file.
    pub fn from_file(path: &Path) -> Result<Settings> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Input {
            path: path.display().to_string(),
            message: format!("cannot read config: {e}"),
        })?;
        Settings::from_toml(&text).map_err(|message| Error::Input {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn from_toml(text: &str) -> std::result::Result<Settings, String> {
        let s: Settings = toml::from_str(text).map_err(|e| parse_error(text, &e))?;
        s.validate()?;
        Ok(s)
    }

    /// Checks ranges so that a typo cannot silently disable scoring.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let i = &self.ingest;
        if i.default_region
            .parse::<phonenumber::country::Id>()
            .is_err()
        {
            return Err(format!(
                "ingest.default_region = {:?} is not an ISO 3166 region code like \"US\"",
                i.default_region
            ));
        }
        if !(1..=120).contains(&i.short_call_secs) {
            return Err("ingest.short_call_secs must be between 1 and 120".into());
        }
        if i.max_age_days < 1 || i.max_duration_hours < 1 {
            return Err(
                "ingest.max_age_days and ingest.max_duration_hours must be positive".into(),
            );
        }
        self.bursts.validate()?;
        let p = &self.pull;
        if p.max_attempts < 1 || !(1..=1000).contains(&p.page_limit) {
            return Err(
                "pull.max_attempts must be >= 1 and pull.page_limit between 1 and 1000".into(),
            );
        }
        if p.overlap_minutes < 0 || p.initial_days < 1 {
            return Err("pull.overlap_minutes must be >= 0 and pull.initial_days >= 1".into());
        }
        if self.report.max_number_sections > 100_000 {
            return Err("report.max_number_sections must be at most 100000".into());
        }
        self.notify.validate()?;
        self.pool.validate()?;
        self.score.validate()
    }

    /// Loads `--config`, else `$NUMHEALTH_CONFIG`, else the per-user config file if present,
    /// else the defaults; `$NUMHEALTH_WEBHOOK_URL` then overrides `notify.webhook`.
    pub fn load(explicit: Option<&Path>) -> Result<Settings> {
        let mut s = Settings::load_file(explicit)?;
        s.notify = s.notify.with_env().map_err(Error::Usage)?;
        Ok(s)
    }

    fn load_file(explicit: Option<&Path>) -> Result<Settings> {
        if let Some(p) = explicit {
            return Settings::from_file(p);
        }
        if let Some(p) = std::env::var_os("NUMHEALTH_CONFIG") {
            return Settings::from_file(Path::new(&p));
        }
        if let Some(dirs) = directories::ProjectDirs::from("", "", "numhealth") {
            let p = dirs.config_dir().join("numhealth.toml");
            if p.exists() {
                return Settings::from_file(&p);
            }
        }
        Ok(Settings::default())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn short_call_ms(&self) -> i64 {
        self.ingest.short_call_secs * 1000
    }
}

/// A TOML error as `invalid config: line L, column C: what is wrong`, without the line
/// itself that toml quotes (it may hold the webhook URL, a secret), and with every value
/// and address the message repeats redacted.
fn parse_error(text: &str, e: &toml::de::Error) -> String {
    let at = e.span().map_or_else(String::new, |span| {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    // Values are quoted in double quotes ("invalid type: string \"...\""), names in
    // backticks: every quoted value goes, and any address left.
    let mut message = String::new();
    for (i, part) in e.message().trim().split('"').enumerate() {
        if i % 2 == 1 {
            message.push_str("\"<redacted>\"");
        } else {
            message.push_str(part);
        }
    }
    let message: Vec<&str> = message
        .split(' ')
        .map(|w| if w.contains("://") { "<redacted>" } else { w })
        .collect();
    format!("invalid config: {at}{}", message.join(" "))
}

/// The database path: `--db`, else `$NUMHEALTH_DB`, else the per-user data directory.
pub fn resolve_db_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("NUMHEALTH_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "numhealth")
        .map(|d| d.data_dir().join("numhealth.db"))
        .ok_or_else(|| Error::Other("no home directory: pass --db PATH or set NUMHEALTH_DB".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_line_and_never_quote_it() {
        let secret = "https://hooks.slack.com/services/T0/B0/SECRET";
        for (text, expect) in [
            (
                format!("[notify]\nwebhook = \"{secret}\",\n"),
                "invalid config: line 2, column ",
            ),
            (
                format!("[notify]\nweb_hook = \"{secret}\"\n"),
                "invalid config: line 2, column 1: unknown field `web_hook`",
            ),
            (
                format!("[notify]\nmax_attempts = \"{secret}\"\n"),
                "invalid config: line 2, column ",
            ),
            (
                "[notify]\nmax_attempts = \"hooks.slack.com/services/T0/B0/SECRET\"\n".into(),
                "invalid config: line 2, column ",
            ),
        ] {
            let e = Settings::from_toml(&text).unwrap_err();
            assert!(e.starts_with(expect), "{e}");
            assert!(!e.contains("SECRET") && !e.contains("hooks.slack"), "{e}");
        }
    }

    #[test]
    fn defaults_round_trip_through_toml() {
        let s = Settings::default();
        let back = Settings::from_toml(&s.to_toml()).unwrap();
        assert_eq!(s, back);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(Settings::from_toml("[ingest]\nshort_call_sec = 6\n").is_err());
        assert!(Settings::from_toml("[ingest]\nshort_call_secs = 0\n").is_err());
        assert!(Settings::from_toml("[ingest]\ndefault_region = \"XX\"\n").is_err());
        let s = Settings::from_toml("[bursts]\nmin_short_calls = 5\n").unwrap();
        assert_eq!(s.bursts.min_short_calls, 5);
        assert_eq!(s.bursts.window_minutes, 10);
        let s = Settings::from_toml("[pool]\nthrottle_share = 0.3\n").unwrap();
        assert_eq!(s.pool.throttle_share, 0.3);
        assert!(Settings::from_toml("[pool]\nthrottle_shar = 0.3\n").is_err());
        assert!(Settings::from_toml("[pool]\ndefault_tz = \"Nowhere\"\n").is_err());
        let s = Settings::from_toml("[report]\nmax_number_sections = 5\n").unwrap();
        assert_eq!(s.report.max_number_sections, 5);
        assert!(Settings::from_toml("[report]\nmax_number_sections = 100001\n").is_err());
        assert!(Settings::from_toml("[report]\nmax_sections = 5\n").is_err());
    }

    #[test]
    fn the_webhook_is_never_printed_nor_stored() {
        let url = "https://hooks.slack.com/services/T0/B0/s3cr3tpath";
        let s = Settings::from_toml(&format!("[notify]\nwebhook = \"{url}\"\n")).unwrap();
        assert_eq!(s.notify.webhook.as_ref().map(|w| w.expose()), Some(url));
        // `numhealth config` prints `to_toml`; a score run stores it.
        let shown = format!("{}{s:?}", s.to_toml());
        assert!(!shown.contains("s3cr3tpath"), "{shown}");
        assert!(s.to_toml().contains("webhook = \"<redacted>\""));
        // That output used as a config file is refused with a hint, not sent to.
        let err = Settings::from_toml(&s.to_toml()).unwrap_err();
        assert!(err.contains("numhealth config"), "{err}");
        assert!(
            Settings::from_toml("[notify]\nwebhook = \"\"\n")
                .unwrap()
                .notify
                .webhook
                .is_none()
        );
        let err = Settings::from_toml("[notify]\nwebhook = \"ftp://x/s3cr3tpath\"\n").unwrap_err();
        assert!(!err.contains("s3cr3tpath"), "{err}");
    }
}
