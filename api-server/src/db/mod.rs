//! Every SQL statement of the api-server, and nothing of HTTP: the pool of
//! read-only connections, range aggregation and one module per resource.
//! Functions take a connection (or a `figures::Source`) and return plain
//! row types that `crate::wire` turns into responses.

pub mod agents;
pub mod alerts;
pub mod coverage;
pub mod database;
pub mod distributions;
pub mod environments;
pub mod errors;
pub mod figures;
pub mod outcomes;
pub mod plan;
pub mod scores;
pub mod session_index;
pub mod sessions;
pub mod sync_status;
pub mod traces;
pub mod versions;

pub use database::Database;

/// A JSON array stored as TEXT (agents, users, tags); unreadable is empty.
pub fn string_list(stored: Option<String>) -> Vec<String> {
    stored
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .unwrap_or_default()
}

/// Text column `index` of `row`, borrowed (no copy, as a row of a key
/// already summed needs none).
pub(crate) fn text<'row>(
    row: &'row rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<&'row str> {
    row.get_ref(index)?.as_str().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    })
}

/// `text`, or none for a NULL.
pub(crate) fn optional_text<'row>(
    row: &'row rusqlite::Row<'_>,
    index: usize,
) -> rusqlite::Result<Option<&'row str>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => text(row, index).map(Some),
    }
}

/// The steps of `sql`'s `EXPLAIN QUERY PLAN` on a fresh database at the
/// latest schema, joined by "; ": for tests that pin a statement's index.
#[cfg(test)]
pub(crate) fn query_plan_on_a_fresh_database(sql: &str) -> String {
    let directory = tempfile::tempdir().unwrap();
    let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
    let mut statement = connection
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    let mut rows = statement.raw_query();
    let mut plan = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        plan.push(row.get::<_, String>(3).unwrap());
    }
    plan.join("; ")
}
