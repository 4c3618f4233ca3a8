//! Pure analytics over stored rows: reason taxonomy, rollup contributions, burst
//! detection, evidence statistics, the risk score and the action it implies.
//! Nothing here touches SQL or prints.

pub mod area_codes;
pub mod assessment;
pub mod backtest;
pub mod bursts;
pub mod components;
pub mod daily;
pub mod overview;
pub mod recovery;
pub mod rollup;
pub mod score;
pub mod score_config;
pub mod stats;
pub mod taxonomy;
pub mod verdict;
pub mod window;
pub mod wording;
