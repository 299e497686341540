//! Row types that both the writer and the readers use.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// The sync daemon's state machine:
/// idle -> running -> success | error | rate_limited -> idle (next cycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Idle,
    Running,
    Success,
    Error,
    RateLimited,
}

impl SyncState {
    pub const ALL: [SyncState; 5] = [
        SyncState::Idle,
        SyncState::Running,
        SyncState::Success,
        SyncState::Error,
        SyncState::RateLimited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Idle => "idle",
            SyncState::Running => "running",
            SyncState::Success => "success",
            SyncState::Error => "error",
            SyncState::RateLimited => "rate_limited",
        }
    }
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown sync state {0:?}")]
pub struct UnknownSyncState(pub String);

impl FromStr for SyncState {
    type Err = UnknownSyncState;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        SyncState::ALL
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| UnknownSyncState(value.to_string()))
    }
}

/// Which Langfuse read API the daemon uses: v2 observations (Cloud, v4) or
/// the legacy traces/sessions/v1 observations (self-hosted v3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiMode {
    V2,
    Legacy,
}

impl ApiMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiMode::V2 => "v2",
            ApiMode::Legacy => "legacy",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "v2" => Some(ApiMode::V2),
            "legacy" => Some(ApiMode::Legacy),
            _ => None,
        }
    }
}

/// The single row of `sync_metadata`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncMetadata {
    pub state: SyncState,
    pub api_mode: Option<ApiMode>,
    pub cycle_started_at_ms: Option<i64>,
    pub cycle_finished_at_ms: Option<i64>,
    pub last_success_at_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<i64>,
    pub rate_limited_until_ms: Option<i64>,
    pub next_run_at_ms: Option<i64>,
    pub requests_sent: i64,
    pub rate_limited_responses: i64,
    pub rows_written: i64,
    pub cycle_requests_sent: i64,
    pub cycle_rows_written: i64,
    pub backfill_from_ms: Option<i64>,
    pub data_version: i64,
    pub updated_at_ms: i64,
    /// Why the daemon reads the observations endpoints it reads.
    pub api_mode_reason: Option<String>,
    /// The scores endpoint that answered: "v3" or "v2"; None: neither yet.
    pub scores_mode: Option<String>,
    /// Rows per request in use (smaller than configured after failures).
    pub page_size: Option<i64>,
}

impl SyncMetadata {
    pub const COLUMNS: &'static str = "state, api_mode, cycle_started_at_ms, cycle_finished_at_ms, \
        last_success_at_ms, last_error, last_error_at_ms, rate_limited_until_ms, next_run_at_ms, \
        requests_sent, rate_limited_responses, rows_written, cycle_requests_sent, \
        cycle_rows_written, backfill_from_ms, data_version, updated_at_ms, api_mode_reason, \
        scores_mode, page_size";

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let state: String = row.get(0)?;
        let api_mode: Option<String> = row.get(1)?;
        Ok(SyncMetadata {
            state: state.parse().map_err(|error: UnknownSyncState| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    Box::new(error),
                )
            })?,
            api_mode: api_mode.as_deref().and_then(ApiMode::parse),
            cycle_started_at_ms: row.get(2)?,
            cycle_finished_at_ms: row.get(3)?,
            last_success_at_ms: row.get(4)?,
            last_error: row.get(5)?,
            last_error_at_ms: row.get(6)?,
            rate_limited_until_ms: row.get(7)?,
            next_run_at_ms: row.get(8)?,
            requests_sent: row.get(9)?,
            rate_limited_responses: row.get(10)?,
            rows_written: row.get(11)?,
            cycle_requests_sent: row.get(12)?,
            cycle_rows_written: row.get(13)?,
            backfill_from_ms: row.get(14)?,
            data_version: row.get(15)?,
            updated_at_ms: row.get(16)?,
            api_mode_reason: row.get(17)?,
            scores_mode: row.get(18)?,
            page_size: row.get(19)?,
        })
    }

    pub fn load(connection: &Connection) -> rusqlite::Result<SyncMetadata> {
        connection
            .query_row(
                &format!("SELECT {} FROM sync_metadata WHERE id = 1", Self::COLUMNS),
                [],
                Self::from_row,
            )
            .optional()?
            .ok_or(rusqlite::Error::QueryReturnedNoRows)
    }
}
