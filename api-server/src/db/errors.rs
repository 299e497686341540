//! The observations the error groups are made of.

use rusqlite::{Connection, params};

use crate::db::environments::Environments;
use crate::db::text;
use crate::error::ApiError;
use crate::params::TimeRange;

/// An observation at one of the asked levels, borrowed from its row.
pub struct ErrorObservation<'row> {
    pub id: &'row str,
    pub agent: &'row str,
    pub name: Option<&'row str>,
    pub level: &'row str,
    pub status_message: Option<&'row str>,
    /// The status message normalised by the daemon (none if the row was
    /// written without it).
    pub normalised_message: Option<&'row str>,
    pub start_time_ms: i64,
    pub session_id: Option<&'row str>,
}

/// Hands each observation at `levels` (`ERROR`, `WARNING`) starting in
/// `range`, of `agent` if given, in `environments`, to `visit`: borrowed,
/// as a range holds thousands and most of their text is only looked at.
pub fn for_each_error_observation(
    connection: &Connection,
    range: TimeRange,
    levels: &[&str],
    agent: Option<&str>,
    environments: &Environments,
    mut visit: impl FnMut(ErrorObservation<'_>),
) -> Result<(), ApiError> {
    let mut statement = connection.prepare_cached(&error_observations_sql(levels))?;
    let mut rows = statement.query(params![
        range.lower(),
        range.upper(),
        agent,
        environments.json
    ])?;
    while let Some(row) = rows.next()? {
        visit(ErrorObservation {
            id: text(row, 0)?,
            agent: text(row, 1)?,
            name: optional_text(row, 2)?,
            level: text(row, 3)?,
            status_message: optional_text(row, 4)?,
            normalised_message: optional_text(row, 5)?,
            start_time_ms: row.get(6)?,
            session_id: optional_text(row, 7)?,
        });
    }
    Ok(())
}

fn optional_text<'row>(
    row: &'row rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<&'row str>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => text(row, index).map(Some),
    }
}

/// The observations at `levels` in [?1, ?2), of agent ?3 if not NULL, in
/// the environments ?4: read from the covering index
/// `observations_problems` alone. Its partial-index condition is repeated
/// word for word, as SQLite uses a partial index only for a query that
/// states its condition.
fn error_observations_sql(levels: &[&str]) -> String {
    let level_list = levels
        .iter()
        .map(|level| format!("'{level}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT id, agent, name, level, status_message, normalised_message, start_time_ms,
                session_id
         FROM observations
         WHERE level IN ({level_list}) AND level IN ('ERROR', 'WARNING')
           AND start_time_ms >= ?1 AND start_time_ms < ?2
           AND (?3 IS NULL OR agent = ?3)
           AND environment IN (SELECT value FROM json_each(?4))"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::query_plan_on_a_fresh_database;

    #[test]
    fn errors_are_read_from_the_covering_index_without_observation_rows() {
        for levels in [&["ERROR"][..], &["WARNING"], &["ERROR", "WARNING"]] {
            let plan = query_plan_on_a_fresh_database(&error_observations_sql(levels));
            assert!(
                plan.contains("USING COVERING INDEX observations_problems"),
                "{levels:?}: {plan}"
            );
        }
    }
}
