//! What happens to every request before a route sees it, in Langfuse's
//! order: counted, authenticated (Basic), rate limited per bucket, and then
//! possibly hit by an injected fault.

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody, SizedStream};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Error, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures::future::LocalBoxFuture;

use crate::configuration::Fault;
use crate::routes::{iso, langfuse_error};
use crate::state::{LEGACY_BUCKET, QuotaExceeded, SharedState, bucket_of};

/// The socket of a connection, noted when it is accepted so that a fault can
/// close it without a response.
#[derive(Clone, Copy)]
pub struct ConnectionSocket(RawFd);

/// `HttpServer::on_connect` hook.
pub fn note_socket(connection: &dyn std::any::Any, extensions: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
        extensions.insert(ConnectionSocket(stream.as_raw_fd()));
    }
}

fn close_connection(request: &ServiceRequest) {
    if let Some(socket) = request.conn_data::<ConnectionSocket>() {
        // SAFETY: the descriptor belongs to the connection this request
        // arrived on, which stays open at least until the request is answered.
        let fd = unsafe { BorrowedFd::borrow_raw(socket.0) };
        let _ = socket2::SockRef::from(&fd).shutdown(std::net::Shutdown::Both);
    }
}

fn authorized(request: &ServiceRequest, state: &SharedState) -> Result<(), &'static str> {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or("Unauthorized: no Authorization header; use HTTP Basic auth with your public and secret key")?;
    let encoded = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Basic "))
        .ok_or("Unauthorized: the Authorization header must use the Basic scheme")?;
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or("Unauthorized: the Basic credentials are not valid base64")?;
    match decoded.split_once(':') {
        Some((public, secret)) if public == state.public_key && secret == state.secret_key => {
            Ok(())
        }
        _ => Err("Invalid credentials. Confirm that you've configured the correct host."),
    }
}

/// JavaScript's `Date.toString()` form, which Langfuse sends in
/// `X-RateLimit-Reset`.
fn js_date_string(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")
        .to_string()
}

pub fn too_many_requests(exceeded: QuotaExceeded) -> HttpResponse {
    let retry_after_ms = exceeded.retry_after.as_millis() as i64;
    let retry_after_seconds = (retry_after_ms + 999) / 1000;
    let reset_ms = chrono::Utc::now().timestamp_millis() + retry_after_ms;
    HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, retry_after_seconds.max(1).to_string()))
        .insert_header(("X-RateLimit-Limit", exceeded.limit.to_string()))
        .insert_header(("X-RateLimit-Remaining", exceeded.remaining.to_string()))
        .insert_header(("X-RateLimit-Reset", js_date_string(reset_ms)))
        .json(serde_json::json!({
            "message": "Rate limit exceeded",
            "error": "TooManyRequestsError",
            "details": {
                "retryAfterSeconds": retry_after_seconds.max(1),
                "limit": exceeded.limit,
                "remaining": exceeded.remaining,
                "resetAt": iso(reset_ms),
            },
        }))
}

fn server_error(state: &SharedState) -> HttpResponse {
    match state.fault_rng_below(3) {
        0 => langfuse_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal Server Error",
        ),
        1 => langfuse_error(StatusCode::BAD_GATEWAY, "BadGateway", "Bad Gateway"),
        _ => langfuse_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Service Unavailable",
        ),
    }
}

/// A response announcing the full body's length that stops halfway through.
async fn truncate<B: MessageBody>(response: ServiceResponse<B>) -> ServiceResponse<BoxBody> {
    let (request, response) = response.into_parts();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/json"));
    let Ok(body) = actix_web::body::to_bytes(response.into_body()).await else {
        return ServiceResponse::new(request, HttpResponse::InternalServerError().finish());
    };
    let full_length = body.len() as u64;
    let half = body.slice(..body.len() / 2);
    let chunks = futures::stream::unfold(0_u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    // Let the partial body reach the socket before failing.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::other("injected fault: truncated body")),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(SizedStream::new(full_length, Box::pin(chunks)));
    ServiceResponse::new(request, response)
}

enum Plan<F> {
    Answer(ServiceRequest, HttpResponse),
    Drop(ServiceRequest),
    Call(F, Option<Fault>),
}

/// The `wrap_fn` middleware.
pub fn gate<S, B>(
    request: ServiceRequest,
    service: &S,
) -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let state = request
        .app_data::<web::Data<SharedState>>()
        .expect("shared state is registered")
        .clone();
    let now = Instant::now();
    let path = request.path().to_string();
    let bucket = bucket_of(&path);
    state
        .stats
        .lock()
        .expect("stats lock")
        .received(&path, bucket, now);

    let plan = match bucket {
        None => Plan::Call(service.call(request), None),
        Some(bucket) => {
            if let Err(message) = authorized(&request, &state) {
                let response =
                    langfuse_error(StatusCode::UNAUTHORIZED, "UnauthorizedError", message);
                Plan::Answer(request, response)
            } else if bucket == LEGACY_BUCKET && state.switches().legacy_reads_removed {
                // Langfuse Cloud removed the v3 read endpoints on its sunset
                // date (`web/src/features/public-api/server/deprecations.ts`).
                let response = langfuse_error(
                    StatusCode::NOT_FOUND,
                    "NotFoundError",
                    "On Langfuse Cloud, Langfuse v3 is deprecated and this endpoint was removed on November 16, 2026. Use GET /api/public/v2/observations instead.",
                );
                Plan::Answer(request, response)
            } else if let Err(exceeded) = state.admit(bucket, now) {
                Plan::Answer(request, too_many_requests(exceeded))
            } else {
                match state.pick_fault() {
                    Some(Fault::RateLimited) => {
                        // Without a configured quota, Langfuse Cloud's paid-plan limit.
                        let limit = state.limit_of(bucket).unwrap_or(1000);
                        let exceeded = QuotaExceeded {
                            limit,
                            remaining: 0,
                            retry_after: Duration::from_secs(1),
                        };
                        Plan::Answer(request, too_many_requests(exceeded))
                    }
                    Some(Fault::ServerError) => {
                        let response = server_error(&state);
                        Plan::Answer(request, response)
                    }
                    Some(Fault::DropConnection) => Plan::Drop(request),
                    fault => Plan::Call(service.call(request), fault),
                }
            }
        }
    };

    Box::pin(async move {
        let response = match plan {
            Plan::Answer(request, response) => {
                let (request, _) = request.into_parts();
                ServiceResponse::new(request, response)
            }
            Plan::Drop(request) => {
                tracing::debug!(path = %request.path(), "injected fault: closing the connection");
                close_connection(&request);
                let (request, _) = request.into_parts();
                // Never delivered: the socket is already shut down.
                return Ok(ServiceResponse::new(
                    request,
                    HttpResponse::InternalServerError().finish(),
                ));
            }
            Plan::Call(call, fault) => {
                if let Some(Fault::Slow(delay)) = fault {
                    tokio::time::sleep(delay).await;
                }
                let response = call.await?;
                if fault == Some(Fault::TruncatedBody) {
                    truncate(response).await
                } else {
                    response.map_into_boxed_body()
                }
            }
        };
        let status = response.status().as_u16();
        state.stats.lock().expect("stats lock").answered(status);
        tracing::debug!(
            path = %response.request().path(),
            status,
            duration_ms = now.elapsed().as_millis() as u64,
            "answered a request"
        );
        Ok(response)
    })
}
