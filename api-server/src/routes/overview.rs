//! `GET /api/overview`: the range's headline figures and the same for the
//! range of equal length just before, measured up to the same moment, with
//! whether the synced data reaches back far enough to compare.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::db::figures::{Filter, figures_of};
use crate::error::{ApiError, ErrorBody};
use crate::params::{EnvironmentSelection, QueryParams, RangeParams};
use crate::state::{AppState, Rendered};
use crate::wire::iso_opt;
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
            // The response is cached per data version: "now" moves on only
            // with the data, which is what the current figures see too.
            let comparison = range.compared_until(chrono::Utc::now().timestamp_millis());
            let measured = comparison.map_or(range, |comparison| comparison.current);
            let current = figures_of(source, measured, &filter)?;
            let data_from = db::coverage::synced_from_ms(source.connection)?;
            let previous = match comparison {
                Some(comparison) => Some(period_figures(
                    comparison.previous,
                    &figures_of(source, comparison.previous, &filter)?,
                )),
                None => None,
            };
            let previous_covered = match (comparison, data_from) {
                (Some(comparison), Some(data_from)) => comparison
                    .previous
                    .from_ms
                    .is_some_and(|from| from >= data_from),
                _ => false,
            };
            Rendered::json(&Overview {
                current: period_figures(range, &current),
                previous,
                compared_until: iso_opt(comparison.and_then(|c| c.current.to_ms)),
                data_from: iso_opt(data_from),
                previous_covered,
            })
        })
        .await
}
