//! `GET /api/public/sessions` (legacy, page-based).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::json;

use super::legacy::Paging;
use super::query::QueryParams;
use super::{iso, langfuse_error};
use crate::state::SharedState;

#[derive(thiserror::Error, Debug)]
pub enum SessionsError {
    #[error("{0}")]
    InvalidRequest(String),
}

impl ResponseError for SessionsError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        langfuse_error(self.status_code(), "InvalidRequestError", &self.to_string())
    }
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, SessionsError> {
    let params =
        QueryParams::parse(request.query_string()).map_err(SessionsError::InvalidRequest)?;
    let paging = Paging::parse(&params).map_err(SessionsError::InvalidRequest)?;
    let from = params
        .time_ms("fromTimestamp")
        .map_err(SessionsError::InvalidRequest)?;
    let to = params
        .time_ms("toTimestamp")
        .map_err(SessionsError::InvalidRequest)?;
    let environments = params.get_all("environment");
    let dataset = state.dataset.read().expect("dataset lock");
    let mut matching: Vec<usize> = (0..dataset.sessions.len())
        .filter(|&i| {
            let created = dataset.sessions[i].created_ms;
            from.is_none_or(|f| created >= f)
                && to.is_none_or(|t| created < t)
                && (environments.is_empty()
                    || environments
                        .iter()
                        .any(|e| e == dataset.sessions[i].environment))
        })
        .collect();
    matching.sort_unstable_by_key(|&i| {
        let session = &dataset.sessions[i];
        std::cmp::Reverse((session.created_ms, session.id.clone()))
    });
    let (page, meta) = paging.apply(&matching);
    let data: Vec<_> = page
        .iter()
        .map(|&i| {
            let session = &dataset.sessions[i];
            json!({
                "id": session.id,
                "createdAt": iso(session.created_ms),
                "projectId": dataset.project_id,
                "environment": session.environment,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}
