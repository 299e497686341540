//! `POST /_mock/spike?kind=errors|cost&traces=N`: the double's own control
//! endpoint (not Langfuse's) for tests that run it as a process, such as the
//! browser tests. It adds an incident to the data, as `MockHandle::add_spike`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::langfuse_error;
use super::query::QueryParams;
use crate::dataset::SpikeKind;
use crate::state::SharedState;

const MAX_TRACES: usize = 50;

pub async fn spike(state: web::Data<SharedState>, request: HttpRequest) -> HttpResponse {
    let bad =
        |message: String| langfuse_error(StatusCode::BAD_REQUEST, "InvalidRequestError", &message);
    let query = match QueryParams::parse(request.query_string()) {
        Ok(query) => query,
        Err(message) => return bad(message),
    };
    let kind_text = query.get("kind").unwrap_or("errors");
    let Some(kind) = SpikeKind::parse(kind_text) else {
        return bad(format!("kind: expected errors or cost, got {kind_text:?}"));
    };
    let traces = match query.get("traces").map(str::parse::<usize>) {
        None => 4,
        Some(Ok(traces)) if (1..=MAX_TRACES).contains(&traces) => traces,
        Some(_) => return bad(format!("traces: expected a number from 1 to {MAX_TRACES}")),
    };
    let observations = state.dataset.write().expect("dataset lock").add_spike(
        kind,
        traces,
        chrono::Utc::now().timestamp_millis(),
    );
    tracing::info!(kind = kind.as_str(), traces, observations, "added a spike");
    HttpResponse::Ok().json(serde_json::json!({
        "kind": kind.as_str(),
        "traces": traces,
        "observations": observations,
    }))
}
