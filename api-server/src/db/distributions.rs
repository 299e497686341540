//! The per-session values the distributions are made of.

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, session_in};
use crate::error::ApiError;
use crate::params::TimeRange;

pub struct SessionValuesRow {
    pub id: String,
    pub cost_nanousd: i64,
    pub duration_ms: Option<i64>,
    pub traces: i64,
    pub errors: i64,
}

/// The sessions starting in `range`, in `environments`.
pub fn session_values(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<SessionValuesRow>, ApiError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT id, cost_nanousd, duration_ms, traces, errors FROM sessions
         WHERE start_time_ms >= ?1 AND start_time_ms < ?2 AND {}",
        session_in("sessions.id", 3)
    ))?;
    Ok(statement
        .query_map(
            params![range.lower(), range.upper(), environments.json],
            |row| {
                Ok(SessionValuesRow {
                    id: row.get(0)?,
                    cost_nanousd: row.get(1)?,
                    duration_ms: row.get(2)?,
                    traces: row.get(3)?,
                    errors: row.get(4)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?)
}
