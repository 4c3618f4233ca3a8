//! Operator marks, pure: what `mark NUMBER --status S ...` records for one number, or why
//! it is refused. A mark sets the episode floor, so the policy afterwards judges only
//! episodes that start after it.

use chrono::NaiveDate;

use crate::pool::caps::caps_at;
use crate::pool::config::Rules;
use crate::pool::status::{Caps, Entry, Source, Status, Transition};

/// One operator decision, for every number it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub status: Status,
    /// Resting: the date the rest lasts until (the number's local calendar).
    pub until: Option<NaiveDate>,
    pub note: Option<String>,
    pub by: Option<String>,
    pub at_ms: i64,
    /// The number's own normal caps from now on.
    pub daily_cap: Option<i64>,
    pub hourly_cap: Option<i64>,
    /// Register a number the fleet has never used.
    pub add: bool,
    /// The retired number this one replaces.
    pub replaces: Option<String>,
}

/// What the store knows about a number being marked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// Its registry row.
    pub entry: Option<&'a Entry>,
    /// Whether the fleet has calls (rollups) from it.
    pub used: bool,
    /// The moment of the pool's last transition or score run (no mark may go before it).
    pub last_at_ms: Option<i64>,
    /// The registry row of `Mark::replaces`.
    pub replaced: Option<&'a Entry>,
    /// The number already recorded as replacing `Mark::replaces`, if any.
    pub replaced_by: Option<&'a str>,
}

/// Why a mark's flags do not go together, whatever the numbers (a usage error): resting
/// without a date, a date without resting, caps out of range.
pub fn check_flags(m: &Mark) -> Result<(), String> {
    match (m.status, m.until) {
        (Status::Resting, None) => return Err("--status resting needs --until DATE".into()),
        (Status::Resting, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err("--until goes only with --status resting".into()),
    }
    for (name, v) in [("--daily-cap", m.daily_cap), ("--hourly-cap", m.hourly_cap)] {
        if v.is_some_and(|v| !(1..=1_000_000).contains(&v)) {
            return Err(format!("{name} must be between 1 and 1000000"));
        }
    }
    Ok(())
}

/// The new registry row and the transition for marking `number`, or why not: the flags
/// (`check_flags`), then what the data says (a number the fleet never used without
/// `add`, a mark before its last transition, an unknown `replaces`, a rest date that is
/// not after the mark in the number's zone).
pub fn apply(
    number: &str,
    known: Known<'_>,
    m: &Mark,
    rules: &Rules<'_>,
) -> Result<(Entry, Transition), String> {
    check_flags(m)?;
    if known.entry.is_none() && !known.used && !m.add {
        return Err(format!(
            "{number} has never been used by the fleet; pass --add to register it"
        ));
    }
    if let Some(last) = known.last_at_ms.filter(|&l| l > m.at_ms) {
        return Err(format!(
            "{number}: the pool's history already runs to {} (its last transition or score \
             run), after --at {}: history is append-only (give an --at at or after it)",
            crate::time::rfc3339(last),
            crate::time::rfc3339(m.at_ms)
        ));
    }
    if let Some(old) = &m.replaces {
        if old == number {
            return Err(format!("{number} cannot replace itself"));
        }
        let Some(r) = known.replaced else {
            return Err(format!("--replaces {old}: that number is not in the pool"));
        };
        if !matches!(r.status, Status::Retired | Status::Released) {
            return Err(format!(
                "--replaces {old}: that number is {}, not retired; retire it first \
                 (`numhealth mark {old} --status retired`)",
                r.status.as_str()
            ));
        }
        if let Some(by) = known.replaced_by.filter(|&b| b != number) {
            return Err(format!("--replaces {old}: {by} already replaces it"));
        }
    }
    let (until, until_ms) = match (m.status, m.until) {
        (Status::Resting, Some(d)) => {
            let ms = rules
                .zones
                .local_midnight_ms(number, d)
                .filter(|&ms| ms > m.at_ms)
                .ok_or_else(|| format!("--until {d} for {number} is not after the mark"))?;
            (Some(d), Some(ms))
        }
        _ => (None, None),
    };
    let mut e = known
        .entry
        .cloned()
        .unwrap_or_else(|| Entry::new(number, m.status, m.at_ms, Caps::NONE, String::new()));
    let from = known.entry.map(|p| p.status);
    if from != Some(m.status) {
        e.since_ms = m.at_ms;
    }
    e.status = m.status;
    e.until = until;
    e.until_ms = until_ms;
    e.episode_floor_ms = Some(m.at_ms);
    e.throttled_until_ms = None;
    e.probation_since_ms = (m.status == Status::Probation).then_some(m.at_ms);
    if m.status.may_dial() {
        e.relapses = 0;
    }
    if m.daily_cap.is_some() || m.hourly_cap.is_some() {
        let normal = rules.normal_caps(e.own_caps);
        e.own_caps = Some(Caps {
            daily: m.daily_cap.unwrap_or(normal.daily),
            hourly: m.hourly_cap.unwrap_or(normal.hourly),
        });
    }
    if m.replaces.is_some() {
        e.replaces = m.replaces.clone();
    }
    e.caps = caps_at(&e, m.at_ms, false, rules);
    let mut reason = format!("marked {}", m.status.as_str());
    if let Some(u) = until {
        reason.push_str(&format!(" until {u}"));
    }
    reason.push_str(&format!(" by {}", m.by.as_deref().unwrap_or("an operator")));
    if known.entry.is_none() {
        reason.push_str(" (added to the pool)");
    }
    if let Some(old) = &m.replaces {
        reason.push_str(&format!("; replaces {old}"));
    }
    e.reason = reason;
    e.source = Source::Operator;
    e.note = m.note.clone();
    e.score_run = None;
    let mut t = e.transition_from(from, m.at_ms);
    t.by = m.by.clone();
    Ok((e, t))
}

/// The numbers a `mark --from-file` text names, each with its line: one a line (blank
/// lines and `#` comments skipped), or a CSV whose header row has a `number` column.
pub fn numbers_in(text: &str) -> Result<Vec<(usize, String)>, String> {
    let header = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(header) = header else {
        return Ok(Vec::new());
    };
    if !header.contains(',') && !header.eq_ignore_ascii_case("number") {
        return Ok(text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .map(|(i, l)| (i, l.to_string()))
            .collect());
    }
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let col = r
        .headers()
        .map_err(|e| format!("not a CSV: {e}"))?
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("number"))
        .ok_or("the CSV's header row has no `number` column")?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("not a CSV: {e}"))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        match rec.get(col).map(str::trim) {
            Some(n) if !n.is_empty() => out.push((line, n.to_string())),
            _ => return Err(format!("line {line}: no number in the `number` column")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::health::score::ScoreConfig;
    use crate::pool::config::PoolConfig;
    use crate::pool::zone::Zones;

    const T: i64 = 1_763_596_800_000; // 2025-11-20T00:00Z

    fn mark(status: Status) -> Mark {
        Mark {
            status,
            until: None,
            note: Some("checked with the carrier".into()),
            by: Some("alice".into()),
            at_ms: T,
            daily_cap: None,
            hourly_cap: None,
            add: false,
            replaces: None,
        }
    }

    #[test]
    fn marks_record_operator_transitions_and_refuse_what_the_issue_refuses() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            // UTC for every number: these tests are about the rules, not the zones.
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        };
        let n = "+14155550100";
        let used = Known {
            used: true,
            ..Known::default()
        };
        let never = Known::default();
        let err = apply(n, never, &mark(Status::Active), &rules).unwrap_err();
        assert!(err.contains("--add"), "{err}");
        let err = apply(n, used, &mark(Status::Resting), &rules).unwrap_err();
        assert!(err.contains("--until"), "{err}");
        let past = Mark {
            until: Some("2025-11-19".parse().unwrap()),
            ..mark(Status::Resting)
        };
        assert!(apply(n, used, &past, &rules).is_err());
        let with_until = Mark {
            until: Some("2025-12-01".parse().unwrap()),
            ..mark(Status::Active)
        };
        assert!(apply(n, used, &with_until, &rules).is_err());

        let resting = Mark {
            until: Some("2025-12-01".parse().unwrap()),
            ..mark(Status::Resting)
        };
        let (e, t) = apply(n, used, &resting, &rules).unwrap();
        assert_eq!(
            (e.status, e.until_ms),
            (Status::Resting, Some(T + 11 * 86_400_000))
        );
        assert_eq!(
            (t.from, t.source, t.by.as_deref()),
            (None, Source::Operator, Some("alice"))
        );
        assert_eq!(t.caps, Caps::NONE);
        assert_eq!(e.episode_floor_ms, Some(T));
        assert!(
            t.reason.contains("until 2025-12-01 by alice"),
            "{}",
            t.reason
        );

        // Back to active with its own caps; a mark before the last transition is refused.
        let known = Known {
            entry: Some(&e),
            used: true,
            last_at_ms: Some(T),
            replaced: None,
            replaced_by: None,
        };
        let active = Mark {
            at_ms: T + 1000,
            daily_cap: Some(60),
            ..mark(Status::Active)
        };
        let (e2, t2) = apply(n, known, &active, &rules).unwrap();
        assert_eq!(t2.from, Some(Status::Resting));
        assert_eq!(
            e2.caps,
            Caps {
                daily: 60,
                hourly: 30
            }
        );
        assert_eq!(e2.episode_floor_ms, Some(T + 1000));
        let early = Mark {
            at_ms: T - 1,
            ..mark(Status::Active)
        };
        let err = apply(n, known, &early, &rules).unwrap_err();
        assert!(err.contains("append-only"), "{err}");
        // Both moments in the message as the user writes them, not as epoch milliseconds.
        assert!(
            err.contains("runs to 2025-11-20T00:00:00Z (its last transition or score run), after --at 2025-11-19T23:59:59Z"),
            "{err}"
        );
    }

    #[test]
    fn flag_combinations_are_checked_apart_from_the_data() {
        assert!(
            check_flags(&mark(Status::Resting))
                .unwrap_err()
                .contains("--until")
        );
        let with_until = Mark {
            until: Some("2025-12-01".parse().unwrap()),
            ..mark(Status::Retired)
        };
        assert!(check_flags(&with_until).unwrap_err().contains("only with"));
        let caps = Mark {
            hourly_cap: Some(0),
            ..mark(Status::Active)
        };
        assert!(check_flags(&caps).unwrap_err().contains("--hourly-cap"));
        assert_eq!(check_flags(&mark(Status::Released)), Ok(()));
    }

    #[test]
    fn files_of_numbers_are_lists_or_csv_with_a_number_column() {
        let list = "# to rest\n+14155550100\n\n  +14155550101  \n";
        assert_eq!(
            numbers_in(list).unwrap(),
            vec![(2, "+14155550100".into()), (4, "+14155550101".into())]
        );
        let csv = "campaign,number\nwest,+14155550100\neast,\"+1 415 555 0101\"\n";
        assert_eq!(
            numbers_in(csv).unwrap(),
            vec![(2, "+14155550100".into()), (3, "+1 415 555 0101".into())]
        );
        assert!(
            numbers_in("a,b\n1,2\n")
                .unwrap_err()
                .contains("`number` column")
        );
        assert_eq!(
            numbers_in("Number\n+14155550100\n").unwrap(),
            vec![(2, "+14155550100".into())]
        );
        assert!(
            numbers_in("id,number\n7,\n")
                .unwrap_err()
                .contains("line 2")
        );
        assert_eq!(numbers_in("\n# nothing\n").unwrap(), vec![]);
    }

    #[test]
    fn a_new_number_replaces_a_retired_one() {
        let (pool, score) = (PoolConfig::default(), ScoreConfig::default());
        let rules = Rules {
            pool: &pool,
            score: &score,
            // UTC for every number: these tests are about the rules, not the zones.
            zones: Zones::with_lookup(Tz::UTC, |_| None),
        };
        let old = Entry::new("+14155550100", Status::Retired, T, Caps::NONE, "r".into());
        let m = Mark {
            add: true,
            replaces: Some(old.number.clone()),
            ..mark(Status::Active)
        };
        let err = apply("+14155550199", Known::default(), &m, &rules).unwrap_err();
        assert!(err.contains("not in the pool"), "{err}");
        let known = Known {
            replaced: Some(&old),
            ..Known::default()
        };
        let (e, t) = apply("+14155550199", known, &m, &rules).unwrap();
        assert_eq!(e.replaces.as_deref(), Some("+14155550100"));
        assert_eq!(e.caps.daily, 100);
        assert!(t.reason.contains("added") && t.reason.contains("replaces +14155550100"));
        assert!(apply(&old.number, known, &m, &rules).is_err());
        // Only a retired (or released) number can be replaced, and only once.
        let active = Entry::new("+14155550100", Status::Active, T, Caps::NONE, "a".into());
        let err = apply(
            "+14155550199",
            Known {
                replaced: Some(&active),
                ..Known::default()
            },
            &m,
            &rules,
        )
        .unwrap_err();
        assert!(err.contains("is active, not retired"), "{err}");
        let taken = Known {
            replaced: Some(&old),
            replaced_by: Some("+14155550198"),
            ..Known::default()
        };
        let err = apply("+14155550199", taken, &m, &rules).unwrap_err();
        assert!(err.contains("+14155550198 already replaces it"), "{err}");
        // Marking the replacement again (its own record) is no second replacement.
        let again = Known {
            replaced_by: Some("+14155550199"),
            ..taken
        };
        assert!(apply("+14155550199", again, &m, &rules).is_ok());
    }
}
