//! `GET /api/models`: cost, tokens, generations and latency per model.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::db::figures::{Filter, GroupBy, agent_model_pairs, figures_by};
use crate::error::{ApiError, ErrorBody};
use crate::params::{EnvironmentSelection, QueryParams, RangeParams};
use crate::state::{AppState, Rendered};
use crate::wire::models::ModelList;

/// Per-model figures, by cost.
#[utoipa::path(tag = "models", params(RangeParams), responses(
    (status = 200, description = "Models by total cost", body = ModelList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/models")]
pub async fn get_models(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<RangeParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            let filter = Filter::in_environments(environments.clone());
            let by_model = figures_by(source, range, &filter, GroupBy::Model)?;
            let mut agents: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (agent, model) in agent_model_pairs(source, range, &environments)? {
                agents.entry(model).or_default().push(agent);
            }
            Rendered::json(&ModelList::new(by_model, agents))
        })
        .await
}
