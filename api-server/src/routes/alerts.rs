//! `GET /api/alerts`: the alert rules the sync daemon evaluates, where each
//! stands, and the history of firings. Never cached: a rule's value changes
//! after every cycle without new data.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams};
use crate::state::AppState;
use crate::wire::alerts::AlertList;

/// The alert rules with their state (ok/firing), since when, their last
/// value, and the newest firings and resolutions.
#[utoipa::path(tag = "alerts", responses(
    (status = 200, description = "Alert rules and their history", body = AlertList),
    (status = 400, description = "Unknown parameter", body = ErrorBody),
    (status = 503, description = "No database yet", body = ErrorBody),
))]
#[get("/api/alerts")]
pub async fn get_alerts(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let database = state.database.clone();
    let alerts = web::block(move || {
        database.read_unsynced(|connection, _| {
            Ok(AlertList::new(
                db::alerts::alert_states(connection)?,
                db::alerts::alert_events(connection)?,
            ))
        })
    })
    .await
    .map_err(|_| ApiError::Worker)??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(alerts))
}
