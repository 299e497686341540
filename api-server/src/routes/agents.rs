//! `GET /api/agents` (per-agent figures, or CSV) and `GET /api/agents/{name}`
//! (one agent with its daily series, model mix and recent sessions).

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpRequest, HttpResponse, get, web};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use shared_schema::histogram::LatencyHistogram;
use utoipa::ToSchema;

use crate::aggregate::{
    Figures, Filter, GroupBy, Source, agent_model_pairs, figures_by, figures_of,
};
use crate::csv::{csv_line, range_filename};
use crate::environments::{EnvironmentSelection, Environments};
use crate::error::{ApiError, ErrorBody};
use crate::params::{AgentDetailParams, AgentListParams};
use crate::params::{QueryParams, TimeRange, check_id, check_series_length};
use crate::routes::metrics::{DailyPoint, daily_series};
use crate::routes::scores::{AgentScore, attach_session_scores, scores_by_agent};
use crate::routes::sessions::{SESSION_COLUMNS, SessionSummary, session_from_row};
use crate::routes::{string_list, usd};
use crate::state::{AppState, Rendered};

const RECENT_SESSIONS: i64 = 20;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStats {
    pub agent: String,
    /// Sessions the agent took part in (starting in the range).
    pub sessions: i64,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub warnings: i64,
    /// errors / observations.
    pub error_rate: f64,
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
    pub latency_p99_ms: Option<i64>,
    /// Models the agent called.
    pub models: Vec<String>,
    /// Scores attributed to the agent in the range, by name.
    pub scores: Vec<AgentScore>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentList {
    /// By total cost, highest first.
    pub items: Vec<AgentStats>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelShare {
    pub model: String,
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDetail {
    #[serde(flatten)]
    pub stats: AgentStats,
    pub daily: Vec<DailyPoint>,
    pub model_mix: Vec<ModelShare>,
    /// The latest 20 sessions with this agent, newest first.
    pub recent_sessions: Vec<SessionSummary>,
}

impl AgentStats {
    /// An agent without activity in a range.
    pub fn empty(agent: &str) -> AgentStats {
        stats_from_figures(agent.to_string(), &Figures::default(), Vec::new())
    }
}

fn stats_from_figures(agent: String, figures: &Figures, models: Vec<String>) -> AgentStats {
    AgentStats {
        agent,
        sessions: figures.sessions,
        traces: figures.traces,
        observations: figures.observations,
        generations: figures.generations,
        total_cost: usd(figures.cost_nanousd),
        input_tokens: figures.input_tokens,
        output_tokens: figures.output_tokens,
        total_tokens: figures.total_tokens,
        errors: figures.errors,
        warnings: figures.warnings,
        error_rate: figures.error_rate(),
        latency_p50_ms: figures.latency_percentile(0.50),
        latency_p95_ms: figures.latency_percentile(0.95),
        latency_p99_ms: figures.latency_percentile(0.99),
        models,
        scores: Vec::new(),
    }
}

const CACHE_COLUMNS: &str = "agent, sessions, traces, observations, generations, cost_nanousd, \
    input_tokens, output_tokens, total_tokens, errors, warnings, latency_histogram, models";

/// All-time figures per agent from `agent_stats_cache`, its rows of the
/// chosen environments merged (histograms exactly); `agent` picks one.
fn cached_agent_stats(
    connection: &Connection,
    environments: &Environments,
    agent: Option<&str>,
) -> Result<Vec<AgentStats>, ApiError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {CACHE_COLUMNS} FROM agent_stats_cache
         WHERE environment IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR agent = ?2)"
    ))?;
    let mut rows = statement.query(params![environments.json, agent])?;
    let mut merged: BTreeMap<String, (Figures, BTreeSet<String>)> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let latency = match row.get::<_, Option<Vec<u8>>>(11)? {
            Some(blob) => LatencyHistogram::from_blob(&blob).map_err(|error| {
                ApiError::Malformed(format!("agent_stats_cache {name}: {error}"))
            })?,
            None => LatencyHistogram::new(),
        };
        let figures = Figures {
            sessions: row.get(1)?,
            traces: row.get(2)?,
            observations: row.get(3)?,
            generations: row.get(4)?,
            cost_nanousd: row.get(5)?,
            input_tokens: row.get(6)?,
            output_tokens: row.get(7)?,
            total_tokens: row.get(8)?,
            errors: row.get(9)?,
            warnings: row.get(10)?,
            latency,
        };
        let (total, models) = merged.entry(name).or_default();
        total.add(&figures);
        models.extend(string_list(row.get(12)?));
    }
    Ok(merged
        .into_iter()
        .map(|(name, (figures, models))| {
            stats_from_figures(name, &figures, models.into_iter().collect())
        })
        .collect())
}

/// Every agent's figures over `range` in `environments` (all time from
/// `agent_stats_cache`), with their scores.
pub fn agent_stats(
    source: &Source<'_>,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<AgentStats>, ApiError> {
    let mut items: Vec<AgentStats> = if range.is_all_time() {
        cached_agent_stats(source.connection, environments, None)?
    } else {
        let filter = Filter::in_environments(environments.clone());
        let by_agent = figures_by(source, range, &filter, GroupBy::Agent)?;
        let mut models: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (agent, model) in agent_model_pairs(source, range, environments)? {
            models.entry(agent).or_default().push(model);
        }
        by_agent
            .into_iter()
            .map(|(agent, figures)| {
                let agent_models = models.remove(&agent).unwrap_or_default();
                stats_from_figures(agent, &figures, agent_models)
            })
            .collect()
    };
    items.sort_by(|a, b| {
        b.total_cost
            .total_cmp(&a.total_cost)
            .then_with(|| a.agent.cmp(&b.agent))
    });
    let mut scores = scores_by_agent(source.connection, range, environments)?;
    for item in &mut items {
        item.scores = scores.remove(&item.agent).unwrap_or_default();
    }
    Ok(items)
}

fn agents_csv(items: &[AgentStats]) -> String {
    let mut out = csv_line(
        &[
            "agent",
            "sessions",
            "traces",
            "observations",
            "generations",
            "totalCostUsd",
            "inputTokens",
            "outputTokens",
            "totalTokens",
            "errors",
            "warnings",
            "errorRate",
            "latencyP50Ms",
            "latencyP95Ms",
            "latencyP99Ms",
            "models",
        ]
        .map(String::from),
    );
    let opt = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for a in items {
        out.push_str(&csv_line(&[
            a.agent.clone(),
            a.sessions.to_string(),
            a.traces.to_string(),
            a.observations.to_string(),
            a.generations.to_string(),
            format!("{:.9}", a.total_cost),
            a.input_tokens.to_string(),
            a.output_tokens.to_string(),
            a.total_tokens.to_string(),
            a.errors.to_string(),
            a.warnings.to_string(),
            format!("{:.6}", a.error_rate),
            opt(a.latency_p50_ms),
            opt(a.latency_p95_ms),
            opt(a.latency_p99_ms),
            a.models.join(" "),
        ]));
    }
    out
}

/// Every agent's figures, by cost.
#[utoipa::path(tag = "agents", params(AgentListParams), responses(
    (status = 200, description = "Agents by total cost (or `text/csv` with format=csv)", body = AgentList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/agents")]
pub async fn get_agents(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<AgentListParams>(request.query_string())?;
    let range = params.range()?;
    let csv = params.choice("format", &["json", "csv"], "json")? == "csv";
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = environments.resolve(source.connection)?;
            let items = agent_stats(source, range, &environments)?;
            if csv {
                Ok(Rendered::csv(
                    agents_csv(&items),
                    range_filename("cupid-agents", range),
                ))
            } else {
                Ok(Rendered::json(&AgentList { items })?)
            }
        })
        .await
}

pub fn agent_exists(connection: &Connection, agent: &str) -> Result<bool, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT 1 FROM agent_stats_cache WHERE agent = ?1
             UNION ALL SELECT 1 FROM daily_metrics WHERE agent = ?1 LIMIT 1",
        )?
        .query_row([agent], |_| Ok(()))
        .optional()?
        .is_some())
}

fn agent_detail(
    source: &Source<'_>,
    agent: &str,
    range: TimeRange,
    environments: &Environments,
) -> Result<Option<AgentDetail>, ApiError> {
    let connection = source.connection;
    if agent == "*" || !agent_exists(connection, agent)? {
        return Ok(None);
    }
    let filter = Filter {
        agent: Some(agent.to_string()),
        model: None,
        environments: environments.clone(),
    };
    let stats = if range.is_all_time() {
        cached_agent_stats(connection, environments, Some(agent))?.pop()
    } else {
        None
    };
    let by_model = figures_by(source, range, &filter, GroupBy::Model)?;
    let stats = match stats {
        Some(stats) => stats,
        None => {
            // Day grouping shares its cached hours with the daily series.
            let figures = figures_of(source, range, &filter)?;
            stats_from_figures(
                agent.to_string(),
                &figures,
                by_model.keys().cloned().collect(),
            )
        }
    };
    let mut model_mix: Vec<ModelShare> = by_model
        .into_iter()
        .map(|(model, figures)| ModelShare {
            model,
            generations: figures.generations,
            total_cost: usd(figures.cost_nanousd),
            input_tokens: figures.input_tokens,
            output_tokens: figures.output_tokens,
            total_tokens: figures.total_tokens,
        })
        .collect();
    model_mix.sort_by(|a, b| {
        b.total_cost
            .total_cmp(&a.total_cost)
            .then_with(|| a.model.cmp(&b.model))
    });
    let mut stats = stats;
    stats.scores = scores_by_agent(connection, range, environments)?
        .remove(agent)
        .unwrap_or_default();
    let mut recent_sessions: Vec<SessionSummary> = connection
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM session_agents AS sa
             JOIN sessions AS s ON s.id = sa.session_id
             WHERE sa.agent = ?1 AND sa.start_time_ms >= ?2 AND sa.start_time_ms < ?3
               AND EXISTS (SELECT 1 FROM session_environments AS se
                           WHERE se.session_id = sa.session_id
                             AND se.environment IN (SELECT value FROM json_each(?5)))
             ORDER BY sa.start_time_ms DESC, sa.session_id DESC
             LIMIT ?4"
        ))?
        .query_map(
            params![
                agent,
                range.lower(),
                range.upper(),
                RECENT_SESSIONS,
                environments.json
            ],
            session_from_row,
        )?
        .collect::<Result<_, _>>()?;
    attach_session_scores(connection, &mut recent_sessions)?;
    Ok(Some(AgentDetail {
        stats,
        daily: daily_series(source, range, &filter)?,
        model_mix,
        recent_sessions,
    }))
}

/// One agent: its figures, daily series, model mix and latest sessions.
#[utoipa::path(tag = "agents",
    params(("name" = String, Path, description = "The agent's name"), AgentDetailParams),
    responses(
        (status = 200, description = "The agent", body = AgentDetail),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such agent", body = ErrorBody),
        (status = 503, description = "No synced data yet", body = ErrorBody),
    ))]
#[get("/api/agents/{name}")]
pub async fn get_agent(
    state: web::Data<AppState>,
    request: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<AgentDetailParams>(request.query_string())?;
    let range = params.range()?;
    check_series_length(range)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    let name = name.into_inner();
    check_id("name", &name)?;
    state
        .respond(&request, move |source| {
            let environments = environments.resolve(source.connection)?;
            let detail = agent_detail(source, &name, range, &environments)?
                .ok_or_else(|| ApiError::unknown_agent("name", &name))?;
            Rendered::json(&detail)
        })
        .await
}
