//! `GET /api/compare/agents`: two to eight agents side by side over the
//! same range, with their scores.

use actix_web::{HttpRequest, HttpResponse, get, web};
use shared_schema::rows::ROLL_UP;

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::compare::parse_agents;
use crate::params::{CompareParams, EnvironmentSelection, QueryParams};
use crate::state::{AppState, Rendered};
use crate::wire::agents::AgentStats;
use crate::wire::compare::AgentComparison;

/// Agents side by side: cost, tokens, latency percentiles, error rate,
/// scores.
#[utoipa::path(tag = "agents", params(CompareParams), responses(
    (status = 200, description = "The agents' figures, in the order asked", body = AgentComparison),
    (status = 400, description = "A parameter is invalid (e.g. fewer than 2 agents)", body = ErrorBody),
    (status = 404, description = "An agent was never seen", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/compare/agents")]
pub async fn get_agent_comparison(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<CompareParams>(request.query_string())?;
    let range = params.range()?;
    let agents = parse_agents(params.get("agents"))?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            for agent in &agents {
                if agent == ROLL_UP || !db::agents::agent_exists(source.connection, agent)? {
                    return Err(ApiError::unknown_agent("agents", agent));
                }
            }
            // Each agent from its own rows: what `/api/agents` lists for it,
            // without reading the other agents' rows.
            let mut items = Vec::with_capacity(agents.len());
            for agent in &agents {
                let figures =
                    db::agents::agent_figures(source, range, &environments, Some(agent))?.pop();
                items.push(match figures {
                    Some(figures) => AgentStats::with_scores(
                        figures,
                        db::scores::scores_of_agent(
                            source.connection,
                            range,
                            agent,
                            &environments,
                        )?,
                    ),
                    // Seen, but not in this range: all zeros.
                    None => AgentStats::empty(agent),
                });
            }
            Rendered::json(&AgentComparison { items })
        })
        .await
}
