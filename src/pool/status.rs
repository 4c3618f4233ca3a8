//! The pool's vocabulary: a number's lifecycle status, who decided it, its calls allowed,
//! one registry row (`Entry`, the current state plus the policy's memory) and one recorded
//! change (`Transition`, append-only history).

use chrono::NaiveDate;
use serde::Serialize;

/// Where a caller number is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Dialling at the normal pace.
    Active,
    /// Back from rest (or new): capped pace on a ramp, watched more strictly.
    Probation,
    /// Not to be dialled until a date.
    Resting,
    /// Not to be dialled again; replace it. Only an operator brings it back.
    Retired,
    /// Given up by the operator; kept for history, never touched by the policy.
    Released,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Active,
        Status::Probation,
        Status::Resting,
        Status::Retired,
        Status::Released,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Probation => "probation",
            Status::Resting => "resting",
            Status::Retired => "retired",
            Status::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a dialler may place calls from the number.
    pub fn may_dial(self) -> bool {
        matches!(self, Status::Active | Status::Probation)
    }

    /// Whether the number counts among an area code's working numbers (the resting cap's
    /// denominator): everything but retired and released.
    pub fn in_rotation(self) -> bool {
        !matches!(self, Status::Retired | Status::Released)
    }
}

/// Who decided a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Policy,
    Operator,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Policy => "policy",
            Source::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "policy" => Some(Source::Policy),
            "operator" => Some(Source::Operator),
            _ => None,
        }
    }
}

/// Calls allowed per local day and per hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Caps {
    pub daily: i64,
    pub hourly: i64,
}

impl Caps {
    /// No calls at all (resting, retired, released).
    pub const NONE: Caps = Caps {
        daily: 0,
        hourly: 0,
    };

    /// The smaller of each cap.
    pub fn min(self, other: Caps) -> Caps {
        Caps {
            daily: self.daily.min(other.daily),
            hourly: self.hourly.min(other.hourly),
        }
    }
}

/// One number's row in the registry: its current status and caps, and what the policy
/// remembers between runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub number: String,
    pub status: Status,
    /// When the current status began (the as-of moment of the transition into it).
    pub since_ms: i64,
    /// Resting: the number's local midnight starting `until`, when the rest is over.
    pub until_ms: Option<i64>,
    /// Resting: the date the rest lasts until (the number's local calendar).
    pub until: Option<NaiveDate>,
    /// Calls allowed now (0 for statuses that may not dial).
    pub caps: Caps,
    pub source: Source,
    pub reason: String,
    pub note: Option<String>,
    /// The score run that recorded the last transition.
    pub score_run: Option<i64>,
    /// Evidence before this moment was already dealt with (an operator mark, the start of a
    /// rest or of a probation): the policy counts only episodes after it.
    pub episode_floor_ms: Option<i64>,
    /// Probation: where the ramp counts from.
    pub probation_since_ms: Option<i64>,
    /// Throttle caps hold until at least this moment.
    pub throttled_until_ms: Option<i64>,
    /// The number's own normal caps (`mark --daily-cap/--hourly-cap`), else the pool's.
    pub own_caps: Option<Caps>,
    /// Times a flag episode during probation sent the number back to rest.
    pub relapses: i64,
    /// The retired number this one replaces.
    pub replaces: Option<String>,
}

impl Entry {
    /// A registry row with no memory yet.
    pub fn new(number: &str, status: Status, since_ms: i64, caps: Caps, reason: String) -> Entry {
        Entry {
            number: number.to_string(),
            status,
            since_ms,
            until_ms: None,
            until: None,
            caps,
            source: Source::Policy,
            reason,
            note: None,
            score_run: None,
            episode_floor_ms: None,
            probation_since_ms: None,
            throttled_until_ms: None,
            own_caps: None,
            relapses: 0,
            replaces: None,
        }
    }

    /// The transition that brings `from` (None: first seen) to this row at `at_ms`.
    pub fn transition_from(&self, from: Option<Status>, at_ms: i64) -> Transition {
        Transition {
            number: self.number.clone(),
            from,
            to: self.status,
            at_ms,
            until_ms: self.until_ms,
            until: self.until,
            caps: self.caps,
            reason: self.reason.clone(),
            source: self.source,
            score_run: self.score_run,
            by: None,
            note: self.note.clone(),
            own_caps: self.own_caps,
        }
    }
}

/// One recorded change of a number's status, rest date or caps. Never overwritten.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub number: String,
    /// None when the number was first seen.
    pub from: Option<Status>,
    pub to: Status,
    /// The as-of moment of the change.
    pub at_ms: i64,
    pub until_ms: Option<i64>,
    pub until: Option<NaiveDate>,
    pub caps: Caps,
    pub reason: String,
    pub source: Source,
    pub score_run: Option<i64>,
    /// The operator who marked it.
    pub by: Option<String>,
    pub note: Option<String>,
    /// The number's own normal caps from then on (`None`: none of its own).
    #[serde(skip)]
    pub own_caps: Option<Caps>,
}

impl Transition {
    /// Whether the status itself changed (not only caps or the rest date).
    pub fn changes_status(&self) -> bool {
        self.from != Some(self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_sources_round_trip_their_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("Active"), None);
        assert_eq!(Source::parse("operator"), Some(Source::Operator));
        assert_eq!(Source::parse("cron"), None);
        assert!(Status::Probation.may_dial() && !Status::Resting.may_dial());
        assert!(Status::Resting.in_rotation() && !Status::Retired.in_rotation());
    }

    #[test]
    fn caps_take_the_smaller_of_each() {
        let a = Caps {
            daily: 25,
            hourly: 30,
        };
        let b = Caps {
            daily: 50,
            hourly: 15,
        };
        assert_eq!(
            a.min(b),
            Caps {
                daily: 25,
                hourly: 15
            }
        );
    }
}
