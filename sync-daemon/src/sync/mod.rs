//! Windows, cursors, upserts, derived-data refresh and the state machine.

pub mod derive;
pub mod engine;
pub mod records;
pub mod store;

/// Source names, as keys of `sync_cursors`.
pub const OBSERVATIONS: &str = "observations";
pub const SCORES: &str = "scores";
pub const LEGACY_TRACES: &str = "legacy_traces";
pub const LEGACY_OBSERVATIONS: &str = "legacy_observations";
