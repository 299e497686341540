use std::sync::atomic::Ordering;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, post, web};
use serde_json::json;

use super::ControlState;

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("a sync cycle is already running")]
    AlreadyRunning,
}

impl ResponseError for TriggerError {
    fn status_code(&self) -> StatusCode {
        match self {
            TriggerError::AlreadyRunning => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(json!({"status": "already_running", "message": self.to_string()}))
    }
}

/// `POST /trigger`: start a cycle now (202), or 409 while one runs.
#[post("/trigger")]
pub async fn trigger(state: web::Data<ControlState>) -> Result<HttpResponse, TriggerError> {
    state
        .busy
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .map_err(|_| TriggerError::AlreadyRunning)?;
    state.wake.notify_one();
    tracing::info!("manual sync requested");
    Ok(HttpResponse::Accepted().json(json!({"status": "started"})))
}
