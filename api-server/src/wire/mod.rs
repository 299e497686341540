//! The JSON bodies the API answers with (their `ToSchema` derives make the
//! OpenAPI document's schemas), each built from `crate::db` rows: times as
//! ISO-8601 UTC, money as USD.

pub mod agents;
pub mod alerts;
pub mod compare;
pub mod distributions;
pub mod environments;
pub mod errors;
pub mod intervals;
pub mod langfuse;
pub mod metrics;
pub mod models;
pub mod outcomes;
pub mod overview;
pub mod scores;
pub mod sessions;
pub mod sync;
pub mod traces;
pub mod versions;

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
