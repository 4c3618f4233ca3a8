//! `numhealth ingest`: load files into the database, one transaction per file, and
//! report what landed. Also the loading loop that `pull` reuses for API pages.

use std::path::Path;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{IngestArgs, InputFormat as CliFormat, SummaryFormat};
use crate::commands::Ctx;
use crate::error::{Error, Result, exit};
use crate::readers::{FileReader, InputFormat, ReadError, ReaderOptions, Shape};
use crate::report::{self, views};
use crate::store::{
    FileCounts, LoadSettings, PreparedCall, PresumLink, Presummed, Presummer, RunTotals, Staged,
    Store, WalFlusher, stage,
};

/// Reader options from settings and flags.
pub fn reader_options(
    ctx: &Ctx,
    format: InputFormat,
    region: Option<&str>,
    now_ms: i64,
) -> Result<ReaderOptions> {
    let region = region
        .unwrap_or(&ctx.settings.ingest.default_region)
        .to_uppercase();
    if region.parse::<phonenumber::country::Id>().is_err() {
        return Err(Error::Usage(format!(
            "--region {region:?} is not an ISO 3166 region code like US or GB"
        )));
    }
    Ok(ReaderOptions {
        format,
        default_region: region,
        now_ms,
        max_age_days: ctx.settings.ingest.max_age_days,
        max_duration_hours: ctx.settings.ingest.max_duration_hours,
    })
}

pub fn load_settings(ctx: &Ctx, received_ms: i64) -> LoadSettings {
    LoadSettings {
        short_call_ms: ctx.settings.short_call_ms(),
        bursts: ctx.settings.bursts,
        received_ms,
        batch_size: 20_000,
        // ~130 bytes each with their attempt marks (16 MB). Two such sets are held at once
        // on a file of new calls (the parser's sums, and the set being written a slice per
        // batch, which shrinks as it goes); on a file of
        // re-deliveries the parser stops counting, and the writer's corrections ask for the
        // sums once they reach the limit. Each pass writes a row in every number's part of
        // `number_hourly`, so a day of a 20,000-number fleet (~240k number-hours) should
        // take two passes, not four.
        max_pending_rollups: 120_000,
    }
}

pub fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::NdjsonCalls => "ndjson_calls",
        Shape::NdjsonEvents => "ndjson_webhook_events",
        Shape::V3Page => "list_calls_v3_page",
        Shape::V2Array => "list_calls_v2_array",
        Shape::Csv => "csv",
        Shape::Empty => "empty",
    }
}

/// Loads everything one reader yields as file `ordinal` of the run, in one transaction.
/// On a fatal read error the file is rolled back and recorded as failed; the error
/// message (naming the source) is returned.
pub fn load_source(
    ctx: &Ctx,
    store: &mut Store,
    run_id: i64,
    ordinal: i64,
    name: &str,
    reader: FileReader,
    settings: &LoadSettings,
) -> Result<std::result::Result<FileCounts, String>> {
    let bar = progress_bar(ctx, name, reader.total_bytes());
    let position = AtomicU64::new(0);
    let pruned_before = store.pruned_before()?;
    let link = PresumLink::default();
    // Parsing, validating and summing rollups on one core, SQLite on the other: the reader
    // thread sends chunks of items through a bounded channel, so memory stays flat. The
    // channel holds more than one write batch, so the parser keeps going while the writer
    // writes a batch or a set of rollups. Written calls go back to the parser thread to be
    // freed there: freeing memory on the thread that allocated it is cheap, and the
    // SQLite thread is the busier one.
    let (spent_tx, spent_rx) = mpsc::channel::<Vec<PreparedCall>>();
    let flusher = WalFlusher::start(store.path());
    let outcome: Result<std::result::Result<FileCounts, String>> = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<ToWriter>(CHUNKS_IN_FLIGHT);
        let position = &position;
        let parser_link = link.clone();
        let parser = scope.spawn(move || {
            parse(
                reader,
                tx,
                spent_rx,
                settings,
                pruned_before,
                parser_link,
                position,
            )
        });
        let consumed = store
            .begin_file(run_id, ordinal, name, settings)
            .and_then(|mut load| {
                load.expect_presums(link);
                load.recycle_into(spent_tx);
                for msg in rx.iter() {
                    let chunk = match msg {
                        ToWriter::Items(chunk) => chunk,
                        ToWriter::Sums(sums) => {
                            load.add_presums(sums)?;
                            continue;
                        }
                        ToWriter::End(end) => {
                            load.add_presums(end.sums)?;
                            let counts =
                                load.finish(&end.sha256, end.bytes, shape_name(end.shape))?;
                            return Ok(Ok(counts));
                        }
                    };
                    for item in chunk {
                        match item {
                            Ok(it) => load.add_staged(it)?,
                            // Dropping the load rolls the file back.
                            Err(e) => {
                                return Ok(Err(format!(
                                    "{name}: {e} (the whole file was rolled back)"
                                )));
                            }
                        }
                    }
                    if let Some(b) = &bar {
                        b.set_position(position.load(Ordering::Relaxed));
                    }
                }
                // The parser stopped without an error item or an end: it failed.
                Err(Error::Other(format!("{name}: the reader thread failed")))
            });
        // Dropping the receiver stops the parser at its next send.
        drop(rx);
        parser
            .join()
            .map_err(|_| Error::Other(format!("{name}: the reader thread failed")))?;
        consumed
    });
    flusher.stop();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let outcome = outcome?;
    if let Err(msg) = &outcome {
        store.record_failed_file(run_id, ordinal, name, msg)?;
    }
    Ok(outcome)
}

/// Items per chunk sent from the parser thread.
const CHUNK: usize = 2048;

/// Chunks the parser may run ahead of the writer: 32k items, more than one write batch
/// (20k), so the parser is not stopped by each batch the writer sorts and writes.
/// Measured on a 1M-call file: 4 chunks 16.2-16.8 s, 16 chunks 11.6-12.2 s, same peak
/// memory (BENCHMARKS.md).
const CHUNKS_IN_FLIGHT: usize = 16;

/// What the parser thread sends the SQLite thread.
enum ToWriter {
    Items(Vec<std::result::Result<Staged, ReadError>>),
    Sums(Presummed),
    /// The reader reached the end of the file.
    End(FileEnd),
}

/// The last sums, and what the load records of the file.
struct FileEnd {
    sums: Presummed,
    sha256: String,
    bytes: u64,
    shape: Shape,
}

/// The parser thread: reads, stages and counts items, sends them in chunks, then frees
/// the calls the writer hands back until the writer is done with the file.
fn parse(
    mut reader: FileReader,
    tx: mpsc::SyncSender<ToWriter>,
    spent: mpsc::Receiver<Vec<PreparedCall>>,
    settings: &LoadSettings,
    pruned_before: Option<i64>,
    link: PresumLink,
    position: &AtomicU64,
) {
    let mut sums = Presummer::new(settings, pruned_before, link);
    let mut chunk = Vec::with_capacity(CHUNK);
    while let Some(item) = reader.next() {
        let fatal = item.is_err();
        let mut item = item.map(|it| stage(it, settings));
        let full = item.as_mut().ok().and_then(|it| sums.count(it));
        chunk.push(item);
        if chunk.len() == CHUNK || fatal || full.is_some() {
            position.store(reader.bytes_read(), Ordering::Relaxed);
            let items = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            // Sums go after the items they count.
            let sent = tx.send(ToWriter::Items(items)).is_ok()
                && full.is_none_or(|f| tx.send(ToWriter::Sums(f)).is_ok());
            if !sent || fatal {
                return;
            }
            spent.try_iter().for_each(drop);
        }
    }
    let end = FileEnd {
        sums: sums.finish(),
        sha256: reader.sha256_hex(),
        bytes: reader.bytes_read(),
        shape: reader.shape(),
    };
    if tx.send(ToWriter::Items(chunk)).is_ok() && tx.send(ToWriter::End(end)).is_ok() {
        drop(tx);
        // Until the load is finished or dropped (which drops the sender).
        spent.iter().for_each(drop);
    }
}

fn progress_bar(ctx: &Ctx, name: &str, total: Option<u64>) -> Option<ProgressBar> {
    if !ctx.progress {
        return None;
    }
    let (bar, template) = match total {
        Some(t) => (
            ProgressBar::new(t),
            "{msg} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {msg} {bytes} ({bytes_per_sec})",
        ),
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

/// Prints the summary and returns the exit code for a finished run.
pub fn report_run(
    ctx: &Ctx,
    store: &Store,
    run_id: i64,
    failed: usize,
    pages: Option<u64>,
    format: SummaryFormat,
) -> Result<u8> {
    let totals: RunTotals = store.run_totals(run_id)?;
    let status = if failed > 0 {
        "failed"
    } else if totals.rejected > 0 {
        "rejects"
    } else {
        "ok"
    };
    let message = (failed > 0).then(|| format!("{failed} input(s) failed and were rolled back"));
    store.finish_run(run_id, crate::time::now_ms(), status, message.as_deref())?;
    match format {
        SummaryFormat::Table => report::emit(
            crate::cli::Format::Table,
            &views::summary(&totals, pages),
            &(),
        )?,
        SummaryFormat::Json => {
            let mut v = serde_json::to_value(totals).unwrap_or_default();
            if let (Some(p), Some(o)) = (pages, v.as_object_mut()) {
                o.insert("pages".into(), p.into());
            }
            report::write_json(std::io::stdout().lock(), &v)?;
        }
    }
    if totals.rejected > 0 {
        ctx.say(&format!(
            "{} record(s) rejected and kept aside; see `numhealth rejects --run {run_id}`",
            totals.rejected
        ));
    }
    Ok(if failed > 0 {
        exit::FAILURE
    } else if totals.rejected > 0 {
        exit::REJECTS
    } else {
        exit::OK
    })
}

pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<u8> {
    let now = crate::time::now_ms();
    let format = match args.input_format {
        CliFormat::Auto => InputFormat::Auto,
        CliFormat::Ndjson => InputFormat::Ndjson,
        CliFormat::Json => InputFormat::Json,
        CliFormat::Csv => InputFormat::Csv,
    };
    let opts = reader_options(ctx, format, args.region.as_deref(), now)?;
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        return Err(Error::Usage(
            "`-` (standard input) can be given only once".into(),
        ));
    }
    let (_lock, mut store) = ctx.open_writer()?;
    let settings = load_settings(ctx, now);
    store.check_ingest_settings(settings.short_call_ms, &settings.bursts)?;
    let run_id = store.begin_run("ingest", now)?;
    let mut failed = 0usize;
    for (i, path) in args.paths.iter().enumerate() {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let outcome = match FileReader::open(Path::new(path), &opts) {
            Ok(reader) => load_source(
                ctx,
                &mut store,
                run_id,
                i as i64 + 1,
                &name,
                reader,
                &settings,
            )?,
            Err(e) => {
                let msg = format!("{name}: {e}");
                store.record_failed_file(run_id, i as i64 + 1, &name, &msg)?;
                Err(msg)
            }
        };
        if let Err(msg) = outcome {
            failed += 1;
            eprintln!("numhealth: error: {msg}");
        }
    }
    report_run(ctx, &store, run_id, failed, None, args.format)
}
