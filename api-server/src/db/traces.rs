//! Traces and their observations.

use rusqlite::{Connection, OptionalExtension, Row};

use crate::db::string_list;
use crate::error::ApiError;

/// A trace as stored (times in ms, cost in nano-USD).
pub struct TraceRow {
    pub id: String,
    pub name: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub tags: Vec<String>,
    pub agents: Vec<String>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub latency_ms: Option<i64>,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub observations: i64,
    pub generations: i64,
    pub errors: i64,
    pub warnings: i64,
    pub environment: String,
}

/// An observation as stored; cost is None when unknown.
pub struct ObservationRow {
    pub id: String,
    pub parent_observation_id: Option<String>,
    pub kind: String,
    pub name: Option<String>,
    pub agent: String,
    pub model: Option<String>,
    pub level: String,
    pub status_message: Option<String>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub latency_ms: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub cost_nanousd: Option<i64>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub metadata: Option<String>,
}

const TRACE_COLUMNS: &str = "id, name, session_id, user_id, tags, agents, start_time_ms, \
    end_time_ms, latency_ms, cost_nanousd, input_tokens, output_tokens, total_tokens, \
    observations, generations, errors, warnings, coalesce(nullif(environment, ''), 'default')";

fn trace_from_row(row: &Row<'_>) -> rusqlite::Result<TraceRow> {
    Ok(TraceRow {
        id: row.get(0)?,
        name: row.get(1)?,
        session_id: row.get(2)?,
        user_id: row.get(3)?,
        tags: string_list(row.get(4)?),
        agents: string_list(row.get(5)?),
        start_time_ms: row.get(6)?,
        end_time_ms: row.get(7)?,
        latency_ms: row.get(8)?,
        cost_nanousd: row.get(9)?,
        input_tokens: row.get(10)?,
        output_tokens: row.get(11)?,
        total_tokens: row.get(12)?,
        observations: row.get(13)?,
        generations: row.get(14)?,
        errors: row.get(15)?,
        warnings: row.get(16)?,
        environment: row.get(17)?,
    })
}

const OBSERVATION_COLUMNS: &str = "id, parent_observation_id, type, name, agent, model, level, \
    status_message, start_time_ms, end_time_ms, latency_ms, input_tokens, output_tokens, \
    total_tokens, cost_nanousd, input, output, metadata";

fn observation_from_row(row: &Row<'_>) -> rusqlite::Result<ObservationRow> {
    Ok(ObservationRow {
        id: row.get(0)?,
        parent_observation_id: row.get(1)?,
        kind: row.get(2)?,
        name: row.get(3)?,
        agent: row.get(4)?,
        model: row.get(5)?,
        level: row.get(6)?,
        status_message: row.get(7)?,
        start_time_ms: row.get(8)?,
        end_time_ms: row.get(9)?,
        latency_ms: row.get(10)?,
        input_tokens: row.get(11)?,
        output_tokens: row.get(12)?,
        total_tokens: row.get(13)?,
        cost_nanousd: row.get(14)?,
        input: row.get(15)?,
        output: row.get(16)?,
        metadata: row.get(17)?,
    })
}

/// The trace and its observations in start order, or None.
pub fn load_trace(
    connection: &Connection,
    id: &str,
) -> Result<Option<(TraceRow, Vec<ObservationRow>)>, ApiError> {
    // The trace's observations are keyed by its integer key, read after
    // the 18 columns of `TRACE_COLUMNS`.
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {TRACE_COLUMNS}, key FROM traces
         WHERE key = (SELECT key FROM trace_keys WHERE id = ?1)"
    ))?;
    let Some((trace, key)) = statement
        .query_row([id], |row| {
            Ok((trace_from_row(row)?, row.get::<_, i64>(18)?))
        })
        .optional()?
    else {
        return Ok(None);
    };
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE trace_key = ?1
         ORDER BY start_time_ms, id"
    ))?;
    let observations = statement
        .query_map([key], observation_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some((trace, observations)))
}

/// The ids of a session's traces, in start order.
pub fn session_trace_ids(connection: &Connection, session: &str) -> Result<Vec<String>, ApiError> {
    Ok(connection
        .prepare_cached("SELECT id FROM traces WHERE session_id = ?1 ORDER BY start_time_ms, id")?
        .query_map([session], |row| row.get(0))?
        .collect::<Result<_, _>>()?)
}
