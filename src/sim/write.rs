//! Writing a simulated fleet to disk: the entry points, the ground-truth CSVs, the flat
//! CSV the benchmark loads by hand, and the fast single-file NDJSON path (the split over
//! every input shape lives in `router`).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc;
use std::thread;

use chrono::{SecondsFormat, TimeZone, Utc};

use super::object::CallObject;
use super::router::Router;
use super::{Fleet, SimParams, generate};

/// How many records went into one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCount {
    pub file: String,
    /// Calls, webhook events or CSV rows (bad-records.ndjson: lines, good and bad).
    pub records: u64,
}

/// What `write_fleet` wrote.
#[derive(Debug, Clone)]
pub struct WriteSummary {
    pub files: Vec<FileCount>,
    /// Distinct calls generated (phone + web).
    pub calls: u64,
    pub phone_calls: u64,
    pub web_calls: u64,
    pub fleet: Fleet,
}

const BUF: usize = 1 << 20;

pub(crate) fn create(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(BUF, File::create(path)?))
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-20T14:03:00.123Z`.
pub(crate) fn iso(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

fn opt_iso(ms: Option<i64>) -> String {
    ms.map(iso).unwrap_or_default()
}

pub(crate) fn opt_num(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `number,kind,bad,first_spam,first_burst,degrade_start,trouble_start,provider,
/// first_call,rest_start,rest_end,slide_visible,planted_bursts` (times RFC 3339 with ms, or
/// empty; `provider` empty in the easy profile; `planted_bursts` as `start/end/calls`
/// items separated by `;`).
pub fn write_truth_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut w = create(path)?;
    writeln!(
        w,
        "number,kind,bad,first_spam,first_burst,degrade_start,trouble_start,provider,\
         first_call,rest_start,rest_end,slide_visible,planted_bursts"
    )?;
    for t in &fleet.truths {
        let bursts: Vec<String> = t
            .planted_bursts
            .iter()
            .map(|b| format!("{}/{}/{}", iso(b.start_ms), iso(b.end_ms), b.calls))
            .collect();
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            t.number,
            t.kind.as_str(),
            t.bad,
            opt_iso(t.first_spam_ms),
            opt_iso(t.first_burst_ms),
            opt_iso(t.degrade_start_ms),
            opt_iso(t.trouble_start_ms),
            t.provider.map(|p| p.to_string()).unwrap_or_default(),
            opt_iso(t.first_call_ms),
            opt_iso(t.rest_ms.map(|r| r.0)),
            opt_iso(t.rest_ms.map(|r| r.1)),
            opt_iso(t.slide_visible_ms),
            bursts.join(";")
        )?;
    }
    w.flush()
}

/// Writes `kind,start,end,provider` (RFC 3339 with ms): the fleet-wide confounders
/// (`provider` empty), then the hard profile's one-provider outage (`provider_dial_failed`).
pub fn write_confounders_csv(fleet: &Fleet, path: &Path) -> io::Result<()> {
    let mut w = create(path)?;
    writeln!(w, "kind,start,end,provider")?;
    for c in &fleet.confounders {
        writeln!(w, "{},{},{},", c.kind, iso(c.start_ms), iso(c.end_ms))?;
    }
    if let Some(o) = &fleet.provider_outage {
        writeln!(
            w,
            "provider_dial_failed,{},{},{}",
            iso(o.start_ms),
            iso(o.end_ms),
            o.provider
        )?;
    }
    w.flush()
}

/// The benchmark's by-hand anchor: the same phone calls `generate` yields (web calls left
/// out), one CSV row each with columns `call_id,from_number,to_number,direction,
/// call_status,disconnection_reason,start_timestamp,end_timestamp,duration_ms` (epoch ms;
/// absent values empty). Returns the number of rows. `full_objects` makes no difference.
pub fn write_flat_csv(p: &SimParams, path: &Path) -> io::Result<u64> {
    let mut w = create(path)?;
    writeln!(
        w,
        "call_id,from_number,to_number,direction,call_status,disconnection_reason,start_timestamp,end_timestamp,duration_ms"
    )?;
    let lean = SimParams {
        full_objects: false,
        ..p.clone()
    };
    let mut rows = 0u64;
    let mut err: Option<io::Error> = None;
    generate(&lean, &mut |c| {
        if err.is_some() || !c.is_phone_call() {
            return;
        }
        rows += 1;
        if let Err(e) = writeln!(
            w,
            "{},{},{},{},{},{},{},{},{}",
            c.call_id,
            c.from_number,
            c.to_number,
            c.direction,
            c.call_status,
            c.disconnection_reason,
            opt_num(c.start_timestamp),
            opt_num(c.end_timestamp),
            opt_num(c.duration_ms)
        ) {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    w.flush()?;
    Ok(rows)
}

/// Writes the fleet into `dir` (created). With `ndjson_only`: `calls.ndjson` (every call,
/// web calls included), `truth.csv`, `confounders.csv`. Otherwise the calls are split by
/// call, deterministically, over `calls-older.ndjson.gz` (the earliest ~20% of days),
/// `calls.ndjson`, `webhooks.ndjson`, `list-calls-v3-page-N.json`, `list-calls-v2.json`
/// and `export.csv`, ~5% of calls landing in a second file too, and `bad-records.ndjson`
/// holds four good calls (repeats) around five bad records.
pub fn write_fleet(p: &SimParams, dir: &Path, ndjson_only: bool) -> io::Result<WriteSummary> {
    fs::create_dir_all(dir)?;
    let mut counts = Counts::default();
    let mut err: Option<io::Error> = None;
    let (fleet, files) = if ndjson_only {
        let mut w = ChunkWriter::new(File::create(dir.join("calls.ndjson"))?);
        let fleet = generate(p, &mut |c| {
            if err.is_none() {
                counts.add(c);
                c.write_json(&mut w.buf);
                w.buf.push(b'\n');
                if let Err(e) = w.maybe_send() {
                    err = Some(e);
                }
            }
        });
        if let Some(e) = err.take() {
            return Err(e);
        }
        w.finish()?;
        let files = vec![FileCount {
            file: "calls.ndjson".into(),
            records: counts.calls,
        }];
        (fleet, files)
    } else {
        let mut r = Router::new(p, dir)?;
        let fleet = generate(p, &mut |c| {
            if err.is_none() {
                counts.add(c);
                if let Err(e) = r.route(c) {
                    err = Some(e);
                }
            }
        });
        if let Some(e) = err.take() {
            return Err(e);
        }
        (fleet, r.finish()?)
    };
    if let Some(e) = err {
        return Err(e);
    }
    write_truth_csv(&fleet, &dir.join("truth.csv"))?;
    write_confounders_csv(&fleet, &dir.join("confounders.csv"))?;
    let mut files = files;
    files.push(FileCount {
        file: "truth.csv".into(),
        records: fleet.truths.len() as u64,
    });
    files.push(FileCount {
        file: "confounders.csv".into(),
        records: (fleet.confounders.len() + usize::from(fleet.provider_outage.is_some())) as u64,
    });
    Ok(WriteSummary {
        files,
        calls: counts.calls,
        phone_calls: counts.phone,
        web_calls: counts.calls - counts.phone,
        fleet,
    })
}

const CHUNK: usize = 1 << 20;

/// Buffers output in 1 MB chunks that a second thread writes to the file, so the
/// write system calls overlap with generating and encoding the next calls.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: Option<mpsc::SyncSender<Vec<u8>>>,
    spare: mpsc::Receiver<Vec<u8>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl ChunkWriter {
    fn new(mut file: File) -> ChunkWriter {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(2);
        let (back, spare) = mpsc::channel();
        let thread = thread::spawn(move || {
            for mut chunk in rx {
                file.write_all(&chunk)?;
                chunk.clear();
                let _ = back.send(chunk);
            }
            file.flush()
        });
        ChunkWriter {
            buf: Vec::with_capacity(CHUNK + 65_536),
            tx: Some(tx),
            spare,
            thread: Some(thread),
        }
    }

    fn maybe_send(&mut self) -> io::Result<()> {
        if self.buf.len() < CHUNK {
            return Ok(());
        }
        let next = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK + 65_536));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self
            .tx
            .as_ref()
            .map(|tx| tx.send(full).is_ok())
            .unwrap_or(false);
        if sent { Ok(()) } else { self.join() }
    }

    /// Stops the writer thread and returns its result (its error, if it failed).
    fn join(&mut self) -> io::Result<()> {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r.and_then(|_| Err(io::Error::other("writer thread stopped"))),
            Some(Err(_)) => Err(io::Error::other("writer thread panicked")),
            None => Err(io::Error::other("writer thread already stopped")),
        }
    }

    fn finish(mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.buf);
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(rest);
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            _ => Err(io::Error::other("writer thread panicked")),
        }
    }
}

#[derive(Default)]
struct Counts {
    calls: u64,
    phone: u64,
}

impl Counts {
    fn add(&mut self, c: &CallObject) {
        self.calls += 1;
        self.phone += u64::from(c.is_phone_call());
    }
}
