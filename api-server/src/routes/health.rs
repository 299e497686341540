//! `GET /health`: always 200 while the process runs; says whether the
//! database is there and synced.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;
use crate::wire::iso_opt;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// Always `ok`: the server answers.
    pub status: String,
    /// `ready`, `missing`, `not_synced` or `wrong_version`.
    pub database: String,
    pub last_success_at: Option<String>,
    pub schema_version: Option<i64>,
}

/// Liveness plus the database's state.
#[utoipa::path(tag = "health", responses((status = 200, description = "The server runs", body = Health)))]
#[get("/health")]
pub async fn get_health(state: web::Data<AppState>) -> HttpResponse {
    let database = state.database.clone();
    let status = web::block(move || database.status()).await;
    let body = match status {
        Ok(status) => Health {
            status: "ok".into(),
            database: status.state.as_str().into(),
            last_success_at: iso_opt(status.metadata.and_then(|m| m.last_success_at_ms)),
            schema_version: status.schema_version,
        },
        Err(_) => Health {
            status: "ok".into(),
            database: "not_synced".into(),
            last_success_at: None,
            schema_version: None,
        },
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
