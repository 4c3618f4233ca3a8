//! Outcome categories and how each becomes a concrete call result: the
//! disconnection reason, the call status (new-style `not_connected`, legacy `error`)
//! and the talk time, for outbound and inbound calls.

use rand::Rng;
use rand::rngs::SmallRng;

use super::fill::{Outcome, Talk};

pub(crate) fn pick_from(u: f64, cuts: &[(f64, Cat)], default: Cat) -> Cat {
    let mut acc = 0.0;
    for &(p, c) in cuts {
        acc += p;
        if u < acc {
            return c;
        }
    }
    default
}

/// Outcome categories before the details (reason variant, timing) are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cat {
    Human,
    HumanShort,
    Voicemail,
    Ivr,
    NoAnswer,
    Busy,
    Invalid,
    DialFailed,
    Spam,
    Declined,
    Blocked,
    /// A specific reason, or "" for a random one of the three.
    Telephony(&'static str),
    Concurrency,
    ErrorMid,
    Unknown,
}

fn oneof(rng: &mut SmallRng, xs: &[(&'static str, f64)]) -> &'static str {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for &(x, p) in xs {
        acc += p;
        if u < acc {
            return x;
        }
    }
    xs[xs.len() - 1].0
}

fn sentiment(rng: &mut SmallRng) -> &'static str {
    oneof(
        rng,
        &[("Positive", 0.35), ("Neutral", 0.45), ("Negative", 0.2)],
    )
}

/// Not-connected timing: `p_none` of them carry no end/duration, the rest `0..max_ms`.
fn nc_dur(rng: &mut SmallRng, p_none: f64, max_ms: i64) -> Option<i64> {
    if rng.random_bool(p_none) {
        None
    } else {
        Some(rng.random_range(0..=max_ms))
    }
}

fn nc(reason: &'static str, dur: Option<i64>) -> Outcome {
    Outcome {
        reason,
        status: "not_connected",
        dur,
        talk: Talk::None,
        sentiment: "Unknown",
        successful: false,
    }
}

pub(crate) fn realize(cat: Cat, rng: &mut SmallRng) -> Outcome {
    let connected = |reason, dur, talk, sentiment, successful| Outcome {
        reason,
        status: "ended",
        dur: Some(dur),
        talk,
        sentiment,
        successful,
    };
    match cat {
        Cat::Human => {
            let reason = oneof(
                rng,
                &[
                    ("user_hangup", 0.55),
                    ("agent_hangup", 0.35),
                    ("call_transfer", 0.04),
                    ("user_requested_callback", 0.02),
                    ("inactivity", 0.02),
                    ("user_requested_dnc", 0.015),
                    ("max_duration_reached", 0.005),
                ],
            );
            let secs = (20f64.ln() + rng.random::<f64>() * (300f64 / 20.0).ln()).exp();
            let dur = if reason == "max_duration_reached" {
                300_000
            } else {
                (secs * 1000.0) as i64
            };
            let s = sentiment(rng);
            connected(
                reason,
                dur,
                Talk::Human,
                s,
                s != "Negative" && rng.random_bool(0.5),
            )
        }
        Cat::HumanShort => {
            let reason = if rng.random_bool(0.9) {
                "user_hangup"
            } else {
                "agent_hangup"
            };
            let s = if rng.random_bool(0.5) {
                "Negative"
            } else {
                "Neutral"
            };
            connected(reason, rng.random_range(800..5_900), Talk::Short, s, false)
        }
        Cat::Voicemail => connected(
            "voicemail_reached",
            rng.random_range(8_000..45_000),
            Talk::Voicemail,
            "Neutral",
            false,
        ),
        Cat::Ivr => connected(
            "ivr_reached",
            rng.random_range(4_000..20_000),
            Talk::Ivr,
            "Unknown",
            false,
        ),
        Cat::NoAnswer => {
            let u: f64 = rng.random();
            let dur = if u < 0.4 {
                None
            } else if u < 0.8 {
                Some(0)
            } else {
                Some(rng.random_range(1_000..5_500))
            };
            nc("dial_no_answer", dur)
        }
        Cat::Busy => nc("dial_busy", nc_dur(rng, 0.3, 2_000)),
        Cat::Invalid => nc("invalid_destination", nc_dur(rng, 0.5, 0)),
        Cat::DialFailed => {
            if rng.random_bool(0.1) {
                Outcome {
                    status: "error",
                    ..nc("dial_failed", None)
                }
            } else {
                nc("dial_failed", nc_dur(rng, 0.3, 1_500))
            }
        }
        Cat::Spam => nc("marked_as_spam", nc_dur(rng, 0.4, 1_000)),
        Cat::Declined => nc("user_declined", nc_dur(rng, 0.3, 4_000)),
        Cat::Blocked => nc("network_blocked", nc_dur(rng, 0.5, 0)),
        Cat::Telephony(r) => {
            let reason = if r.is_empty() {
                oneof(
                    rng,
                    &[
                        ("telephony_provider_unavailable", 0.5),
                        ("sip_routing_error", 0.3),
                        ("telephony_provider_permission_denied", 0.2),
                    ],
                )
            } else {
                r
            };
            nc(reason, nc_dur(rng, 0.5, 0))
        }
        Cat::Concurrency => Outcome {
            status: "error",
            ..nc("concurrency_limit_reached", None)
        },
        Cat::ErrorMid => {
            let reason = oneof(
                rng,
                &[
                    ("error_llm_websocket_lost_connection", 0.4),
                    ("error_no_audio_received", 0.25),
                    ("error_llm_websocket_open", 0.1),
                    ("error_asr", 0.1),
                    ("error_retell", 0.1),
                    ("error_unknown", 0.05),
                ],
            );
            Outcome {
                status: "error",
                ..nc(reason, Some(rng.random_range(0..60_000)))
            }
        }
        Cat::Unknown => {
            let reason = oneof(
                rng,
                &[
                    ("carrier_filtered_new", 0.6),
                    ("voicemail_screened", 0.25),
                    ("call_screening_rejected", 0.15),
                ],
            );
            nc(reason, nc_dur(rng, 0.5, 0))
        }
    }
}

pub(crate) fn inbound_outcome(rng: &mut SmallRng) -> Outcome {
    let u: f64 = rng.random();
    if u < 0.01 {
        return Outcome {
            status: "error",
            ..nc("error_no_audio_received", Some(rng.random_range(0..3_000)))
        };
    }
    let (dur, talk) = if u < 0.06 {
        (rng.random_range(1_000..5_500), Talk::Short)
    } else {
        (rng.random_range(30_000..400_000), Talk::Inbound)
    };
    let reason = oneof(
        rng,
        &[
            ("user_hangup", 0.55),
            ("agent_hangup", 0.35),
            ("call_transfer", 0.1),
        ],
    );
    let s = sentiment(rng);
    Outcome {
        reason,
        status: "ended",
        dur: Some(dur),
        talk,
        sentiment: s,
        successful: talk == Talk::Inbound && s != "Negative",
    }
}
