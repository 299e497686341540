//! `GET /api/agents` (per-agent figures, or CSV) and `GET /api/agents/{name}`
//! (one agent with its daily series, model mix and recent sessions).

use actix_web::{HttpRequest, HttpResponse, get, web};
use shared_schema::rows::ROLL_UP;

use crate::csv::{agents_csv, range_filename};
use crate::db;
use crate::db::environments::Environments;
use crate::db::figures::{Filter, GroupBy, Source, figures_and_series, figures_by};
use crate::error::{ApiError, ErrorBody};
use crate::params::{
    AgentDetailParams, AgentListParams, EnvironmentSelection, QueryParams, TimeRange, check_id,
    check_series_length,
};
use crate::state::{AppState, Rendered};
use crate::wire::agents::{AgentDetail, AgentList, AgentStats, ModelShare};
use crate::wire::metrics::{DailyPoint, Granularity};
use crate::wire::scores::{agent_scores, latest_scores};
use crate::wire::sessions::SessionSummary;

const RECENT_SESSIONS: i64 = 20;

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
            let environments = db::environments::resolve(source.connection, &environments)?;
            let items = AgentStats::list(
                db::agents::agent_figures(source, range, &environments, None)?,
                db::scores::scores_by_agent(source.connection, range, &environments)?,
            );
            if csv {
                Ok(Rendered::csv(
                    agents_csv(&items),
                    range_filename("cupid-agents", range),
                ))
            } else {
                Rendered::json(&AgentList { items })
            }
        })
        .await
}

fn agent_detail(
    source: &Source<'_>,
    agent: &str,
    range: TimeRange,
    environments: &Environments,
) -> Result<Option<AgentDetail>, ApiError> {
    let connection = source.connection;
    if agent == ROLL_UP || !db::agents::agent_exists(connection, agent)? {
        return Ok(None);
    }
    let filter = Filter {
        agent: Some(agent.to_string()),
        model: None,
        environments: environments.clone(),
    };
    let cached = if range.is_all_time() {
        db::agents::cached_agent_figures(connection, environments, Some(agent))?.pop()
    } else {
        None
    };
    let by_model = figures_by(source, range, &filter, GroupBy::Model)?;
    let (figures, grain, points) = figures_and_series(source, range, &filter)?;
    let mut stats = match cached {
        Some(cached) => AgentStats::new(cached.agent, &cached.figures, cached.models),
        None => AgentStats::new(
            agent.to_string(),
            &figures,
            by_model.keys().cloned().collect(),
        ),
    };
    stats.scores = agent_scores(db::scores::scores_of_agent(
        connection,
        range,
        agent,
        environments,
    )?);
    let mut recent_sessions = Vec::new();
    for row in db::sessions::recent_sessions_of_agent(
        connection,
        agent,
        range,
        RECENT_SESSIONS,
        environments,
    )? {
        let scores = latest_scores(db::scores::latest_session_scores(connection, &row.id)?);
        recent_sessions.push(SessionSummary::new(row, scores));
    }
    Ok(Some(AgentDetail {
        stats,
        daily: DailyPoint::list(points),
        daily_granularity: Granularity::of(grain),
        model_mix: ModelShare::list(by_model),
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
            let environments = db::environments::resolve(source.connection, &environments)?;
            let detail = agent_detail(source, &name, range, &environments)?
                .ok_or_else(|| ApiError::unknown_agent("name", &name))?;
            Rendered::json(&detail)
        })
        .await
}
