//! `GET /api/scores` (each score name's average, distribution, category
//! shares and trend, optionally for one agent) and `GET /api/outcomes` (cost
//! per categorical outcome), plus the score lists that sessions and agents
//! carry.
//!
//! Attribution: a score belongs to its observation's agent when it has an
//! observation; else to the agents of its trace; else to the agents of its
//! session. A score is in a range by its timestamp.

use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpRequest, HttpResponse, get, web};
use rusqlite::{Connection, params};
use serde::Serialize;
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::environments::{EnvironmentSelection, Environments, session_in};
use crate::error::{ApiError, ErrorBody};
use crate::params::{OutcomeParams, ScoreListParams};
use crate::params::{QueryParams, TimeRange, check_id, check_series_length, day_ceil, day_floor};
use crate::routes::agents::agent_exists;
use crate::routes::sessions::SessionSummary;
use crate::routes::{iso, usd};
use crate::state::{AppState, Rendered};

const HISTOGRAM_BINS: usize = 10;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistogramBin {
    pub from: f64,
    pub to: f64,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryShare {
    pub value: String,
    pub count: i64,
    /// count / the name's scores, 0..1.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub count: i64,
    /// Of the numeric (and boolean, as 0/1) values; null without any.
    pub average: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSummary {
    pub name: String,
    /// `NUMERIC`, `CATEGORICAL` or `BOOLEAN` (the latest score's type).
    pub data_type: String,
    pub count: i64,
    /// NUMERIC and BOOLEAN (as 0/1) only.
    pub average: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// NUMERIC: 10 equal-width bins over [min, max] (one bin when they are
    /// equal); otherwise empty.
    pub histogram: Vec<HistogramBin>,
    /// CATEGORICAL and BOOLEAN (`true`/`false`): the share of each value,
    /// most frequent first; otherwise empty.
    pub categories: Vec<CategoryShare>,
    /// Zero-filled over the range (or the days with scores without one).
    pub daily: Vec<ScoreDay>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreSummaryList {
    /// By name.
    pub items: Vec<ScoreSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The score name, e.g. `match_outcome`.
    pub name: String,
    /// The category, e.g. `match` (`true`/`false` for BOOLEAN scores).
    pub value: String,
    /// Sessions starting in the range whose latest score of this name has
    /// this value.
    pub sessions: i64,
    /// USD, the summed cost of those sessions.
    pub total_cost: f64,
    /// USD per session; null without sessions.
    pub cost_per_session: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeList {
    /// By name, then by sessions (most first).
    pub items: Vec<Outcome>,
}

/// The latest score of one name on a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatestScore {
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
}

/// One score as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreEntry {
    pub id: String,
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub comment: Option<String>,
    pub trace_id: Option<String>,
    pub observation_id: Option<String>,
    pub timestamp: String,
}

/// An agent's scores over a range, per name.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentScore {
    pub name: String,
    pub data_type: String,
    pub count: i64,
    /// NUMERIC and BOOLEAN (as 0/1) only.
    pub average: Option<f64>,
}

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
    fn numeric(&self) -> Option<f64> {
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

/// Scores in `range` and the environments bound at ?3, each with the agent
/// it is attributed to (a score of a trace or session with several agents
/// appears once per agent).
const ATTRIBUTED_SCORES: &str = "
    WITH ranged AS (
        SELECT id, trace_id, observation_id, session_id, name, data_type, value,
               string_value, timestamp_ms
        FROM scores WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2
          AND environment IN (SELECT value FROM json_each(?3))
    ),
    attributed AS (
        SELECT r.id AS score_id, o.agent AS agent
        FROM ranged AS r JOIN observations AS o ON o.id = r.observation_id
        UNION ALL
        SELECT r.id, ta.agent
        FROM ranged AS r JOIN trace_agents AS ta ON ta.trace_id = r.trace_id
        WHERE r.observation_id IS NULL
        UNION ALL
        SELECT r.id, sa.agent
        FROM ranged AS r JOIN session_agents AS sa ON sa.session_id = r.session_id
        WHERE r.observation_id IS NULL AND r.trace_id IS NULL
    )
    SELECT a.agent, r.name, r.data_type, r.value, r.string_value, r.timestamp_ms
    FROM attributed AS a JOIN ranged AS r ON r.id = a.score_id";

fn scored_value(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<ScoredValue> {
    Ok(ScoredValue {
        name: row.get(first)?,
        data_type: row.get(first + 1)?,
        value: row.get(first + 2)?,
        string_value: row.get(first + 3)?,
        timestamp_ms: row.get(first + 4)?,
    })
}

/// Every score in `range` and `environments`, or those attributed to `agent`.
fn scores_in_range(
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
            .prepare_cached(&format!("{ATTRIBUTED_SCORES} WHERE a.agent = ?4"))?
            .query_map(params![lower, upper, environments.json, agent], |row| {
                scored_value(row, 1)
            })?
            .collect::<Result<_, _>>()?,
    };
    Ok(rows)
}

/// Every agent's scores in `range` and `environments`, by agent.
pub fn scores_by_agent(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<HashMap<String, Vec<AgentScore>>, ApiError> {
    let mut by_agent: HashMap<String, BTreeMap<String, Vec<ScoredValue>>> = HashMap::new();
    let mut statement = connection.prepare_cached(ATTRIBUTED_SCORES)?;
    let mut rows = statement.query(params![range.lower(), range.upper(), environments.json])?;
    while let Some(row) = rows.next()? {
        let agent: String = row.get(0)?;
        let score = scored_value(row, 1)?;
        by_agent
            .entry(agent)
            .or_default()
            .entry(score.name.clone())
            .or_default()
            .push(score);
    }
    Ok(by_agent
        .into_iter()
        .map(|(agent, names)| {
            let scores = names
                .into_iter()
                .map(|(name, values)| agent_score(name, &values))
                .collect();
            (agent, scores)
        })
        .collect())
}

fn latest_data_type(values: &[ScoredValue]) -> String {
    values
        .iter()
        .max_by_key(|score| score.timestamp_ms)
        .map(|score| score.data_type.clone())
        .unwrap_or_else(|| "NUMERIC".into())
}

fn average(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn agent_score(name: String, values: &[ScoredValue]) -> AgentScore {
    let numeric: Vec<f64> = values.iter().filter_map(ScoredValue::numeric).collect();
    AgentScore {
        name,
        data_type: latest_data_type(values),
        count: values.len() as i64,
        average: average(&numeric),
    }
}

/// 10 equal-width bins over [min, max]; the last bin includes max.
pub fn equal_width_histogram(values: &[f64], bins: usize) -> Vec<HistogramBin> {
    let Some(min) = values.iter().copied().reduce(f64::min) else {
        return Vec::new();
    };
    let max = values.iter().copied().fold(min, f64::max);
    if max <= min {
        return vec![HistogramBin {
            from: min,
            to: max,
            count: values.len() as i64,
        }];
    }
    let width = (max - min) / bins as f64;
    let mut counts = vec![0i64; bins];
    for value in values {
        let index = (((value - min) / width) as usize).min(bins - 1);
        counts[index] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(index, count)| HistogramBin {
            from: min + width * index as f64,
            to: if index + 1 == bins {
                max
            } else {
                min + width * (index + 1) as f64
            },
            count,
        })
        .collect()
}

fn summarise(name: String, values: &[ScoredValue], days: Option<(i64, i64)>) -> ScoreSummary {
    let data_type = latest_data_type(values);
    let numeric: Vec<f64> = values.iter().filter_map(ScoredValue::numeric).collect();
    let histogram = if data_type == "NUMERIC" {
        equal_width_histogram(&numeric, HISTOGRAM_BINS)
    } else {
        Vec::new()
    };
    let mut category_counts: BTreeMap<String, i64> = BTreeMap::new();
    if data_type != "NUMERIC" {
        for category in values.iter().filter_map(ScoredValue::category) {
            *category_counts.entry(category).or_default() += 1;
        }
    }
    let mut categories: Vec<CategoryShare> = category_counts
        .into_iter()
        .map(|(value, count)| CategoryShare {
            value,
            count,
            share: count as f64 / values.len() as f64,
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let mut per_day: BTreeMap<i64, (i64, Vec<f64>)> = BTreeMap::new();
    for score in values {
        let entry = per_day.entry(day_floor(score.timestamp_ms)).or_default();
        entry.0 += 1;
        entry.1.extend(score.numeric());
    }
    let day_starts: Vec<i64> = match days {
        Some((first, end)) => (0..)
            .map(|index| first + index * MS_PER_DAY)
            .take_while(|day| *day < end)
            .collect(),
        None => per_day.keys().copied().collect(),
    };
    let daily = day_starts
        .into_iter()
        .map(|day| {
            let (count, numbers) = per_day.get(&day).cloned().unwrap_or_default();
            ScoreDay {
                date: ms_to_day(day),
                count,
                average: average(&numbers),
            }
        })
        .collect();
    ScoreSummary {
        name,
        data_type,
        count: values.len() as i64,
        average: average(&numeric),
        min: numeric.iter().copied().reduce(f64::min),
        max: numeric.iter().copied().reduce(f64::max),
        histogram,
        categories,
        daily,
    }
}

fn score_summaries(
    connection: &Connection,
    range: TimeRange,
    agent: Option<&str>,
    environments: &Environments,
) -> Result<Vec<ScoreSummary>, ApiError> {
    let mut by_name: BTreeMap<String, Vec<ScoredValue>> = BTreeMap::new();
    for score in scores_in_range(connection, range, agent, environments)? {
        by_name.entry(score.name.clone()).or_default().push(score);
    }
    let days = range
        .from_ms
        .zip(range.to_ms)
        .map(|(from, to)| (day_floor(from), day_ceil(to)));
    Ok(by_name
        .into_iter()
        .map(|(name, values)| summarise(name, &values, days))
        .collect())
}

/// Each score name over the range: average, distribution, shares, trend.
#[utoipa::path(tag = "scores", params(ScoreListParams), responses(
    (status = 200, description = "One summary per score name, by name", body = ScoreSummaryList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 404, description = "No such agent", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/scores")]
pub async fn get_scores(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<ScoreListParams>(request.query_string())?;
    let range = params.range()?;
    check_series_length(range)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    let agent = params.get("agent").map(str::to_string);
    if let Some(agent) = &agent {
        check_id("agent", agent)?;
    }
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            if let Some(agent) = &agent
                && (agent == "*" || !agent_exists(connection, agent)?)
            {
                return Err(ApiError::unknown_agent("agent", agent));
            }
            let environments = environments.resolve(connection)?;
            let items = score_summaries(connection, range, agent.as_deref(), &environments)?;
            Rendered::json(&ScoreSummaryList { items })
        })
        .await
}

/// The session a score belongs to: its own, its trace's or its
/// observation's.
const SCORES_WITH_SESSION: &str = "
    SELECT coalesce(sc.session_id, t.session_id, o.session_id) AS session,
           sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms, sc.id
    FROM scores AS sc
    LEFT JOIN traces AS t ON t.id = sc.trace_id
    LEFT JOIN observations AS o ON o.id = sc.observation_id";

fn outcomes(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<Outcome>, ApiError> {
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
    let mut items: Vec<Outcome> = groups
        .into_iter()
        .map(|((name, value), (sessions, cost))| Outcome {
            name,
            value,
            sessions,
            total_cost: usd(cost),
            cost_per_session: (sessions > 0).then(|| usd(cost) / sessions as f64),
        })
        .collect();
    items.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| b.sessions.cmp(&a.sessions))
            .then_with(|| a.value.cmp(&b.value))
    });
    Ok(items)
}

/// Cost per outcome: for each categorical (or boolean) score name and value,
/// the sessions whose latest score of that name has it, and their cost.
#[utoipa::path(tag = "scores", params(OutcomeParams), responses(
    (status = 200, description = "Sessions and cost per score value", body = OutcomeList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/outcomes")]
pub async fn get_outcomes(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<OutcomeParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = environments.resolve(source.connection)?;
            let items = outcomes(source.connection, range, &environments)?;
            Rendered::json(&OutcomeList { items })
        })
        .await
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
pub fn session_scores(connection: &Connection, session: &str) -> Result<Vec<ScoreEntry>, ApiError> {
    Ok(connection
        .prepare_cached(SESSION_SCORES)?
        .query_map([session], |row| {
            Ok(ScoreEntry {
                id: row.get(0)?,
                name: row.get(1)?,
                data_type: row.get(2)?,
                value: row.get(3)?,
                string_value: row.get(4)?,
                comment: row.get(5)?,
                trace_id: row.get(6)?,
                observation_id: row.get(7)?,
                timestamp: iso(row.get(8)?),
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The latest score per name, by name.
pub fn latest_per_name(scores: &[ScoreEntry]) -> Vec<LatestScore> {
    let mut latest: BTreeMap<&str, &ScoreEntry> = BTreeMap::new();
    // In time order, so a later score replaces an earlier one.
    for score in scores {
        latest.insert(&score.name, score);
    }
    latest
        .into_values()
        .map(|score| LatestScore {
            name: score.name.clone(),
            data_type: score.data_type.clone(),
            value: score.value,
            string_value: score.string_value.clone(),
        })
        .collect()
}

/// Fills in each session's latest scores.
pub fn attach_session_scores<'a>(
    connection: &Connection,
    sessions: impl IntoIterator<Item = &'a mut SessionSummary>,
) -> Result<(), ApiError> {
    for session in sessions {
        session.scores = latest_per_name(&session_scores(connection, &session.id)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(latest_per_name(&scores).len(), 3);
    }

    #[test]
    fn histogram_bins_cover_min_to_max_and_count_every_value() {
        let values = [0.0, 0.05, 0.1, 0.5, 0.99, 1.0];
        let bins = equal_width_histogram(&values, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[0].from, 0.0);
        assert_eq!(bins[9].to, 1.0);
        assert_eq!(bins.iter().map(|bin| bin.count).sum::<i64>(), 6);
        assert_eq!(bins[0].count, 2);
        assert_eq!(bins[9].count, 2);
    }

    #[test]
    fn equal_values_make_one_bin_and_no_values_none() {
        assert_eq!(equal_width_histogram(&[3.0, 3.0], 10).len(), 1);
        assert!(equal_width_histogram(&[], 10).is_empty());
    }

    #[test]
    fn booleans_count_as_numbers_and_as_true_false_categories() {
        let score = |value: f64| ScoredValue {
            name: "win".into(),
            data_type: "BOOLEAN".into(),
            value: Some(value),
            string_value: None,
            timestamp_ms: 0,
        };
        let summary = summarise("win".into(), &[score(1.0), score(0.0), score(1.0)], None);
        assert!((summary.average.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!(summary.histogram.is_empty());
        assert_eq!(summary.categories[0].value, "true");
        assert_eq!(summary.categories[0].count, 2);
        assert_eq!(summary.categories[1].value, "false");
    }
}
