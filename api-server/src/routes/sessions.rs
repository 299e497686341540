//! `GET /api/sessions` (filtered, sorted, cursor-paginated, or CSV) and
//! `GET /api/sessions/{id}` (the session with its traces and their trees).

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::csv::{range_filename, sessions_csv};
use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::sessions::SessionListRequest;
use crate::params::{NoParams, QueryParams, SessionListParams, check_id};
use crate::state::{AppState, Rendered};
use crate::wire::langfuse::LangfuseProject;
use crate::wire::scores::{ScoreEntry, latest_per_name, latest_scores};
use crate::wire::sessions::{SessionDetail, SessionPage, SessionSummary};
use crate::wire::traces::TraceDetail;

/// Sessions, filtered and sorted, one page at a time (or all as CSV).
#[utoipa::path(tag = "sessions", params(SessionListParams), responses(
    (status = 200, description = "A page of sessions (or `text/csv` with format=csv)", body = SessionPage),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/sessions")]
pub async fn get_sessions(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let list = SessionListRequest::parse(request.query_string())?;
    let session_index = state.session_index.clone();
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            let environments = db::environments::resolve(connection, &list.environments)?;
            let found = db::sessions::list(source, &session_index, &list, &environments)?;
            let next_cursor = found
                .rows
                .last()
                .filter(|_| found.has_more)
                .map(|(row, value)| list.cursor_after(*value, &row.id));
            let mut items = Vec::with_capacity(found.rows.len());
            for (row, _) in found.rows {
                let scores = latest_scores(db::scores::latest_session_scores(connection, &row.id)?);
                items.push(SessionSummary::new(row, scores));
            }
            if list.csv {
                Ok(Rendered::csv(
                    sessions_csv(&items),
                    range_filename("cupid-sessions", list.range),
                ))
            } else {
                Rendered::json(&SessionPage {
                    items,
                    total: found.total,
                    next_cursor,
                })
            }
        })
        .await
}

/// One session with its traces in time order and their observation trees.
#[utoipa::path(tag = "sessions",
    params(("id" = String, Path, description = "The session id")),
    responses(
        (status = 200, description = "The session", body = SessionDetail),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 503, description = "No synced data yet", body = ErrorBody),
    ))]
#[get("/api/sessions/{id}")]
pub async fn get_session(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let id = id.into_inner();
    check_id("id", &id)?;
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            let row = db::sessions::load_session(connection, &id)?
                .ok_or_else(|| ApiError::not_found("id", format!("no session with id {id:?}")))?;
            let scores: Vec<ScoreEntry> = db::scores::session_scores(connection, &id)?
                .into_iter()
                .map(ScoreEntry::from)
                .collect();
            let session = SessionSummary::new(row, latest_per_name(&scores));
            let error_observation_ids = db::sessions::error_observation_ids(connection, &id)?;
            let langfuse =
                LangfuseProject::from_row(&db::sync_status::langfuse_project(connection)?);
            let mut traces = Vec::new();
            for trace_id in db::traces::session_trace_ids(connection, &id)? {
                if let Some((trace, observations)) = db::traces::load_trace(connection, &trace_id)?
                {
                    traces.push(TraceDetail::new(trace, observations, langfuse.as_ref()));
                }
            }
            Rendered::json(&SessionDetail {
                session,
                traces,
                scores,
                error_observation_ids,
                langfuse_url: langfuse.map(|project| project.session_url(&id)),
            })
        })
        .await
}
