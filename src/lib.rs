//! numhealth: ingest voice-AI call records into SQLite, track each caller number's
//! short-call bursts and failure rates, score its spam risk and say what to do with it.
//!
//! Data flows one way: `readers` (bytes -> records) -> `store` (all SQL) ->
//! `health` (pure analytics) -> `report` (table, CSV, JSON). `commands` wires them.

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
