//! One module per resource, each with its own error enum.

pub mod agents;
pub mod compare;
pub mod distributions;
pub mod environments;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod models;
pub mod openapi;
pub mod overview;
pub mod scores;
pub mod sessions;
pub mod sync;
pub mod traces;

use shared_schema::units::{ms_to_iso, nanousd_to_usd};

pub fn iso(ms: i64) -> String {
    ms_to_iso(ms)
}

pub fn iso_opt(ms: Option<i64>) -> Option<String> {
    ms.map(ms_to_iso)
}

pub fn usd(nanousd: i64) -> f64 {
    nanousd_to_usd(nanousd)
}

/// A JSON array stored as TEXT (agents, users, tags); unreadable is empty.
pub fn string_list(stored: Option<String>) -> Vec<String> {
    stored
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .unwrap_or_default()
}
