//! `GET /api/environments`: every Langfuse environment with data, for the
//! environment picker; Langfuse's internal ones are flagged.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams};
use crate::state::{AppState, Rendered};
use crate::wire::environments::{EnvironmentList, EnvironmentSummary};

/// Every environment with data, most observations first.
#[utoipa::path(tag = "environments", responses(
    (status = 200, description = "Environments by observations", body = EnvironmentList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/environments")]
pub async fn get_environments(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    state
        .respond(&request, move |source| {
            let rows = db::environments::environment_list(source.connection)?;
            Rendered::json(&EnvironmentList {
                items: rows.into_iter().map(EnvironmentSummary::from).collect(),
            })
        })
        .await
}
