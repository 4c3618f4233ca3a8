//! Runs: a run is a sequence of inputs (files, or API pages), each loaded as one file of
//! the run in its own transaction. An input that cannot be read is rolled back, recorded
//! as failed and reported, and the run goes on (ingest) or stops (pull). How a run ends
//! decides its status in `runs` and the exit code.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::{FileOutcome, Progress, load_source};
use crate::error::{Error, Result, exit};
use crate::readers::{FileReader, ReadError, ReaderOptions};
use crate::store::{LoadSettings, RunTotals, Store};

/// How a run reads and loads its inputs, and whom it tells of a failed one.
#[derive(Clone, Copy)]
pub struct Loading<'a> {
    pub opts: &'a ReaderOptions,
    pub settings: &'a LoadSettings,
    pub progress: &'a dyn Progress,
    /// Told the message of each input that fails (the message names the input).
    pub on_failure: &'a dyn Fn(&str),
}

/// A run in progress: its inputs loaded one by one, the failed ones counted.
pub struct RunLoad<'a> {
    store: &'a mut Store,
    run_id: i64,
    loading: Loading<'a>,
    failed: usize,
}

impl<'a> RunLoad<'a> {
    /// Records the start of a run of `kind`, at `settings.received_ms`.
    pub fn begin(store: &'a mut Store, kind: &str, loading: Loading<'a>) -> Result<RunLoad<'a>> {
        let run_id = store.begin_run(kind, loading.settings.received_ms)?;
        Ok(RunLoad {
            store,
            run_id,
            loading,
            failed: 0,
        })
    }

    pub fn store(&self) -> &Store {
        self.store
    }

    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Loads the file at `path` (`-`: standard input) as input `ordinal` of the run.
    pub fn load_path(&mut self, ordinal: i64, path: &Path) -> Result<FileOutcome> {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let opened = FileReader::open(path, self.loading.opts);
        self.load_opened(ordinal, &name, opened)
    }

    /// Loads `body` (an API page) as input `ordinal` of the run, named `name`.
    pub fn load_bytes(&mut self, ordinal: i64, name: &str, body: Vec<u8>) -> Result<FileOutcome> {
        let opened = FileReader::from_reader(name, Box::new(Cursor::new(body)), self.loading.opts);
        self.load_opened(ordinal, name, opened)
    }

    fn load_opened(
        &mut self,
        ordinal: i64,
        name: &str,
        opened: std::result::Result<FileReader, ReadError>,
    ) -> Result<FileOutcome> {
        let outcome = match opened {
            Ok(reader) => load_source(
                self.store,
                self.run_id,
                ordinal,
                name,
                reader,
                self.loading.settings,
                self.loading.progress,
            )?,
            Err(e) => {
                let msg = format!("{name}: {e}");
                self.store
                    .record_failed_file(self.run_id, ordinal, name, &msg)?;
                FileOutcome::Failed(msg)
            }
        };
        if let FileOutcome::Failed(msg) = &outcome {
            self.failed += 1;
            (self.loading.on_failure)(msg);
        }
        Ok(outcome)
    }

    /// Records input `ordinal` as failed with `message` (it was never loaded).
    pub fn fail(&mut self, ordinal: i64, name: &str, message: &str) -> Result<()> {
        self.store
            .record_failed_file(self.run_id, ordinal, name, message)?;
        self.failed += 1;
        (self.loading.on_failure)(message);
        Ok(())
    }

    /// Closes the run: its status from the failed inputs and the rejects, and its totals.
    /// `pages`: the pages a pull fetched.
    pub fn finish(self, pages: Option<u64>) -> Result<RunOutcome> {
        let outcome = RunOutcome {
            run_id: self.run_id,
            totals: self.store.run_totals(self.run_id)?,
            failed: self.failed,
            pages,
        };
        let failed = outcome.failed;
        let message =
            (failed > 0).then(|| format!("{failed} input(s) failed and were rolled back"));
        self.store.finish_run(
            self.run_id,
            crate::time::now_ms(),
            outcome.status(),
            message.as_deref(),
        )?;
        Ok(outcome)
    }
}

/// How a finished run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub run_id: i64,
    pub totals: RunTotals,
    /// Inputs that failed and were rolled back.
    pub failed: usize,
    /// Pages fetched, for a pull.
    pub pages: Option<u64>,
}

impl RunOutcome {
    /// The run's status in `runs`: `failed`, else `rejects`, else `ok`.
    pub fn status(&self) -> &'static str {
        if self.failed > 0 {
            "failed"
        } else if self.totals.rejected > 0 {
            "rejects"
        } else {
            "ok"
        }
    }

    /// The exit code: a failed input, else kept-aside rejects, else success.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            exit::FAILURE
        } else if self.totals.rejected > 0 {
            exit::REJECTS
        } else {
            exit::OK
        }
    }
}

/// Refuses paths a run cannot read: standard input (`-`) more than once.
pub fn check_paths(paths: &[PathBuf]) -> Result<()> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Error::Usage(
            "`-` (standard input) can be given only once".into(),
        ));
    }
    Ok(())
}

/// `numhealth ingest`: loads each path (`-`: standard input) as one file of a new run, in
/// order, each in its own transaction; a file that fails is rolled back, recorded and told
/// to `loading.on_failure`, and the run goes on.
pub fn ingest_paths(
    store: &mut Store,
    paths: &[PathBuf],
    loading: Loading<'_>,
) -> Result<RunOutcome> {
    let s = loading.settings;
    store.check_ingest_settings(s.short_call_ms, &s.bursts)?;
    let mut run = RunLoad::begin(store, "ingest", loading)?;
    for (i, path) in paths.iter().enumerate() {
        run.load_path(i as i64 + 1, path)?;
    }
    run.finish(None)
}
