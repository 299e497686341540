use std::sync::atomic::Ordering;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::{ControlState, LastCycle};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    status: &'static str,
    running: bool,
    last_cycle: LastCycle,
}

/// `GET /health`: the process is up; whether a cycle runs; how the last ended.
#[get("/health")]
pub async fn health(state: web::Data<ControlState>) -> HttpResponse {
    let last_cycle = state
        .last
        .lock()
        .map(|last| last.clone())
        .unwrap_or_default();
    HttpResponse::Ok().json(Health {
        status: "ok",
        running: state.busy.load(Ordering::SeqCst),
        last_cycle,
    })
}
