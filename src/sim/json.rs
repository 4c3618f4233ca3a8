//! A hand-written JSON encoder for `CallObject`, byte-for-byte the same as
//! `serde_json::to_vec` (a test holds it to that) but several times faster: the
//! benchmark writes ten million ~1.6 KB objects and serde_json's per-byte string
//! escaping was most of the cost.

use super::object::{CallAnalysis, CallCost, CallObject, LatencyStats};

/// A member name with its quotes and colon, written in one copy.
macro_rules! q {
    ($k:literal) => {
        concat!("\"", $k, "\":")
    };
}

/// Appends `call` as compact JSON (no trailing newline).
pub fn write_call_json(call: &CallObject, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    o.str(q!("call_id"), &call.call_id);
    o.str(q!("call_type"), call.call_type);
    o.str(q!("agent_id"), call.agent_id);
    o.int(q!("agent_version"), i64::from(call.agent_version));
    o.str_opt(q!("agent_name"), call.agent_name);
    o.str(q!("call_status"), call.call_status);
    o.str_opt(q!("direction"), call.direction);
    o.str_opt(q!("from_number"), &call.from_number);
    o.str_opt(q!("to_number"), &call.to_number);
    o.int_opt(q!("start_timestamp"), call.start_timestamp);
    o.int_opt(q!("end_timestamp"), call.end_timestamp);
    o.int_opt(q!("duration_ms"), call.duration_ms);
    o.str_opt(q!("disconnection_reason"), call.disconnection_reason);
    o.str_opt(q!("access_token"), &call.access_token);
    o.str_opt(q!("transcript"), &call.transcript);
    if let Some(a) = &call.call_analysis {
        o.key(q!("call_analysis"));
        analysis(a, o.out);
    }
    if let Some(m) = &call.metadata {
        o.key(q!("metadata"));
        let mut mo = Obj::open(o.out);
        mo.str(q!("lead_id"), &m.lead_id);
        mo.str(q!("campaign"), m.campaign);
        mo.close();
    }
    if let Some(v) = &call.retell_llm_dynamic_variables {
        o.key(q!("retell_llm_dynamic_variables"));
        let mut vo = Obj::open(o.out);
        vo.str(q!("customer_name"), v.customer_name);
        vo.str(q!("lead_source"), v.lead_source);
        vo.str(q!("preferred_time"), v.preferred_time);
        vo.close();
    }
    if let Some(t) = &call.telephony_identifier {
        o.key(q!("telephony_identifier"));
        let mut to = Obj::open(o.out);
        to.str(q!("twilio_call_sid"), &t.twilio_call_sid);
        to.close();
    }
    o.str_opt(q!("recording_url"), &call.recording_url);
    o.str_opt(q!("public_log_url"), &call.public_log_url);
    if let Some(l) = &call.latency {
        o.key(q!("latency"));
        let mut lo = Obj::open(o.out);
        for (k, s) in [
            (q!("e2e"), &l.e2e),
            (q!("llm"), &l.llm),
            (q!("tts"), &l.tts),
        ] {
            lo.key(k);
            stats(s, lo.out);
        }
        lo.close();
    }
    if let Some(c) = &call.call_cost {
        o.key(q!("call_cost"));
        cost(c, o.out);
    }
    if let Some(u) = &call.llm_token_usage {
        o.key(q!("llm_token_usage"));
        let mut uo = Obj::open(o.out);
        uo.key(q!("values"));
        uo.out.push(b'[');
        for (i, v) in u.values.iter().enumerate() {
            if i > 0 {
                uo.out.push(b',');
            }
            push_int(uo.out, i64::from(*v));
        }
        uo.out.push(b']');
        uo.int(q!("average"), i64::from(u.average));
        uo.int(q!("num_requests"), i64::from(u.num_requests));
        uo.close();
    }
    if let Some(b) = call.opt_out_sensitive_data_storage {
        o.key(q!("opt_out_sensitive_data_storage"));
        o.out.extend_from_slice(if b { b"true" } else { b"false" });
    }
    o.close();
}

fn analysis(a: &CallAnalysis, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    o.bool(q!("in_voicemail"), a.in_voicemail);
    o.str(q!("user_sentiment"), a.user_sentiment);
    o.bool(q!("call_successful"), a.call_successful);
    o.str(q!("call_summary"), a.call_summary);
    o.key(q!("custom_analysis_data"));
    let d = &a.custom_analysis_data;
    let mut co = Obj::open(o.out);
    co.bool(q!("interested"), d.interested);
    co.bool(q!("callback_requested"), d.callback_requested);
    co.int(q!("lead_score"), i64::from(d.lead_score));
    co.close();
    o.close();
}

fn stats(s: &LatencyStats, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    for (k, v) in [
        (q!("p50"), s.p50),
        (q!("p90"), s.p90),
        (q!("p95"), s.p95),
        (q!("p99"), s.p99),
        (q!("max"), s.max),
        (q!("min"), s.min),
        (q!("num"), s.num),
    ] {
        o.int(k, i64::from(v));
    }
    o.close();
}

fn cost(c: &CallCost, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    o.key(q!("product_costs"));
    o.out.push(b'[');
    for (i, p) in c.product_costs.iter().enumerate() {
        if i > 0 {
            o.out.push(b',');
        }
        let mut po = Obj::open(o.out);
        po.str(q!("product"), p.product);
        po.float(q!("unit_price"), p.unit_price);
        po.float(q!("cost"), p.cost);
        po.close();
    }
    o.out.push(b']');
    o.int(
        q!("total_duration_seconds"),
        i64::from(c.total_duration_seconds),
    );
    o.float(q!("total_duration_unit_price"), c.total_duration_unit_price);
    o.float(q!("combined_cost"), c.combined_cost);
    o.close();
}

/// An object being written: commas between members.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn close(self) {
        self.out.push(b'}');
    }

    /// `k` is a member name from `q!`: quoted, plain ASCII, followed by its colon.
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(k.as_bytes());
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        push_escaped(self.out, v);
    }

    /// Left out when empty, like `skip_serializing_if`.
    fn str_opt(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.str(k, v);
        }
    }

    fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        push_int(self.out, v);
    }

    fn int_opt(&mut self, k: &str, v: Option<i64>) {
        if let Some(v) = v {
            self.int(k, v);
        }
    }

    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    fn float(&mut self, k: &str, v: f64) {
        self.key(k);
        push_float(self.out, v);
    }
}

fn push_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Non-negative multiples of 1/10000 (all the simulator's prices) are written as their
/// short decimal, which is what serde_json's shortest round-trip formatting gives;
/// anything else goes through serde_json.
fn push_float(out: &mut Vec<u8>, v: f64) {
    let scaled = (v * 10_000.0).round();
    if v >= 0.0 && scaled < 1e12 && scaled / 10_000.0 == v {
        let k = scaled as i64;
        push_int(out, k / 10_000);
        out.push(b'.');
        let mut frac = k % 10_000;
        if frac == 0 {
            out.push(b'0');
            return;
        }
        let mut digits = 4;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        let mut buf = [b'0'; 4];
        for slot in buf[..digits].iter_mut().rev() {
            *slot = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend_from_slice(&buf[..digits]);
    } else {
        let _ = serde_json::to_writer(&mut *out, &v);
    }
}

/// Whether any of the 8 bytes in `x` is a control character, `"` or `\`.
fn needs_escape8(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    below_space | zero(x ^ (ONES * b'"' as u64)) | zero(x ^ (ONES * b'\\' as u64)) != 0
}

/// Appends `s` as a JSON string, escaped exactly as serde_json does.
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if i + 8 <= b.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            if !needs_escape8(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let c = b[i];
        if c < 0x20 || c == b'"' || c == b'\\' {
            out.extend_from_slice(&b[start..i]);
            match c {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(c >> 4)]);
                    out.push(HEX[usize::from(c & 15)]);
                }
            }
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_serde_json() {
        for s in [
            "",
            "plain",
            "a\"b\\c\nd\re\tf\u{8}\u{c}\u{1}\u{1f}g",
            "héllo wörld ✓ 0123456789abcdef\"",
            "12345678\n",
        ] {
            let mut out = Vec::new();
            push_escaped(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
        for v in [
            0.0,
            0.0001,
            0.055,
            0.101,
            0.2137,
            12.5,
            3.0,
            1.0 / 3.0,
            1e-7,
        ] {
            let mut out = Vec::new();
            push_float(&mut out, v);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&v).unwrap(),
                "{v}"
            );
        }
        for v in [0, 7, -12, i64::MAX, i64::MIN, 1_795_091_611_329] {
            let mut out = Vec::new();
            push_int(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
