//! `GET /api/openapi.json`: the OpenAPI document, generated from the routes.

use actix_web::{HttpResponse, get, web};

use crate::state::AppState;

/// This API's OpenAPI 3.1 document.
#[utoipa::path(tag = "meta", responses(
    (status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object),
))]
#[get("/api/openapi.json")]
pub async fn get_openapi(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json)
}
