//! Runs: a run is a sequence of inputs (files, or API pages), each loaded as one file of
//! the run in its own transaction. An input that cannot be read is rolled back, recorded
//! as failed and reported, and the run goes on (ingest) or stops (pull). An empty input
//! is recorded (shape `empty`) and a warning said. How a run ends decides its status in
//! `runs` and the exit code.
//!
//! Files are recorded (in `run_files` and `rejects`) under their absolute path; messages
//! name them as they were given.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::inputs::{Input, Inputs};
use super::{FileOutcome, Progress, load_source};
use crate::error::{Result, exit};
use crate::readers::{FileReader, ReadError, ReaderOptions};
use crate::store::{LoadSettings, RunTotals, Store};

/// The name standard input is recorded under.
pub const STDIN_NAME: &str = "<stdin>";

/// How a run reads and loads its inputs, and whom it tells what.
#[derive(Clone, Copy)]
pub struct Loading<'a> {
    pub opts: &'a ReaderOptions,
    pub settings: &'a LoadSettings,
    pub progress: &'a dyn Progress,
    /// Told the message of each input that fails (the message names the input).
    pub on_failure: &'a dyn Fn(&str),
    /// Told warnings for people (an empty input).
    pub say: &'a dyn Fn(&str),
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

    /// Loads `input` as input `ordinal` of the run; a refused one is recorded as failed.
    pub fn load_input(&mut self, ordinal: i64, input: &Input) -> Result<FileOutcome> {
        match input {
            Input::Stdin => {
                let stdin = Box::new(std::io::stdin());
                let opened = FileReader::from_reader(STDIN_NAME, stdin, self.loading.opts);
                self.load_opened(ordinal, STDIN_NAME, opened)
            }
            Input::File(path) => {
                let opened = FileReader::open(path, self.loading.opts);
                self.load_opened(ordinal, &recorded_name(path), opened)
            }
            Input::Refused { path, message } => {
                self.fail(ordinal, &recorded_name(path), message)?;
                Ok(FileOutcome::Failed(message.clone()))
            }
        }
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
            Ok(reader) => {
                if reader.is_empty() {
                    (self.loading.say)(&format!(
                        "warning: {}: empty file, nothing to read",
                        reader.name()
                    ));
                }
                load_source(
                    self.store,
                    self.run_id,
                    ordinal,
                    name,
                    reader,
                    self.loading.settings,
                    self.loading.progress,
                )?
            }
            // The reader's message names the input.
            Err(e) => {
                let msg = e.to_string();
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

/// The name a file is recorded under: its absolute path (symbolic links resolved when it
/// can be), or the path as given if even that cannot be had.
fn recorded_name(path: &Path) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| PathBuf::from(path))
        .display()
        .to_string()
}

/// `numhealth ingest`: loads each input as one file of a new run, in order, each in its
/// own transaction; an input that was refused or fails is recorded as failed (rolled
/// back) and told to `loading.on_failure`, and the run goes on.
pub fn ingest_inputs(
    store: &mut Store,
    inputs: &Inputs,
    loading: Loading<'_>,
) -> Result<RunOutcome> {
    let s = loading.settings;
    store.check_ingest_settings(s.short_call_ms, &s.bursts)?;
    let mut run = RunLoad::begin(store, "ingest", loading)?;
    for (i, input) in inputs.inputs.iter().enumerate() {
        run.load_input(i as i64 + 1, input)?;
    }
    run.finish(None)
}
