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
