//! `GET /api/public/v3/scores`: cursor pages, newest first; and the
//! page-based `GET /api/public/v2/scores` that self-hosted Langfuse older
//! than scores v3 (2026-06-05) has instead.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::legacy::Paging;
use super::query::{QueryParams, parse_time_ms};
use super::{iso, langfuse_error};
use crate::dataset::{Dataset, ScoreKey, ScoreSubject, ScoreValue, with_stale_versions};
use crate::state::SharedState;

pub const MAX_LIMIT: i64 = 100;
const GROUPS: [&str; 3] = ["details", "subject", "annotation"];

#[derive(thiserror::Error, Debug)]
pub enum ScoresError {
    #[error("{0}")]
    InvalidRequest(String),
    /// A Langfuse older than scores v3 has no such route.
    #[error("No route for GET /api/public/v3/scores")]
    NoScoresV3,
}

impl ResponseError for ScoresError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::NoScoresV3 => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            Self::InvalidRequest(_) => "InvalidRequestError",
            Self::NoScoresV3 => "NotFoundError",
        };
        langfuse_error(self.status_code(), error, &self.to_string())
    }
}

/// The ids a score's subject gives: (trace, observation, session).
fn subject_ids(
    dataset: &Dataset,
    subject: ScoreSubject,
) -> (Option<String>, Option<String>, Option<String>) {
    match subject {
        ScoreSubject::Session(s) => (None, None, Some(dataset.sessions[s as usize].id.clone())),
        ScoreSubject::Trace(t) => (Some(dataset.traces[t as usize].id_string()), None, None),
        ScoreSubject::Observation(o) => {
            let observation = &dataset.observations[o as usize];
            (
                Some(dataset.trace_of(observation).id_string()),
                Some(observation.id_string()),
                None,
            )
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    timestamp: String,
    id: String,
}

fn encode_cursor(key: ScoreKey) -> String {
    let cursor = Cursor {
        timestamp: iso(key.timestamp_ms),
        id: format!("{:032x}", key.id),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serializes"))
}

fn decode_cursor(raw: &str) -> Result<ScoreKey, String> {
    let invalid = || format!("Invalid cursor: '{raw}' is not a cursor this API returned");
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim().trim_end_matches('='))
        .map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    Ok(ScoreKey {
        timestamp_ms: parse_time_ms("cursor", &cursor.timestamp).map_err(|_| invalid())?,
        id: u128::from_str_radix(&cursor.id, 16).map_err(|_| invalid())?,
    })
}

struct ScoreQuery {
    limit: usize,
    after: Option<ScoreKey>,
    groups: Vec<String>,
    ids: Vec<String>,
    names: Vec<String>,
    sources: Vec<String>,
    data_types: Vec<String>,
    trace_ids: Vec<String>,
    session_ids: Vec<String>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    /// Comma-separated in one parameter, as scores v3 takes it.
    environments: Vec<String>,
}

fn parse(query: &str) -> Result<ScoreQuery, String> {
    let params = QueryParams::parse(query)?;
    let groups = params.get_all("fields");
    if let Some(unknown) = groups.iter().find(|g| !GROUPS.contains(&g.as_str())) {
        return Err(format!(
            "Invalid fields group '{unknown}'. Allowed groups: {}",
            GROUPS.join(", ")
        ));
    }
    let trace_ids = params.get_all("traceId");
    let session_ids = params.get_all("sessionId");
    if !trace_ids.is_empty() && !session_ids.is_empty() {
        return Err("traceId and sessionId are mutually exclusive".to_string());
    }
    Ok(ScoreQuery {
        limit: params.int_in("limit", 50, 1, MAX_LIMIT)? as usize,
        after: params.get("cursor").map(decode_cursor).transpose()?,
        groups,
        ids: params.get_all("id"),
        names: params.get_all("name"),
        sources: params
            .get_all("source")
            .into_iter()
            .map(|s| s.to_uppercase())
            .collect(),
        data_types: params
            .get_all("dataType")
            .into_iter()
            .map(|s| s.to_uppercase())
            .collect(),
        trace_ids,
        session_ids,
        from_ms: params.time_ms("fromTimestamp")?,
        to_ms: params.time_ms("toTimestamp")?,
        environments: score_environments(&params),
    })
}

fn matches(dataset: &Dataset, index: u32, query: &ScoreQuery) -> bool {
    let score = &dataset.scores[index as usize];
    let wanted = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
    let (subject_trace, _, subject_session) = subject_ids(dataset, score.subject);
    wanted(&query.ids, &score.id_string())
        && wanted(&query.names, score.name)
        && wanted(&query.sources, score.source)
        && wanted(&query.data_types, score.value.data_type())
        && (query.trace_ids.is_empty()
            || subject_trace.is_some_and(|t| query.trace_ids.contains(&t)))
        && (query.session_ids.is_empty()
            || subject_session.is_some_and(|s| query.session_ids.contains(&s)))
        && query.from_ms.is_none_or(|from| score.timestamp_ms >= from)
        && query.to_ms.is_none_or(|to| score.timestamp_ms < to)
        && wanted(&query.environments, dataset.score_environment(score))
}

/// The `environment` filter of scores v3: a comma-separated list.
fn score_environments(params: &QueryParams) -> Vec<String> {
    params
        .get_all("environment")
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// One v3 score; `stale`: the older version (older `updatedAt`, another value).
fn render(dataset: &Dataset, index: u32, groups: &[String], stale: bool) -> Value {
    let score = &dataset.scores[index as usize];
    let (score_value, updated_ms) = if stale {
        (score.stale_value(), score.timestamp_ms)
    } else {
        (score.value, score.updated_ms())
    };
    let value = match score_value {
        ScoreValue::Numeric(v) => json!(v),
        ScoreValue::Boolean(b) => json!(b),
        ScoreValue::Categorical(c) | ScoreValue::Text(c) | ScoreValue::Correction(c) => json!(c),
    };
    let mut map = Map::new();
    map.insert("id".into(), score.id_string().into());
    map.insert("projectId".into(), dataset.project_id.clone().into());
    map.insert("name".into(), score.name.into());
    map.insert("value".into(), value);
    map.insert("dataType".into(), score.value.data_type().into());
    map.insert("source".into(), score.source.into());
    map.insert("timestamp".into(), iso(score.timestamp_ms).into());
    map.insert(
        "environment".into(),
        dataset.score_environment(score).into(),
    );
    map.insert("createdAt".into(), iso(score.timestamp_ms).into());
    map.insert("updatedAt".into(), iso(updated_ms).into());
    let has = |g: &str| groups.iter().any(|x| x == g);
    if has("details") {
        map.insert("comment".into(), json!(score.comment));
        map.insert("configId".into(), Value::Null);
        map.insert("metadata".into(), json!({}));
    }
    if has("subject") {
        // Every kind the server sends (`web/src/pages/api/public/v3/scores/`):
        // observation subjects carry their trace.
        let (trace_id, observation_id, session_id) = subject_ids(dataset, score.subject);
        let subject = match (trace_id, observation_id, session_id) {
            (Some(trace_id), Some(id), _) => {
                json!({"kind": "observation", "id": id, "traceId": trace_id})
            }
            (Some(id), None, _) => json!({"kind": "trace", "id": id}),
            (_, _, session) => json!({"kind": "session", "id": session}),
        };
        map.insert("subject".into(), subject);
    }
    if has("annotation") {
        map.insert("authorUserId".into(), Value::Null);
        map.insert("queueId".into(), Value::Null);
    }
    Value::Object(map)
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, ScoresError> {
    if !state.switches().scores_v3_enabled {
        return Err(ScoresError::NoScoresV3);
    }
    let query = parse(request.query_string()).map_err(ScoresError::InvalidRequest)?;
    let dataset = state.dataset.read().expect("dataset lock");
    let order = dataset.scores_newest_first();
    let start = query
        .after
        .map(|after| order.partition_point(|&i| dataset.score_key(i) >= after))
        .unwrap_or(0);
    let mut page = Vec::new();
    let mut more = false;
    for &index in &order[start..] {
        if !matches(&dataset, index, &query) {
            continue;
        }
        if page.len() == query.limit {
            more = true;
            break;
        }
        page.push(index);
    }
    let mut meta = json!({"limit": query.limit});
    if more && let Some(&last) = page.last() {
        meta["cursor"] = encode_cursor(dataset.score_key(last)).into();
    }
    let rows: Vec<(u32, bool)> = if state.switches().stale_versions {
        let previous = query.after.and_then(|key| dataset.score_at(key));
        with_stale_versions(&page, previous, |i| {
            dataset.scores[i as usize].stale_placement()
        })
    } else {
        page.iter().map(|&i| (i, false)).collect()
    };
    let data: Vec<Value> = rows
        .into_iter()
        .map(|(i, stale)| render(&dataset, i, &query.groups, stale))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}

/// One score in the v2 shape (`GetScoresResponseData` in openapi.yml;
/// `packages/shared/src/features/scores/interfaces/api/v2/`): `value` is a
/// number for every type but TEXT (BOOLEAN 1/0, CATEGORICAL a mapped
/// number, CORRECTION 0), the category or flag in `stringValue` ("True" /
/// "False" as ingestion writes them), the subject as top-level ids.
fn render_v2(dataset: &Dataset, index: u32) -> Value {
    let score = &dataset.scores[index as usize];
    let (trace_id, observation_id, session_id) = subject_ids(dataset, score.subject);
    let (value, string_value) = match score.value {
        ScoreValue::Numeric(v) => (Some(v), None),
        ScoreValue::Boolean(b) => (
            Some(if b { 1.0 } else { 0.0 }),
            Some(if b { "True" } else { "False" }),
        ),
        ScoreValue::Categorical(c) => (Some(if c == "match" { 1.0 } else { 0.0 }), Some(c)),
        ScoreValue::Text(t) => (None, Some(t)),
        ScoreValue::Correction(t) => (Some(0.0), Some(t)),
    };
    let mut map = Map::new();
    map.insert("id".into(), score.id_string().into());
    map.insert("traceId".into(), json!(trace_id));
    map.insert("sessionId".into(), json!(session_id));
    map.insert("observationId".into(), json!(observation_id));
    map.insert("datasetRunId".into(), Value::Null);
    map.insert("name".into(), score.name.into());
    map.insert("source".into(), score.source.into());
    map.insert("timestamp".into(), iso(score.timestamp_ms).into());
    map.insert("createdAt".into(), iso(score.timestamp_ms).into());
    map.insert("updatedAt".into(), iso(score.updated_ms()).into());
    map.insert("authorUserId".into(), Value::Null);
    map.insert("comment".into(), json!(score.comment));
    map.insert("metadata".into(), json!({}));
    map.insert("configId".into(), Value::Null);
    map.insert("queueId".into(), Value::Null);
    map.insert(
        "environment".into(),
        dataset.score_environment(score).into(),
    );
    map.insert("dataType".into(), score.value.data_type().into());
    if let Some(value) = value {
        map.insert("value".into(), json!(value));
    }
    if let Some(text) = string_value {
        map.insert("stringValue".into(), text.into());
    }
    map.insert("trace".into(), Value::Null);
    Value::Object(map)
}

/// `GET /api/public/v2/scores`: `page`/`limit` (at most 100), newest first,
/// `fromTimestamp` inclusive and `toTimestamp` exclusive; `meta.totalPages`.
pub async fn list_v2(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, ScoresError> {
    let params = QueryParams::parse(request.query_string()).map_err(ScoresError::InvalidRequest)?;
    let paging = Paging::parse(&params).map_err(ScoresError::InvalidRequest)?;
    let from_ms = params
        .time_ms("fromTimestamp")
        .map_err(ScoresError::InvalidRequest)?;
    let to_ms = params
        .time_ms("toTimestamp")
        .map_err(ScoresError::InvalidRequest)?;
    let dataset = state.dataset.read().expect("dataset lock");
    let matching: Vec<u32> = dataset
        .scores_newest_first()
        .iter()
        .copied()
        .filter(|&i| {
            let timestamp = dataset.scores[i as usize].timestamp_ms;
            from_ms.is_none_or(|from| timestamp >= from) && to_ms.is_none_or(|to| timestamp < to)
        })
        .collect();
    let (page, meta) = paging.apply(&matching);
    let data: Vec<Value> = page.iter().map(|&i| render_v2(&dataset, i)).collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}
