//! `GET /api/environments`: every Langfuse environment with data, for the
//! environment picker; Langfuse's internal ones are flagged.

use actix_web::{HttpRequest, HttpResponse, get, web};
use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::environments::is_internal;
use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams};
use crate::routes::iso;
use crate::state::{AppState, Rendered};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentSummary {
    /// The exact name, as the `environment` parameter takes it.
    pub name: String,
    /// Observations stored in it.
    pub observations: i64,
    /// Start time of its newest observation.
    pub newest_start_time: String,
    /// One of Langfuse's own (`langfuse-...`): left out unless named.
    pub internal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnvironmentList {
    /// By observations, most first.
    pub items: Vec<EnvironmentSummary>,
}

fn environment_list(connection: &Connection) -> Result<EnvironmentList, ApiError> {
    let items = connection
        .prepare_cached(
            "SELECT name, observations, newest_start_time_ms FROM environments
             WHERE newest_start_time_ms IS NOT NULL
             ORDER BY observations DESC, name",
        )?
        .query_map([], |row| {
            let name: String = row.get(0)?;
            Ok(EnvironmentSummary {
                internal: is_internal(&name),
                name,
                observations: row.get(1)?,
                newest_start_time: iso(row.get(2)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(EnvironmentList { items })
}

/// Every environment with data, most observations first.
#[utoipa::path(tag = "environments", responses(
    (status = 200, description = "Environments by observations", body = EnvironmentList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/environments")]
pub async fn get_environments(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    state
        .respond(&request, move |source| {
            Rendered::json(&environment_list(source.connection)?)
        })
        .await
}
