//! A timing check, not a test: records/sec for 100k realistic ~1.5 KB call objects.
//! Run: `cargo test --release --lib readers::perf -- --ignored --nocapture`

use std::io::Cursor;
use std::time::Instant;

use super::tests::{T0, opts};
use super::*;
use crate::model::Item;

const AREA: [u32; 12] = [415, 212, 646, 310, 312, 713, 305, 404, 617, 206, 469, 702];

/// A valid-looking NANP number from an index.
fn nanp(i: u64) -> String {
    let a = AREA[(i % AREA.len() as u64) as usize];
    format!("+1{a}{}{:04}", 200 + (i / 12) % 700, (i * 7919) % 10_000)
}

/// One realistic call object (transcript, metadata, analysis, latency, cost...).
pub(super) fn realistic_call(i: u64, other_pool: u64) -> String {
    let start = T0 - (i as i64 % 80_000) * 1000;
    let dur = 8_000 + (i as i64 * 37) % 90_000;
    format!(
        concat!(
            r#"{{"call_id":"call_{:016x}","call_type":"phone_call","agent_id":"agent_{}","agent_version":3,"#,
            r#""agent_name":"Outbound Sales","call_status":"ended","direction":"outbound","from_number":"{}","#,
            r#""to_number":"{}","start_timestamp":{},"end_timestamp":{},"duration_ms":{},"#,
            r#""disconnection_reason":"{}","transcript":"Agent: Hi, this is Sam from Acme Solar, am I speaking with the homeowner?\nUser: Yes, who is this?\nAgent: I'm calling about the energy assessment you requested last week. Do you have two minutes?\nUser: Sure, go ahead.\nAgent: Great. Could you confirm your average monthly electric bill?\nUser: About one eighty.\nAgent: Thanks! I'll book a consultant visit for Thursday.\n","#,
            r#""metadata":{{"lead_id":"L-{}","campaign":"fall-promo","list":"warm-2026-11","attempt":2}},"#,
            r#""call_analysis":{{"call_summary":"The agent reached the homeowner and booked a consultation for Thursday about solar.","in_voicemail":false,"user_sentiment":"Positive","call_successful":true,"custom_analysis_data":{{"booked":true,"bill":180}}}},"#,
            r#""latency":{{"e2e":{{"p50":820.5,"p90":1130.2,"p99":1500.9,"min":610,"max":1700,"num":14}},"llm":{{"p50":410.1,"p90":600.3}}}},"#,
            r#""call_cost":{{"product_costs":[{{"product":"elevenlabs_tts","unitPrice":0.0011,"cost":6.1}}],"total_duration_seconds":{},"combined_cost":7.2}},"#,
            r#""telephony_identifier":{{"twilio_call_sid":"CA{:032x}"}},"recording_url":"https://example.com/r/{}.wav","public_log_url":"https://example.com/l/{}.log"}}"#
        ),
        i,
        i % 7,
        nanp(i % 2000),
        nanp(1_000_000 + i % other_pool),
        start,
        start + dur,
        dur,
        [
            "user_hangup",
            "agent_hangup",
            "dial_no_answer",
            "voicemail_reached"
        ][(i % 4) as usize],
        i,
        dur / 1000,
        i,
        i,
        i
    )
}

/// This thread's CPU time in seconds (Linux; the machine may be shared, so wall time
/// alone overstates the cost).
fn cpu_s() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    text.split_whitespace()
        .next()
        .and_then(|ns| ns.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1e9
}

const N: u64 = 100_000;

/// NDJSON, or with `array` a v3-style pretty page list (`{"items": [...]}` per 1000).
fn input(other_pool: u64, array: bool) -> Vec<u8> {
    let mut input = Vec::with_capacity(160 << 20);
    for i in 0..N {
        if array && i % 1000 == 0 {
            input.extend_from_slice(b"{\"has_more\": true, \"items\": [\n");
        }
        input.extend_from_slice(realistic_call(i, other_pool).as_bytes());
        if array {
            input.extend_from_slice(if i % 1000 == 999 {
                b"\n], \"pagination_key\": \"k\"}\n"
            } else {
                b",\n"
            });
        } else {
            input.push(b'\n');
        }
    }
    input
}

fn run(label: &str, other_pool: u64) {
    bench(label, input(other_pool, false));
}

fn bench(label: &str, input: Vec<u8>) {
    let mb = input.len() as f64 / 1e6;
    // Best of 3 (the machine is shared, the least disturbed run counts), each starting
    // with cold number caches.
    let (mut s, mut cpu) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let copy = input.clone();
        numbers::clear_shared_cache();
        let (t, c) = (Instant::now(), cpu_s());
        let r = FileReader::from_reader(
            "bench",
            Box::new(Cursor::new(copy)),
            &opts(InputFormat::Auto),
        )
        .unwrap();
        let mut n = 0;
        for item in r {
            match item.unwrap() {
                Item::Call(..) => n += 1,
                other => panic!("{other:?}"),
            }
        }
        s = s.min(t.elapsed().as_secs_f64());
        cpu = cpu.min(cpu_s() - c);
        assert_eq!(n, N);
    }
    println!(
        "{label}: {N} calls, {:.0} bytes each; wall {s:.3} s = {:.0} records/s ({:.0} MB/s); CPU {cpu:.3} s = {:.0} records/s per core",
        mb * 1e6 / N as f64,
        N as f64 / s,
        mb / s,
        N as f64 / cpu
    );
}

#[test]
#[ignore = "timing check; run in release with --ignored --nocapture"]
fn throughput_ndjson_100k_reused_numbers() {
    run("2k own numbers, 5k distinct other numbers", 5_000);
}

#[test]
#[ignore = "timing check; run in release with --ignored --nocapture"]
fn throughput_v3_pages_100k_reused_numbers() {
    bench(
        "v3 pages (100 x 1000 items), 5k distinct other numbers",
        input(5_000, true),
    );
}

#[test]
#[ignore = "timing check; run in release with --ignored --nocapture"]
fn throughput_ndjson_100k_distinct_numbers() {
    run("2k own numbers, 50k distinct other numbers", 50_000);
    run("2k own numbers, every other number distinct", u64::MAX);
}

#[test]
#[ignore = "timing breakdown; run in release with --ignored --nocapture"]
fn breakdown() {
    use sha2::Digest;
    let mut input = Vec::new();
    for i in 0..100_000 {
        input.extend_from_slice(realistic_call(i, 5_000).as_bytes());
        input.push(b'\n');
    }
    let t = Instant::now();
    let d = sha2::Sha256::digest(&input);
    println!("sha256: {:?} ({})", t.elapsed(), d[0]);
    let t = Instant::now();
    let mut n = 0;
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let w: wire::Wire = serde_json::from_slice(line).unwrap();
        n += usize::from(matches!(w.call_id, wire::Val::Str(_)));
    }
    println!("split + serde Wire: {:?} ({n})", t.elapsed());
    let lines: Vec<&str> = input
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let t = Instant::now();
    for l in &lines {
        let _: serde::de::IgnoredAny = serde_json::from_str(l).unwrap();
    }
    println!("IgnoredAny from_str: {:?}", t.elapsed());
    let t = Instant::now();
    for l in &lines {
        let _: wire::Wire = serde_json::from_str(l).unwrap();
    }
    println!("Wire from_str: {:?}", t.elapsed());
    let t = Instant::now();
    for l in &lines {
        let _: serde_json::Value = serde_json::from_str(l).unwrap();
    }
    println!("Value from_str: {:?}", t.elapsed());
    let mut v = validate::Validator::new(&opts(InputFormat::Auto)).unwrap();
    let t = Instant::now();
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let w: wire::Wire = serde_json::from_slice(line).unwrap();
        let _ = v.check_record(&w, false).unwrap();
    }
    println!(
        "split + serde + validate (warm cache after first pass): {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let w: wire::Wire = serde_json::from_slice(line).unwrap();
        let _ = v.check_record(&w, false).unwrap();
    }
    println!("same, fully warm cache: {:?}", t.elapsed());
}
