//! `GET /api/public/traces` (legacy, page-based).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};

use super::legacy::Paging;
use super::query::QueryParams;
use super::{iso, langfuse_error, usd};
use crate::dataset::{Dataset, ScoreSubject};
use crate::state::SharedState;

const GROUPS: [&str; 5] = ["core", "io", "scores", "observations", "metrics"];
const ORDER_FIELDS: [&str; 5] = ["id", "timestamp", "name", "userId", "sessionId"];

#[derive(thiserror::Error, Debug)]
pub enum TracesError {
    #[error("{0}")]
    InvalidRequest(String),
}

impl ResponseError for TracesError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        langfuse_error(self.status_code(), "InvalidRequestError", &self.to_string())
    }
}

struct TraceQuery {
    paging: Paging,
    user_id: Option<String>,
    name: Option<String>,
    session_id: Option<String>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    order_field: String,
    ascending: bool,
    tags: Vec<String>,
    release: Option<String>,
    version: Option<String>,
    environments: Vec<String>,
    groups: Vec<String>,
}

fn parse(query: &str) -> Result<TraceQuery, String> {
    let params = QueryParams::parse(query)?;
    if params.get("filter").is_some() {
        return Err(
            "The structured 'filter' parameter is not supported by langfuse-mock; use the query parameter filters"
                .to_string(),
        );
    }
    let (order_field, ascending) = match params.get("orderBy") {
        None => ("timestamp".to_string(), false),
        Some(raw) => {
            let (field, direction) = raw.split_once('.').unwrap_or((raw, "desc"));
            if !ORDER_FIELDS.contains(&field) || !["asc", "desc"].contains(&direction) {
                return Err(format!(
                    "Invalid orderBy '{raw}': expected [field].[asc|desc] with field one of {}",
                    ORDER_FIELDS.join(", ")
                ));
            }
            (field.to_string(), direction == "asc")
        }
    };
    let groups = match params.get("fields") {
        None => GROUPS.iter().map(|g| g.to_string()).collect(),
        Some(_) => {
            let groups = params.get_all("fields");
            if let Some(unknown) = groups.iter().find(|g| !GROUPS.contains(&g.as_str())) {
                return Err(format!(
                    "Invalid fields group '{unknown}'. Allowed groups: {}",
                    GROUPS.join(", ")
                ));
            }
            groups
        }
    };
    Ok(TraceQuery {
        paging: Paging::parse(&params)?,
        user_id: params.string("userId"),
        name: params.string("name"),
        session_id: params.string("sessionId"),
        from_ms: params.time_ms("fromTimestamp")?,
        to_ms: params.time_ms("toTimestamp")?,
        order_field,
        ascending,
        tags: params.get_all("tags"),
        release: params.string("release"),
        version: params.string("version"),
        environments: params.get_all("environment"),
        groups,
    })
}

fn matches(dataset: &Dataset, index: usize, query: &TraceQuery) -> bool {
    let trace = &dataset.traces[index];
    let session = dataset.session_of(trace);
    query.from_ms.is_none_or(|f| trace.timestamp_ms >= f)
        && query.to_ms.is_none_or(|t| trace.timestamp_ms < t)
        && query.name.as_deref().is_none_or(|n| trace.name == Some(n))
        && query
            .user_id
            .as_deref()
            .is_none_or(|u| session.is_some_and(|s| s.user_id == u))
        && query
            .session_id
            .as_deref()
            .is_none_or(|id| session.is_some_and(|s| s.id == id))
        && query.tags.iter().all(|t| trace.tags.contains(&t.as_str()))
        && query.release.as_deref().is_none_or(|r| r == trace.release)
        && query.version.is_none()
        && (query.environments.is_empty()
            || query.environments.iter().any(|e| e == trace.environment))
}

fn sort_key(dataset: &Dataset, index: usize, field: &str) -> (String, i64) {
    let trace = &dataset.traces[index];
    let session = dataset.session_of(trace);
    let text = match field {
        "id" => trace.id_string(),
        "name" => trace.name.unwrap_or_default().to_string(),
        "userId" => session.map(|s| s.user_id.clone()).unwrap_or_default(),
        "sessionId" => session.map(|s| s.id.clone()).unwrap_or_default(),
        _ => String::new(),
    };
    (text, trace.timestamp_ms)
}

fn render(
    dataset: &Dataset,
    index: usize,
    groups: &[String],
    scores_of: &HashMap<u32, Vec<String>>,
) -> Value {
    let trace = &dataset.traces[index];
    let session = dataset.session_of(trace);
    let has = |g: &str| groups.iter().any(|x| x == g);
    let observations: Vec<String> = if has("observations") {
        dataset.observations[dataset.trace_observations(trace)]
            .iter()
            .map(|o| o.id_string())
            .collect()
    } else {
        Vec::new()
    };
    let scores = if has("scores") {
        scores_of.get(&(index as u32)).cloned().unwrap_or_default()
    } else {
        Vec::new()
    };
    let (latency, total_cost) = if has("metrics") {
        (
            json!(dataset.trace_latency_seconds(trace)),
            json!(usd(dataset.trace_cost_nanousd(trace).unwrap_or(0))),
        )
    } else {
        (json!(-1), json!(-1))
    };
    let (input, output, metadata) = if has("io") {
        (
            json!(format!("Turn of {}", trace.name.unwrap_or("an agent"))),
            Value::Null,
            json!({"game": "cupid"}),
        )
    } else {
        (Value::Null, Value::Null, Value::Null)
    };
    json!({
        "id": trace.id_string(),
        "timestamp": iso(trace.timestamp_ms),
        "name": trace.name,
        "input": input,
        "output": output,
        "sessionId": session.map(|s| &s.id),
        "release": trace.release,
        "version": Value::Null,
        "userId": session.map(|s| &s.user_id),
        "metadata": metadata,
        "tags": trace.tags,
        "public": false,
        "environment": trace.environment,
        "htmlPath": format!("/project/{}/traces/{}", dataset.project_id, trace.id_string()),
        "latency": latency,
        "totalCost": total_cost,
        "observations": observations,
        "scores": scores,
    })
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<SharedState>,
) -> Result<HttpResponse, TracesError> {
    let query = parse(request.query_string()).map_err(TracesError::InvalidRequest)?;
    let dataset = state.dataset.read().expect("dataset lock");
    let mut matching: Vec<usize> = (0..dataset.traces.len())
        .filter(|&i| matches(&dataset, i, &query))
        .collect();
    matching.sort_by_cached_key(|&i| sort_key(&dataset, i, &query.order_field));
    if !query.ascending {
        matching.reverse();
    }
    let (page, meta) = query.paging.apply(&matching);
    let mut scores_of: HashMap<u32, Vec<String>> = HashMap::new();
    for score in &dataset.scores {
        if let ScoreSubject::Trace(t) = score.subject {
            scores_of.entry(t).or_default().push(score.id_string());
        }
    }
    let data: Vec<Value> = page
        .iter()
        .map(|&i| render(&dataset, i, &query.groups, &scores_of))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"data": data, "meta": meta})))
}
