//! `GET /api/distributions/sessions`: how cost, duration, turns (traces)
//! and errors spread over the sessions starting in a range, with exact
//! percentiles and the outliers.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{DistributionParams, EnvironmentSelection, QueryParams};
use crate::state::{AppState, Rendered};
use crate::wire::distributions::{SessionDistributions, SessionSpreads};

/// Histograms, exact percentiles and outliers of cost, duration, turns and
/// errors per session.
#[utoipa::path(tag = "sessions", params(DistributionParams), responses(
    (status = 200, description = "Per-session distributions", body = SessionDistributions),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/distributions/sessions")]
pub async fn get_session_distributions(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<DistributionParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    let session_index = state.session_index.clone();
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            let mut spreads = SessionSpreads::default();
            db::distributions::for_each_session_values(
                source,
                &session_index,
                range,
                &environments,
                |session| spreads.add(&session),
            )?;
            Rendered::json(&spreads.into_distributions())
        })
        .await
}
