//! The lifecycle policy, pure: from the registry, each number's assessment and its
//! evidence since its episode floor, the changes one scoring run records. The rules, in
//! order:
//! 1. `released` is never touched; `retired` is sticky (only an operator brings it back).
//! 2. After an episode floor (an operator mark, a rest, a probation) a `rest` or `retire`
//!    verdict counts only when the number's own calls since the floor show it anew
//!    (significant flags; for a reputation-score rest, significant failures too), and a
//!    `throttle` does not count when only flags from before the floor keep the score high.
//! 3. `retire` -> retired, never held back.
//! 4. `rest` -> resting until the verdict's date at the number's local midnight; for a
//!    resting number the date only moves later. A flag episode during probation rests it
//!    longer (`relapse_rest_days`), or retires it on a repeat. Rests on the reputation
//!    score alone are subject to the resting cap per area code (riskiest first); those
//!    held back stay throttled with a reason that names the cap.
//! 5. Resting whose date has passed -> probation on the ramp; resting on the policy's
//!    rest that calls cleanly (`recovery_*`) -> probation early (an operator's rest lasts
//!    its date: only an operator ends it early).
//! 6. Probation whose ramp is done, with a clean record -> active.
//! 7. `throttle` (and a held-back rest) -> throttle caps, held `throttle_hold_hours` after
//!    the cause ends. Any change of status, rest date or caps is one transition
//!    (`record`: what only time changed is recorded at its own moment).
//! 8. Numbers first seen are registered active (or probation, per `new_numbers`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveDate};

use crate::health::assessment::{Action, Assessment, Level};
use crate::health::rollup::HOUR_MS;
use crate::health::score::RestCause;
use crate::health::wording::{against_fleet, count, percent};
use crate::pool::caps::ramp_step;
use crate::pool::config::{NewNumbers, Rules};
use crate::pool::evidence::{Evidence, rest_ended};
use crate::pool::status::{Caps, Entry, Source, Status, Transition};

const DAY_MS: i64 = 24 * HOUR_MS;

/// What one run records: the transitions, and the new registry row of every number whose
/// row changed (status, caps, or only the policy's memory).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub transitions: Vec<Transition>,
    pub entries: Vec<Entry>,
    /// When the status each transition leaves its number in began, by transition (a
    /// change of caps only keeps the status's start); may be empty (then the number's
    /// row says).
    pub since_ms: Vec<i64>,
}

impl Plan {
    /// Names the score run that records the plan on its transitions and on the rows they
    /// changed.
    pub fn with_run(mut self, run_id: i64) -> Plan {
        for t in &mut self.transitions {
            t.score_run = Some(run_id);
        }
        for e in &mut self.entries {
            if self.transitions.iter().any(|t| t.number == e.number) {
                e.score_run = Some(run_id);
            }
        }
        self
    }
}

/// One number on its way through the rules.
struct Decision<'a> {
    prev: Option<&'a Entry>,
    next: Entry,
    /// Why the status or rest date changed, when it did.
    status_reason: Option<String>,
    /// The verdict's action as counted (after the episode floor).
    action: Action,
    /// A reputation-score rest waiting for the resting cap: its date and reason.
    candidate: Option<(NaiveDate, String)>,
    /// Held back by the resting cap: the reason.
    held: Option<String>,
    risk: (f64, f64),
    lead: Option<String>,
    /// A change only time made before the run (a rest's end): the row it began, recorded
    /// at its moment, as a view at that moment showed it.
    rest_end: Option<(i64, Entry)>,
}

/// `50 a day, 15 an hour`.
pub fn caps_text(c: Caps) -> String {
    format!("{} a day, {} an hour", c.daily, c.hourly)
}

fn ramp_text(rules: &Rules<'_>) -> String {
    let steps: Vec<String> = rules
        .pool
        .probation_ramp
        .iter()
        .map(|s| {
            format!(
                "{:.0}% of the normal pace for {} days",
                100.0 * s.share,
                s.days
            )
        })
        .collect();
    if steps.is_empty() {
        "full pace".into()
    } else {
        steps.join(", then ")
    }
}

/// The verdict's action after the episode floor, and its cause.
fn counted(
    e: &Entry,
    a: Option<&Assessment>,
    ev: &Evidence,
    rules: &Rules<'_>,
) -> (Action, Option<RestCause>) {
    let Some(a) = a else {
        return (Action::Keep, None);
    };
    let cause = a.rest_cause;
    if e.episode_floor_ms.is_none() {
        return (a.action, cause);
    }
    // A retirement after the floor needs the label to persist on the number's own days
    // since (`retire_spam_days`); one new flag episode on top of old flags rests it.
    if a.action == Action::Retire && ev.flags_significant {
        return if ev.high_share_days >= rules.score.retire_spam_days {
            (Action::Retire, cause)
        } else {
            (Action::Rest, Some(RestCause::Flags))
        };
    }
    let anew = match (a.action, cause) {
        (Action::Rest, Some(RestCause::Score)) => ev.flags_significant || ev.failures_significant,
        (Action::Rest | Action::Retire, _) => ev.flags_significant,
        // A throttle on the score that only flags from before the floor keep high.
        (Action::Throttle, _) => {
            a.metrics.bursts_recent > 0
                || a.components.pacing > 0.0
                || a.components.flags <= 0.0
                || ev.flags > 0
                || ev.failures_significant
        }
        _ => true,
    };
    if anew {
        (a.action, cause)
    } else {
        (Action::Monitor, None)
    }
}

/// `YYYY-MM-DD` to a date.
fn parse_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn days_after(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(d)
}

/// Puts `e` to rest until `date` (moved later until its local midnight is in the future).
fn rest(e: &mut Entry, mut date: NaiveDate, as_of_ms: i64, rules: &Rules<'_>) {
    let mut until_ms = rules.zones.local_midnight_ms(&e.number, date);
    for _ in 0..3 {
        if until_ms.is_some_and(|u| u > as_of_ms) {
            break;
        }
        date = days_after(date, 1);
        until_ms = rules.zones.local_midnight_ms(&e.number, date);
    }
    e.status = Status::Resting;
    e.since_ms = as_of_ms;
    e.until = Some(date);
    e.until_ms = Some(until_ms.unwrap_or(as_of_ms + DAY_MS));
    e.episode_floor_ms = Some(as_of_ms);
    e.probation_since_ms = None;
    e.throttled_until_ms = None;
}

fn enter(e: &mut Entry, status: Status, as_of_ms: i64) {
    e.status = status;
    e.since_ms = as_of_ms;
    e.until = None;
    e.until_ms = None;
    e.episode_floor_ms = Some(as_of_ms);
    if status != Status::Probation {
        e.probation_since_ms = None;
    }
    if !status.may_dial() {
        e.throttled_until_ms = None;
    }
}

/// The row a number first seen starts from. With `new_numbers = "probation"`, a number
/// the pool sees after its first run (`pool_exists`) is new and warms up; on the first run,
/// which takes the fleet as it is, only a number with too little history to judge does.
fn register(
    number: &str,
    a: Option<&Assessment>,
    as_of_ms: i64,
    pool_exists: bool,
    rules: &Rules<'_>,
) -> Entry {
    let warm = rules.pool.new_numbers == NewNumbers::Probation
        && (pool_exists || a.is_none_or(|a| a.level == Level::Insufficient));
    let mut e = Entry::new(number, Status::Active, as_of_ms, Caps::NONE, String::new());
    if warm {
        e.status = Status::Probation;
        e.probation_since_ms = Some(as_of_ms);
        e.episode_floor_ms = Some(as_of_ms);
        let seen = if a.is_none_or(|a| a.level == Level::Insufficient) {
            "first seen with no history"
        } else {
            "new to the pool"
        };
        e.reason = format!("{seen}: probation, {}", ramp_text(rules));
    } else {
        e.reason = "first seen: active".into();
    }
    e
}

fn flags_text(ev: &Evidence, zones_date: Option<NaiveDate>) -> String {
    let since = zones_date.map_or_else(String::new, |d| format!(" since {d}"));
    format!(
        "{} marked_as_spam{since} (fleet rate predicts {:.1})",
        ev.flags, ev.expected_flags
    )
}

/// Statuses and rest dates for one number (rules 1-6, and the rest candidates of rule 4).
fn decide<'a>(
    number: &str,
    prev: Option<&'a Entry>,
    a: Option<&Assessment>,
    ev: &Evidence,
    as_of_ms: i64,
    pool_exists: bool,
    rules: &Rules<'_>,
) -> Decision<'a> {
    let mut e = prev
        .cloned()
        .unwrap_or_else(|| register(number, a, as_of_ms, pool_exists, rules));
    let (action, cause) = if matches!(e.status, Status::Retired | Status::Released) {
        (Action::Keep, None)
    } else if prev.is_none() {
        // First seen (warmed up or not): its verdict counts as it is; the floor a warm-up
        // sets is for the record it makes from now on.
        a.map_or((Action::Keep, None), |a| (a.action, a.rest_cause))
    } else {
        counted(&e, a, ev, rules)
    };
    let lead = a.and_then(|a| a.reasons.first().cloned());
    let mut d = Decision {
        prev,
        next: e.clone(),
        status_reason: None,
        action,
        candidate: None,
        held: None,
        risk: a.map_or((0.0, 0.0), |a| (a.metrics.reputation_score, a.score)),
        lead: lead.clone(),
        rest_end: None,
    };
    if matches!(e.status, Status::Retired | Status::Released) {
        return d;
    }
    let lead = lead.unwrap_or_else(|| "the score says so".into());
    let today = rules.zones.local_date(number, as_of_ms).unwrap_or_default();
    let verdict_date = parse_date(a.and_then(|a| a.rest_until.as_deref()))
        .unwrap_or_else(|| days_after(today, rules.score.rest_days));
    let floor_date = e
        .episode_floor_ms
        .and_then(|f| rules.zones.local_date(number, f));
    // A retire verdict counted as a rest: one new episode since the floor.
    let lead = if action == Action::Rest && a.is_some_and(|a| a.action == Action::Retire) {
        format!(
            "{}, one new episode: a rest, not a retirement (the score alone says: {})",
            flags_text(ev, floor_date),
            retire_why(&lead)
        )
    } else {
        lead
    };
    let was = e.status;
    let reason: Option<String> = if let Some(end) = rest_ended(&e, as_of_ms) {
        // The rest ended at its end, not at this run: the views showed the probation it
        // began from then on, so that is recorded then; what the calls say is judged at
        // this run, on two records: the rest's own (`ev`, up to its end) and the
        // probation's (`after`).
        let ended = e.until;
        let began = rest_end_row(&e, end, rules);
        e = began.clone();
        d.rest_end = Some((end, began));
        let none = Evidence::default();
        let after = ev.after_rest.as_deref().unwrap_or(&none);
        let end_date = rules.zones.local_date(number, end);
        let (act, after_cause) = counted(&e, a, after, rules);
        let ended_on = ended.map_or_else(String::new, |u| format!(" that ended on {u}"));
        if action == Action::Retire {
            // The label persisted on its own days during the rest.
            enter(&mut e, Status::Retired, as_of_ms);
            Some(format!(
                "retired: {} (during the rest{ended_on})",
                retire_why(&lead)
            ))
        } else if action == Action::Rest
            && cause != Some(RestCause::Score)
            && extends(ended, verdict_date, rules)
        {
            // A new episode during the rest that a run then would have extended it for:
            // resting again.
            rest(&mut e, verdict_date, as_of_ms, rules);
            Some(format!(
                "resting until {}: a new episode during the rest{ended_on}: {}",
                e.until.unwrap_or(verdict_date),
                rest_why(&lead)
            ))
        } else if after.flags_significant {
            Some(relapse(
                &mut e,
                after,
                end_date,
                today,
                verdict_date,
                as_of_ms,
                rules,
            ))
        } else {
            d.action = act;
            if act == Action::Rest && after_cause == Some(RestCause::Score) {
                d.candidate = Some((verdict_date, lead.clone()));
                None
            } else if probation_done(&e, after, as_of_ms, rules) {
                Some(graduate(&mut e, Some(end), after, as_of_ms))
            } else {
                None
            }
        }
    } else if was == Status::Probation && ev.flags_significant {
        // A flag episode in probation rests it longer, or retires it on a repeat.
        Some(relapse(
            &mut e,
            ev,
            floor_date,
            today,
            verdict_date,
            as_of_ms,
            rules,
        ))
    } else if action == Action::Retire {
        enter(&mut e, Status::Retired, as_of_ms);
        Some(format!("retired: {}", retire_why(&lead)))
    } else if action == Action::Rest
        && was == Status::Resting
        && extends(e.until, verdict_date, rules)
    {
        rest(&mut e, verdict_date, as_of_ms, rules);
        // Still the same rest: it began, and its calls are judged for a recovery,
        // from where it started, so the new episode itself keeps it resting (counted
        // from the extension, a day of calls would pass as clean however bad).
        e.since_ms = prev.map_or(as_of_ms, |p| p.since_ms);
        e.episode_floor_ms = prev.and_then(|p| p.episode_floor_ms).or(e.episode_floor_ms);
        Some(format!(
            "rest extended to {}: a new episode while resting: {}",
            e.until.unwrap_or(verdict_date),
            rest_why(&lead)
        ))
    } else if action == Action::Rest && was == Status::Resting {
        None
    } else if action == Action::Rest && cause == Some(RestCause::Score) {
        d.candidate = Some((verdict_date, lead.clone()));
        None
    } else if action == Action::Rest {
        rest(&mut e, verdict_date, as_of_ms, rules);
        Some(format!(
            "resting until {}: {}",
            e.until.unwrap_or(verdict_date),
            rest_why(&lead)
        ))
    } else if was == Status::Resting && e.source == Source::Policy && recovered(ev, rules) {
        enter(&mut e, Status::Probation, as_of_ms);
        e.probation_since_ms = Some(as_of_ms);
        Some(format!(
            "clean on {} since its rest; back in probation",
            count(ev.clean_calls, "call", "calls")
        ))
    } else if was == Status::Probation && probation_done(&e, ev, as_of_ms, rules) {
        let floor = prev.and_then(|p| p.episode_floor_ms);
        Some(graduate(&mut e, floor, ev, as_of_ms))
    } else {
        None
    };
    d.next = e;
    d.status_reason = reason;
    d
}

/// A significant flag episode in probation (`ev`, since `floor_date`): rested longer
/// (`relapse_rest_days`), or retired on a repeat; returns the reason.
fn relapse(
    e: &mut Entry,
    ev: &Evidence,
    floor_date: Option<NaiveDate>,
    today: NaiveDate,
    verdict_date: NaiveDate,
    as_of_ms: i64,
    rules: &Rules<'_>,
) -> String {
    if e.relapses >= 1 {
        enter(e, Status::Retired, as_of_ms);
        return format!(
            "retired: {} in probation after an earlier relapse; replace the number",
            flags_text(ev, floor_date)
        );
    }
    let date = verdict_date.max(days_after(today, rules.pool.relapse_rest_days));
    rest(e, date, as_of_ms, rules);
    e.relapses += 1;
    format!(
        "resting until {}: {} in probation; rested longer",
        e.until.unwrap_or(date),
        flags_text(ev, floor_date)
    )
}

/// A clean probation ends: active at `as_of_ms`, the episode floor kept at `floor` (its
/// record still counts); returns the reason.
fn graduate(e: &mut Entry, floor: Option<i64>, ev: &Evidence, as_of_ms: i64) -> String {
    enter(e, Status::Active, as_of_ms);
    e.episode_floor_ms = floor;
    let (own, fleet) = ev.failure_rates();
    format!(
        "clean probation: {} over {} with no spam marks, failing on {}{}; active",
        count(ev.clean_calls, "call", "calls"),
        count(ev.clean_days, "day", "days"),
        percent(own),
        against_fleet(fleet)
    )
}

/// A resting number whose own calls came back clean.
fn recovered(ev: &Evidence, rules: &Rules<'_>) -> bool {
    let p = rules.pool;
    !ev.flags_significant
        && !ev.failures_significant
        && (ev.clean_calls >= p.recovery_min_calls
            || (ev.clean_days >= p.recovery_clean_days
                && ev.clean_calls >= rules.score.min_attempts))
}

/// A probation that has run its ramp on a clean record.
fn probation_done(e: &Entry, ev: &Evidence, as_of_ms: i64, rules: &Rules<'_>) -> bool {
    let p = rules.pool;
    let since = e.probation_since_ms.unwrap_or(e.since_ms);
    let (step, _) = ramp_step(
        &p.probation_ramp,
        since,
        as_of_ms,
        rules.zones.tz(&e.number),
    );
    step >= p.probation_ramp.len()
        && !ev.flags_significant
        && !ev.failures_significant
        && ev.clean_calls >= p.probation_min_calls
        && ev.clean_days >= p.probation_clean_days
}

/// Rule 4's resting cap: admits reputation-score rests riskiest first while their area
/// has room, and holds back the rest.
fn apply_resting_cap(ds: &mut [Decision<'_>], as_of_ms: i64, rules: &Rules<'_>) {
    let mut size: HashMap<String, i64> = HashMap::new();
    let mut resting: HashMap<String, i64> = HashMap::new();
    for d in ds.iter() {
        let area = rules.zones.area(&d.next.number);
        if d.next.status.in_rotation() {
            *size.entry(area.clone()).or_default() += 1;
        }
        if d.next.status == Status::Resting {
            *resting.entry(area).or_default() += 1;
        }
    }
    let mut order: Vec<usize> = (0..ds.len())
        .filter(|&i| ds[i].candidate.is_some())
        .collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&ds[i], &ds[j]);
        b.risk
            .0
            .total_cmp(&a.risk.0)
            .then(b.risk.1.total_cmp(&a.risk.1))
            .then(a.next.number.cmp(&b.next.number))
    });
    let share = rules.pool.max_resting_share;
    for i in order {
        let d = &mut ds[i];
        let Some((date, lead)) = d.candidate.take() else {
            continue;
        };
        let area = rules.zones.area(&d.next.number);
        let n = size.get(&area).copied().unwrap_or(1);
        let cap = ((share * n as f64).ceil() as i64).max(1);
        let now = resting.entry(area.clone()).or_default();
        if *now < cap {
            *now += 1;
            rest(&mut d.next, date, as_of_ms, rules);
            d.status_reason = Some(format!(
                "resting until {}: {}",
                d.next.until.unwrap_or(date),
                rest_why(&lead)
            ));
        } else {
            d.held = Some(format!(
                "held back by the resting cap: {now} of {n} numbers in area {area} already resting (at most {:.0}%)",
                100.0 * share
            ));
        }
    }
}

/// The changes one run records at `as_of_ms`. `registry` is every registered number;
/// `assessments` this run's verdicts; `evidence` each registered number's record since
/// `evidence::needed_from(entry)` (a missing one counts as no calls since); `last_run_ms`
/// the as-of of the last recorded run (what time changed before it is recorded; without
/// one this is the pool's first run, which registers the fleet as it is).
pub fn plan(
    registry: &[Entry],
    assessments: &[Assessment],
    evidence: &HashMap<String, Evidence>,
    as_of_ms: i64,
    last_run_ms: Option<i64>,
    rules: &Rules<'_>,
) -> Plan {
    let mut numbers: BTreeMap<&str, (Option<&Entry>, Option<&Assessment>)> = BTreeMap::new();
    for e in registry {
        numbers.entry(&e.number).or_default().0 = Some(e);
    }
    for a in assessments {
        numbers.entry(&a.number).or_default().1 = Some(a);
    }
    let none = Evidence::default();
    let mut ds: Vec<Decision<'_>> = numbers
        .into_iter()
        .filter(|(_, (e, _))| e.is_none_or(|e| e.status != Status::Released))
        .map(|(n, (e, a))| {
            let ev = evidence.get(n).unwrap_or(&none);
            decide(n, e, a, ev, as_of_ms, last_run_ms.is_some(), rules)
        })
        .collect();
    apply_resting_cap(&mut ds, as_of_ms, rules);
    let mut out = Plan::default();
    for d in ds {
        record::finish(d, as_of_ms, last_run_ms, rules, &mut out);
    }
    out
}

/// What only time changed for the registry row `e` after the last run (`last_run_ms`)
/// and before `at_ms` (a rest's end, then the ramp's steps), as the transitions recorded
/// at their moments, and the row they leave: what an operator's mark at `at_ms` comes
/// after, so that the history says what the views said live in between.
pub fn time_passed(
    e: &Entry,
    at_ms: i64,
    last_run_ms: Option<i64>,
    rules: &Rules<'_>,
) -> (Entry, Vec<Transition>) {
    let rest_end = rest_ended(e, at_ms).map(|end| (end, rest_end_row(e, end, rules)));
    let mut last = e.clone();
    let mut out = Vec::new();
    for (m, mut s) in record::time_driven(Some(e), rest_end.as_ref(), last_run_ms, at_ms, rules) {
        if record::differs(Some(&last), &s) {
            s.source = Source::Policy;
            s.note = None;
            s.score_run = None;
            out.push(s.transition_from(Some(last.status), m));
            last = s;
        }
    }
    (last, out)
}

/// The probation row a rest ending at `end` begins (the resting row `e`), with its reason.
fn rest_end_row(e: &Entry, end: i64, rules: &Rules<'_>) -> Entry {
    let mut b = e.clone();
    enter(&mut b, Status::Probation, end);
    b.probation_since_ms = Some(end);
    b.reason = format!(
        "rest ended{}: probation, {}",
        e.until.map_or_else(String::new, |u| format!(" on {u}")),
        ramp_text(rules)
    );
    b
}

/// Whether a rest verdict until `verdict_date` moves a rest until `until` later (by at
/// least `extend_min_days`).
fn extends(until: Option<NaiveDate>, verdict_date: NaiveDate, rules: &Rules<'_>) -> bool {
    until.is_some_and(|u| verdict_date >= days_after(u, rules.pool.extend_min_days))
}

/// A retire verdict's reason without its own "replace this number: ".
fn retire_why(lead: &str) -> &str {
    lead.strip_prefix("replace this number: ").unwrap_or(lead)
}

/// A rest verdict's reason without its own "rest until YYYY-MM-DD: " (the registry's
/// reason says "resting until ..." already).
fn rest_why(lead: &str) -> &str {
    lead.strip_prefix("rest until ")
        .and_then(|r| r.get(10..))
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(lead)
}

mod record;
#[cfg(test)]
mod tests;
