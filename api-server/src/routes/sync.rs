//! `GET /api/sync/status` (the daemon's state machine as recorded) and
//! `POST /api/sync/trigger` (forwarded to the daemon's control endpoint).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use rusqlite::OptionalExtension;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams};
use crate::routes::{iso, iso_opt};
use crate::state::AppState;
use shared_schema::rows::SyncMetadata;

const TRIGGER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// `idle`, `running`, `success`, `error` or `rate_limited`.
    pub state: String,
    /// `v2` or `legacy`; null before the first request.
    pub api_mode: Option<String>,
    /// Why the daemon reads those endpoints, e.g. "v2 observations
    /// answered 404 and the legacy endpoints answered 200 in the same cycle".
    pub api_mode_reason: Option<String>,
    /// The scores endpoint in use: `v3`, or `v2` where scores v3 answered
    /// 404 (self-hosted Langfuse before scores v3); null when neither
    /// answered yet.
    pub scores_endpoint: Option<String>,
    /// Rows per request the daemon asks for now: below the configured size
    /// after repeated timeouts or server errors; null until recorded.
    pub page_size: Option<i64>,
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
    /// Requests a minute the daemon may send to Langfuse (0: unlimited);
    /// null until a daemon that records it has started.
    pub quota_per_minute: Option<i64>,
    /// Seconds between sync cycles; null until recorded.
    pub sync_interval_secs: Option<i64>,
    /// No successful cycle within 2 × the interval + 60 s (300 s assumed
    /// while unrecorded), or none ever.
    pub stale: bool,
    /// Seconds since the start of the newest observation stored.
    pub newest_data_age_seconds: Option<i64>,
    /// The last 10 finished cycles, newest first.
    pub recent_cycles: Vec<SyncCycle>,
    /// The first (backfill) window's progress; null before the first cycle.
    pub backfill: Option<BackfillProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncCycle {
    pub started_at: Option<String>,
    pub finished_at: String,
    /// `success`, `error`, `rate_limited` or `idle` (interrupted).
    pub state: String,
    pub requests_sent: i64,
    pub rate_limited_responses: i64,
    pub rows_written: i64,
    /// requests / (quota × max(1, the cycle's minutes)); null when the quota
    /// is unlimited or unrecorded.
    pub quota_used_share: Option<f64>,
}

/// The backfill reads its window newest first: data from `coveredUntil` up
/// to the window's end is stored, `from`..`coveredUntil` remains.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackfillProgress {
    /// Where the backfill starts (the oldest time it reaches back to).
    pub from: String,
    /// How far back (towards `from`) the stored data reaches so far.
    pub covered_until: String,
    pub complete: bool,
    /// requests so far × uncovered span / covered span; 0 when complete,
    /// null before any data.
    pub remaining_requests_estimate: Option<i64>,
    /// The remaining requests at the quota; null when unlimited or unknown.
    pub remaining_seconds_estimate: Option<f64>,
}

/// Interval assumed while the daemon has not recorded its own.
const DEFAULT_INTERVAL_SECS: i64 = 300;
const RECENT_CYCLES: usize = 10;
/// Transitions read to find the last cycles (a cycle takes 2, more with
/// interruptions).
const RUNS_SCANNED: i64 = 200;

fn is_stale(last_success_at_ms: Option<i64>, interval_secs: Option<i64>, now_ms: i64) -> bool {
    let allowed_ms = (2 * interval_secs.unwrap_or(DEFAULT_INTERVAL_SECS) + 60) * 1_000;
    last_success_at_ms.is_none_or(|at| now_ms - at > allowed_ms)
}

fn quota_share(requests: i64, quota: Option<i64>, duration_ms: Option<i64>) -> Option<f64> {
    let quota = quota.filter(|quota| *quota > 0)?;
    let minutes = (duration_ms.unwrap_or(0) as f64 / 60_000.0).max(1.0);
    Some(requests as f64 / (quota as f64 * minutes))
}

fn recent_cycles(
    connection: &rusqlite::Connection,
    quota: Option<i64>,
) -> Result<Vec<SyncCycle>, ApiError> {
    let mut runs: Vec<(i64, String, i64, i64, i64)> = connection
        .prepare_cached(
            "SELECT at_ms, state, requests_sent, rate_limited_responses, rows_written
             FROM sync_runs ORDER BY id DESC LIMIT ?1",
        )?
        .query_map([RUNS_SCANNED], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    runs.reverse();
    let mut cycles = Vec::new();
    // (start, cumulative rate-limited answers at the start)
    let mut started: Option<(i64, i64)> = None;
    for (at_ms, state, requests, rate_limited, rows) in runs {
        if state == "running" {
            started = Some((at_ms, rate_limited));
            continue;
        }
        let Some((start_ms, rate_limited_before)) = started.take() else {
            continue;
        };
        cycles.push(SyncCycle {
            started_at: Some(iso(start_ms)),
            finished_at: iso(at_ms),
            state,
            requests_sent: requests,
            rate_limited_responses: (rate_limited - rate_limited_before).max(0),
            rows_written: rows,
            quota_used_share: quota_share(requests, quota, Some(at_ms - start_ms)),
        });
    }
    cycles.reverse();
    cycles.truncate(RECENT_CYCLES);
    Ok(cycles)
}

fn backfill_progress(
    connection: &rusqlite::Connection,
    metadata: &SyncMetadata,
    quota: Option<i64>,
) -> Result<Option<BackfillProgress>, ApiError> {
    let Some(from_ms) = metadata.backfill_from_ms else {
        return Ok(None);
    };
    // The observation sources (v2, or legacy on self-hosted v3).
    let cursors: Vec<(Option<i64>, Option<i64>)> = connection
        .prepare_cached(
            "SELECT watermark_ms, window_to_ms FROM sync_cursors
             WHERE source IN ('observations', 'legacy_observations')",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let complete = cursors.iter().any(|(watermark, _)| watermark.is_some());
    if complete {
        return Ok(Some(BackfillProgress {
            from: iso(from_ms),
            covered_until: iso(from_ms),
            complete: true,
            remaining_requests_estimate: Some(0),
            remaining_seconds_estimate: Some(0.0),
        }));
    }
    let window_end = cursors.iter().filter_map(|(_, to)| *to).max();
    let oldest: Option<i64> = connection
        .query_row(
            "SELECT min(start_time_ms) FROM observations WHERE start_time_ms >= ?1",
            [from_ms],
            |row| row.get(0),
        )
        .map_err(ApiError::from)?;
    let (covered_until, remaining) = match (oldest, window_end) {
        (Some(oldest), Some(end)) if end > oldest => {
            let covered = (end - oldest) as f64;
            let uncovered = (oldest - from_ms).max(0) as f64;
            let requests = metadata.requests_sent as f64 * uncovered / covered;
            (oldest, Some(requests.ceil() as i64))
        }
        (Some(oldest), _) => (oldest, None),
        (None, _) => (window_end.unwrap_or(from_ms), None),
    };
    Ok(Some(BackfillProgress {
        from: iso(from_ms),
        covered_until: iso(covered_until.max(from_ms)),
        complete: false,
        remaining_requests_estimate: remaining,
        remaining_seconds_estimate: remaining.and_then(|requests| {
            quota
                .filter(|quota| *quota > 0)
                .map(|quota| requests as f64 * 60.0 / quota as f64)
        }),
    }))
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
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let database = state.database.clone();
    let status = web::block(move || {
        database.read_unsynced(|connection, metadata| {
            let newest: Option<i64> = connection
                .query_row("SELECT max(start_time_ms) FROM observations", [], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(ApiError::from)?
                .flatten();
            let now_ms = chrono::Utc::now().timestamp_millis();
            let (quota_per_minute, sync_interval_secs): (Option<i64>, Option<i64>) = connection
                .query_row(
                    "SELECT quota_per_minute, sync_interval_secs FROM sync_metadata WHERE id = 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .map_err(ApiError::from)?;
            Ok::<_, ApiError>(SyncStatus {
                state: metadata.state.as_str().into(),
                api_mode: metadata.api_mode.map(|mode| mode.as_str().into()),
                api_mode_reason: metadata.api_mode_reason.clone(),
                scores_endpoint: metadata.scores_mode.clone(),
                page_size: metadata.page_size,
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
                quota_per_minute,
                sync_interval_secs,
                stale: is_stale(metadata.last_success_at_ms, sync_interval_secs, now_ms),
                newest_data_age_seconds: newest.map(|at| (now_ms - at).max(0) / 1_000),
                recent_cycles: recent_cycles(connection, quota_per_minute)?,
                backfill: backfill_progress(connection, metadata, quota_per_minute)?,
            })
        })
    })
    .await
    .map_err(|_| ApiError::Worker)??;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_stale_after_two_intervals_and_a_minute_or_when_never_synced() {
        let now = 10_000_000;
        assert!(is_stale(None, Some(60), now));
        assert!(!is_stale(Some(now - 180_000), Some(60), now));
        assert!(is_stale(Some(now - 180_001), Some(60), now));
        assert!(!is_stale(Some(now - 660_000), None, now));
        assert!(is_stale(Some(now - 660_001), None, now));
    }

    #[test]
    fn quota_share_divides_by_at_least_one_minute() {
        assert_eq!(quota_share(15, Some(30), Some(10_000)), Some(0.5));
        assert_eq!(quota_share(60, Some(30), Some(120_000)), Some(1.0));
        assert_eq!(quota_share(60, Some(0), Some(120_000)), None);
        assert_eq!(quota_share(60, None, None), None);
    }
}
