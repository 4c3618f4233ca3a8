//! How fresh the stored data is, and the stale-data guard every scoring command applies.
//!
//! The data is stale when the later of the newest stored call and the pull watermark (the
//! end of the range the last successful `pull` covered) is more than
//! `score.stale_after_hours` before the as-of moment. The pull watermark counts because a
//! pull that ran and found nothing (a weekday-only fleet on Monday) proves the data is
//! current; re-ingested old files prove nothing, as their calls are old.
//!
//! Without `--as-of` (the cron case) `score` and `export rotation` refuse stale data
//! ([`Error::Stale`], exit 4) unless `--allow-stale`, and `score` (a writer, already holding
//! the lock) queues one stale-data alert for a configured webhook; `export` is a reader and
//! sends none, as opening a writer would make it wait for the lock. With `--as-of`, and
//! always in `risky` and `number`, stale data is a warning.

use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Result};
use crate::health::rollup::HOUR_MS;
use crate::notify::{NotifyConfig, Payload};
use crate::store::keys::UNANCHORED;
use crate::store::{Store, meta};
use crate::time::{age_words, rfc3339};

const DAY_MS: i64 = 24 * HOUR_MS;

/// What the database holds, in time: when its calls begin and end, and how far the last
/// successful pull reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Freshness {
    /// The first stored call (ms); the first rollup hour once raw calls were pruned.
    pub first_call_ms: Option<i64>,
    /// The newest stored call (ms); the newest rollup hour once raw calls were pruned.
    pub newest_call_ms: Option<i64>,
    /// The end of the range the last successful `pull` covered (ms).
    pub watermark_ms: Option<i64>,
}

/// Data judged too old for its as-of moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    /// How long before the as-of moment the newest data is (ms, > the limit).
    pub age_ms: i64,
    /// The newest data: the later of the newest call and the watermark (ms).
    pub newest_ms: i64,
    pub newest_call_ms: i64,
    pub watermark_ms: Option<i64>,
    /// The limit it was judged by (`score.stale_after_hours`).
    pub stale_after_hours: i64,
}

/// The verdict of [`Freshness::judge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staleness {
    /// No calls stored: nothing to score, and nothing stale.
    Empty,
    /// The as-of moment is before the first stored call.
    BeforeFirstCall {
        first_call_ms: i64,
    },
    /// The newest data is within the limit of the as-of moment (or after it).
    Fresh,
    Stale(Stale),
}

impl Freshness {
    /// Judges the data as of `as_of_ms` with the limit `stale_after_hours`.
    pub fn judge(&self, as_of_ms: i64, stale_after_hours: i64) -> Staleness {
        let Some(newest_call_ms) = self.newest_call_ms else {
            return Staleness::Empty;
        };
        let first_call_ms = self.first_call_ms.unwrap_or(newest_call_ms);
        if as_of_ms < first_call_ms {
            return Staleness::BeforeFirstCall { first_call_ms };
        }
        let newest_ms = newest_call_ms.max(self.watermark_ms.unwrap_or(i64::MIN));
        let age_ms = as_of_ms.saturating_sub(newest_ms);
        if age_ms > stale_after_hours.saturating_mul(HOUR_MS) {
            Staleness::Stale(Stale {
                age_ms,
                newest_ms,
                newest_call_ms,
                watermark_ms: self.watermark_ms,
                stale_after_hours,
            })
        } else {
            Staleness::Fresh
        }
    }
}

/// A command's as-of moment, and the `--as-of` text it came from (`None`: now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsOfMoment {
    pub ms: i64,
    pub given: Option<String>,
}

/// The data judged for one command's as-of moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshnessCheck {
    pub as_of: AsOfMoment,
    pub staleness: Staleness,
}

impl FreshnessCheck {
    /// No calls stored at all.
    pub fn is_empty(&self) -> bool {
        self.staleness == Staleness::Empty
    }

    /// Stale data judged as of now (no `--as-of`): what cron sees when the nightly pull
    /// broke, the case `score` and `export` refuse and alert on.
    pub fn stale_now(&self) -> Option<&Stale> {
        match &self.staleness {
            Staleness::Stale(s) if self.as_of.given.is_none() => Some(s),
            _ => None,
        }
    }

    /// The warning for stderr, if any (commands that only warn: `risky`, `number`).
    pub fn warning(&self) -> Option<String> {
        let text = match &self.staleness {
            Staleness::Empty | Staleness::Fresh => return None,
            Staleness::BeforeFirstCall { first_call_ms } => format!(
                "{} is before the first stored call ({})",
                self.moment(),
                rfc3339(*first_call_ms)
            ),
            Staleness::Stale(s) => match &self.as_of.given {
                None => format!(
                    "the newest data is {} old ({}); scores describe that moment, not now",
                    age_words(s.age_ms),
                    s.evidence(false)
                ),
                Some(_) => format!(
                    "the newest data is {} older than {} ({}); scores describe that moment, not the --as-of moment",
                    age_words(s.age_ms),
                    self.moment(),
                    s.evidence(false)
                ),
            },
        };
        Some(format!("warning: {text}"))
    }

    /// For commands that refuse stale data (`score`, `export rotation`, named by
    /// `command`): [`Error::Stale`] (exit 4) when the data is stale as of now and
    /// `allow_stale` is false; otherwise the warning to show, if any.
    pub fn gate(&self, command: &str, allow_stale: bool) -> Result<Option<String>> {
        match self.stale_now() {
            Some(s) if !allow_stale => Err(Error::Stale(s.refusal(command))),
            _ => Ok(self.warning()),
        }
    }

    /// "--as-of 2026-01-01", or "now (2026-12-01T09:00:00Z)".
    fn moment(&self) -> String {
        match &self.as_of.given {
            Some(text) => format!("--as-of {text}"),
            None => format!("now ({})", rfc3339(self.as_of.ms)),
        }
    }
}

impl Stale {
    /// "newest call 2026-11-20T23:58:00Z, last pull reached ..."; `full` also says when
    /// no pull ever completed.
    fn evidence(&self, full: bool) -> String {
        let call = format!("newest call {}", rfc3339(self.newest_call_ms));
        match self.watermark_ms {
            Some(w) => format!("{call}, last pull reached {}", rfc3339(w)),
            None if full => format!("{call}; no pull has completed"),
            None => call,
        }
    }

    /// Why `command` refuses, and how to go on.
    fn refusal(&self, command: &str) -> String {
        format!(
            "the newest data is {} old ({}), more than score.stale_after_hours ({}): scores as of now would drift towards keep. Check the nightly pull (or ingest), or run `numhealth {command} --allow-stale` to go ahead anyway (or give --as-of T)",
            age_words(self.age_ms),
            self.evidence(true),
            crate::time::plural(self.stale_after_hours, "hour", "hours"),
        )
    }
}

impl Store {
    /// When the stored calls begin and end, and the pull watermark. Cheap on any size of
    /// database: the first and last hours with calls come from `fleet_hourly`'s key, then
    /// only that hour's UTC day of calls is read, through the `(anchor_day, call_key)`
    /// index, with the calls that have no start yet (filed under no day).
    pub fn data_freshness(&self) -> Result<Freshness> {
        let (first, newest) = (self.edge_hour("ASC")?, self.edge_hour("DESC")?);
        Ok(Freshness {
            first_call_ms: first.map(|h| self.first_call_in(h)).transpose()?,
            newest_call_ms: newest.map(|h| self.newest_call_in(h)).transpose()?,
            watermark_ms: self.watermark_ms()?,
        })
    }

    /// How far the last successful pull reached.
    fn watermark_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .meta_get(meta::PULL_WATERMARK_MS)?
            .and_then(|v| v.parse().ok()))
    }

    /// The last hour the rollups hold a call in.
    pub(crate) fn newest_hour(&self) -> Result<Option<i64>> {
        self.edge_hour("DESC")
    }

    /// The first (`ASC`) or last (`DESC`) hour the rollups hold a call in.
    fn edge_hour(&self, order: &str) -> Result<Option<i64>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT hour FROM fleet_hourly WHERE attempts + inbound + platform_fault > 0 \
                     ORDER BY hour {order} LIMIT 1"
                ),
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.wrap(e))
    }

    /// The first call placed in `hour`, the first hour with calls.
    fn first_call_in(&self, hour: i64) -> Result<i64> {
        self.call_in(hour, "MIN", "placed_ms < (?1 + 1) * ?2")
    }

    /// The newest call placed in `hour`, the last hour with calls.
    fn newest_call_in(&self, hour: i64) -> Result<i64> {
        self.call_in(hour, "MAX", "placed_ms >= ?1 * ?2")
    }

    /// The `pick` (`MIN`, `MAX`) of the placed times of `hour`'s day of calls (and those
    /// filed under no day) on `within`'s side of it (`?1` the hour, `?2` its length), else
    /// the hour's start (its raw calls were pruned).
    fn call_in(&self, hour: i64, pick: &str, within: &str) -> Result<i64> {
        let day = (hour * HOUR_MS).div_euclid(DAY_MS);
        let call: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT {pick}(placed_ms) FROM calls WHERE anchor_day IN (?3, ?4) AND {within}"
                ),
                params![hour, HOUR_MS, day, UNANCHORED],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))?;
        Ok(call.unwrap_or(hour * HOUR_MS))
    }

    /// Judges the stored data for a command's as-of moment, as `data_freshness` then
    /// `Freshness::judge` would, reading a call's exact time only when the verdict turns on
    /// it: the first call when as-of falls inside the first hour, the newest when as-of is
    /// not surely within the limit of the newest hour's start (stale, or close to it; a
    /// stale verdict names the newest call). Nightly runs on fresh data read no calls.
    pub fn check_freshness(
        &self,
        as_of: &AsOfMoment,
        stale_after_hours: i64,
    ) -> Result<FreshnessCheck> {
        let watermark_ms = self.watermark_ms()?;
        let staleness = match (self.edge_hour("ASC")?, self.edge_hour("DESC")?) {
            (Some(first), Some(newest)) => {
                // A call of the first hour starts at or after the hour; one of the newest
                // hour, too: the hour starts stand in when they settle the verdict.
                let first_call_ms = if as_of.ms < (first + 1) * HOUR_MS {
                    self.first_call_in(first)?
                } else {
                    first * HOUR_MS
                };
                let newest_floor = (newest * HOUR_MS).max(watermark_ms.unwrap_or(i64::MIN));
                let surely_fresh = as_of.ms.saturating_sub(newest_floor)
                    <= stale_after_hours.saturating_mul(HOUR_MS);
                let newest_call_ms = if surely_fresh {
                    newest * HOUR_MS
                } else {
                    self.newest_call_in(newest)?
                };
                Freshness {
                    first_call_ms: Some(first_call_ms),
                    newest_call_ms: Some(newest_call_ms),
                    watermark_ms,
                }
                .judge(as_of.ms, stale_after_hours)
            }
            _ => Staleness::Empty,
        };
        Ok(FreshnessCheck {
            as_of: as_of.clone(),
            staleness,
        })
    }

    /// Queues the stale-data alert when `check` found the data stale as of now and a
    /// webhook is configured. Keyed by the newest data, so a stretch of stale data queues
    /// one alert however many runs see it. Returns whether there is an alert to deliver
    /// (queued now or by an earlier run): then call `notify::deliver_due` once the write
    /// lock is released.
    pub fn queue_stale_alert(
        &self,
        check: &FreshnessCheck,
        notify: &NotifyConfig,
        now_ms: i64,
    ) -> Result<bool> {
        let Some(s) = check.stale_now().filter(|_| notify.enabled()) else {
            return Ok(false);
        };
        let payload = Payload::stale(s.newest_ms, check.as_of.ms, s.stale_after_hours);
        self.outbox_enqueue(&payload, now_ms)?;
        Ok(true)
    }

    /// Delivers what the outbox holds due (the stale-data alert among it) once the write
    /// lock is released; returns one message per failure, a database error included, for
    /// the caller to print. A failure never fails the command: later runs retry.
    pub fn deliver_stale_alert(&self, notify: &NotifyConfig, now_ms: i64) -> Vec<String> {
        match crate::notify::deliver_due(self, notify, now_ms) {
            Ok(report) => report.failed,
            Err(e) => vec![format!("the stale-data alert was not delivered: {e}")],
        }
    }
}

#[cfg(test)]
mod tests;
