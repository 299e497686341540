//! `GET /api/metrics/daily`: one point per UTC day of the range, or per UTC
//! hour when the range spans at most 48 hours, zero-filled; JSON or CSV.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::csv::{range_filename, series_csv};
use crate::db;
use crate::db::figures::Filter;
use crate::error::{ApiError, ErrorBody};
use crate::params::{DailyParams, EnvironmentSelection, QueryParams, check_series_length};
use crate::state::{AppState, Rendered};
use crate::wire::metrics::DailySeries;

/// Per-day (or per-hour) figures, optionally for one agent and/or model.
#[utoipa::path(tag = "metrics", params(DailyParams), responses(
    (status = 200, description = "One point per UTC day, or per UTC hour for ranges of at most 48 hours, ascending (or `text/csv` with format=csv)", body = DailySeries),
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
    let csv = params.choice("format", &["json", "csv"], "json")? == "csv";
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let filter = Filter {
                agent: params.get("agent").map(str::to_string),
                model: params.get("model").map(str::to_string),
                environments: db::environments::resolve(source.connection, &environments)?,
            };
            let (grain, points) = db::figures::series_figures(source, range, &filter)?;
            let series = DailySeries::new(grain, points);
            if csv {
                Ok(Rendered::csv(
                    series_csv(&series),
                    range_filename("cupid-series", range),
                ))
            } else {
                Rendered::json(&series)
            }
        })
        .await
}
