//! Row types that both the writer and the readers use.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
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
    /// The daemon's quota in requests per minute, recorded at its start;
    /// 0: unlimited; None: not recorded yet.
    pub quota_per_minute: Option<i64>,
    /// The daemon's interval between cycles, recorded at its start.
    pub sync_interval_secs: Option<i64>,
    /// The daemon's Langfuse base URL (no credentials), recorded at its
    /// start, for links to Langfuse's UI.
    pub langfuse_host: Option<String>,
    /// The Langfuse project the synced rows belong to; None: not seen yet.
    pub langfuse_project_id: Option<String>,
}

impl SyncMetadata {
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
            quota_per_minute: row.get(20)?,
            sync_interval_secs: row.get(21)?,
            langfuse_host: row.get(22)?,
            langfuse_project_id: row.get(23)?,
        })
    }

    /// Cached: the api-server reads it at the start of every request.
    pub fn load(connection: &Connection) -> rusqlite::Result<SyncMetadata> {
        connection
            .prepare_cached(Self::SELECT)?
            .query_row([], Self::from_row)
            .optional()?
            .ok_or(rusqlite::Error::QueryReturnedNoRows)
    }

    const SELECT: &'static str = concat!(
        "SELECT state, api_mode, cycle_started_at_ms, cycle_finished_at_ms, ",
        "last_success_at_ms, last_error, last_error_at_ms, rate_limited_until_ms, next_run_at_ms, ",
        "requests_sent, rate_limited_responses, rows_written, cycle_requests_sent, ",
        "cycle_rows_written, backfill_from_ms, data_version, updated_at_ms, api_mode_reason, ",
        "scores_mode, page_size, quota_per_minute, sync_interval_secs, langfuse_host, ",
        "langfuse_project_id FROM sync_metadata WHERE id = 1"
    );
}

/// The `agent` and `model` of a `daily_metrics` row that sums over every
/// agent (or model): `'*'`. Roll-ups never span environments.
pub const ROLL_UP: &str = "*";

/// The `model` of a `daily_metrics` row for observations without a model
/// (spans, events, agents): the empty string, so that it is part of the key.
pub const NO_MODEL: &str = "";

/// The figures every derived table sums, in the column order of
/// [`Totals::COLUMNS`]: what `daily_metrics` holds per (day, environment,
/// agent, model) and `agent_stats_cache` per (agent, environment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Totals {
    pub sessions: i64,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    pub errors: i64,
    pub warnings: i64,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
}

impl Totals {
    /// The figure columns, in the order `from_row` and `values` use.
    pub const COLUMNS: &'static str = "sessions, traces, observations, generations, errors, \
        warnings, cost_nanousd, input_tokens, output_tokens, total_tokens";

    /// How many columns `COLUMNS` names.
    pub const WIDTH: usize = 10;

    /// Reads the figures from `row`, whose columns `offset..offset + WIDTH`
    /// are `COLUMNS`.
    pub fn from_row(row: &Row<'_>, offset: usize) -> rusqlite::Result<Totals> {
        Ok(Totals {
            sessions: row.get(offset)?,
            traces: row.get(offset + 1)?,
            observations: row.get(offset + 2)?,
            generations: row.get(offset + 3)?,
            errors: row.get(offset + 4)?,
            warnings: row.get(offset + 5)?,
            cost_nanousd: row.get(offset + 6)?,
            input_tokens: row.get(offset + 7)?,
            output_tokens: row.get(offset + 8)?,
            total_tokens: row.get(offset + 9)?,
        })
    }

    /// The figures in the order of `COLUMNS` (for statement parameters).
    pub fn values(&self) -> [i64; Totals::WIDTH] {
        [
            self.sessions,
            self.traces,
            self.observations,
            self.generations,
            self.errors,
            self.warnings,
            self.cost_nanousd,
            self.input_tokens,
            self.output_tokens,
            self.total_tokens,
        ]
    }

    pub fn add(&mut self, other: &Totals) {
        self.sessions += other.sessions;
        self.traces += other.traces;
        self.observations += other.observations;
        self.generations += other.generations;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.cost_nanousd += other.cost_nanousd;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.total_tokens += other.total_tokens;
    }

    pub fn is_zero(&self) -> bool {
        *self == Totals::default()
    }
}

/// The sources the daemon keeps a cursor for: the keys of `sync_cursors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CursorSource {
    /// v2 observations (cursor-based).
    Observations,
    /// v3 scores (cursor-based).
    Scores,
    /// Page-based v2 scores, where scores v3 answers 404 (self-hosted
    /// Langfuse before scores v3).
    ScoresV2,
    /// Page-based legacy traces (self-hosted Langfuse v3).
    LegacyTraces,
    /// Page-based v1 observations (self-hosted Langfuse v3).
    LegacyObservations,
}

impl CursorSource {
    pub const ALL: [CursorSource; 5] = [
        CursorSource::Observations,
        CursorSource::Scores,
        CursorSource::ScoresV2,
        CursorSource::LegacyTraces,
        CursorSource::LegacyObservations,
    ];

    /// The sources that read observations, whichever API serves them: the
    /// backfill is as far as they have come.
    pub const OF_OBSERVATIONS: [CursorSource; 2] =
        [CursorSource::Observations, CursorSource::LegacyObservations];

    /// The `sync_cursors.source` key.
    pub fn as_str(self) -> &'static str {
        match self {
            CursorSource::Observations => "observations",
            CursorSource::Scores => "scores",
            CursorSource::ScoresV2 => "scores_v2",
            CursorSource::LegacyTraces => "legacy_traces",
            CursorSource::LegacyObservations => "legacy_observations",
        }
    }

    pub fn parse(value: &str) -> Option<CursorSource> {
        CursorSource::ALL
            .into_iter()
            .find(|source| source.as_str() == value)
    }
}

impl fmt::Display for CursorSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for CursorSource {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.as_str().as_bytes(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_read_their_columns_from_an_offset_and_add_up() {
        let connection = Connection::open_in_memory().unwrap();
        let select = format!(
            "SELECT 'key', {}",
            (1..=Totals::WIDTH)
                .map(|value| value.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let read = connection
            .query_row(&select, [], |row| Totals::from_row(row, 1))
            .unwrap();
        let expected: Vec<i64> = (1..=Totals::WIDTH as i64).collect();
        assert_eq!(read.values().to_vec(), expected);
        assert_eq!(read.errors, 5, "errors is the fifth column of COLUMNS");
        assert_eq!(
            Totals::COLUMNS.split(',').count(),
            Totals::WIDTH,
            "WIDTH counts COLUMNS"
        );

        let mut sum = read;
        sum.add(&read);
        assert_eq!(sum.values().map(|value| value / 2), read.values());
        assert!(!sum.is_zero());
        assert!(Totals::default().is_zero());
    }

    #[test]
    fn every_cursor_source_parses_back_from_its_key() {
        for source in CursorSource::ALL {
            assert_eq!(CursorSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(CursorSource::parse("traces"), None);
    }
}
