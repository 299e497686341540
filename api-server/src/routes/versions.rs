//! `GET /api/versions`: did the new version win? One agent's figures per
//! release, version or prompt, with 95 % intervals and the change from the
//! version seen before.

use actix_web::{HttpRequest, HttpResponse, get, web};
use shared_schema::rows::ROLL_UP;

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::versions::{VersionParams, VersionRequest};
use crate::params::{EnvironmentSelection, QueryParams};
use crate::state::{AppState, Rendered};
use crate::wire::versions::VersionList;

/// One agent's versions side by side: sessions, LLM calls, cost per
/// session, tokens per call, error rate, latency percentiles and scores,
/// each with its 95 % interval and the difference to the previous version
/// (by first seen), flagged where the intervals do not overlap.
#[utoipa::path(tag = "agents", params(VersionParams), responses(
    (status = 200, description = "The agent's versions, oldest first", body = VersionList),
    (status = 400, description = "A parameter is invalid (e.g. no agent, an unknown `by`)", body = ErrorBody),
    (status = 404, description = "The agent was never seen", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/versions")]
pub async fn get_versions(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<VersionParams>(request.query_string())?;
    let range = params.range()?;
    let wanted = VersionRequest::from_params(&params)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            if wanted.agent == ROLL_UP || !db::agents::agent_exists(connection, &wanted.agent)? {
                return Err(ApiError::unknown_agent("agent", &wanted.agent));
            }
            let environments = db::environments::resolve(connection, &environments)?;
            let observations = db::versions::agent_observations(
                connection,
                &wanted.agent,
                wanted.by,
                range,
                &environments,
            )?;
            let scores = db::versions::agent_session_scores(
                connection,
                &wanted.agent,
                range,
                &environments,
            )?;
            Rendered::json(&VersionList::new(
                &wanted.agent,
                wanted.by,
                observations,
                scores,
            ))
        })
        .await
}
