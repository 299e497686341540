//! What the sync daemon recorded about itself beyond `sync_metadata`'s
//! row (which holds its schedule too): its recent state transitions and its
//! cursors.

use rusqlite::{Connection, OptionalExtension};

use shared_schema::rows::CursorSource;

use crate::error::ApiError;

/// Transitions read to find the last cycles (a cycle takes 2, more with
/// interruptions).
const RUNS_SCANNED: i64 = 200;

/// The Langfuse UI host and project the daemon recorded (None: not yet).
#[derive(Debug, Default)]
pub struct LangfuseRow {
    pub host: Option<String>,
    pub project_id: Option<String>,
}

pub fn langfuse_project(connection: &Connection) -> Result<LangfuseRow, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT langfuse_host, langfuse_project_id FROM sync_metadata WHERE id = 1",
        )?
        .query_row([], |row| {
            Ok(LangfuseRow {
                host: row.get(0)?,
                project_id: row.get(1)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// Start time of the newest observation stored.
pub fn newest_start_ms(connection: &Connection) -> Result<Option<i64>, ApiError> {
    Ok(connection
        .query_row("SELECT max(start_time_ms) FROM observations", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten())
}

/// One recorded state transition, with the counters at that moment.
pub struct RunRow {
    pub at_ms: i64,
    pub state: String,
    pub requests_sent: i64,
    pub rate_limited_responses: i64,
    pub rows_written: i64,
}

/// The latest transitions, oldest first.
pub fn recent_runs(connection: &Connection) -> Result<Vec<RunRow>, ApiError> {
    let mut runs: Vec<RunRow> = connection
        .prepare_cached(
            "SELECT at_ms, state, requests_sent, rate_limited_responses, rows_written
             FROM sync_runs ORDER BY id DESC LIMIT ?1",
        )?
        .query_map([RUNS_SCANNED], |row| {
            Ok(RunRow {
                at_ms: row.get(0)?,
                state: row.get(1)?,
                requests_sent: row.get(2)?,
                rate_limited_responses: row.get(3)?,
                rows_written: row.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    runs.reverse();
    Ok(runs)
}

/// How far the first (backfill) window has come.
pub struct BackfillRow {
    /// A watermark is set: the window was read to its end.
    pub complete: bool,
    /// The end of the window being read, newest first.
    pub window_end_ms: Option<i64>,
    /// The oldest observation at or after the window's start; only looked
    /// up while the backfill runs.
    pub oldest_ms: Option<i64>,
}

/// The observation sources' cursors (v2, or legacy on self-hosted v3) for
/// a backfill reaching back to `from_ms`.
pub fn backfill(connection: &Connection, from_ms: i64) -> Result<BackfillRow, ApiError> {
    let cursors: Vec<(Option<i64>, Option<i64>)> = connection
        .prepare_cached(
            "SELECT watermark_ms, window_to_ms FROM sync_cursors WHERE source IN (?1, ?2)",
        )?
        .query_map(CursorSource::OF_OBSERVATIONS, |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let complete = cursors.iter().any(|(watermark, _)| watermark.is_some());
    let window_end_ms = cursors.iter().filter_map(|(_, to)| *to).max();
    let oldest_ms = if complete {
        None
    } else {
        connection.query_row(
            "SELECT min(start_time_ms) FROM observations WHERE start_time_ms >= ?1",
            [from_ms],
            |row| row.get(0),
        )?
    };
    Ok(BackfillRow {
        complete,
        window_end_ms,
        oldest_ms,
    })
}
