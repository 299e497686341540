//! Scores, and the agent each belongs to.
//!
//! Attribution: a score belongs to its observation's agent when it has an
//! observation; else to the agents of its trace; else to the agents of its
//! session. A score is in a range by its timestamp.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::db::environments::Environments;
use crate::error::ApiError;
use crate::params::TimeRange;

/// The fields of a score the summaries need.
#[derive(Debug, Clone)]
pub struct ScoredValue {
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub timestamp_ms: i64,
}

impl ScoredValue {
    /// The value averages use: NUMERIC and BOOLEAN only.
    pub fn numeric(&self) -> Option<f64> {
        match self.data_type.as_str() {
            "NUMERIC" | "BOOLEAN" => self.value.filter(|v| v.is_finite()),
            _ => None,
        }
    }

    /// The category shares use: BOOLEAN as `true`/`false`, CATEGORICAL its
    /// string value.
    pub fn category(&self) -> Option<String> {
        match self.data_type.as_str() {
            "BOOLEAN" => self.value.map(|v| (v >= 0.5).to_string()).or_else(|| {
                self.string_value
                    .as_deref()
                    .map(|text| text.eq_ignore_ascii_case("true").to_string())
            }),
            "CATEGORICAL" => self
                .string_value
                .clone()
                .or_else(|| self.value.map(|v| v.to_string())),
            _ => None,
        }
    }
}

/// One agent's scores of one name over a range, summed in SQL so that only
/// one row per (agent, name) leaves SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTally {
    pub name: String,
    /// The type of the name's latest score.
    pub data_type: String,
    pub count: i64,
    /// The sum and number of the values averages use (`ScoredValue::numeric`).
    pub numeric_sum: f64,
    pub numeric_count: i64,
}

/// The SQL form of `ScoredValue::numeric`: NUMERIC and BOOLEAN values that
/// are finite (9e999 is SQLite's infinity).
const NUMERIC_VALUE: &str = "CASE WHEN sc.data_type IN ('NUMERIC', 'BOOLEAN') \
    AND abs(sc.value) < 9e999 THEN sc.value END";

/// Scores in the range [?1, ?2) and the environments bound at ?3, each once
/// per agent it is attributed to (a score of a trace or session with several
/// agents appears once per agent), as `agent` and `columns` (of `sc`, the
/// score). With `one_agent`, only the rows of the agent bound at ?4: the
/// filter sits inside each branch, so every branch probes its agent table by
/// primary key instead of attributing every score first. The unary `+`
/// keeps SQLite from reading every trace-less score through
/// `scores_by_trace` (`trace_id IS NULL`) instead of the range.
fn attributed_scores(columns: &str, one_agent: bool) -> String {
    let [observation_agent, trace_agent, session_agent] = if one_agent {
        // `+`: the range drives; an agent's rows of all time must not.
        [
            "AND +o.agent = ?4",
            "AND +ta.agent = ?4",
            "AND +sa.agent = ?4",
        ]
    } else {
        ["", "", ""]
    };
    let ranged = "sc.timestamp_ms >= ?1 AND sc.timestamp_ms < ?2 \
        AND sc.environment IN (SELECT value FROM json_each(?3))";
    format!(
        "SELECT o.agent AS agent, {columns}
         FROM scores AS sc JOIN observations AS o ON o.id = sc.observation_id
         WHERE {ranged} {observation_agent}
         UNION ALL
         SELECT ta.agent, {columns}
         FROM scores AS sc JOIN trace_agents AS ta ON ta.trace_id = sc.trace_id
         WHERE {ranged} AND +sc.observation_id IS NULL {trace_agent}
         UNION ALL
         SELECT sa.agent, {columns}
         FROM scores AS sc JOIN session_agents AS sa ON sa.session_id = sc.session_id
         WHERE {ranged} AND +sc.observation_id IS NULL AND +sc.trace_id IS NULL {session_agent}"
    )
}

/// Per (agent, name): the latest score's type (SQLite takes a bare column
/// from the row that gives `max`), the count, the numeric sum and count.
fn tallies_sql(one_agent: bool) -> String {
    let attributed = attributed_scores(
        &format!(
            "sc.name AS name, sc.data_type AS data_type, sc.timestamp_ms AS timestamp_ms, {NUMERIC_VALUE} AS numeric"
        ),
        one_agent,
    );
    format!(
        "SELECT agent, name, max(timestamp_ms), data_type, count(*), total(numeric), count(numeric)
         FROM ({attributed})
         GROUP BY agent, name"
    )
}

fn tally_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, ScoreTally)> {
    Ok((
        row.get(0)?,
        ScoreTally {
            name: row.get(1)?,
            data_type: row.get(3)?,
            count: row.get(4)?,
            numeric_sum: row.get(5)?,
            numeric_count: row.get(6)?,
        },
    ))
}

pub fn scored_value(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<ScoredValue> {
    Ok(ScoredValue {
        name: row.get(first)?,
        data_type: row.get(first + 1)?,
        value: row.get(first + 2)?,
        string_value: row.get(first + 3)?,
        timestamp_ms: row.get(first + 4)?,
    })
}

/// Every score in `range` and `environments`, or those attributed to `agent`.
pub fn scores_in_range(
    connection: &Connection,
    range: TimeRange,
    agent: Option<&str>,
    environments: &Environments,
) -> Result<Vec<ScoredValue>, ApiError> {
    let (lower, upper) = (range.lower(), range.upper());
    let rows = match agent {
        None => connection
            .prepare_cached(
                "SELECT name, data_type, value, string_value, timestamp_ms FROM scores
                 WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2
                   AND environment IN (SELECT value FROM json_each(?3))",
            )?
            .query_map(params![lower, upper, environments.json], |row| {
                scored_value(row, 0)
            })?
            .collect::<Result<_, _>>()?,
        Some(agent) => connection
            .prepare_cached(&attributed_scores(
                "sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms",
                true,
            ))?
            .query_map(params![lower, upper, environments.json, agent], |row| {
                scored_value(row, 1)
            })?
            .collect::<Result<_, _>>()?,
    };
    Ok(rows)
}

/// Every agent's score tallies in `range` and `environments`, each agent's
/// by name.
pub fn scores_by_agent(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<HashMap<String, Vec<ScoreTally>>, ApiError> {
    let mut by_agent: HashMap<String, Vec<ScoreTally>> = HashMap::new();
    let mut statement = connection.prepare_cached(&tallies_sql(false))?;
    let mut rows = statement.query(params![range.lower(), range.upper(), environments.json])?;
    while let Some(row) = rows.next()? {
        let (agent, tally) = tally_from_row(row)?;
        by_agent.entry(agent).or_default().push(tally);
    }
    for tallies in by_agent.values_mut() {
        tallies.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(by_agent)
}

/// `agent`'s score tallies in `range` and `environments`, by name.
pub fn scores_of_agent(
    connection: &Connection,
    range: TimeRange,
    agent: &str,
    environments: &Environments,
) -> Result<Vec<ScoreTally>, ApiError> {
    let mut tallies: Vec<ScoreTally> = connection
        .prepare_cached(&tallies_sql(true))?
        .query_map(
            params![range.lower(), range.upper(), environments.json, agent],
            |row| Ok(tally_from_row(row)?.1),
        )?
        .collect::<Result<_, _>>()?;
    tallies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tallies)
}

/// The session a score belongs to: its own, its trace's or its
/// observation's.
pub const SCORES_WITH_SESSION: &str = "
    SELECT coalesce(sc.session_id, t.session_id, o.session_id) AS session,
           sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms, sc.id
    FROM scores AS sc
    LEFT JOIN traces AS t ON t.id = sc.trace_id
    LEFT JOIN observations AS o ON o.id = sc.observation_id";

/// One score as stored.
pub struct ScoreRow {
    pub id: String,
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub comment: Option<String>,
    pub trace_id: Option<String>,
    pub observation_id: Option<String>,
    pub timestamp_ms: i64,
}

/// Scores of a session, its traces and its observations.
const SESSION_SCORES: &str = "
    SELECT id, name, data_type, value, string_value, comment, trace_id, observation_id,
           timestamp_ms
    FROM scores
    WHERE session_id = ?1
       OR trace_id IN (SELECT id FROM traces WHERE session_id = ?1)
       OR observation_id IN (SELECT id FROM observations WHERE session_id = ?1)
    ORDER BY timestamp_ms, id";

/// Every score of the session, in time order.
pub fn session_scores(connection: &Connection, session: &str) -> Result<Vec<ScoreRow>, ApiError> {
    Ok(connection
        .prepare_cached(SESSION_SCORES)?
        .query_map([session], |row| {
            Ok(ScoreRow {
                id: row.get(0)?,
                name: row.get(1)?,
                data_type: row.get(2)?,
                value: row.get(3)?,
                string_value: row.get(4)?,
                comment: row.get(5)?,
                trace_id: row.get(6)?,
                observation_id: row.get(7)?,
                timestamp_ms: row.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::scores::{ScoreEntry, latest_per_name};

    /// Trace t1 (session s1) has observations of agents a and b; session s1
    /// also has agent c. One score each on b's observation, on t1 and on s1.
    fn attribution_database() -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        let writer = shared_schema::open_writer(&path).unwrap();
        writer
            .execute_batch(
                "INSERT INTO observations (id, trace_id, session_id, type, start_time_ms, agent, synced_at_ms)
                 VALUES ('o1', 't1', 's1', 'SPAN', 10, 'a', 0), ('o2', 't1', 's1', 'SPAN', 20, 'b', 0);
                 INSERT INTO traces (id, session_id, start_time_ms) VALUES ('t1', 's1', 10);
                 INSERT INTO trace_agents VALUES ('a', 't1', 10), ('b', 't1', 10);
                 INSERT INTO session_agents VALUES ('a', 's1', 10), ('b', 's1', 10), ('c', 's1', 10);
                 INSERT INTO scores (id, trace_id, observation_id, session_id, name, data_type, value, timestamp_ms, synced_at_ms, environment)
                 VALUES ('x1', 't1', 'o2', NULL, 'tool_ok', 'NUMERIC', 1, 100, 0, 'production'),
                        ('x2', 't1', NULL, NULL, 'turn', 'NUMERIC', 2, 200, 0, 'production'),
                        ('x3', NULL, NULL, 's1', 'win', 'BOOLEAN', 1, 300, 0, 'production');",
            )
            .unwrap();
        drop(writer);
        let reader = shared_schema::open_reader(&path).unwrap();
        (directory, reader)
    }

    #[test]
    fn scores_go_to_their_observations_agent_else_their_traces_else_their_sessions() {
        let (_directory, connection) = attribution_database();
        let production = Environments::new(vec!["production".into()]);
        let names = |agent: &str| -> Vec<String> {
            let mut names: Vec<String> =
                scores_in_range(&connection, TimeRange::default(), Some(agent), &production)
                    .unwrap()
                    .into_iter()
                    .map(|score| score.name)
                    .collect();
            names.sort();
            names
        };
        assert_eq!(names("a"), ["turn", "win"]);
        assert_eq!(names("b"), ["tool_ok", "turn", "win"]);
        assert_eq!(names("c"), ["win"]);
        let by_agent = scores_by_agent(&connection, TimeRange::default(), &production).unwrap();
        assert_eq!(by_agent["b"].len(), 3);
        assert_eq!(by_agent["c"].len(), 1);
        for agent in ["a", "b", "c"] {
            assert_eq!(
                scores_of_agent(&connection, TimeRange::default(), agent, &production).unwrap(),
                by_agent[agent],
                "{agent}: one agent's tallies are its share of everyone's"
            );
        }
        let staging = Environments::new(vec!["staging".into()]);
        assert!(
            scores_by_agent(&connection, TimeRange::default(), &staging)
                .unwrap()
                .is_empty(),
            "scores of another environment are left out"
        );
        // All three belong to the session, the latest per name.
        let scores = session_scores(&connection, "s1").unwrap();
        assert_eq!(scores.len(), 3);
        let entries: Vec<ScoreEntry> = scores.into_iter().map(ScoreEntry::from).collect();
        assert_eq!(latest_per_name(&entries).len(), 3);
    }
}
