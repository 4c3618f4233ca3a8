//! The one place that says what each `disconnection_reason` means for the caller
//! number's reputation. Classify by reason, never by `call_status` (older records carry
//! dial failures with status `error`).

use serde::Serialize;

/// What a disconnection reason says about the number that placed the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonClass {
    /// Carriers or recipients are rejecting the number: counts against it.
    Reputation,
    /// The call connected and ended normally.
    Connected,
    /// Dialled, not answered (`dial_no_answer`): feeds the answer rate only.
    NoAnswer,
    /// Platform or account side; the number was never really tried. Never counts against it.
    Platform,
    /// Telephony provider or trunk; usually fleet-wide. Never counts against one number.
    Telephony,
    /// The destination's fault (bad or busy number): lead-list hygiene, not reputation.
    Destination,
    /// A reason this version does not know. Stored as is, counted, never rejected.
    Unknown,
}

impl ReasonClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonClass::Reputation => "reputation",
            ReasonClass::Connected => "connected",
            ReasonClass::NoAnswer => "no_answer",
            ReasonClass::Platform => "platform",
            ReasonClass::Telephony => "telephony",
            ReasonClass::Destination => "destination",
            ReasonClass::Unknown => "unknown",
        }
    }
}

/// Every reason this version knows, with its class. SDK 6.2 lists 39.
pub const KNOWN_REASONS: &[(&str, ReasonClass)] = &[
    // Expected / normal
    ("user_hangup", ReasonClass::Connected),
    ("agent_hangup", ReasonClass::Connected),
    ("call_transfer", ReasonClass::Connected),
    ("voicemail_reached", ReasonClass::Connected),
    ("ivr_reached", ReasonClass::Connected),
    ("inactivity", ReasonClass::Connected),
    ("max_duration_reached", ReasonClass::Connected),
    ("user_requested_dnc", ReasonClass::Connected),
    ("user_requested_callback", ReasonClass::Connected),
    ("transfer_bridged", ReasonClass::Connected),
    ("transfer_cancelled", ReasonClass::Connected),
    ("call_take_over", ReasonClass::Connected),
    // Not connected
    ("dial_no_answer", ReasonClass::NoAnswer),
    ("dial_busy", ReasonClass::Destination),
    ("invalid_destination", ReasonClass::Destination),
    ("dial_failed", ReasonClass::Reputation),
    ("marked_as_spam", ReasonClass::Reputation),
    ("user_declined", ReasonClass::Reputation),
    ("network_blocked", ReasonClass::Reputation),
    (
        "telephony_provider_permission_denied",
        ReasonClass::Telephony,
    ),
    ("telephony_provider_unavailable", ReasonClass::Telephony),
    ("sip_routing_error", ReasonClass::Telephony),
    // Platform / account
    ("concurrency_limit_reached", ReasonClass::Platform),
    ("no_concurrency_fallback", ReasonClass::Platform),
    ("no_valid_payment", ReasonClass::Platform),
    ("credit_exhausted", ReasonClass::Platform),
    ("budget_reached", ReasonClass::Platform),
    ("scam_detected", ReasonClass::Platform),
    ("registered_call_timeout", ReasonClass::Platform),
    ("manual_stopped", ReasonClass::Platform),
    ("error_llm_websocket_open", ReasonClass::Platform),
    ("error_llm_websocket_lost_connection", ReasonClass::Platform),
    ("error_llm_websocket_runtime", ReasonClass::Platform),
    ("error_llm_websocket_corrupt_payload", ReasonClass::Platform),
    ("error_no_audio_received", ReasonClass::Platform),
    ("error_asr", ReasonClass::Platform),
    ("error_retell", ReasonClass::Platform),
    ("error_unknown", ReasonClass::Platform),
    ("error_user_not_joined", ReasonClass::Platform),
];

/// The class of a reason; any `error_*` this version does not list is a platform fault.
pub fn classify(reason: &str) -> ReasonClass {
    KNOWN_REASONS
        .iter()
        .find(|(r, _)| *r == reason)
        .map(|(_, c)| *c)
        .unwrap_or(if reason.starts_with("error_") {
            ReasonClass::Platform
        } else {
            ReasonClass::Unknown
        })
}

/// Whether this version knows the reason (unknown ones are counted at ingest).
pub fn is_known(reason: &str) -> bool {
    KNOWN_REASONS.iter().any(|(r, _)| *r == reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_reasons_are_all_classified() {
        assert_eq!(KNOWN_REASONS.len(), 39);
        for (r, _) in KNOWN_REASONS {
            assert_ne!(classify(r), ReasonClass::Unknown, "{r}");
        }
    }

    #[test]
    fn reputation_and_faults() {
        assert_eq!(classify("marked_as_spam"), ReasonClass::Reputation);
        assert_eq!(classify("dial_failed"), ReasonClass::Reputation);
        assert_eq!(classify("concurrency_limit_reached"), ReasonClass::Platform);
        assert_eq!(classify("error_something_new"), ReasonClass::Platform);
        assert_eq!(
            classify("telephony_provider_unavailable"),
            ReasonClass::Telephony
        );
        assert_eq!(classify("dial_busy"), ReasonClass::Destination);
        assert_eq!(classify("carrier_said_no"), ReasonClass::Unknown);
        assert!(!is_known("carrier_said_no"));
    }
}
