//! How one decided call outcome is written into the reused `CallObject`: ids, numbers,
//! times, and (for full objects) the transcript, analysis, metadata, latency and costs.

use rand::Rng;
use rand::rngs::SmallRng;

use super::object::*;
use super::outcome::{Cat, inbound_outcome, realize};
use super::plan::Ctx;
use super::text::{AGENT_LINES, AGENTS, Agent, NAMES, SOURCES, TIMES, USER_LINES};

/// Which kind of conversation a call had, for its transcript and summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Talk {
    None,
    Human,
    Short,
    Voicemail,
    Ivr,
    Inbound,
    Web,
}

/// A decided call outcome, ready to be written into a `CallObject`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub reason: &'static str,
    pub status: &'static str,
    /// Talk time; `None` leaves out `end_timestamp` and `duration_ms`.
    pub dur: Option<i64>,
    pub talk: Talk,
    pub sentiment: &'static str,
    pub successful: bool,
}

/// Appends `n` lowercase hex digits of `v`.
pub(crate) fn push_hex(s: &mut String, mut v: u128, n: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 32];
    for b in buf[..n].iter_mut().rev() {
        *b = HEX[(v & 15) as usize];
        v >>= 4;
    }
    s.extend(buf[..n].iter().map(|&b| char::from(b)));
}

/// Appends the last `n` decimal digits of `v`, zero-padded.
fn push_digits(s: &mut String, mut v: u16, n: usize) {
    let mut buf = [b'0'; 5];
    for b in buf[..n].iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
    s.extend(buf[..n].iter().map(|&b| char::from(b)));
}

/// Area codes of the leads we dial and the customers who call in.
const LEAD_AREAS: [u16; 40] = [
    718, 347, 929, 773, 872, 323, 424, 818, 626, 714, 949, 858, 619, 916, 925, 707, 971, 360, 425,
    253, 801, 210, 713, 281, 832, 817, 901, 502, 317, 614, 216, 412, 215, 201, 973, 203, 508, 781,
    410, 202,
];

/// A central-office code that is neither N11 nor 555 nor a test code.
pub(crate) fn exchange(rng: &mut SmallRng) -> u16 {
    loop {
        let e: u16 = rng.random_range(200..1000);
        if e % 100 != 11 && !matches!(e, 555 | 950 | 958 | 959 | 976) {
            return e;
        }
    }
}

/// Writes a random valid US number (a lead or a customer) as E.164.
pub(crate) fn push_lead(s: &mut String, rng: &mut SmallRng) {
    let area = LEAD_AREAS[rng.random_range(0..LEAD_AREAS.len())];
    let ex = exchange(rng);
    let sub: u16 = rng.random_range(0..10_000);
    s.push_str("+1");
    push_digits(s, area, 3);
    push_digits(s, ex, 3);
    push_digits(s, sub, 4);
}

/// Fills `obj` with one phone call. `rng` decides everything that other code relies on
/// (ids, the other party); `extra` only the decoration of full objects, so the calls
/// are the same whether or not `full` is set.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fill_phone(
    obj: &mut CallObject,
    rng: &mut SmallRng,
    extra: &mut SmallRng,
    full: bool,
    agent: &Agent,
    our: &str,
    inbound: bool,
    t: i64,
    o: &Outcome,
) {
    obj.call_id.clear();
    obj.call_id.push_str("call_");
    push_hex(&mut obj.call_id, rng.random::<u128>(), 32);
    obj.call_type = "phone_call";
    obj.agent_id = agent.id;
    obj.agent_version = agent.version;
    obj.call_status = o.status;
    obj.from_number.clear();
    obj.to_number.clear();
    if inbound {
        obj.direction = "inbound";
        push_lead(&mut obj.from_number, rng);
        obj.to_number.push_str(our);
    } else {
        obj.direction = "outbound";
        obj.from_number.push_str(our);
        push_lead(&mut obj.to_number, rng);
    }
    obj.access_token.clear();
    set_times(obj, t, o);
    decorate(obj, extra, full, agent, o);
}

/// Fills `obj` with one web call (no numbers, an access token).
pub(crate) fn fill_web(
    obj: &mut CallObject,
    rng: &mut SmallRng,
    extra: &mut SmallRng,
    full: bool,
    t: i64,
) {
    let agent = &AGENTS[rng.random_range(0..AGENTS.len())];
    let joined = rng.random::<f64>() >= 0.05;
    let o = if joined {
        Outcome {
            reason: if rng.random_bool(0.6) {
                "user_hangup"
            } else {
                "agent_hangup"
            },
            status: "ended",
            dur: Some(rng.random_range(15_000..240_000)),
            talk: Talk::Web,
            sentiment: "Neutral",
            successful: rng.random_bool(0.5),
        }
    } else {
        Outcome {
            reason: "error_user_not_joined",
            status: "error",
            dur: Some(30_000),
            talk: Talk::None,
            sentiment: "Unknown",
            successful: false,
        }
    };
    obj.call_id.clear();
    obj.call_id.push_str("call_");
    push_hex(&mut obj.call_id, rng.random::<u128>(), 32);
    obj.call_type = "web_call";
    obj.agent_id = agent.id;
    obj.agent_version = agent.version;
    obj.call_status = o.status;
    obj.direction = "";
    obj.from_number.clear();
    obj.to_number.clear();
    obj.access_token.clear();
    obj.access_token.push_str("eyJhbGciOiJIUzI1NiJ9.");
    push_hex(&mut obj.access_token, rng.random::<u128>(), 32);
    set_times(obj, t, &o);
    decorate(obj, extra, full, agent, &o);
}

fn set_times(obj: &mut CallObject, t: i64, o: &Outcome) {
    obj.start_timestamp = Some(t);
    obj.end_timestamp = o.dur.map(|d| t + d);
    obj.duration_ms = o.dur;
    obj.disconnection_reason = o.reason;
}

fn stats(rng: &mut SmallRng, base: u32, num: u32) -> LatencyStats {
    let p50 = base + rng.random_range(0..base / 2);
    LatencyStats {
        p50,
        p90: p50 + p50 / 3,
        p95: p50 + p50 / 2,
        p99: p50 * 2,
        max: p50 * 2 + rng.random_range(0..base),
        min: p50 / 2,
        num,
    }
}

fn cents(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Everything that only full objects carry: transcript, analysis, metadata, costs...
fn decorate(obj: &mut CallObject, rng: &mut SmallRng, full: bool, agent: &Agent, o: &Outcome) {
    obj.transcript.clear();
    obj.recording_url.clear();
    obj.public_log_url.clear();
    if !full {
        obj.agent_name = "";
        obj.call_analysis = None;
        obj.metadata = None;
        obj.telephony_identifier = None;
        obj.latency = None;
        obj.call_cost = None;
        obj.llm_token_usage = None;
        obj.retell_llm_dynamic_variables = None;
        obj.opt_out_sensitive_data_storage = None;
        return;
    }
    obj.agent_name = agent.name;
    let connected = !matches!(o.talk, Talk::None);
    match o.talk {
        Talk::None => {}
        Talk::Short => {
            obj.transcript.push_str(agent.greeting);
            obj.transcript
                .push_str("User: Not interested. Take me off your list.\n");
        }
        Talk::Voicemail => {
            obj.transcript.push_str(agent.greeting);
            obj.transcript.push_str("Agent: Sorry I missed you. Please call us back at your convenience, or reply to our text. Have a great day!\n");
        }
        Talk::Ivr => obj.transcript.push_str(
            "User: Thank you for calling. For sales, press one. For support, press two.\n",
        ),
        Talk::Human | Talk::Inbound | Talk::Web => {
            if o.talk == Talk::Inbound {
                obj.transcript
                    .push_str("Agent: Thanks for calling back! How can I help you today?\n");
            } else if o.talk == Talk::Web {
                obj.transcript.push_str("Agent: Hi, thanks for reaching out on our website! What can I help you with today?\n");
            } else {
                obj.transcript.push_str(agent.greeting);
            }
            for _ in 0..rng.random_range(2..5) {
                obj.transcript
                    .push_str(USER_LINES[rng.random_range(0..USER_LINES.len())]);
                obj.transcript
                    .push_str(AGENT_LINES[rng.random_range(0..AGENT_LINES.len())]);
            }
        }
    }
    let summary = match o.talk {
        Talk::None => "The call did not connect, so no conversation took place.",
        Talk::Short => {
            "The recipient hung up almost immediately after the agent introduced itself."
        }
        Talk::Voicemail => {
            "The call reached voicemail and the agent left a short message asking for a call back."
        }
        Talk::Ivr => "The call reached an automated phone menu and the agent ended the call.",
        Talk::Human => {
            "The agent introduced the offer, answered the user's questions about pricing and timing, and agreed on a follow-up."
        }
        Talk::Inbound => {
            "The customer called back about an earlier call; the agent answered questions and recorded their preferences."
        }
        Talk::Web => {
            "A web visitor talked with the agent about the offer and asked for details by email."
        }
    };
    let a = obj.call_analysis.get_or_insert_with(CallAnalysis::default);
    a.in_voicemail = o.talk == Talk::Voicemail;
    a.user_sentiment = o.sentiment;
    a.call_successful = o.successful;
    a.call_summary = summary;
    a.custom_analysis_data = CustomAnalysis {
        interested: o.successful,
        callback_requested: o.successful && rng.random_bool(0.3),
        lead_score: if connected {
            rng.random_range(0..100)
        } else {
            0
        },
    };
    let m = obj.metadata.get_or_insert_with(Metadata::default);
    m.lead_id.clear();
    m.lead_id.push_str("lead_");
    push_hex(&mut m.lead_id, rng.random::<u128>(), 12);
    m.campaign = agent.campaign;
    if obj.is_phone_call() {
        obj.retell_llm_dynamic_variables = Some(DynamicVariables {
            customer_name: NAMES[rng.random_range(0..NAMES.len())],
            lead_source: SOURCES[rng.random_range(0..SOURCES.len())],
            preferred_time: TIMES[rng.random_range(0..TIMES.len())],
        });
        let ti = obj
            .telephony_identifier
            .get_or_insert_with(TelephonyIdentifier::default);
        ti.twilio_call_sid.clear();
        ti.twilio_call_sid.push_str("CA");
        push_hex(&mut ti.twilio_call_sid, rng.random::<u128>(), 32);
    } else {
        obj.retell_llm_dynamic_variables = None;
        obj.telephony_identifier = None;
    }
    const CDN: &str = "https://dxc03zgurdly9.cloudfront.net/";
    if connected {
        obj.recording_url.push_str(CDN);
        obj.recording_url.push_str(&obj.call_id);
        obj.recording_url.push_str("/recording.wav");
        let turns = rng.random_range(2..12);
        obj.latency = Some(Latency {
            e2e: stats(rng, 900, turns),
            llm: stats(rng, 450, turns),
            tts: stats(rng, 220, turns),
        });
        let base = rng.random_range(900..2_400);
        let values = [base, base + 180, base + 410, base + 655];
        obj.llm_token_usage = Some(TokenUsage {
            values,
            average: base + 311,
            num_requests: turns,
        });
    } else {
        obj.latency = None;
        obj.llm_token_usage = None;
    }
    obj.public_log_url.push_str(CDN);
    obj.public_log_url.push_str(&obj.call_id);
    obj.public_log_url.push_str("/public.log");
    let secs = o.dur.unwrap_or(0).max(0) as f64 / 1000.0;
    let mins = secs / 60.0;
    let products = [
        ("retell_platform", 0.055),
        ("elevenlabs_tts", 0.04),
        ("gpt_4o_mini", 0.006),
    ];
    let mut total = 0.0;
    let mut pc = [ProductCost::default(); 3];
    for (slot, (product, unit)) in pc.iter_mut().zip(products) {
        let cost = cents(unit * mins);
        total += cost;
        *slot = ProductCost {
            product,
            unit_price: unit,
            cost,
        };
    }
    obj.call_cost = Some(CallCost {
        product_costs: pc,
        total_duration_seconds: secs.round() as u32,
        total_duration_unit_price: 0.101,
        combined_cost: cents(total),
    });
    obj.opt_out_sensitive_data_storage = Some(false);
}

/// What placing one call needs from a number's generator (the easy profile's and the
/// hard one's): its own random streams and identity, and its choice of outcome.
pub(crate) trait Dialler {
    /// The fields placing a call reads and writes.
    fn line(&mut self) -> Line<'_>;
    /// The outcome category of an outbound call at `t` (`burst`: inside a planted burst).
    fn pick(&mut self, ctx: &Ctx, t: i64, burst: bool) -> Cat;
}

/// A generator's fields that placing a call uses.
pub(crate) struct Line<'a> {
    pub rng: &'a mut SmallRng,
    pub extra: &'a mut SmallRng,
    pub agent: usize,
    pub number: &'a str,
    pub p_inbound: f64,
    pub first_spam: &'a mut Option<i64>,
}

/// Places `g`'s call at `t` into `obj`: inbound or not (never inside a burst), its
/// outcome, the first `marked_as_spam` noted. The random draws come in the same order for
/// both profiles, so each profile's calls stay the same call for call.
pub(crate) fn place_call(
    g: &mut impl Dialler,
    ctx: &Ctx,
    obj: &mut CallObject,
    t: i64,
    burst: bool,
) {
    let inbound = {
        let l = g.line();
        !burst && l.p_inbound > 0.0 && l.rng.random_bool(l.p_inbound)
    };
    let o = if inbound {
        inbound_outcome(g.line().rng)
    } else {
        let cat = g.pick(ctx, t, burst);
        realize(cat, g.line().rng)
    };
    let l = g.line();
    if o.reason == "marked_as_spam" && l.first_spam.is_none() {
        *l.first_spam = Some(t);
    }
    fill_phone(
        obj,
        l.rng,
        l.extra,
        ctx.full,
        &AGENTS[l.agent],
        l.number,
        inbound,
        t,
        &o,
    );
}
