//! `GET /api/overview`: the range's headline figures and the same for the
//! range of equal length just before.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::db::figures::{Filter, figures_of};
use crate::error::{ApiError, ErrorBody};
use crate::params::{EnvironmentSelection, QueryParams, RangeParams};
use crate::state::{AppState, Rendered};
use crate::wire::overview::{Overview, period_figures};

/// Totals for a range, and for the range just before it.
#[utoipa::path(tag = "overview", params(RangeParams), responses(
    (status = 200, description = "Figures for the range", body = Overview),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/overview")]
pub async fn get_overview(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<RangeParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let filter = Filter::in_environments(db::environments::resolve(
                source.connection,
                &environments,
            )?);
            let current = figures_of(source, range, &filter)?;
            let previous = match range.previous() {
                Some(previous) => Some(period_figures(
                    previous,
                    &figures_of(source, previous, &filter)?,
                )),
                None => None,
            };
            Rendered::json(&Overview {
                current: period_figures(range, &current),
                previous,
            })
        })
        .await
}
