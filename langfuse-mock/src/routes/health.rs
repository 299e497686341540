//! `GET /api/public/health`.

use actix_web::HttpResponse;

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "status": "OK",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}
