//! Windows, cursors, upserts, derived-data refresh and the state machine.

pub mod derive;
pub mod engine;
pub mod records;
pub mod store;

/// Source names, as keys of `sync_cursors`.
pub const OBSERVATIONS: &str = "observations";
pub const SCORES: &str = "scores";
/// Page-based v2 scores, where scores v3 answers 404 (self-hosted Langfuse
/// before scores v3).
pub const SCORES_V2: &str = "scores_v2";
pub const LEGACY_TRACES: &str = "legacy_traces";
pub const LEGACY_OBSERVATIONS: &str = "legacy_observations";
