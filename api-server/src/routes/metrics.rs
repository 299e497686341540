//! `GET /api/metrics/daily`: one point per UTC day of the range, zero-filled.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::db::figures::Filter;
use crate::error::{ApiError, ErrorBody};
use crate::params::{DailyParams, EnvironmentSelection, QueryParams, check_series_length};
use crate::state::{AppState, Rendered};
use crate::wire::metrics::{DailyPoint, DailySeries};

/// Per-day figures, optionally for one agent and/or model.
#[utoipa::path(tag = "metrics", params(DailyParams), responses(
    (status = 200, description = "One point per UTC day, ascending", body = DailySeries),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/metrics/daily")]
pub async fn get_daily_metrics(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<DailyParams>(request.query_string())?;
    let range = params.range()?;
    check_series_length(range)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let filter = Filter {
                agent: params.get("agent").map(str::to_string),
                model: params.get("model").map(str::to_string),
                environments: db::environments::resolve(source.connection, &environments)?,
            };
            let items = db::figures::daily_figures(source, range, &filter)?
                .into_iter()
                .map(|(date, figures)| DailyPoint::new(date, &figures))
                .collect();
            Rendered::json(&DailySeries { items })
        })
        .await
}
