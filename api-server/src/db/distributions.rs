//! The per-session values the distributions are made of.

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, session_in_given};
use crate::db::figures::Source;
use crate::db::session_index::SessionIndex;
use crate::db::text;
use crate::error::ApiError;
use crate::params::TimeRange;

/// One session's values, its id borrowed from the row: a range holds
/// thousands of sessions and only the outliers' ids are kept.
pub struct SessionValues<'row> {
    pub id: &'row str,
    pub cost_nanousd: i64,
    pub duration_ms: Option<i64>,
    pub traces: i64,
    pub errors: i64,
}

/// Hands each session starting in `range`, in `environments`, to `visit`:
/// from the kept session `index`, else one range of the covering index
/// `sessions_by_start_with_figures`.
pub fn for_each_session_values(
    source: &Source<'_>,
    index: &SessionIndex,
    range: TimeRange,
    environments: &Environments,
    visit: impl FnMut(SessionValues<'_>),
) -> Result<(), ApiError> {
    match index.sessions(source.connection, source.snapshot)? {
        Some(kept) => {
            kept.for_each_session_values(range, environments, visit);
            Ok(())
        }
        None => session_values_from_sql(source.connection, range, environments, visit),
    }
}

fn session_values_from_sql(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
    mut visit: impl FnMut(SessionValues<'_>),
) -> Result<(), ApiError> {
    let mut statement = connection.prepare_cached(&session_values_sql())?;
    let mut rows = statement.query(params![range.lower(), range.upper(), environments.json])?;
    while let Some(row) = rows.next()? {
        visit(SessionValues {
            id: text(row, 0)?,
            cost_nanousd: row.get(1)?,
            duration_ms: row.get(2)?,
            traces: row.get(3)?,
            errors: row.get(4)?,
        });
    }
    Ok(())
}

fn session_values_sql() -> String {
    format!(
        "SELECT id, cost_nanousd, duration_ms, traces, errors FROM sessions
         WHERE start_time_ms >= ?1 AND start_time_ms < ?2 AND {}",
        session_in_given(
            "sessions.id",
            "sessions.environment",
            3,
            &["start_time_ms >= ?1".into(), "start_time_ms < ?2".into()]
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::query_plan_on_a_fresh_database;

    #[test]
    fn session_values_are_read_from_one_covering_index() {
        let plan = query_plan_on_a_fresh_database(&session_values_sql());
        assert!(
            plan.contains("USING COVERING INDEX sessions_by_start_with_figures"),
            "{plan}"
        );
    }
}
