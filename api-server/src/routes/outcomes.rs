//! `GET /api/outcomes`: cost per categorical outcome.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{EnvironmentSelection, OutcomeParams, QueryParams};
use crate::state::{AppState, Rendered};
use crate::wire::outcomes::OutcomeList;

/// Cost per outcome: for each categorical (or boolean) score name and value,
/// the sessions whose latest score of that name has it, and their cost.
#[utoipa::path(tag = "scores", params(OutcomeParams), responses(
    (status = 200, description = "Sessions and cost per score value", body = OutcomeList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/outcomes")]
pub async fn get_outcomes(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<OutcomeParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let environments = db::environments::resolve(source.connection, &environments)?;
            let rows = db::outcomes::outcomes(source.connection, range, &environments)?;
            Rendered::json(&OutcomeList::new(rows))
        })
        .await
}
