//! Splitting a streaming fleet over every input shape: calls.ndjson, the gzip of the
//! oldest days, webhook events (delivered in time order), List Calls v3 pages and a v2
//! array, the dashboard CSV export, and the bad-records sample.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::SimParams;
use super::fill::push_hex;
use super::object::{CallAnalysis, CallObject};
use super::plan::{DAY_MS, stream_seed};
use super::write::{FileCount, create, iso, opt_num};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    Calls,
    Older,
    Hooks,
    V3,
    V2,
    Export,
}

/// Primary shares of the calls after the oldest days; the rest go to calls.ndjson.
const SHARES: [(Dest, f64); 4] = [
    (Dest::Hooks, 0.10),
    (Dest::V3, 0.05),
    (Dest::V2, 0.05),
    (Dest::Export, 0.10),
];
/// Share of calls written to a second file as well.
const OVERLAP: f64 = 0.05;

#[derive(Serialize)]
struct Event<'a> {
    event: &'static str,
    call: &'a CallObject,
}

#[derive(Serialize)]
struct Page<'a> {
    items: &'a [CallObject],
    has_more: bool,
    pagination_key: Option<&'a str>,
}

const EXPORT_HEADER: [&str; 17] = [
    "call_id",
    "call_type",
    "agent_id",
    "agent_name",
    "direction",
    "from_number",
    "to_number",
    "call_status",
    "disconnection_reason",
    "start_timestamp",
    "end_timestamp",
    "duration_ms",
    "user_sentiment",
    "call_successful",
    "in_voicemail",
    "call_cost",
    "campaign",
];

/// Sends each call to its file(s) while the fleet streams through.
pub(crate) struct Router {
    dir: PathBuf,
    rng: SmallRng,
    older_cutoff: i64,
    line: Vec<u8>,
    calls: BufWriter<File>,
    n_calls: u64,
    older: GzEncoder<BufWriter<File>>,
    n_older: u64,
    hooks: BufWriter<File>,
    n_hooks: u64,
    /// Webhook events waiting for their delivery time: (at, seq, line).
    queue: BinaryHeap<Reverse<(i64, u64, Vec<u8>)>>,
    seq: u64,
    v3_page_size: usize,
    v3_items: Vec<CallObject>,
    v3_pages: Vec<FileCount>,
    v2: BufWriter<File>,
    n_v2: u64,
    export: csv::Writer<BufWriter<File>>,
    n_export: u64,
    /// The first phone calls, for bad-records.ndjson.
    good: Vec<Vec<u8>>,
}

impl Router {
    pub(crate) fn new(p: &SimParams, dir: &Path) -> io::Result<Router> {
        let days = p.days.max(1);
        let ctx_start = super::plan::midnight_ms(p.end) - (days - 1) * DAY_MS;
        let older_days = if days >= 2 {
            ((days as f64 * 0.2) as i64).max(1)
        } else {
            0
        };
        let est = p.numbers as f64 * f64::from(p.calls_per_day) * days as f64 * 0.8 * 0.06;
        let mut v2 = create(&dir.join("list-calls-v2.json"))?;
        v2.write_all(b"[")?;
        let mut export = csv::Writer::from_writer(create(&dir.join("export.csv"))?);
        export.write_record(EXPORT_HEADER)?;
        Ok(Router {
            dir: dir.to_path_buf(),
            rng: SmallRng::seed_from_u64(stream_seed(p.seed, 0xF11E)),
            older_cutoff: ctx_start + older_days * DAY_MS,
            line: Vec::with_capacity(4096),
            calls: create(&dir.join("calls.ndjson"))?,
            n_calls: 0,
            older: GzEncoder::new(
                create(&dir.join("calls-older.ndjson.gz"))?,
                Compression::default(),
            ),
            n_older: 0,
            hooks: create(&dir.join("webhooks.ndjson"))?,
            n_hooks: 0,
            queue: BinaryHeap::new(),
            seq: 0,
            v3_page_size: ((est / 4.0).ceil() as usize).clamp(5, 1000),
            v3_items: Vec::new(),
            v3_pages: Vec::new(),
            v2,
            n_v2: 0,
            export,
            n_export: 0,
            good: Vec::new(),
        })
    }

    pub(crate) fn route(&mut self, c: &CallObject) -> io::Result<()> {
        let t = c.start_timestamp.unwrap_or(0);
        self.deliver_hooks(t)?;
        self.line.clear();
        c.write_json(&mut self.line);
        if !c.is_phone_call() {
            let d = if self.rng.random_bool(0.8) {
                Dest::Calls
            } else {
                Dest::V2
            };
            return self.send(d, c);
        }
        if self.good.len() < 4 {
            self.good.push(self.line.clone());
        }
        let primary = if t < self.older_cutoff {
            Dest::Older
        } else {
            let u: f64 = self.rng.random();
            let mut acc = 0.0;
            SHARES
                .iter()
                .find(|(_, s)| {
                    acc += s;
                    u < acc
                })
                .map_or(Dest::Calls, |d| d.0)
        };
        self.send(primary, c)?;
        if self.rng.random_bool(OVERLAP) {
            let others = [Dest::Calls, Dest::Hooks, Dest::V3, Dest::V2, Dest::Export];
            let d = others[self.rng.random_range(0..others.len())];
            if d != primary {
                self.send(d, c)?;
            } else {
                self.send(Dest::Calls, c)?;
            }
        }
        Ok(())
    }

    fn send(&mut self, d: Dest, c: &CallObject) -> io::Result<()> {
        match d {
            Dest::Calls => {
                self.calls.write_all(&self.line)?;
                self.calls.write_all(b"\n")?;
                self.n_calls += 1;
            }
            Dest::Older => {
                self.older.write_all(&self.line)?;
                self.older.write_all(b"\n")?;
                self.n_older += 1;
            }
            Dest::V2 => {
                self.v2
                    .write_all(if self.n_v2 == 0 { b"\n" } else { b",\n" })?;
                self.v2.write_all(&self.line)?;
                self.n_v2 += 1;
            }
            Dest::V3 => {
                if self.v3_items.len() >= self.v3_page_size {
                    self.flush_page(true)?;
                }
                self.v3_items.push(c.clone());
            }
            Dest::Export => self.export_row(c)?,
            Dest::Hooks => self.hook_events(c)?,
        }
        Ok(())
    }

    fn push_event(&mut self, at: i64, event: &'static str, call: &CallObject) -> io::Result<()> {
        let line = serde_json::to_vec(&Event { event, call })?;
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, line)));
        Ok(())
    }

    /// call_started, call_ended, call_analyzed, plus the odd transcript_updated,
    /// duplicate call_ended and late call_started, each queued for its delivery time.
    fn hook_events(&mut self, c: &CallObject) -> io::Result<()> {
        let t = c.start_timestamp.unwrap_or(0);
        let end = c.end_timestamp.unwrap_or(t);
        let mut started = c.clone();
        started.call_status = "ongoing";
        started.end_timestamp = None;
        started.duration_ms = None;
        started.disconnection_reason = "";
        started.call_analysis = None;
        started.transcript.clear();
        started.recording_url.clear();
        started.latency = None;
        started.call_cost = None;
        started.llm_token_usage = None;
        self.push_event(t, "call_started", &started)?;
        if c.call_status == "ended" && self.rng.random_bool(0.2) {
            let mut mid = started.clone();
            mid.transcript = c
                .transcript
                .lines()
                .next()
                .unwrap_or("Agent: Hello?")
                .to_string();
            self.push_event(t + (end - t) / 2, "transcript_updated", &mid)?;
        }
        let mut ended = c.clone();
        ended.call_analysis = None;
        self.push_event(end + 400, "call_ended", &ended)?;
        let mut analyzed = c.clone();
        if analyzed.call_analysis.is_none() {
            analyzed.call_analysis = Some(CallAnalysis {
                in_voicemail: c.disconnection_reason == "voicemail_reached",
                user_sentiment: "Unknown",
                ..CallAnalysis::default()
            });
        }
        let at = end + self.rng.random_range(5_000..60_000);
        self.push_event(at, "call_analyzed", &analyzed)?;
        if self.rng.random_bool(0.03) {
            self.push_event(at + 90_000, "call_ended", &ended)?;
        }
        if self.rng.random_bool(0.02) {
            self.push_event(at + 120_000, "call_started", &started)?;
        }
        Ok(())
    }

    fn deliver_hooks(&mut self, now: i64) -> io::Result<()> {
        while let Some(Reverse((at, _, _))) = self.queue.peek() {
            if *at > now {
                break;
            }
            if let Some(Reverse((_, _, line))) = self.queue.pop() {
                self.hooks.write_all(&line)?;
                self.hooks.write_all(b"\n")?;
                self.n_hooks += 1;
            }
        }
        Ok(())
    }

    fn flush_page(&mut self, has_more: bool) -> io::Result<()> {
        let n = self.v3_pages.len() + 1;
        let name = format!("list-calls-v3-page-{n}.json");
        let mut w = create(&self.dir.join(&name))?;
        let page = Page {
            items: &self.v3_items,
            has_more,
            pagination_key: if has_more {
                self.v3_items.last().map(|c| c.call_id.as_str())
            } else {
                None
            },
        };
        if n == 1 {
            serde_json::to_writer_pretty(&mut w, &page)?;
        } else {
            serde_json::to_writer(&mut w, &page)?;
        }
        w.write_all(b"\n")?;
        w.flush()?;
        self.v3_pages.push(FileCount {
            file: name,
            records: self.v3_items.len() as u64,
        });
        self.v3_items.clear();
        Ok(())
    }

    fn export_row(&mut self, c: &CallObject) -> io::Result<()> {
        let as_iso = self.rng.random_bool(0.5);
        let time = |v: Option<i64>| match v {
            Some(ms) if as_iso => iso(ms),
            other => opt_num(other),
        };
        let a = c.call_analysis.as_ref();
        let flag = |b: Option<bool>| b.map(|b| b.to_string()).unwrap_or_default();
        self.export.write_record([
            c.call_id.as_str(),
            c.call_type,
            c.agent_id,
            c.agent_name,
            c.direction,
            c.from_number.as_str(),
            c.to_number.as_str(),
            c.call_status,
            c.disconnection_reason,
            &time(c.start_timestamp),
            &time(c.end_timestamp),
            &opt_num(c.duration_ms),
            a.map_or("", |a| a.user_sentiment),
            &flag(a.map(|a| a.call_successful)),
            &flag(a.map(|a| a.in_voicemail)),
            &c.call_cost
                .map(|k| k.combined_cost.to_string())
                .unwrap_or_default(),
            c.metadata.as_ref().map_or("", |m| m.campaign),
        ])?;
        self.n_export += 1;
        Ok(())
    }

    /// Three good calls, five bad records, one more good call.
    fn bad_records(&mut self) -> io::Result<u64> {
        let mut w = create(&self.dir.join("bad-records.ndjson"))?;
        let mut n = 0u64;
        for g in self.good.iter().take(3) {
            w.write_all(g)?;
            w.write_all(b"\n")?;
            n += 1;
        }
        if let Some(first) = self.good.first() {
            let base: serde_json::Value = serde_json::from_slice(first)?;
            let mut fresh_id = || {
                let mut s = String::from("call_");
                push_hex(&mut s, self.rng.random::<u128>(), 32);
                serde_json::Value::String(s)
            };
            let start = base["start_timestamp"].as_i64().unwrap_or(0);
            let mut no_id = base.clone();
            if let Some(o) = no_id.as_object_mut() {
                o.remove("call_id");
            }
            let mut bad_phone = base.clone();
            bad_phone["call_id"] = fresh_id();
            bad_phone["from_number"] = "12".into();
            let mut backwards = base.clone();
            backwards["call_id"] = fresh_id();
            backwards["end_timestamp"] = (start - 60_000).into();
            if let Some(o) = backwards.as_object_mut() {
                o.remove("duration_ms");
            }
            let truncated = format!(
                "{{\"call_id\":{},\"call_type\":\"phone_call\",\"direction\":\"outbound\",\"from_number\":\"+1415",
                fresh_id()
            );
            let lines = [
                truncated,
                no_id.to_string(),
                bad_phone.to_string(),
                backwards.to_string(),
                "[1,2,3]".to_string(),
            ];
            for l in lines {
                writeln!(w, "{l}")?;
                n += 1;
            }
        }
        for g in self.good.iter().skip(3) {
            w.write_all(g)?;
            w.write_all(b"\n")?;
            n += 1;
        }
        w.flush()?;
        Ok(n)
    }

    pub(crate) fn finish(mut self) -> io::Result<Vec<FileCount>> {
        self.deliver_hooks(i64::MAX)?;
        if !self.v3_items.is_empty() || self.v3_pages.is_empty() {
            self.flush_page(false)?;
        }
        self.v2.write_all(b"\n]\n")?;
        self.v2.flush()?;
        self.calls.flush()?;
        self.hooks.flush()?;
        self.export.flush()?;
        let bad = self.bad_records()?;
        self.older.finish()?.flush()?;
        let mut files = vec![
            FileCount {
                file: "calls.ndjson".into(),
                records: self.n_calls,
            },
            FileCount {
                file: "calls-older.ndjson.gz".into(),
                records: self.n_older,
            },
            FileCount {
                file: "webhooks.ndjson".into(),
                records: self.n_hooks,
            },
            FileCount {
                file: "list-calls-v2.json".into(),
                records: self.n_v2,
            },
            FileCount {
                file: "export.csv".into(),
                records: self.n_export,
            },
        ];
        files.append(&mut self.v3_pages);
        files.push(FileCount {
            file: "bad-records.ndjson".into(),
            records: bad,
        });
        Ok(files)
    }
}
