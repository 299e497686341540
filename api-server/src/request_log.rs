//! One tracing span per request (`tracing-actix-web`): request id, method,
//! path, then status and latency when the answer is ready; inside it one
//! "request served" event, which carries the error when there was one, so
//! that every failure is logged once, with its request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::error::ApiError;

/// Builds the request span; use as `TracingLogger::<RequestSpan>::new()`.
pub struct RequestSpan;

/// When the request arrived, kept in its extensions for the latency.
#[derive(Clone, Copy)]
struct Arrived(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Arrived(Instant::now()));
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id,
            method = %request.method(),
            path = request.path(),
            status = Empty,
            duration_ms = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error, arrived) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error(),
                response.request().extensions().get::<Arrived>().copied(),
            ),
            Err(error) => (error.as_response_error().status_code(), Some(error), None),
        };
        span.record("status", status.as_u16());
        if let Some(Arrived(at)) = arrived {
            // Microsecond precision is plenty and keeps the line short.
            let micros = at.elapsed().as_micros() as f64;
            span.record("duration_ms", micros / 1_000.0);
        }
        let path = outcome
            .as_ref()
            .map(|response| response.request().path())
            .unwrap_or_default();
        match error {
            // A fault of this server (the database, a worker).
            Some(error) if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = %error, "request failed")
            }
            // The daemon should answer whenever the dashboard runs.
            Some(error) if matches!(error.as_error(), Some(ApiError::DaemonUnreachable { .. })) => {
                tracing::warn!(error = %error, "request failed")
            }
            // Bad input, unknown ids, no data yet: the client's answer says why.
            Some(error) => tracing::info!(error = %error, "request refused"),
            // Health checks and the sync panel's status poll arrive every few
            // seconds from every open dashboard: at info they would bury
            // every other line.
            None if is_poll(path) && !status.is_client_error() => {
                tracing::debug!("request served")
            }
            None => tracing::info!("request served"),
        }
    }
}

/// Paths that clients poll: health checks and the sync status.
fn is_poll(path: &str) -> bool {
    matches!(path, "/health" | "/api/sync/status")
}
