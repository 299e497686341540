//! The raw rows behind `/api/versions`: one agent's observations in the
//! sessions starting in a range, each with the version value it carries,
//! and the scores of those sessions attributed to the agent.
//!
//! Sessions are the unit a version is judged by (a game is played with one
//! version), so both statements start from the agent's sessions in the
//! range (`session_agents_by_start`) and reach observations and scores
//! through their session, trace and observation indexes.

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, in_clause};
use crate::error::ApiError;
use crate::params::TimeRange;
use crate::params::versions::VersionDimension;
use shared_schema::scores::RawScore;

/// One of the agent's observations, with its session and version value.
#[derive(Debug, Clone)]
pub struct VersionedObservation {
    pub session_id: String,
    pub session_start_ms: i64,
    pub start_ms: i64,
    pub is_generation: bool,
    pub is_error: bool,
    pub cost_nanousd: Option<i64>,
    pub total_tokens: Option<i64>,
    pub latency_ms: Option<i64>,
    /// The version value by the chosen dimension; None when not sent.
    pub version: Option<String>,
}

/// The SQL expression of a dimension's value (of `o`, the observation).
fn version_expression(by: VersionDimension) -> &'static str {
    match by {
        VersionDimension::Release => "o.release",
        VersionDimension::Version => "o.version",
        // A prompt's version only means something with its name.
        VersionDimension::Prompt => {
            "CASE WHEN o.prompt_name IS NOT NULL
                  THEN o.prompt_name || ' v' || coalesce(o.prompt_version, '?') END"
        }
    }
}

/// The agent's sessions starting in [?2, ?3) (the agent bound at ?1).
const AGENT_SESSIONS: &str = "SELECT session_id, start_time_ms FROM session_agents
    WHERE agent = ?1 AND start_time_ms >= ?2 AND start_time_ms < ?3";

/// The agent's observations in its sessions starting in `range`, in the
/// environments asked for, by session and start time.
pub fn agent_observations(
    connection: &Connection,
    agent: &str,
    by: VersionDimension,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<VersionedObservation>, ApiError> {
    let sql = format!(
        "WITH chosen AS ({AGENT_SESSIONS})
         SELECT chosen.session_id, chosen.start_time_ms, o.start_time_ms, o.type, o.level,
                o.cost_nanousd, o.total_tokens, o.latency_ms, {version}
         FROM chosen JOIN observations AS o ON o.session_id = chosen.session_id
         WHERE o.agent = ?1 AND {environment}
         ORDER BY chosen.session_id, o.start_time_ms, o.id",
        version = version_expression(by),
        environment = in_clause("o.environment", 4),
    );
    let rows = connection
        .prepare_cached(&sql)?
        .query_map(
            params![agent, range.lower(), range.upper(), environments.json],
            |row| {
                let kind: String = row.get(3)?;
                let level: String = row.get(4)?;
                Ok(VersionedObservation {
                    session_id: row.get(0)?,
                    session_start_ms: row.get(1)?,
                    start_ms: row.get(2)?,
                    is_generation: kind == "GENERATION",
                    is_error: level == "ERROR",
                    cost_nanousd: row.get(5)?,
                    total_tokens: row.get(6)?,
                    latency_ms: row.get(7)?,
                    version: row.get(8)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A score of one of the agent's sessions.
#[derive(Debug, Clone)]
pub struct SessionScore {
    pub session_id: String,
    pub id: String,
    pub score: RawScore,
}

/// The scores attributed to the agent (README: an observation's score to
/// its agent, a trace's to the agents of the trace, a session's to every
/// agent of the session) in its sessions starting in `range`, whatever
/// their timestamp (a game is judged after it ends), in the environments
/// asked for.
pub fn agent_session_scores(
    connection: &Connection,
    agent: &str,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<SessionScore>, ApiError> {
    let columns = "sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms, sc.id";
    let environment = in_clause("sc.environment", 4);
    let sql = format!(
        "WITH chosen AS ({AGENT_SESSIONS})
         SELECT chosen.session_id, {columns}
         FROM chosen JOIN scores AS sc ON sc.session_id = chosen.session_id
         WHERE sc.trace_id IS NULL AND sc.observation_id IS NULL AND {environment}
         UNION ALL
         SELECT chosen.session_id, {columns}
         FROM chosen JOIN traces AS t ON t.session_id = chosen.session_id
         JOIN trace_agents AS ta ON ta.trace_key = t.key AND ta.agent = ?1
         JOIN scores AS sc ON sc.trace_id = t.id
         WHERE sc.observation_id IS NULL AND {environment}
         UNION ALL
         SELECT chosen.session_id, {columns}
         FROM chosen JOIN observations AS o ON o.session_id = chosen.session_id
         JOIN scores AS sc ON sc.observation_id = o.id AND sc.trace_id = o.trace_id
         WHERE o.agent = ?1 AND {environment}"
    );
    let rows = connection
        .prepare_cached(&sql)?
        .query_map(
            params![agent, range.lower(), range.upper(), environments.json],
            |row| {
                Ok(SessionScore {
                    session_id: row.get(0)?,
                    score: RawScore::from_row(row, 1)?,
                    id: row.get(6)?,
                })
            },
        )?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
