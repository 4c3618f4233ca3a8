//! Timing checks outside `cargo test`: the readers' records/s on realistic ~1.5 KB call
//! objects, and the simulator's generate / serialize / write speeds.
//!
//!     cargo bench --bench throughput              # every case
//!     cargo bench --bench throughput -- CASE...   # some (names: run with `-- list`)
//!
//! Each case runs three times, each in a fresh process so the readers' process-wide number
//! cache starts cold, and the best run counts (the machine may be shared). `SIM_NUMBERS`,
//! `SIM_DAYS`, `SIM_CPD` and `SIM_DIR` (e.g. /dev/shm/x) size and place the simulate case.

use std::io::Cursor;
use std::process::{Command, ExitCode};
use std::time::Instant;

use numhealth::model::Item;
use numhealth::readers::{FileReader, InputFormat, ReaderOptions};
use numhealth::sim::{SimParams, generate, write_fleet};

/// Name, what it measures.
const CASES: &[(&str, &str)] = &[
    (
        "ndjson",
        "NDJSON, 2k own numbers, 5k distinct other numbers",
    ),
    (
        "v3-pages",
        "v3 pages (100 x 1000 items), 5k distinct other numbers",
    ),
    (
        "ndjson-50k",
        "NDJSON, 2k own numbers, 50k distinct other numbers",
    ),
    (
        "ndjson-distinct",
        "NDJSON, 2k own numbers, every other number distinct",
    ),
    (
        "floors",
        "SHA-256 and a skipping JSON parse of the ndjson input",
    ),
    (
        "simulate",
        "simulator: generate, + serialize, write_fleet --ndjson-only",
    ),
];

/// Calls per reader case.
const N: u64 = 100_000;
/// 2026-11-20T12:00:00Z
const NOW: i64 = 1_795_176_000_000;
/// 2026-11-20T10:00:00Z
const T0: i64 = 1_795_168_800_000;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let [flag, case] = args.as_slice()
        && flag == "--child"
    {
        return match run_case(case) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{case}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.iter().any(|a| a == "list") {
        for (name, what) in CASES {
            println!("{name:16} {what}");
        }
        return ExitCode::SUCCESS;
    }
    let chosen: Vec<&(&str, &str)> = CASES
        .iter()
        .filter(|(name, _)| args.is_empty() || args.iter().any(|a| a == name))
        .collect();
    if chosen.is_empty() {
        eprintln!("no such case; run with `-- list`");
        return ExitCode::FAILURE;
    }
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this executable to run the cases");
        return ExitCode::FAILURE;
    };
    for (name, what) in chosen {
        let mut best: Option<(f64, String)> = None;
        for _ in 0..3 {
            let out = match Command::new(&me).args(["--child", name]).output() {
                Ok(out) if out.status.success() => out,
                Ok(out) => {
                    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
                    return ExitCode::FAILURE;
                }
                Err(e) => {
                    eprintln!("{name}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
            // The child's first field is its wall time in seconds.
            let secs: f64 = line
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::MAX);
            if best.as_ref().is_none_or(|(b, _)| secs < *b) {
                best = Some((secs, line));
            }
        }
        if let Some((_, line)) = best {
            let report = line.split_once(' ').map_or("", |(_, rest)| rest);
            println!("{name} ({what}): {report}");
        }
    }
    ExitCode::SUCCESS
}

/// Runs one case once; returns "WALL_SECONDS report".
fn run_case(case: &str) -> Result<String, String> {
    match case {
        "ndjson" => read(input(5_000, false)),
        "v3-pages" => read(input(5_000, true)),
        "ndjson-50k" => read(input(50_000, false)),
        "ndjson-distinct" => read(input(u64::MAX, false)),
        "floors" => Ok(floors(&input(5_000, false))),
        "simulate" => simulate(),
        other => Err(format!("no case {other}")),
    }
}

/// Reads `input` to the end; every record must be a call.
fn read(input: Vec<u8>) -> Result<String, String> {
    let mb = input.len() as f64 / 1e6;
    let opts = ReaderOptions {
        format: InputFormat::Auto,
        default_region: "US".into(),
        now_ms: NOW,
        max_age_days: 3650,
        max_duration_hours: 24,
    };
    let (t, c) = (Instant::now(), cpu_s());
    let r = FileReader::from_reader("bench", Box::new(Cursor::new(input)), &opts)
        .map_err(|e| e.to_string())?;
    let mut n = 0u64;
    for item in r {
        match item.map_err(|e| e.to_string())? {
            Item::Call(..) => n += 1,
            other => return Err(format!("not a call: {other:?}")),
        }
    }
    let (s, cpu) = (t.elapsed().as_secs_f64(), cpu_s() - c);
    if n != N {
        return Err(format!("read {n} calls of {N}"));
    }
    Ok(format!(
        "{s:.3} {N} calls, {:.0} bytes each; wall {s:.3} s = {:.0} records/s ({:.0} MB/s); CPU {cpu:.3} s = {:.0} records/s per core",
        mb * 1e6 / N as f64,
        N as f64 / s,
        mb / s,
        N as f64 / cpu
    ))
}

/// What any reader pays at least: hashing the bytes, and finding where each object ends.
fn floors(input: &[u8]) -> String {
    use sha2::Digest;
    let t = Instant::now();
    let digest = sha2::Sha256::digest(input);
    let sha = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut n = 0u64;
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        n += u64::from(serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok());
    }
    let skip = t.elapsed().as_secs_f64();
    format!(
        "{:.3} sha256 {sha:.3} s ({:02x}..); serde IgnoredAny per line {skip:.3} s = {:.0} records/s ({n} objects)",
        sha + skip,
        digest[0],
        n as f64 / skip
    )
}

fn simulate() -> Result<String, String> {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = std::env::var("SIM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tmp.path().to_path_buf());
    let p = SimParams {
        seed: 42,
        numbers: env("SIM_NUMBERS", 2_000) as usize,
        days: env("SIM_DAYS", 14) as i64,
        calls_per_day: env("SIM_CPD", 5) as u32,
        full_objects: true,
        ..SimParams::default()
    };
    let t = Instant::now();
    let mut n = 0u64;
    generate(&p, &mut |_| n += 1);
    let gen_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut bytes = 0usize;
    let mut buf = Vec::with_capacity(1 << 16);
    generate(&p, &mut |c| {
        buf.clear();
        c.write_json(&mut buf);
        bytes += buf.len() + 1;
    });
    let ser_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let s = write_fleet(&p, &dir, true).map_err(|e| e.to_string())?;
    let secs = t.elapsed().as_secs_f64();
    Ok(format!(
        "{:.3} {n} calls ({:.0} bytes/call): generate {:.0} calls/s, +serialize {:.0} calls/s ({:.0} MB/s), write_fleet ndjson_only {:.0} calls/s ({secs:.1} s)",
        gen_secs + ser_secs + secs,
        bytes as f64 / n as f64,
        n as f64 / gen_secs,
        n as f64 / ser_secs,
        bytes as f64 / ser_secs / 1e6,
        s.calls as f64 / secs
    ))
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

const AREA: [u32; 12] = [415, 212, 646, 310, 312, 713, 305, 404, 617, 206, 469, 702];

/// A valid-looking NANP number from an index.
fn nanp(i: u64) -> String {
    let a = AREA[(i % AREA.len() as u64) as usize];
    format!("+1{a}{}{:04}", 200 + (i / 12) % 700, (i * 7919) % 10_000)
}

/// One realistic call object (transcript, metadata, analysis, latency, cost...).
fn realistic_call(i: u64, other_pool: u64) -> String {
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
