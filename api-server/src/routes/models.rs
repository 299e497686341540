//! `GET /api/models`: cost, tokens, generations and latency per model (or
//! CSV); `GET /api/models/daily`: the costliest models per UTC day.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::csv::{models_csv, range_filename};
use crate::db;
use crate::db::figures::{Filter, GroupBy, daily_figures, figures_and_pairs_by, figures_by};
use crate::error::{ApiError, ErrorBody};
use crate::params::{
    EnvironmentSelection, ModelListParams, QueryParams, RangeParams, check_series_length,
};
use crate::state::{AppState, Rendered};
use crate::wire::metrics::DailyPoint;
use crate::wire::models::{ModelDailySeries, ModelList, ModelSeries};
use crate::wire::usd;

/// Models drawn in the daily trend; the rest are in the list and the CSV.
const MAX_TREND_MODELS: usize = 12;

/// Per-model figures, by cost.
#[utoipa::path(tag = "models", params(ModelListParams), responses(
    (status = 200, description = "Models by total cost (or `text/csv` with format=csv)", body = ModelList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/models")]
pub async fn get_models(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<ModelListParams>(request.query_string())?;
    let range = params.range()?;
    let csv = params.choice("format", &["json", "csv"], "json")? == "csv";
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            let (by_model, pairs) = figures_and_pairs_by(
                source,
                range,
                &Filter::in_environments(environments.clone()),
                GroupBy::Model,
            )?;
            let mut agents: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (agent, model) in pairs {
                agents.entry(model).or_default().push(agent);
            }
            let list = ModelList::new(by_model, agents);
            if csv {
                Ok(Rendered::csv(
                    models_csv(&list.items),
                    range_filename("cupid-models", range),
                ))
            } else {
                Rendered::json(&list)
            }
        })
        .await
}

/// The costliest models' figures per UTC day.
#[utoipa::path(tag = "models", params(RangeParams), responses(
    (status = 200, description = "One zero-filled daily series per model, costliest first", body = ModelDailySeries),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/models/daily")]
pub async fn get_model_daily(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<RangeParams>(request.query_string())?;
    let range = params.range()?;
    check_series_length(range)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            let filter = Filter::in_environments(environments.clone());
            let mut by_cost: Vec<(String, i64)> =
                figures_by(source, range, &filter, GroupBy::Model)?
                    .into_iter()
                    .map(|(model, figures)| (model, figures.totals.cost_nanousd))
                    .collect();
            by_cost.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let total = by_cost.len() as i64;
            let mut items = Vec::new();
            for (model, cost_nanousd) in by_cost.into_iter().take(MAX_TREND_MODELS) {
                let of_model = Filter {
                    model: Some(model.clone()),
                    ..filter.clone()
                };
                let points = daily_figures(source, range, &of_model)?
                    .into_iter()
                    .map(|(date, figures)| DailyPoint::new(date, &figures))
                    .collect();
                items.push(ModelSeries {
                    model,
                    total_cost: usd(cost_nanousd),
                    points,
                });
            }
            Rendered::json(&ModelDailySeries { items, total })
        })
        .await
}
