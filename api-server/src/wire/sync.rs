//! `/api/sync/status` and `/api/sync/trigger`: the daemon's recorded state,
//! its recent cycles and the backfill's progress.

use serde::Serialize;
use shared_schema::rows::SyncMetadata;
use utoipa::ToSchema;

use crate::db::sync_status::{BackfillRow, RunRow};
use crate::wire::{iso, iso_opt};

/// Interval assumed while the daemon has not recorded its own.
const DEFAULT_INTERVAL_SECS: i64 = 300;

const RECENT_CYCLES: usize = 10;

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
    /// The Langfuse base URL the daemon reads (its `LANGFUSE_HOST`, without
    /// credentials), for links to Langfuse's UI; null until recorded.
    pub langfuse_host: Option<String>,
    /// The Langfuse project of the synced rows; null until a row named it.
    pub langfuse_project_id: Option<String>,
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

/// The daemon's answer to a trigger, passed on as it came.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerAnswer {
    /// `started` (202) or `already_running` (409), as the daemon says.
    pub status: String,
}

fn is_stale(last_success_at_ms: Option<i64>, interval_secs: Option<i64>, now_ms: i64) -> bool {
    let allowed_ms = (2 * interval_secs.unwrap_or(DEFAULT_INTERVAL_SECS) + 60) * 1_000;
    last_success_at_ms.is_none_or(|at| now_ms - at > allowed_ms)
}

fn quota_share(requests: i64, quota: Option<i64>, duration_ms: Option<i64>) -> Option<f64> {
    let quota = quota.filter(|quota| *quota > 0)?;
    let minutes = (duration_ms.unwrap_or(0) as f64 / 60_000.0).max(1.0);
    Some(requests as f64 / (quota as f64 * minutes))
}

/// What the status is made of besides the metadata row.
pub struct StatusFacts {
    pub now_ms: i64,
    pub newest_ms: Option<i64>,
    pub quota_per_minute: Option<i64>,
    pub sync_interval_secs: Option<i64>,
    pub runs: Vec<RunRow>,
    pub backfill: Option<BackfillRow>,
}

impl SyncStatus {
    pub fn new(metadata: &SyncMetadata, facts: StatusFacts) -> SyncStatus {
        let StatusFacts {
            now_ms,
            newest_ms: newest,
            quota_per_minute,
            sync_interval_secs,
            runs,
            backfill,
        } = facts;
        SyncStatus {
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
            recent_cycles: recent_cycles(runs, quota_per_minute),
            backfill: metadata
                .backfill_from_ms
                .zip(backfill)
                .map(|(from_ms, row)| {
                    backfill_progress(from_ms, metadata.requests_sent, row, quota_per_minute)
                }),
            langfuse_host: metadata.langfuse_host.clone(),
            langfuse_project_id: metadata.langfuse_project_id.clone(),
        }
    }
}

/// The finished cycles among `runs` (oldest first), newest first.
fn recent_cycles(runs: Vec<RunRow>, quota: Option<i64>) -> Vec<SyncCycle> {
    let mut cycles = Vec::new();
    // (start, cumulative rate-limited answers at the start)
    let mut started: Option<(i64, i64)> = None;
    for run in runs {
        if run.state == "running" {
            started = Some((run.at_ms, run.rate_limited_responses));
            continue;
        }
        let Some((start_ms, rate_limited_before)) = started.take() else {
            continue;
        };
        cycles.push(SyncCycle {
            started_at: Some(iso(start_ms)),
            finished_at: iso(run.at_ms),
            state: run.state,
            requests_sent: run.requests_sent,
            rate_limited_responses: (run.rate_limited_responses - rate_limited_before).max(0),
            rows_written: run.rows_written,
            quota_used_share: quota_share(run.requests_sent, quota, Some(run.at_ms - start_ms)),
        });
    }
    cycles.reverse();
    cycles.truncate(RECENT_CYCLES);
    cycles
}

fn backfill_progress(
    from_ms: i64,
    requests_sent: i64,
    row: BackfillRow,
    quota: Option<i64>,
) -> BackfillProgress {
    if row.complete {
        return BackfillProgress {
            from: iso(from_ms),
            covered_until: iso(from_ms),
            complete: true,
            remaining_requests_estimate: Some(0),
            remaining_seconds_estimate: Some(0.0),
        };
    }
    let (covered_until, remaining) = match (row.oldest_ms, row.window_end_ms) {
        (Some(oldest), Some(end)) if end > oldest => {
            let covered = (end - oldest) as f64;
            let uncovered = (oldest - from_ms).max(0) as f64;
            let requests = requests_sent as f64 * uncovered / covered;
            (oldest, Some(requests.ceil() as i64))
        }
        (Some(oldest), _) => (oldest, None),
        (None, _) => (row.window_end_ms.unwrap_or(from_ms), None),
    };
    BackfillProgress {
        from: iso(from_ms),
        covered_until: iso(covered_until.max(from_ms)),
        complete: false,
        remaining_requests_estimate: remaining,
        remaining_seconds_estimate: remaining.and_then(|requests| {
            quota
                .filter(|quota| *quota > 0)
                .map(|quota| requests as f64 * 60.0 / quota as f64)
        }),
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
