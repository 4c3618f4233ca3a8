//! `numhealth pull`: fetch call records from the platform's List Calls API page by page,
//! load each page like one file of an ingest run (same validation, rejects, upserts, one
//! transaction per page) and move the resume watermark only past what was committed.

use std::io::Cursor;

use crate::cli::PullArgs;
use crate::commands::Ctx;
use crate::commands::ingest::{load_settings, load_source, reader_options, report_run};
use crate::error::{Error, Result};
use crate::pull::request::list_calls_body;
use crate::pull::{
    API_KEY_ENV, ApiKey, Client, ClientConfig, FetchedPage, Window, base_url_from_env,
};
use crate::readers::{FileReader, InputFormat, ReaderOptions};
use crate::store::{LoadSettings, Store, meta};
use crate::time::{now_ms, parse_moment};

pub fn run(ctx: &Ctx, args: PullArgs) -> Result<u8> {
    let key = ApiKey::from_env(API_KEY_ENV).ok_or_else(|| {
        Error::Usage(format!(
            "{API_KEY_ENV} is not set: export the platform's API key to pull (it is never printed or stored)"
        ))
    })?;
    let started = now_ms();
    let until = match args.until.as_deref() {
        Some(s) => parse_moment("--until", s)?,
        None => started,
    };
    let since = args
        .since
        .as_deref()
        .map(|s| parse_moment("--since", s))
        .transpose()?;
    let opts = reader_options(ctx, InputFormat::Json, None, started)?;
    let client = Client::new(ClientConfig::new(
        &base_url_from_env(),
        key,
        &ctx.settings.pull,
    ));
    let (_lock, mut store) = ctx.open_writer()?;
    let settings = load_settings(ctx, started);
    store.check_ingest_settings(settings.short_call_ms, &settings.bursts)?;
    let watermark = read_watermark(ctx, &store)?;
    let p = &ctx.settings.pull;
    let window = Window::resolve(since, until, watermark, p.overlap_minutes, p.initial_days)
        .map_err(Error::Usage)?;
    ctx.say(&format!("pulling calls that started in {}", window.label()));
    let run_id = store.begin_run("pull", started)?;
    let mut job = Job {
        ctx,
        store: &mut store,
        run_id,
        window,
        watermark,
        cap: until.min(started),
        pages: 0,
        reached: None,
        opts,
        settings,
    };
    let failed = job.pull_all(&client)?;
    let pages = job.pages;
    report_run(ctx, &store, run_id, failed, Some(pages), args.format)
}

/// The stored watermark; an unreadable value is ignored (with a warning), not fatal.
fn read_watermark(ctx: &Ctx, store: &Store) -> Result<Option<i64>> {
    let raw = store.meta_get(meta::PULL_WATERMARK_MS)?;
    Ok(raw.and_then(|v| match v.parse() {
        Ok(ms) => Some(ms),
        Err(_) => {
            ctx.say(&format!(
                "ignoring an unreadable pull watermark {v:?}; pulling the initial window"
            ));
            None
        }
    }))
}

/// One pull run in progress.
struct Job<'a> {
    ctx: &'a Ctx,
    store: &'a mut Store,
    run_id: i64,
    window: Window,
    /// The watermark as stored now.
    watermark: Option<i64>,
    /// The watermark never passes this: `until`, at most the moment the run started.
    cap: i64,
    /// Pages received whole.
    pages: u64,
    /// Latest `start_timestamp` in committed pages.
    reached: Option<i64>,
    opts: ReaderOptions,
    settings: LoadSettings,
}

impl Job<'_> {
    /// Fetches and loads pages until the API says there are no more; returns the number
    /// of failed pages (0 or 1: a failure ends the pull, earlier pages stay committed).
    fn pull_all(&mut self, client: &Client) -> Result<usize> {
        let mut cursor: Option<String> = None;
        loop {
            let n = self.pages + 1;
            let name = self.window.page_name(n);
            let body = list_calls_body(
                &self.window,
                self.ctx.settings.pull.page_limit,
                cursor.as_deref(),
            );
            let page = match client.fetch(&name, &body, &|m| self.ctx.say(m)) {
                Ok(p) => p,
                Err(e) => return self.fail(n, &name, &e.to_string()),
            };
            self.pages = n;
            self.store.add_pages(self.run_id, 1)?;
            let next = page.meta.pagination_key.clone();
            let (has_more, max_start) = (page.meta.has_more, page.meta.max_start_ms);
            if let Err(msg) = self.load(n, &name, page)? {
                eprintln!("numhealth: error: {msg}");
                return Ok(1);
            }
            self.reached = self.reached.max(max_start);
            if let Some(r) = self.reached {
                self.advance_watermark(r)?;
            }
            if !has_more {
                self.advance_watermark(self.window.until_ms)?;
                return Ok(0);
            }
            if next.is_none() || next == cursor {
                let msg = format!(
                    "{name}: has_more is true but the API sent no new pagination_key; stopping so as not to loop"
                );
                return self.fail(n + 1, &self.window.page_name(n + 1), &msg);
            }
            cursor = next;
        }
    }

    /// Loads one page as file `n` of the run, in its own transaction.
    fn load(
        &mut self,
        n: u64,
        name: &str,
        page: FetchedPage,
    ) -> Result<std::result::Result<(), String>> {
        self.ctx
            .say(&format!("{name}: {} call(s) received", page.meta.items));
        let input = Box::new(Cursor::new(page.body));
        let reader = match FileReader::from_reader(name, input, &self.opts) {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("{name}: {e}");
                self.store
                    .record_failed_file(self.run_id, n as i64, name, &msg)?;
                return Ok(Err(msg));
            }
        };
        let outcome = load_source(
            self.ctx,
            self.store,
            self.run_id,
            n as i64,
            name,
            reader,
            &self.settings,
        )?;
        Ok(outcome.map(|_| ()))
    }

    /// Records page `n` as failed and reports it; the pull stops there.
    fn fail(&mut self, n: u64, name: &str, msg: &str) -> Result<usize> {
        self.store
            .record_failed_file(self.run_id, n as i64, name, msg)?;
        eprintln!("numhealth: error: {msg}");
        Ok(1)
    }

    /// Stores the watermark right after a commit, if it may move (see `Window::advance`).
    fn advance_watermark(&mut self, reached: i64) -> Result<()> {
        if let Some(w) = self.window.advance(self.watermark, reached, self.cap) {
            self.store
                .meta_set(meta::PULL_WATERMARK_MS, &w.to_string())?;
            self.watermark = Some(w);
        }
        Ok(())
    }
}
