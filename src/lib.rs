//! numhealth: ingest voice-AI call records into SQLite, track each caller number's
//! short-call bursts and failure rates, score its spam risk and say what to do with it.
//!
//! Layers, bottom up:
//! - `health`, the pure core both engines share: reason taxonomy, each call's rollup
//!   contribution, burst detection, evidence statistics and the risk score.
//! - `readers` turn bytes into records (`model`). `store` holds all SQL and the two
//!   engines: `store::ingest` loads a reader's records into the database and
//!   `store::assess` scores every number from the stored rollups. Both sit on `health`.
//! - `report` prints results: tables, CSV, JSON, progress.
//! - `commands` parse flags (`cli`, `config`) into a config, call one library function and
//!   hand its result to `report`; `main` turns the outcome into an exit code (`error`).
//!
//! Beside them: `pull` (the platform's HTTP API), `sim` (simulated fleets with planted
//! patterns) and `eval` (how well scoring finds them), `time` (parsing and printing moments).

// The only `unsafe` is SQLite's C API in `store::raw_statement`, which allows it.
#![deny(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod eval;
pub mod health;
pub mod model;
pub mod notify;
pub mod pool;
pub mod pull;
pub mod readers;
pub mod report;
pub mod sim;
pub mod store;
pub mod time;
