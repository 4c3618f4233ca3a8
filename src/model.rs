//! The shapes that cross module boundaries: a validated call record, what a reader
//! yields for each input record, and the per-hour counters that rollups sum.

use serde::Serialize;

/// Which way a call went. Our caller number is `from_number` on outbound calls and
/// `to_number` on inbound ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "inbound" => Some(Direction::Inbound),
            "outbound" => Some(Direction::Outbound),
            _ => None,
        }
    }
}

/// Bits of `CallRecord::number_flags`.
pub mod number_flags {
    /// Our number is well-formed E.164 but the libphonenumber metadata does not know its range.
    pub const OUR_NUMBER_UNKNOWN_RANGE: i64 = 1;
    /// The other party's number is well-formed E.164 but not in the metadata, or is not a
    /// usable phone number at all (then stored as given).
    pub const OTHER_NUMBER_UNKNOWN_RANGE: i64 = 2;
}

/// A short text field of a call (numbers, status, reason, sentiment): up to 24 bytes are
/// kept inline, so a call record costs a few allocations instead of eight.
pub type Text = compact_str::CompactString;

/// A phone number written `+` and 1 to 17 digits as one integer (digits and length, so
/// `+01` and `+1` differ), for hash maps keyed by number: hashing and comparing an
/// integer is much cheaper than a string, and every stored number has this form.
pub fn number_key(number: &str) -> Option<u64> {
    let digits = number.strip_prefix('+')?.as_bytes();
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(d - b'0');
    }
    // 10^17 * 32 < 2^64.
    Some(v * 32 + digits.len() as u64)
}

/// One validated phone call, as stored. Numbers are E.164; times are epoch milliseconds UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    pub call_id: String,
    pub direction: Direction,
    /// The caller number we own (`from_number` outbound, `to_number` inbound).
    pub our_number: Text,
    /// The other party.
    pub other_number: Text,
    pub call_status: Text,
    pub agent_id: Option<String>,
    pub disconnection_reason: Option<Text>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub in_voicemail: Option<bool>,
    pub user_sentiment: Option<Text>,
    pub call_successful: Option<bool>,
    /// Bitset of `number_flags`.
    pub number_flags: i64,
}

impl CallRecord {
    /// How complete this version of the call is: a later delivery with a lower rank
    /// (e.g. `call_started` arriving after `call_ended`) never overwrites a higher one.
    pub fn completeness(&self) -> i64 {
        let status = match self.call_status.as_str() {
            "registered" => 0,
            "ongoing" => 1,
            _ => 2, // ended, not_connected, error, and anything newer
        };
        let analysed = i64::from(
            self.in_voicemail.is_some()
                || self.user_sentiment.is_some()
                || self.call_successful.is_some(),
        );
        let ended = i64::from(self.disconnection_reason.is_some() || self.end_ms.is_some());
        status * 4 + ended * 2 + analysed
    }

    /// The moment the call counts at: its start, else its end, else `fallback_ms`
    /// (the time it was first received, for unconnected calls that carry no timestamps).
    pub fn placed_ms(&self, fallback_ms: i64) -> i64 {
        self.start_ms.or(self.end_ms).unwrap_or(fallback_ms)
    }

    /// Talk time in milliseconds: `duration_ms`, else `end - start`, else 0.
    pub fn talk_ms(&self) -> i64 {
        match (self.duration_ms, self.start_ms, self.end_ms) {
            (Some(d), _, _) => d,
            (None, Some(s), Some(e)) => e - s,
            _ => 0,
        }
    }

    /// A stable fingerprint of everything stored, so an identical re-delivery is "unchanged".
    pub fn fingerprint(&self) -> i64 {
        // The fields laid end to end, hashed in one call: the same value as feeding them
        // to a streaming hasher one by one (as stored fingerprints were made), at a
        // fraction of the cost.
        let mut buf: Vec<u8> = Vec::with_capacity(320);
        let mut text = |s: Option<&str>| {
            match s {
                Some(s) => {
                    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
                    buf.extend_from_slice(s.as_bytes());
                }
                None => buf.extend_from_slice(&u64::MAX.to_le_bytes()),
            };
        };
        text(Some(&self.call_id));
        text(Some(self.direction.as_str()));
        text(Some(&self.our_number));
        text(Some(&self.other_number));
        text(Some(&self.call_status));
        text(self.agent_id.as_deref());
        text(self.disconnection_reason.as_deref());
        text(self.user_sentiment.as_deref());
        let int = |v: Option<i64>| {
            v.map_or([0xff; 9], |x| {
                let mut b = [0u8; 9];
                b[..8].copy_from_slice(&x.to_le_bytes());
                b
            })
        };
        let flag = |v: Option<bool>| v.map_or(2i64, i64::from);
        for v in [
            self.start_ms,
            self.end_ms,
            self.duration_ms,
            Some(flag(self.in_voicemail)),
            Some(flag(self.call_successful)),
            Some(self.number_flags),
        ] {
            buf.extend_from_slice(&int(v));
        }
        xxhash_rust::xxh3::xxh3_64(&buf) as i64
    }
}

/// Where in its source a record came from, for rejects and error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Locator {
    /// 1-based line where the record starts (NDJSON, CSV, pretty-printed JSON).
    pub line: Option<u64>,
    /// 1-based ordinal of the record within the file.
    pub record: u64,
}

/// A record that could not be read, kept aside with its reason and raw text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub at: Locator,
    /// The offending field, when one is to blame (`start_timestamp`, `from_number`, ...).
    pub field: Option<String>,
    pub reason: String,
    /// The raw record text, truncated to `MAX_RAW_BYTES` (lossy UTF-8).
    pub raw: String,
}

/// The most raw text kept with a reject.
pub const MAX_RAW_BYTES: usize = 4096;

/// Why a readable record was deliberately not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    WebCall,
    NoNumbers,
    /// A webhook event other than call_started / call_ended / call_analyzed.
    IgnoredEvent,
    /// Placed before the prune horizon: its raw history was deliberately deleted.
    BeforePruneHorizon,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::WebCall => "web_call",
            SkipReason::NoNumbers => "no_numbers",
            SkipReason::IgnoredEvent => "ignored_event",
            SkipReason::BeforePruneHorizon => "before_prune_horizon",
        }
    }
}

/// What a reader yields for each record of its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Call(Box<CallRecord>, Locator),
    Skipped(SkipReason, Locator),
    Rejected(Box<Reject>),
}

/// Per number-hour counters kept as rollups; a call contributes to exactly one hour.
/// `health::rollup::contribution` says what each call adds; the store only sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HourCounts {
    /// Outbound calls actually dialled (platform/account faults excluded).
    pub attempts: i64,
    /// Outbound calls with no outcome yet (ongoing/registered).
    pub pending: i64,
    /// Outbound calls that connected (normal outcome other than no-answer/busy).
    pub connected: i64,
    /// Connected and reached a person (not voicemail, not IVR).
    pub human: i64,
    /// Human-answered calls shorter than the short-call cut-off.
    pub short_human: i64,
    /// Sum of talk time of human-answered calls, ms.
    pub talk_ms: i64,
    /// Outbound dialled calls shorter than the short-call cut-off (any outcome).
    pub short_calls: i64,
    pub no_answer: i64,
    pub dial_failed: i64,
    pub marked_as_spam: i64,
    pub user_declined: i64,
    pub network_blocked: i64,
    pub telephony_fault: i64,
    pub destination_fault: i64,
    pub platform_fault: i64,
    pub unknown_reason: i64,
    pub negative_sentiment: i64,
    pub inbound: i64,
}

impl HourCounts {
    /// Column names in declaration order; the store's `number_hourly` table has one column each.
    pub const FIELDS: [&'static str; 18] = [
        "attempts",
        "pending",
        "connected",
        "human",
        "short_human",
        "talk_ms",
        "short_calls",
        "no_answer",
        "dial_failed",
        "marked_as_spam",
        "user_declined",
        "network_blocked",
        "telephony_fault",
        "destination_fault",
        "platform_fault",
        "unknown_reason",
        "negative_sentiment",
        "inbound",
    ];

    pub fn to_array(&self) -> [i64; 18] {
        [
            self.attempts,
            self.pending,
            self.connected,
            self.human,
            self.short_human,
            self.talk_ms,
            self.short_calls,
            self.no_answer,
            self.dial_failed,
            self.marked_as_spam,
            self.user_declined,
            self.network_blocked,
            self.telephony_fault,
            self.destination_fault,
            self.platform_fault,
            self.unknown_reason,
            self.negative_sentiment,
            self.inbound,
        ]
    }

    pub fn from_array(a: [i64; 18]) -> HourCounts {
        HourCounts {
            attempts: a[0],
            pending: a[1],
            connected: a[2],
            human: a[3],
            short_human: a[4],
            talk_ms: a[5],
            short_calls: a[6],
            no_answer: a[7],
            dial_failed: a[8],
            marked_as_spam: a[9],
            user_declined: a[10],
            network_blocked: a[11],
            telephony_fault: a[12],
            destination_fault: a[13],
            platform_fault: a[14],
            unknown_reason: a[15],
            negative_sentiment: a[16],
            inbound: a[17],
        }
    }

    /// Element-wise `self + sign * other`.
    pub fn add_scaled(&mut self, other: &HourCounts, sign: i64) {
        let mut a = self.to_array();
        for (x, y) in a.iter_mut().zip(other.to_array()) {
            *x += sign * y;
        }
        *self = HourCounts::from_array(a);
    }

    pub fn is_zero(&self) -> bool {
        self.to_array().iter().all(|&x| x == 0)
    }

    /// Reputation failures: the signals that a carrier has labelled or blocks the number.
    pub fn reputation_failures(&self) -> i64 {
        self.dial_failed + self.marked_as_spam + self.user_declined + self.network_blocked
    }
}

#[cfg(test)]
mod number_key_tests {
    use super::number_key;

    #[test]
    fn number_keys_are_distinct_for_distinct_numbers() {
        assert_eq!(number_key("+14155550123"), number_key("+14155550123"));
        assert_ne!(number_key("+14155550123"), number_key("+14155550124"));
        assert_ne!(number_key("+01"), number_key("+1"));
        assert_ne!(
            number_key("+99999999999999999"),
            number_key("+9999999999999999")
        );
        assert!(number_key("+99999999999999999").is_some());
        for not in [
            "",
            "+",
            "14155550123",
            "+1415555012x",
            "+123456789012345678",
            "+1 415",
        ] {
            assert_eq!(number_key(not), None, "{not:?}");
        }
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    /// The streaming form fingerprints were stored with before (kept to prove equality).
    fn streamed(r: &CallRecord) -> i64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut text = |s: Option<&str>| match s {
            Some(s) => {
                h.update(&(s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update(&u64::MAX.to_le_bytes()),
        };
        for s in [
            Some(r.call_id.as_str()),
            Some(r.direction.as_str()),
            Some(r.our_number.as_str()),
            Some(r.other_number.as_str()),
            Some(r.call_status.as_str()),
            r.agent_id.as_deref(),
            r.disconnection_reason.as_deref(),
            r.user_sentiment.as_deref(),
        ] {
            text(s);
        }
        let flag = |v: Option<bool>| v.map_or(2i64, i64::from);
        for v in [
            r.start_ms,
            r.end_ms,
            r.duration_ms,
            Some(flag(r.in_voicemail)),
            Some(flag(r.call_successful)),
            Some(r.number_flags),
        ] {
            let mut b = [0xffu8; 9];
            if let Some(x) = v {
                b = [0; 9];
                b[..8].copy_from_slice(&x.to_le_bytes());
            }
            h.update(&b);
        }
        h.digest() as i64
    }

    #[test]
    fn fingerprints_equal_the_stored_streaming_form() {
        let full = CallRecord {
            call_id: "call_0ad7ee09c7a83d624931dba318c15632".into(),
            direction: Direction::Outbound,
            our_number: "+15106366450".into(),
            other_number: "+13175106879".into(),
            call_status: "ended".into(),
            agent_id: Some("agent_e5d4c3b2a1f09e8d7c6b5a43".into()),
            disconnection_reason: Some("dial_no_answer".into()),
            start_ms: Some(1_795_262_400_028),
            end_ms: Some(1_795_262_405_515),
            duration_ms: Some(5487),
            in_voicemail: Some(false),
            user_sentiment: Some("Unknown".repeat(60).into()),
            call_successful: Some(true),
            number_flags: 3,
        };
        let bare = CallRecord {
            agent_id: None,
            disconnection_reason: None,
            user_sentiment: None,
            start_ms: None,
            end_ms: None,
            duration_ms: None,
            in_voicemail: None,
            call_successful: None,
            number_flags: 0,
            direction: Direction::Inbound,
            ..full.clone()
        };
        for r in [&full, &bare] {
            assert_eq!(r.fingerprint(), streamed(r));
        }
        assert_ne!(full.fingerprint(), bare.fingerprint());
    }
}
