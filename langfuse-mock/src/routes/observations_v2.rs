//! `GET /api/public/v2/observations`: cursor pages, newest first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::query::{QueryParams, parse_time_ms};
use super::{iso, langfuse_error};
use crate::dataset::{Level, ObservationFilter, ObservationKey, with_stale_versions};
use crate::render::{FieldGroups, ObservationV2};
use crate::state::SharedState;

pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 50;

#[derive(thiserror::Error, Debug)]
pub enum ObservationsV2Error {
    #[error("{0}")]
    InvalidRequest(String),
    #[error(
        "The v2 observations endpoint is only available in a Langfuse v4 write mode. Use the v1 endpoints instead."
    )]
    NotInV4Mode,
}

impl ResponseError for ObservationsV2Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotInV4Mode => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            Self::InvalidRequest(_) => "InvalidRequestError",
            Self::NotInV4Mode => "NotFoundError",
        };
        langfuse_error(self.status_code(), error, &self.to_string())
    }
}

/// What the cursor carries: the sort key of the last row served.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    last_start_time: String,
    last_trace_id: String,
    last_id: String,
}

pub fn encode_cursor(key: ObservationKey) -> String {
    let cursor = Cursor {
        last_start_time: iso(key.start_ms),
        last_trace_id: format!("{:032x}", key.trace_id),
        last_id: format!("{:016x}", key.id),
    };
    STANDARD.encode(serde_json::to_vec(&cursor).expect("cursor serializes"))
}

pub fn decode_cursor(raw: &str) -> Result<ObservationKey, String> {
    let invalid = || format!("Invalid cursor: '{raw}' is not a cursor this API returned");
    let bytes = STANDARD.decode(raw.trim()).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    Ok(ObservationKey {
        start_ms: parse_time_ms("cursor", &cursor.last_start_time).map_err(|_| invalid())?,
        trace_id: u128::from_str_radix(&cursor.last_trace_id, 16).map_err(|_| invalid())?,
        id: u64::from_str_radix(&cursor.last_id, 16).map_err(|_| invalid())?,
    })
}

struct Request {
    groups: FieldGroups,
    expand_metadata: Vec<String>,
    limit: usize,
    after: Option<ObservationKey>,
    filter: ObservationFilter,
}

fn parse(query: &str) -> Result<Request, String> {
    let params = QueryParams::parse(query)?;
    if params.bool("parseIoAsJson")? == Some(true) {
        return Err(
            "parseIoAsJson is deprecated and no longer supported: input and output are always raw strings"
                .to_string(),
        );
    }
    if params.get("filter").is_some() {
        return Err(
            "The structured 'filter' parameter is not supported by langfuse-mock; use the query parameter filters"
                .to_string(),
        );
    }
    let groups = match params.get("fields") {
        Some(list) => FieldGroups::parse(list)?,
        None => FieldGroups::default_groups(),
    };
    let limit = params.int_in("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)? as usize;
    let after = params.get("cursor").map(decode_cursor).transpose()?;
    let level = params
        .get("level")
        .map(|raw| {
            Level::parse(raw).ok_or_else(|| {
                format!("Invalid level: '{raw}' is not one of DEBUG, DEFAULT, WARNING, ERROR")
            })
        })
        .transpose()?;
    let filter = ObservationFilter {
        from_start_ms: params.time_ms("fromStartTime")?,
        to_start_ms: params.time_ms("toStartTime")?,
        trace_id: params.string("traceId"),
        session_id: params.string("sessionId"),
        kind: params.string("type"),
        level,
        name: params.string("name"),
        user_id: params.string("userId"),
        parent_observation_id: params.get_raw("parentObservationId").map(str::to_string),
        is_root: params.bool("isRootObservation")?,
        environments: params.get_all("environment"),
        version: params.string("version"),
    };
    Ok(Request {
        groups,
        expand_metadata: params.get_all("expandMetadata"),
        limit,
        after,
        filter,
    })
}

#[derive(Serialize)]
struct Page<'a> {
    data: Vec<ObservationV2<'a>>,
    meta: Meta,
}

#[derive(Serialize)]
struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, ObservationsV2Error> {
    if !state.switches().v2_enabled || state.take_transient_v2_404() {
        return Err(ObservationsV2Error::NotInV4Mode);
    }
    let query = parse(request.query_string()).map_err(ObservationsV2Error::InvalidRequest)?;
    let dataset = state.dataset.read().expect("dataset lock");
    let (page, more) = dataset.observations_page(&query.filter, query.after, query.limit);
    let cursor = more
        .then(|| page.last().map(|&last| encode_cursor(dataset.key(last))))
        .flatten();
    // Unmerged ClickHouse rows: older versions beside the current ones, on
    // top of `limit` (the v2 query does not force a merge).
    let rows: Vec<(u32, bool)> = if state.switches().stale_versions {
        let previous = query.after.and_then(|key| dataset.observation_at(key));
        with_stale_versions(&page, previous, |i| {
            dataset.observations[i as usize].stale_placement()
        })
    } else {
        page.iter().map(|&i| (i, false)).collect()
    };
    let data: Vec<ObservationV2> = rows
        .into_iter()
        .map(|(index, stale)| ObservationV2 {
            dataset: &dataset,
            index,
            groups: query.groups,
            expand_metadata: &query.expand_metadata,
            stale,
        })
        .collect();
    let body = serde_json::to_vec(&Page {
        data,
        meta: Meta { cursor },
    })
    .expect("observations serialize");
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}
