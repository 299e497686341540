//! The environments a query is restricted to, and the SQL that binds them:
//! every figure and list statement filters with `in_clause`, `session_in`
//! or `session_in_given`.

use rusqlite::Connection;

use crate::error::ApiError;
use crate::params::EnvironmentSelection;

/// The concrete names a selection means: the stored non-internal
/// environments by default, else the names asked for (an unknown one simply
/// matches nothing).
pub fn resolve(
    connection: &Connection,
    selection: &EnvironmentSelection,
) -> Result<Environments, ApiError> {
    let names = match selection {
        EnvironmentSelection::Only(names) => names.clone(),
        EnvironmentSelection::AllButInternal => {
            let mut statement = connection.prepare_cached(
                "SELECT name FROM environments WHERE substr(name, 1, 9) <> 'langfuse-'
                 ORDER BY name",
            )?;
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?
        }
    };
    Ok(Environments::new(names))
}

/// One stored environment with data.
pub struct EnvironmentRow {
    pub name: String,
    pub observations: i64,
    pub newest_start_time_ms: i64,
}

/// Every environment with data, most observations first.
pub fn environment_list(connection: &Connection) -> Result<Vec<EnvironmentRow>, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT name, observations, newest_start_time_ms FROM environments
             WHERE newest_start_time_ms IS NOT NULL
             ORDER BY observations DESC, name",
        )?
        .query_map([], |row| {
            Ok(EnvironmentRow {
                name: row.get(0)?,
                observations: row.get(1)?,
                newest_start_time_ms: row.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Concrete environment names, with the JSON array SQL binds them as
/// (`environment IN (SELECT value FROM json_each(?))`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Environments {
    pub names: Vec<String>,
    pub json: String,
}

impl Environments {
    pub fn new(mut names: Vec<String>) -> Self {
        names.sort_unstable();
        names.dedup();
        let json = serde_json::to_string(&names).expect("strings serialise");
        Environments { names, json }
    }
}

/// `column IN (the environments bound at ?index)`.
pub fn in_clause(column: &str, index: usize) -> String {
    format!("{column} IN (SELECT value FROM json_each(?{index}))")
}

/// Whether the session `id` has observations in the environments bound at
/// `?index`.
pub fn session_in(id: &str, index: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM session_environments AS se WHERE se.session_id = {id} AND {})",
        in_clause("se.environment", index)
    )
}

/// [`session_in`] for a query that has the session's row: whether the
/// session `id`, whose own environment is the column `environment`, has
/// observations in the environments bound at `?index`. A session's own
/// environment (its first trace's) is always one of its environments (the
/// daemon's invariant, which its ground-truth checks assert), and only a
/// session in several has rows marked `spans_environments`. So a session in
/// one environment is settled by its own column, and the few in several
/// come from one read of the partial index `session_environments_spanning`
/// for the whole statement, not a look-up per row. `starts` are terms on
/// `start_time_ms` (a session's start) narrowing that read to the query's
/// range, or none.
pub fn session_in_given(id: &str, environment: &str, index: usize, starts: &[String]) -> String {
    let mut spanning = vec![
        "spans_environments = 1".to_string(),
        in_clause("environment", index),
    ];
    spanning.extend_from_slice(starts);
    let spanning = spanning.join(" AND ");
    format!(
        "({} OR {id} IN (SELECT session_id FROM session_environments WHERE {spanning}))",
        in_clause(environment, index)
    )
}
