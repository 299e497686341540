//! `GET /api/sync/status` (the daemon's state machine as recorded) and
//! `POST /api/sync/trigger` (forwarded to the daemon's control endpoint).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use rusqlite::OptionalExtension;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{DataError, ErrorBody, InvalidParameter, error_response};
use crate::params::QueryParams;
use crate::routes::iso_opt;
use crate::state::AppState;

const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    InvalidParameter(#[from] InvalidParameter),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("the sync daemon at {url} could not be reached: {reason}")]
    DaemonUnreachable { url: String, reason: String },
}

impl SyncError {
    fn status(&self) -> StatusCode {
        match self {
            SyncError::InvalidParameter(_) => StatusCode::BAD_REQUEST,
            SyncError::Data(error) => error.status_code(),
            SyncError::DaemonUnreachable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn response(&self) -> HttpResponse {
        match self {
            SyncError::InvalidParameter(error) => error.to_response(),
            SyncError::Data(error) => error.to_response(),
            SyncError::DaemonUnreachable { .. } => {
                tracing::warn!(error = %self, "manual sync trigger failed");
                error_response(self.status(), "unavailable", self.to_string(), None)
            }
        }
    }
}
crate::route_error!(SyncError);

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// `idle`, `running`, `success`, `error` or `rate_limited`.
    pub state: String,
    /// `v2` or `legacy`; null before the first request.
    pub api_mode: Option<String>,
    pub cycle_started_at: Option<String>,
    pub cycle_finished_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Seconds since the last successful cycle.
    pub last_success_age_seconds: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub rate_limited_until: Option<String>,
    pub next_run_at: Option<String>,
    pub requests_sent: i64,
    pub rate_limited_responses: i64,
    pub rows_written: i64,
    pub cycle_requests_sent: i64,
    pub cycle_rows_written: i64,
    /// Start time of the newest observation stored.
    pub newest_data_at: Option<String>,
    /// Increases with every commit of the daemon.
    pub data_version: i64,
}

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
) -> Result<HttpResponse, SyncError> {
    QueryParams::parse(request.query_string(), &[])?;
    let database = state.database.clone();
    let status = web::block(move || {
        database.read_unsynced(|connection, metadata| {
            let newest: Option<i64> = connection
                .query_row("SELECT max(start_time_ms) FROM observations", [], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(DataError::from)?
                .flatten();
            let now_ms = chrono::Utc::now().timestamp_millis();
            Ok::<_, SyncError>(SyncStatus {
                state: metadata.state.as_str().into(),
                api_mode: metadata.api_mode.map(|mode| mode.as_str().into()),
                cycle_started_at: iso_opt(metadata.cycle_started_at_ms),
                cycle_finished_at: iso_opt(metadata.cycle_finished_at_ms),
                last_success_at: iso_opt(metadata.last_success_at_ms),
                last_success_age_seconds: metadata
                    .last_success_at_ms
                    .map(|at| (now_ms - at).max(0) / 1_000),
                last_error: metadata.last_error.clone(),
                last_error_at: iso_opt(metadata.last_error_at_ms),
                rate_limited_until: iso_opt(metadata.rate_limited_until_ms),
                next_run_at: iso_opt(metadata.next_run_at_ms),
                requests_sent: metadata.requests_sent,
                rate_limited_responses: metadata.rate_limited_responses,
                rows_written: metadata.rows_written,
                cycle_requests_sent: metadata.cycle_requests_sent,
                cycle_rows_written: metadata.cycle_rows_written,
                newest_data_at: iso_opt(newest),
                data_version: metadata.data_version,
            })
        })
    })
    .await
    .map_err(|_| SyncError::Data(DataError::Worker))??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(status))
}

/// The daemon's answer to a trigger, passed on as it came.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerAnswer {
    /// `started` (202) or `already_running` (409), as the daemon says.
    pub status: String,
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
) -> Result<HttpResponse, SyncError> {
    QueryParams::parse(request.query_string(), &[])?;
    let url = format!("{}/trigger", state.sync_control_url);
    let unreachable = |reason: String| SyncError::DaemonUnreachable {
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
