//! The alert rules' states and history, as the sync daemon recorded them
//! after its cycles (`alert_states`, `alert_events`).

use rusqlite::Connection;

use crate::error::ApiError;

/// The newest firings and resolutions listed.
pub const HISTORY_LIMIT: i64 = 100;

pub struct AlertStateRow {
    pub rule: String,
    pub metric: String,
    pub condition: String,
    pub state: String,
    pub since_ms: i64,
    pub last_value: Option<f64>,
    pub evaluated_at_ms: i64,
}

pub struct AlertEventRow {
    pub rule: String,
    pub kind: String,
    pub at_ms: i64,
    pub value: Option<f64>,
    pub message: String,
}

/// Every configured rule, firing ones first, then by name.
pub fn alert_states(connection: &Connection) -> Result<Vec<AlertStateRow>, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT rule, metric, condition, state, since_ms, last_value, evaluated_at_ms
             FROM alert_states ORDER BY state <> 'firing', rule",
        )?
        .query_map([], |row| {
            Ok(AlertStateRow {
                rule: row.get(0)?,
                metric: row.get(1)?,
                condition: row.get(2)?,
                state: row.get(3)?,
                since_ms: row.get(4)?,
                last_value: row.get(5)?,
                evaluated_at_ms: row.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The newest `HISTORY_LIMIT` firings and resolutions, newest first.
pub fn alert_events(connection: &Connection) -> Result<Vec<AlertEventRow>, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT rule, kind, at_ms, value, message FROM alert_events
             ORDER BY at_ms DESC, id DESC LIMIT ?1",
        )?
        .query_map([HISTORY_LIMIT], |row| {
            Ok(AlertEventRow {
                rule: row.get(0)?,
                kind: row.get(1)?,
                at_ms: row.get(2)?,
                value: row.get(3)?,
                message: row.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}
