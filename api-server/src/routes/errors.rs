//! `GET /api/errors`: ERROR (and optionally WARNING) observations grouped by
//! agent, observation name and normalised status message (or by message
//! alone), filtered, sorted and paged.

use actix_web::{HttpRequest, HttpResponse, get, web};
use shared_schema::rows::ROLL_UP;

use crate::db;
use crate::error::{ApiError, ErrorBody};
use crate::params::errors::ErrorListView;
use crate::params::{
    EnvironmentSelection, ErrorListParams, QueryParams, check_id, check_series_length,
};
use crate::state::{AppState, Rendered};
use crate::wire::errors::{ErrorGroupList, ErrorGroups};

/// Errors (and warnings) grouped by agent, observation name and message,
/// or by message alone; one page at a time.
#[utoipa::path(tag = "errors", params(ErrorListParams), responses(
    (status = 200, description = "A page of error groups, most frequent first by default", body = ErrorGroupList),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 404, description = "No such agent", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/errors")]
pub async fn get_errors(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<ErrorListParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    check_series_length(range)?;
    let levels: &'static [&'static str] =
        match params.choice("level", &["ERROR", "WARNING", "all"], "ERROR")? {
            "WARNING" => &["WARNING"],
            "all" => &["ERROR", "WARNING"],
            _ => &["ERROR"],
        };
    let view = ErrorListView::parse(&params)?;
    let agent = params.get("agent").map(str::to_string);
    if let Some(agent) = &agent {
        check_id("agent", agent)?;
    }
    let error_days = state.error_days.clone();
    state
        .respond(&request, move |source| {
            let connection = source.connection;
            if let Some(agent) = &agent
                && (agent == ROLL_UP || !db::agents::agent_exists(connection, agent)?)
            {
                return Err(ApiError::unknown_agent("agent", agent));
            }
            let environments = db::environments::resolve(connection, &environments)?;
            let mut days = Vec::new();
            for level in levels {
                days.extend(error_days.days_of(connection, source.snapshot, range, level)?);
            }
            let mut groups = ErrorGroups::new(view.grouping);
            for day in &days {
                day.for_each(range, agent.as_deref(), &environments, |observation| {
                    groups.add(observation)
                });
            }
            let list = groups.into_list(range, &view);
            Rendered::json(&list)
        })
        .await
}
