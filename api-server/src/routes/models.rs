//! `GET /api/models`: cost, tokens, generations and latency per model.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::aggregate::{Filter, GroupBy, agent_model_pairs, figures_by};
use crate::environments::EnvironmentSelection;
use crate::error::{ApiError, ErrorBody};
use crate::params::{QueryParams, RangeParams};
use crate::routes::usd;
use crate::state::{AppState, Rendered};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelStats {
    pub model: String,
    pub generations: i64,
    /// Observations of any type with this model.
    pub observations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
    /// Agents that called this model.
    pub agents: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    /// By total cost, highest first.
    pub items: Vec<ModelStats>,
}

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
            let environments = environments.resolve(source.connection)?;
            let filter = Filter::in_environments(environments.clone());
            let by_model = figures_by(source, range, &filter, GroupBy::Model)?;
            let mut agents: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (agent, model) in agent_model_pairs(source, range, &environments)? {
                agents.entry(model).or_default().push(agent);
            }
            let mut items: Vec<ModelStats> = by_model
                .into_iter()
                .map(|(model, figures)| ModelStats {
                    agents: agents.remove(&model).unwrap_or_default(),
                    model,
                    generations: figures.generations,
                    observations: figures.observations,
                    total_cost: usd(figures.cost_nanousd),
                    input_tokens: figures.input_tokens,
                    output_tokens: figures.output_tokens,
                    total_tokens: figures.total_tokens,
                    errors: figures.errors,
                    latency_p50_ms: figures.latency_percentile(0.50),
                    latency_p95_ms: figures.latency_percentile(0.95),
                })
                .collect();
            items.sort_by(|a, b| {
                b.total_cost
                    .total_cmp(&a.total_cost)
                    .then_with(|| a.model.cmp(&b.model))
            });
            Rendered::json(&ModelList { items })
        })
        .await
}
