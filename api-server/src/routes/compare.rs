//! `GET /api/compare/agents`: two to eight agents side by side over the
//! same range, with their scores.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::environments::EnvironmentSelection;
use crate::error::{ApiError, ErrorBody, InvalidParameter};
use crate::params::CompareParams;
use crate::params::{QueryParams, check_id};
use crate::routes::agents::{AgentStats, agent_exists, agent_stats};
use crate::state::{AppState, Rendered};

const MIN_AGENTS: usize = 2;
const MAX_AGENTS: usize = 8;

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentComparison {
    /// In the order asked for.
    pub items: Vec<AgentStats>,
}

/// The distinct agent names asked for, checked.
fn parse_agents(value: Option<&str>) -> Result<Vec<String>, InvalidParameter> {
    let value = value.ok_or_else(|| {
        InvalidParameter::new(
            "agents",
            format!("agents is required: {MIN_AGENTS} to {MAX_AGENTS} comma-separated agent names"),
        )
    })?;
    let mut agents: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(InvalidParameter::new(
                "agents",
                "agents contains an empty name; separate names with single commas",
            ));
        }
        check_id("agents", name)?;
        if agents.iter().any(|seen| seen == name) {
            return Err(InvalidParameter::new(
                "agents",
                format!("agents names {name:?} twice"),
            ));
        }
        agents.push(name.to_string());
    }
    if !(MIN_AGENTS..=MAX_AGENTS).contains(&agents.len()) {
        return Err(InvalidParameter::new(
            "agents",
            format!(
                "agents must name {MIN_AGENTS} to {MAX_AGENTS} agents, not {}",
                agents.len()
            ),
        ));
    }
    Ok(agents)
}

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
            let environments = environments.resolve(source.connection)?;
            for agent in &agents {
                if agent == "*" || !agent_exists(source.connection, agent)? {
                    return Err(ApiError::unknown_agent("agents", agent));
                }
            }
            let mut all = agent_stats(source, range, &environments)?;
            let items = agents
                .iter()
                .map(|agent| {
                    all.iter()
                        .position(|stats| &stats.agent == agent)
                        .map(|index| all.swap_remove(index))
                        // Seen, but not in this range: all zeros.
                        .unwrap_or_else(|| AgentStats::empty(agent))
                })
                .collect();
            Rendered::json(&AgentComparison { items })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lists_are_checked() {
        assert_eq!(parse_agents(Some("a, b")).unwrap(), vec!["a", "b"]);
        for bad in [
            None,
            Some("a"),
            Some("a,,b"),
            Some("a,a"),
            Some("a,b,c,d,e,f,g,h,i"),
        ] {
            assert_eq!(
                parse_agents(bad).unwrap_err().parameter,
                "agents",
                "{bad:?}"
            );
        }
    }
}
