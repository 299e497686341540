//! `GET /api/public/v3/scores`: cursor pages, newest first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::query::{QueryParams, parse_time_ms};
use super::{iso, langfuse_error};
use crate::dataset::{Dataset, ScoreKey, ScoreSubject, ScoreValue};
use crate::state::SharedState;

pub const MAX_LIMIT: i64 = 100;
const GROUPS: [&str; 3] = ["details", "subject", "annotation"];

#[derive(thiserror::Error, Debug)]
pub enum ScoresError {
    #[error("{0}")]
    InvalidRequest(String),
}

impl ResponseError for ScoresError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        langfuse_error(self.status_code(), "InvalidRequestError", &self.to_string())
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
    let subject_trace = match score.subject {
        ScoreSubject::Trace(t) => Some(dataset.traces[t as usize].id_string()),
        ScoreSubject::Session(_) => None,
    };
    let subject_session = match score.subject {
        ScoreSubject::Session(s) => Some(dataset.sessions[s as usize].id.as_str()),
        ScoreSubject::Trace(_) => None,
    };
    wanted(&query.ids, &score.id_string())
        && wanted(&query.names, score.name)
        && wanted(&query.sources, score.source)
        && wanted(&query.data_types, score.value.data_type())
        && (query.trace_ids.is_empty()
            || subject_trace.is_some_and(|t| query.trace_ids.contains(&t)))
        && (query.session_ids.is_empty()
            || subject_session.is_some_and(|s| query.session_ids.iter().any(|q| q == s)))
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

fn render(dataset: &Dataset, index: u32, groups: &[String]) -> Value {
    let score = &dataset.scores[index as usize];
    let value = match score.value {
        ScoreValue::Numeric(v) => json!(v),
        ScoreValue::Boolean(b) => json!(b),
        ScoreValue::Categorical(c) => json!(c),
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
    map.insert("updatedAt".into(), iso(score.timestamp_ms).into());
    let has = |g: &str| groups.iter().any(|x| x == g);
    if has("details") {
        map.insert("comment".into(), json!(score.comment));
        map.insert("configId".into(), Value::Null);
        map.insert("metadata".into(), json!({}));
    }
    if has("subject") {
        let subject = match score.subject {
            ScoreSubject::Session(s) => {
                json!({"kind": "session", "id": dataset.sessions[s as usize].id})
            }
            ScoreSubject::Trace(t) => {
                json!({"kind": "trace", "id": dataset.traces[t as usize].id_string()})
            }
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
    let data: Vec<Value> = page
        .iter()
        .map(|&i| render(&dataset, i, &query.groups))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}
