//! `GET /api/sync/status` (the daemon's state machine as recorded) and
//! `POST /api/sync/trigger` (forwarded to the daemon's control endpoint).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams};
use crate::state::AppState;
use crate::wire::sync::{StatusFacts, SyncStatus, TriggerAnswer};

const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

/// The sync daemon's state as it last recorded it.
#[utoipa::path(tag = "sync", responses(
    (status = 200, description = "The recorded sync state", body = SyncStatus),
    (status = 400, description = "Unknown parameter", body = ErrorBody),
    (status = 503, description = "No database yet", body = ErrorBody),
))]
#[get("/api/sync/status")]
pub async fn get_sync_status(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let database = state.database.clone();
    let status = web::block(move || {
        database.read_unsynced(|connection, metadata| {
            let backfill = match metadata.backfill_from_ms {
                Some(from_ms) => Some(db::sync_status::backfill(connection, from_ms)?),
                None => None,
            };
            let facts = StatusFacts {
                now_ms: chrono::Utc::now().timestamp_millis(),
                newest_ms: db::sync_status::newest_start_ms(connection)?,
                quota_per_minute: metadata.quota_per_minute,
                sync_interval_secs: metadata.sync_interval_secs,
                runs: db::sync_status::recent_runs(connection)?,
                backfill,
            };
            Ok(SyncStatus::new(metadata, facts))
        })
    })
    .await
    .map_err(|_| ApiError::Worker)??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(status))
}

/// Asks the sync daemon for a cycle now.
#[utoipa::path(tag = "sync", responses(
    (status = 202, description = "The daemon started a cycle", body = TriggerAnswer),
    (status = 409, description = "A cycle is already running", body = TriggerAnswer),
    (status = 503, description = "The daemon cannot be reached", body = ErrorBody),
))]
#[post("/api/sync/trigger")]
pub async fn trigger_sync(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let url = format!("{}/trigger", state.sync_control_url);
    let unreachable = |reason: String| ApiError::DaemonUnreachable {
        url: state.sync_control_url.clone(),
        reason,
    };
    let answer = state
        .http
        .post(&url)
        .timeout(TRIGGER_TIMEOUT)
        .send()
        .await
        .map_err(|error| unreachable(without_url(&error)))?;
    let status = StatusCode::from_u16(answer.status().as_u16())
        .map_err(|_| unreachable("it answered with an invalid status".into()))?;
    let body = answer
        .bytes()
        .await
        .map_err(|error| unreachable(without_url(&error)))?;
    let body = if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        body.to_vec()
    } else {
        serde_json::to_vec(&serde_json::json!({
            "status": String::from_utf8_lossy(&body).chars().take(200).collect::<String>()
        }))
        .unwrap_or_default()
    };
    tracing::info!(status = status.as_u16(), "forwarded a manual sync trigger");
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

fn without_url(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer within 5 s".into()
    } else if error.is_connect() {
        "connection refused or unreachable".into()
    } else {
        error.to_string()
    }
}
