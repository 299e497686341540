//! Cost per outcome: the sessions whose latest categorical (or boolean)
//! score of a name has a value, and their summed cost.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, session_in};
use crate::error::ApiError;
use crate::params::TimeRange;

/// One (score name, value) and the sessions starting in the range whose
/// latest score of that name has it.
pub struct OutcomeRow {
    pub name: String,
    pub value: String,
    pub sessions: i64,
    pub cost_nanousd: i64,
}

/// Every (name, value) of the sessions starting in `range`, by name and
/// value: each session's latest score of a name among the environments
/// asked for, from `session_outcomes` (the daemon's latest score per
/// session, environment and name).
pub fn outcomes(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<OutcomeRow>, ApiError> {
    // (session, name) -> (timestamp, score id, category, session cost).
    let mut latest: HashMap<(String, String), (i64, String, String, i64)> = HashMap::new();
    let mut statement = connection.prepare_cached(&format!(
        "SELECT s.id, s.cost_nanousd, so.name, so.category, so.timestamp_ms, so.score_id
         FROM sessions AS s JOIN session_outcomes AS so ON so.session_id = s.id
         WHERE s.start_time_ms >= ?1 AND s.start_time_ms < ?2 AND {}
           AND so.environment IN (SELECT value FROM json_each(?3))",
        session_in("s.id", 3)
    ))?;
    let mut rows = statement.query(params![range.lower(), range.upper(), environments.json])?;
    while let Some(row) = rows.next()? {
        let candidate: (i64, String, String, i64) =
            (row.get(4)?, row.get(5)?, row.get(3)?, row.get(1)?);
        latest
            .entry((row.get(0)?, row.get(2)?))
            .and_modify(|current| {
                if (candidate.0, &candidate.1) > (current.0, &current.1) {
                    *current = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    let mut groups: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for ((_, name), (_, _, category, cost_nanousd)) in latest {
        let entry = groups.entry((name, category)).or_default();
        entry.0 += 1;
        entry.1 += cost_nanousd;
    }
    Ok(groups
        .into_iter()
        .map(|((name, value), (sessions, cost_nanousd))| OutcomeRow {
            name,
            value,
            sessions,
            cost_nanousd,
        })
        .collect())
}
