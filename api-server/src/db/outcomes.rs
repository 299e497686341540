//! Cost per outcome: the sessions whose latest categorical (or boolean)
//! score of a name has a value, and their summed cost.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, session_in};
use crate::db::scores::{SCORES_WITH_SESSION, scored_value};
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
/// value.
pub fn outcomes(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<OutcomeRow>, ApiError> {
    let session_costs: HashMap<String, i64> = connection
        .prepare_cached(&format!(
            "SELECT id, cost_nanousd FROM sessions
             WHERE start_time_ms >= ?1 AND start_time_ms < ?2 AND {}",
            session_in("sessions.id", 3)
        ))?
        .query_map(
            params![range.lower(), range.upper(), environments.json],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?
        .collect::<Result<_, _>>()?;
    // (session, name) -> (timestamp, id, category) of the latest score.
    let mut latest: HashMap<(String, String), (i64, String, String)> = HashMap::new();
    let mut statement = connection.prepare_cached(&format!(
        "{SCORES_WITH_SESSION} WHERE sc.data_type IN ('CATEGORICAL', 'BOOLEAN')
             AND sc.environment IN (SELECT value FROM json_each(?1))"
    ))?;
    let mut rows = statement.query([&environments.json])?;
    while let Some(row) = rows.next()? {
        let Some(session): Option<String> = row.get(0)? else {
            continue;
        };
        if !session_costs.contains_key(&session) {
            continue;
        }
        let score = scored_value(row, 1)?;
        let id: String = row.get(6)?;
        let Some(category) = score.category() else {
            continue;
        };
        let candidate = (score.timestamp_ms, id, category);
        latest
            .entry((session, score.name))
            .and_modify(|current| {
                if (candidate.0, &candidate.1) > (current.0, &current.1) {
                    *current = candidate.clone();
                }
            })
            .or_insert(candidate);
    }
    let mut groups: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for ((session, name), (_, _, category)) in latest {
        let entry = groups.entry((name, category)).or_default();
        entry.0 += 1;
        entry.1 += session_costs[&session];
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
