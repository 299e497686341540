//! Talking to Langfuse: the HTTP client (auth, pacing, retries) and the
//! response types of the endpoints the daemon reads.

pub mod client;
pub mod types;

pub use client::{FetchError, LangfuseClient};

pub const V2_OBSERVATIONS: &str = "/api/public/v2/observations";
pub const V3_SCORES: &str = "/api/public/v3/scores";
pub const V2_SCORES: &str = "/api/public/v2/scores";
pub const LEGACY_TRACES: &str = "/api/public/traces";
pub const LEGACY_OBSERVATIONS: &str = "/api/public/observations";

/// The v2 field groups the dashboard needs (`core` always comes).
pub const V2_FIELDS: &str = "core,basic,time,io,metadata,model,usage,prompt,trace_context";
