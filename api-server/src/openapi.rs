//! The OpenAPI document, generated from the routes `configure_routes`
//! registers: what the frontend's types and the fuzz tests are made from.

use std::sync::OnceLock;

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::ErrorBody;
use crate::routes::configure_routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cupid Dashboard API",
        description = "Read-only figures about the Cupid game's LLM agents, from the local copy \
            of their Langfuse traces. Times are ISO-8601 UTC, money USD, durations milliseconds. \
            Ranges: `from` inclusive, `to` exclusive; none means all time. Errors carry \
            `{error, message, parameter}`.",
        version = "1.0.0"
    ),
    components(schemas(ErrorBody))
)]
struct ApiInfo;

/// The OpenAPI document of exactly the routes `configure_routes` serves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(ApiInfo::openapi())
        .configure(configure_routes)
        .split_for_parts()
        .1
}

/// The document as pretty JSON, rendered once.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        openapi_document()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}
