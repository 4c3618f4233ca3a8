//! The number pool: what numhealth remembers about each caller number it owns (status,
//! rest date, calls allowed), the pure lifecycle policy that moves numbers between
//! `active`, `probation`, `resting`, `retired` and `released` from their assessments, the
//! operator's marks, and "status at T" from the recorded transitions. No SQL here: the
//! store keeps the registry and its append-only history (`store::pool`).

pub mod caps;
pub mod change;
pub mod config;
pub mod evidence;
pub mod history;
pub mod mark;
pub mod plan_capacity;
pub mod policy;
pub mod rotation;
pub mod status;
pub mod zone;

pub use caps::PaceLimits;
pub use change::Change;
pub use config::{NewNumbers, PoolConfig, RampStep, Rules};
pub use evidence::Evidence;
pub use history::{project, recorded_at, status_at};
pub use mark::{Known, Mark};
pub use policy::{Plan, plan, time_passed};
pub use status::{Caps, Entry, Source, Status, Transition};
pub use zone::Zones;

#[cfg(test)]
mod tests;
