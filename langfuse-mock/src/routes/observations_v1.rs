//! `GET /api/public/observations` (legacy v1, page-based).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::json;

use super::langfuse_error;
use super::legacy::Paging;
use super::query::QueryParams;
use crate::dataset::{Level, ObservationFilter};
use crate::render::observation_view_v1;
use crate::state::SharedState;

#[derive(thiserror::Error, Debug)]
pub enum ObservationsV1Error {
    #[error("{0}")]
    InvalidRequest(String),
}

impl ResponseError for ObservationsV1Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        langfuse_error(self.status_code(), "InvalidRequestError", &self.to_string())
    }
}

fn parse(query: &str) -> Result<(Paging, ObservationFilter), String> {
    let params = QueryParams::parse(query)?;
    if params.get("filter").is_some() {
        return Err(
            "The structured 'filter' parameter is not supported by langfuse-mock; use the query parameter filters"
                .to_string(),
        );
    }
    let level = params
        .get("level")
        .map(|raw| {
            Level::parse(raw).ok_or_else(|| {
                format!("Invalid level: '{raw}' is not one of DEBUG, DEFAULT, WARNING, ERROR")
            })
        })
        .transpose()?;
    let filter = ObservationFilter {
        from_start_ms: params.time_ms("fromStartTime")?,
        to_start_ms: params.time_ms("toStartTime")?,
        trace_id: params.string("traceId"),
        kind: params.string("type"),
        level,
        name: params.string("name"),
        user_id: params.string("userId"),
        parent_observation_id: params.string("parentObservationId"),
        environments: params.get_all("environment"),
        version: params.string("version"),
        ..ObservationFilter::default()
    };
    Ok((Paging::parse(&params)?, filter))
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, ObservationsV1Error> {
    let (paging, filter) =
        parse(request.query_string()).map_err(ObservationsV1Error::InvalidRequest)?;
    let dataset = state.dataset.read().expect("dataset lock");
    let matching = dataset.observations_matching(&filter);
    let (page, meta) = paging.apply(&matching);
    let data: Vec<_> = page
        .iter()
        .map(|&i| observation_view_v1(&dataset, i))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}
