//! `GET /api/traces/{id}`: one trace with its observation tree.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams, check_id};
use crate::state::{AppState, Rendered};
use crate::wire::langfuse::LangfuseProject;
use crate::wire::traces::TraceDetail;

/// A trace and its observation tree.
#[utoipa::path(tag = "traces",
    params(("id" = String, Path, description = "The trace id")),
    responses(
        (status = 200, description = "The trace", body = TraceDetail),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such trace", body = ErrorBody),
        (status = 503, description = "No synced data yet", body = ErrorBody),
    ))]
#[get("/api/traces/{id}")]
pub async fn get_trace(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let id = id.into_inner();
    check_id("id", &id)?;
    state
        .respond(&request, move |source| {
            let (trace, observations) = db::traces::load_trace(source.connection, &id)?
                .ok_or_else(|| ApiError::not_found("id", format!("no trace with id {id:?}")))?;
            let langfuse =
                LangfuseProject::from_row(&db::sync_status::langfuse_project(source.connection)?);
            Rendered::json(&TraceDetail::new(trace, observations, langfuse.as_ref()))
        })
        .await
}
