//! `GET /api/scores`: each score name's average, distribution, category
//! shares and trend, optionally for one agent.

use actix_web::{HttpRequest, HttpResponse, get, web};
use shared_schema::rows::ROLL_UP;

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{
    EnvironmentSelection, QueryParams, ScoreListParams, check_id, check_series_length,
};
use crate::state::{AppState, Rendered};
use crate::wire::scores::{ScoreSummaryList, score_summaries};

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
                && (agent == ROLL_UP || !db::agents::agent_exists(connection, agent)?)
            {
                return Err(ApiError::unknown_agent("agent", agent));
            }
            let environments = db::environments::resolve(connection, &environments)?;
            let cells = db::scores::score_summary_cells(
                connection,
                range,
                agent.as_deref(),
                &environments,
            )?;
            Rendered::json(&ScoreSummaryList {
                items: score_summaries(cells, range),
            })
        })
        .await
}
