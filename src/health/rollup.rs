//! What one call adds to its number-hour rollup. Pure: the ingest loader applies
//! `new - old` for every inserted or updated call inside the same transaction.

use crate::health::taxonomy::{ReasonClass, classify};
use crate::model::{CallRecord, Direction, HourCounts};

/// Milliseconds in an hour; rollups are keyed on `placed_ms / HOUR_MS`.
pub const HOUR_MS: i64 = 3_600_000;

/// The hour bucket (hours since the epoch, UTC) of a moment.
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS)
}

/// The counters one call contributes to the rollup of our number in its hour.
/// `short_call_ms` is the short-call cut-off in milliseconds.
pub fn contribution(call: &CallRecord, short_call_ms: i64) -> HourCounts {
    let mut c = HourCounts::default();
    if call.direction == Direction::Inbound {
        c.inbound = 1;
        return c;
    }
    let talk = call.talk_ms().max(0);
    let Some(reason) = call.disconnection_reason.as_deref() else {
        c.attempts = 1;
        c.pending = 1;
        return c;
    };
    let class = classify(reason);
    if class == ReasonClass::Platform {
        c.platform_fault = 1;
        return c;
    }
    c.attempts = 1;
    if talk < short_call_ms {
        c.short_calls = 1;
    }
    match class {
        ReasonClass::Connected => {
            c.connected = 1;
            let machine = call.in_voicemail == Some(true)
                || reason == "voicemail_reached"
                || reason == "ivr_reached";
            if !machine {
                c.human = 1;
                c.talk_ms = talk;
                if talk < short_call_ms {
                    c.short_human = 1;
                }
            }
            if call.user_sentiment.as_deref() == Some("Negative") {
                c.negative_sentiment = 1;
            }
        }
        ReasonClass::NoAnswer => c.no_answer = 1,
        ReasonClass::Reputation => match reason {
            "dial_failed" => c.dial_failed = 1,
            "marked_as_spam" => c.marked_as_spam = 1,
            "user_declined" => c.user_declined = 1,
            _ => c.network_blocked = 1,
        },
        ReasonClass::Telephony => c.telephony_fault = 1,
        ReasonClass::Destination => c.destination_fault = 1,
        ReasonClass::Unknown => c.unknown_reason = 1,
        ReasonClass::Platform => unreachable!("handled above"),
    }
    c
}

/// Whether a call is a "short call" for burst detection: outbound, actually dialled
/// (not a platform fault, not pending) and under the cut-off.
pub fn is_short_attempt(call: &CallRecord, short_call_ms: i64) -> bool {
    let c = contribution(call, short_call_ms);
    c.short_calls == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(reason: Option<&str>, dur: Option<i64>) -> CallRecord {
        CallRecord {
            call_id: "c".into(),
            direction: Direction::Outbound,
            our_number: "+14155550100".into(),
            other_number: "+14155550199".into(),
            call_status: "ended".into(),
            agent_id: None,
            disconnection_reason: reason.map(Into::into),
            start_ms: Some(1_700_000_000_000),
            end_ms: None,
            duration_ms: dur,
            in_voicemail: None,
            user_sentiment: None,
            call_successful: None,
            number_flags: 0,
        }
    }

    #[test]
    fn platform_faults_do_not_count_as_attempts() {
        let c = contribution(&call(Some("concurrency_limit_reached"), Some(0)), 6000);
        assert_eq!(c.attempts, 0);
        assert_eq!(c.platform_fault, 1);
    }

    #[test]
    fn short_human_answer() {
        let c = contribution(&call(Some("user_hangup"), Some(2000)), 6000);
        assert_eq!(
            (
                c.attempts,
                c.connected,
                c.human,
                c.short_human,
                c.short_calls
            ),
            (1, 1, 1, 1, 1)
        );
        let c = contribution(&call(Some("user_hangup"), Some(60_000)), 6000);
        assert_eq!((c.short_human, c.short_calls, c.talk_ms), (0, 0, 60_000));
    }

    #[test]
    fn reputation_reasons_and_pending() {
        assert_eq!(
            contribution(&call(Some("marked_as_spam"), None), 6000).marked_as_spam,
            1
        );
        assert_eq!(
            contribution(&call(Some("dial_failed"), None), 6000).reputation_failures(),
            1
        );
        let p = contribution(&call(None, None), 6000);
        assert_eq!((p.attempts, p.pending), (1, 1));
    }

    #[test]
    fn voicemail_is_connected_not_human() {
        let c = contribution(&call(Some("voicemail_reached"), Some(20_000)), 6000);
        assert_eq!((c.connected, c.human), (1, 0));
    }
}
