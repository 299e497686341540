//! One module per Langfuse resource the mock serves, and the double's own
//! control endpoint (`control`, not Langfuse's).

pub mod control;
pub mod health;
pub mod legacy;
pub mod observations_v1;
pub mod observations_v2;
pub mod query;
pub mod scores;
pub mod sessions;
pub mod traces;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// Langfuse's error body: `{"message": ..., "error": ...}`.
pub fn langfuse_error(status: StatusCode, error: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "message": message,
        "error": error,
    }))
}

/// ISO-8601 UTC with milliseconds and `Z`, as Langfuse writes times.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// USD from nano-USD; an integer count of nano-dollars survives the round
/// trip `(usd * 1e9).round()` exactly.
pub fn usd(nanousd: i64) -> f64 {
    nanousd as f64 / 1e9
}
