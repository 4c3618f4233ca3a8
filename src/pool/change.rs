//! A recorded transition as people and machines are told about it: `score`'s and `mark`'s
//! lines on stdout, their JSON, and the webhook's payload all use this one shape and
//! this one wording.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pool::policy::{Plan, caps_text};
use crate::pool::status::{Entry, Source, Status, Transition};
use crate::time::rfc3339;

/// One change of a number's status, rest date or caps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub number: String,
    /// `null` when the number was first seen.
    pub from: Option<Status>,
    pub to: Status,
    /// When the status it is now in began (RFC 3339): the change itself, or earlier
    /// for a change of caps or of the rest date only.
    pub since: String,
    /// Resting: the date the rest lasts until (the number's local calendar).
    pub until: Option<String>,
    pub daily_cap: i64,
    pub hourly_cap: i64,
    pub reason: String,
    pub source: Source,
}

impl Change {
    /// The change `t` made, with `since` from the row it left (`None`: the change's moment).
    pub fn of(t: &Transition, row: Option<&Entry>) -> Change {
        Change {
            number: t.number.clone(),
            from: t.from,
            to: t.to,
            since: rfc3339(row.map_or(t.at_ms, |e| e.since_ms)),
            until: t.until.map(|d| d.format("%Y-%m-%d").to_string()),
            daily_cap: t.caps.daily,
            hourly_cap: t.caps.hourly,
            reason: t.reason.clone(),
            source: t.source,
        }
    }

    /// Every transition of a plan, in its order.
    pub fn list(plan: &Plan) -> Vec<Change> {
        let rows: BTreeMap<&str, &Entry> = plan
            .entries
            .iter()
            .map(|e| (e.number.as_str(), e))
            .collect();
        plan.transitions
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut c = Change::of(t, rows.get(t.number.as_str()).copied());
                if let Some(&since) = plan.since_ms.get(i) {
                    c.since = rfc3339(since);
                }
                c
            })
            .collect()
    }

    /// One line in plain English: `+14155550100 active -> resting until 2026-12-19:
    /// resting until 2026-12-19: 9 marked_as_spam ...`; the caps of a number that may dial
    /// are named unless the reason already names them.
    pub fn line(&self) -> String {
        let from = self.from.map_or("new", Status::as_str);
        let mut s = format!("{} {from} -> {}", self.number, self.to.as_str());
        if let Some(u) = &self.until {
            s.push_str(&format!(" until {u}"));
        }
        let caps = caps_text(crate::pool::status::Caps {
            daily: self.daily_cap,
            hourly: self.hourly_cap,
        });
        if self.to.may_dial() && !self.reason.contains(&caps) {
            s.push_str(&format!(" ({caps})"));
        }
        s.push_str(": ");
        s.push_str(self.reason_left());
        s
    }

    /// The reason without the words the line already says: "first seen: active: " (the
    /// line says `new -> active`), "resting until D: " and the verdict's own "rest until
    /// D: " (the line says `-> resting until D`), "retired: ".
    fn reason_left(&self) -> &str {
        let to = self.to.as_str();
        let mut r = self.reason.as_str();
        let mut prefixes = vec![format!("first seen: {to}: "), format!("first seen: {to}, ")];
        if let Some(u) = &self.until {
            prefixes.push(format!("{to} until {u}: "));
            prefixes.push(format!("rest until {u}: "));
        }
        prefixes.push(format!("{to}: "));
        for p in &prefixes {
            r = r.strip_prefix(p.as_str()).unwrap_or(r);
        }
        if r.is_empty() { &self.reason } else { r }
    }
}

/// Numbers per status (by name) in a registry.
pub fn count_statuses<'a>(
    rows: impl IntoIterator<Item = &'a Entry>,
) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for e in rows {
        *out.entry(e.status.as_str()).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::status::Caps;

    const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z

    #[test]
    fn lines_name_the_move_the_date_and_caps_once() {
        let mut e = Entry::new(
            "+14155550100",
            Status::Resting,
            T,
            Caps::NONE,
            "resting until 2025-12-20: 9 marked_as_spam".into(),
        );
        e.until = Some("2025-12-20".parse().unwrap());
        let t = e.transition_from(Some(Status::Active), T);
        let c = Change::of(&t, Some(&e));
        assert_eq!(
            c.line(),
            "+14155550100 active -> resting until 2025-12-20: 9 marked_as_spam"
        );
        assert_eq!(c.since, "2025-11-20T00:00:00Z");
        let caps = Caps {
            daily: 25,
            hourly: 8,
        };
        let p = Entry::new(
            "+14155550100",
            Status::Probation,
            T,
            caps,
            "rest ended".into(),
        );
        let c = Change::of(&p.transition_from(Some(Status::Resting), T + 1000), None);
        assert_eq!(
            c.line(),
            "+14155550100 resting -> probation (25 a day, 8 an hour): rest ended"
        );
        assert_eq!(c.since, "2025-11-20T00:00:01Z");
        let n = Entry::new(
            "+1",
            Status::Active,
            T,
            caps,
            "first seen: active: 25 a day, 8 an hour".into(),
        );
        assert_eq!(
            Change::of(&n.transition_from(None, T), None).line(),
            "+1 new -> active: 25 a day, 8 an hour"
        );
        let r = Entry::new(
            "+1",
            Status::Retired,
            T,
            Caps::NONE,
            "retired: replace it".into(),
        );
        assert_eq!(
            Change::of(&r.transition_from(None, T), None).line(),
            "+1 new -> retired: replace it"
        );
        let json = serde_json::to_value(&c).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "daily_cap",
                "from",
                "hourly_cap",
                "number",
                "reason",
                "since",
                "source",
                "to",
                "until"
            ]
        );
        assert_eq!(json["from"], "resting");
        assert_eq!(count_statuses([&e, &p, &n]).get("probation"), Some(&1));
    }
}
