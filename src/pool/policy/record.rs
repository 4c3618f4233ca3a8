//! Rule 7 and what a run records: throttle memory, caps, and the transitions: first what
//! only time changed since the number's last record (a rest's end, ramp steps), each at
//! its own moment, then the run's own change at its as-of.

use crate::health::assessment::Action;
use crate::health::rollup::HOUR_MS;
use crate::pool::caps::{caps_at, ramp_moments, ramp_step, throttle_holds};
use crate::pool::config::Rules;
use crate::pool::policy::{Decision, Plan, caps_text};
use crate::pool::status::{Entry, Source, Status};

/// The states only time put a number in since its last record, each at its moment, so
/// that the history says what the views said live: a rest's end (`rest_end`: its moment
/// and the probation row it began), then each step of the probation ramp before
/// `as_of_ms` and after `last_run_ms` (the steps before it were recorded by that run).
pub(super) fn time_driven(
    prev: Option<&Entry>,
    rest_end: Option<&(i64, Entry)>,
    last_run_ms: Option<i64>,
    as_of_ms: i64,
    rules: &Rules<'_>,
) -> Vec<(i64, Entry)> {
    let mut out = Vec::new();
    let (base, from_ms) = match (rest_end, prev) {
        (Some((end, began)), _) => {
            let mut b = began.clone();
            b.throttled_until_ms = None;
            b.caps = caps_at(&b, *end, false, rules);
            out.push((*end, b.clone()));
            (b, *end)
        }
        (None, Some(p)) if p.status == Status::Probation => {
            let since = p.probation_since_ms.unwrap_or(p.since_ms);
            (p.clone(), last_run_ms.map_or(since, |r| r.max(since)))
        }
        _ => return out,
    };
    let since = base.probation_since_ms.unwrap_or(base.since_ms);
    let tz = rules.zones.tz(&base.number);
    let ramp = &rules.pool.probation_ramp;
    for m in ramp_moments(ramp, since, tz) {
        if m <= from_ms || m >= as_of_ms {
            continue;
        }
        let mut s = base.clone();
        s.caps = caps_at(&s, m, base.throttled_until_ms.is_some(), rules);
        let (_, share) = ramp_step(ramp, since, m, tz);
        s.reason = format!(
            "probation ramp: {:.0}% of the normal pace, {}",
            100.0 * share,
            caps_text(s.caps)
        );
        out.push((m, s));
    }
    out
}

/// "probation ramp: 50% of the normal pace, 50 a day, 15 an hour" at `at_ms`.
fn ramp_reason(e: &Entry, at_ms: i64, caps: &str, rules: &Rules<'_>) -> String {
    let since = e.probation_since_ms.unwrap_or(e.since_ms);
    let tz = rules.zones.tz(&e.number);
    let (_, share) = ramp_step(&rules.pool.probation_ramp, since, at_ms, tz);
    format!(
        "probation ramp: {:.0}% of the normal pace, {caps}",
        100.0 * share
    )
}

/// Whether `e` differs from the record `last` in status, rest date or caps.
pub(super) fn differs(last: Option<&Entry>, e: &Entry) -> bool {
    last.is_none_or(|p| p.status != e.status || p.until != e.until || p.caps != e.caps)
}

/// Appends the transition from `last` to `e` at `at_ms`, recorded by the policy.
fn record(plan: &mut Plan, last: Option<&Entry>, e: &mut Entry, at_ms: i64) {
    e.source = Source::Policy;
    e.note = None;
    plan.transitions
        .push(e.transition_from(last.map(|p| p.status), at_ms));
    plan.since_ms.push(e.since_ms);
}

/// Rule 7 and the transitions: throttle memory, caps, and what changed: first what time
/// changed before the run (at its moments), then the run's own change at `as_of_ms`.
pub(super) fn finish(
    d: Decision<'_>,
    as_of_ms: i64,
    last_run_ms: Option<i64>,
    rules: &Rules<'_>,
    plan: &mut Plan,
) {
    let mut e = d.next;
    let dialling = e.status.may_dial();
    let cause = dialling && (d.action == Action::Throttle || d.held.is_some());
    if cause {
        e.throttled_until_ms = Some(as_of_ms + rules.pool.throttle_hold_hours * HOUR_MS);
    } else if !dialling || !throttle_holds(&e, as_of_ms) {
        e.throttled_until_ms = None;
    }
    let throttled = cause || throttle_holds(&e, as_of_ms);
    e.caps = caps_at(&e, as_of_ms, throttled, rules);
    let prev = d.prev;
    let status_reason = d.status_reason;
    let mut last: Option<Entry> = prev.cloned();
    for (at_ms, mut s) in time_driven(prev, d.rest_end.as_ref(), last_run_ms, as_of_ms, rules) {
        if differs(last.as_ref(), &s) {
            record(plan, last.as_ref(), &mut s, at_ms);
            last = Some(s);
        }
    }
    let last = last.as_ref();
    if differs(last, &e) {
        let caps = caps_text(e.caps);
        e.reason = if let Some(r) = status_reason {
            r
        } else if let Some(held) = d.held.as_deref().filter(|_| last.is_none()) {
            format!("{}; {held}; throttled to {caps} instead", e.reason)
        } else if last.is_none() && cause {
            format!(
                "{}, throttled to {caps}: {}",
                e.reason,
                d.lead.as_deref().unwrap_or("the score says so")
            )
        } else if last.is_none() {
            format!("{}: {caps}", e.reason)
        } else if let Some(held) = d.held {
            format!("{held}; throttled to {caps} instead")
        } else if cause && last.is_some_and(|p| !throttle_holds(p, as_of_ms) || p.caps != e.caps) {
            format!(
                "throttled to {caps}: {}",
                d.lead.as_deref().unwrap_or("the score says so")
            )
        } else if last.is_some_and(|p| p.throttled_until_ms.is_some()) && !throttled {
            let now = if e.status == Status::Probation {
                ramp_reason(&e, as_of_ms, &caps, rules)
            } else {
                caps.clone()
            };
            format!(
                "throttle lifted after {} h without a cause: {now}",
                rules.pool.throttle_hold_hours
            )
        } else if e.status == Status::Probation {
            ramp_reason(&e, as_of_ms, &caps, rules)
        } else {
            format!("caps now {caps}")
        };
        record(plan, last, &mut e, as_of_ms);
    } else if let Some(l) = last
        && prev != Some(l)
    {
        // The last time-driven state is the row's state now: keep its reason.
        e.reason = l.reason.clone();
        e.source = l.source;
        e.note = l.note.clone();
    }
    if prev != Some(&e) {
        plan.entries.push(e);
    }
}
