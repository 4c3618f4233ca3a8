//! One pull run: fetch the window's pages one by one and load each like one file of an
//! ingest run (same reader, validation, rejects and upserts, one transaction per page),
//! moving the resume watermark only past what was committed. A failed page ends the
//! pull; the pages before it stay committed.

use crate::config::PullConfig;
use crate::error::{Error, Result};
use crate::pull::request::list_calls_body;
use crate::pull::{Client, FetchedPage, Window};
use crate::store::ingest::{FileOutcome, Loading, RunLoad, RunOutcome};
use crate::store::{Store, meta};

/// What one pull asks for.
pub struct PullRequest<'a> {
    /// `--since`, epoch ms; else resume from the watermark.
    pub since: Option<i64>,
    /// `--until`, epoch ms.
    pub until: i64,
    /// When the run started: the watermark never passes it.
    pub started: i64,
    pub config: &'a PullConfig,
}

/// Pulls the request's window into `store` as one run of kind `pull`; a failed page goes
/// to `loading.on_failure` and ends the pull. `say` gets messages for people.
pub fn run_pull(
    store: &mut Store,
    client: &Client,
    request: &PullRequest<'_>,
    loading: Loading<'_>,
    say: &dyn Fn(&str),
) -> Result<RunOutcome> {
    let s = loading.settings;
    store.check_ingest_settings(s.short_call_ms, &s.bursts)?;
    let watermark = read_watermark(store, say)?;
    let c = request.config;
    let window = Window::resolve(
        request.since,
        request.until,
        watermark,
        c.overlap_minutes,
        c.initial_days,
    )
    .map_err(Error::Usage)?;
    say(&format!("pulling calls that started in {}", window.label()));
    let mut job = Job {
        run: RunLoad::begin(store, "pull", loading)?,
        window,
        watermark,
        cap: request.until.min(request.started),
        page_limit: c.page_limit,
        pages: 0,
        reached: None,
        say,
    };
    job.pull_all(client)?;
    let pages = job.pages;
    job.run.finish(Some(pages))
}

/// The stored watermark; an unreadable value is ignored (with a warning), not fatal.
fn read_watermark(store: &Store, say: &dyn Fn(&str)) -> Result<Option<i64>> {
    let raw = store.meta_get(meta::PULL_WATERMARK_MS)?;
    Ok(raw.and_then(|v| match v.parse() {
        Ok(ms) => Some(ms),
        Err(_) => {
            say(&format!(
                "ignoring an unreadable pull watermark {v:?}; pulling the initial window"
            ));
            None
        }
    }))
}

/// One pull run in progress.
struct Job<'a> {
    run: RunLoad<'a>,
    window: Window,
    /// The watermark as stored now.
    watermark: Option<i64>,
    /// The watermark never passes this: `until`, at most the moment the run started.
    cap: i64,
    page_limit: u32,
    /// Pages received whole.
    pages: u64,
    /// Latest `start_timestamp` in committed pages.
    reached: Option<i64>,
    say: &'a dyn Fn(&str),
}

impl Job<'_> {
    /// Fetches and loads pages until the API says there are no more, or a page fails
    /// (recorded as failed; earlier pages stay committed).
    fn pull_all(&mut self, client: &Client) -> Result<()> {
        let mut cursor: Option<String> = None;
        loop {
            let n = self.pages + 1;
            let name = self.window.page_name(n);
            let body = list_calls_body(&self.window, self.page_limit, cursor.as_deref());
            let page = match client.fetch(&name, &body, self.say) {
                Ok(p) => p,
                Err(e) => return self.run.fail(n as i64, &name, &e.to_string()),
            };
            self.pages = n;
            self.run.store().add_pages(self.run.run_id(), 1)?;
            let next = page.meta.pagination_key.clone();
            let (has_more, max_start) = (page.meta.has_more, page.meta.max_start_ms);
            if let FileOutcome::Failed(_) = self.load(n, &name, page)? {
                return Ok(());
            }
            self.reached = self.reached.max(max_start);
            if let Some(r) = self.reached {
                self.advance_watermark(r)?;
            }
            if !has_more {
                return self.advance_watermark(self.window.until_ms);
            }
            if next.is_none() || next == cursor {
                let msg = format!(
                    "{name}: has_more is true but the API sent no new pagination_key; stopping so as not to loop"
                );
                let next_name = self.window.page_name(n + 1);
                return self.run.fail(n as i64 + 1, &next_name, &msg);
            }
            cursor = next;
        }
    }

    /// Loads one page as file `n` of the run, in its own transaction.
    fn load(&mut self, n: u64, name: &str, page: FetchedPage) -> Result<FileOutcome> {
        (self.say)(&format!("{name}: {} call(s) received", page.meta.items));
        self.run.load_bytes(n as i64, name, page.body)
    }

    /// Stores the watermark right after a commit, if it may move (see `Window::advance`).
    fn advance_watermark(&mut self, reached: i64) -> Result<()> {
        if let Some(w) = self.window.advance(self.watermark, reached, self.cap) {
            self.run
                .store()
                .meta_set(meta::PULL_WATERMARK_MS, &w.to_string())?;
            self.watermark = Some(w);
        }
        Ok(())
    }
}
