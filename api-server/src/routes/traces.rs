//! `GET /api/traces/{id}`: one trace with its observation tree.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, HttpResponse, get, web};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::params::{NoParams, QueryParams, check_id};
use crate::routes::{iso, iso_opt, string_list, usd};
use crate::state::{AppState, Rendered};

/// Deeper observation trees are flattened below this depth.
const MAX_TREE_DEPTH: usize = 64;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObservationNode {
    pub id: String,
    pub parent_observation_id: Option<String>,
    /// GENERATION, SPAN, EVENT, AGENT, TOOL, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub agent: String,
    pub model: Option<String>,
    /// DEBUG, DEFAULT, WARNING or ERROR.
    pub level: String,
    pub status_message: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub latency_ms: Option<i64>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    /// USD; null when unknown.
    pub total_cost: Option<f64>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub metadata: Option<String>,
    /// In start order.
    #[schema(no_recursion)]
    pub children: Vec<ObservationNode>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceDetail {
    pub id: String,
    pub name: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub tags: Vec<String>,
    pub agents: Vec<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub latency_ms: Option<i64>,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub observations: i64,
    pub generations: i64,
    pub errors: i64,
    pub warnings: i64,
    /// The Langfuse environment of its earliest observation.
    pub environment: String,
    /// Root observations, each with its children.
    pub observations_tree: Vec<ObservationNode>,
}

pub const TRACE_COLUMNS: &str = "id, name, session_id, user_id, tags, agents, start_time_ms, \
    end_time_ms, latency_ms, cost_nanousd, input_tokens, output_tokens, total_tokens, \
    observations, generations, errors, warnings, coalesce(nullif(environment, ''), 'default')";

/// A trace row without its tree.
pub fn trace_from_row(row: &Row<'_>) -> rusqlite::Result<TraceDetail> {
    Ok(TraceDetail {
        id: row.get(0)?,
        name: row.get(1)?,
        session_id: row.get(2)?,
        user_id: row.get(3)?,
        tags: string_list(row.get(4)?),
        agents: string_list(row.get(5)?),
        start_time: iso(row.get(6)?),
        end_time: iso_opt(row.get(7)?),
        latency_ms: row.get(8)?,
        total_cost: usd(row.get(9)?),
        input_tokens: row.get(10)?,
        output_tokens: row.get(11)?,
        total_tokens: row.get(12)?,
        observations: row.get(13)?,
        generations: row.get(14)?,
        errors: row.get(15)?,
        warnings: row.get(16)?,
        environment: row.get(17)?,
        observations_tree: Vec::new(),
    })
}

pub const OBSERVATION_COLUMNS: &str = "id, parent_observation_id, type, name, agent, model, level, \
    status_message, start_time_ms, end_time_ms, latency_ms, input_tokens, output_tokens, \
    total_tokens, cost_nanousd, input, output, metadata, trace_id";

/// An observation row and the trace it belongs to.
pub fn observation_from_row(row: &Row<'_>) -> rusqlite::Result<(String, ObservationNode)> {
    let cost: Option<i64> = row.get(14)?;
    Ok((
        row.get(18)?,
        ObservationNode {
            id: row.get(0)?,
            parent_observation_id: row.get(1)?,
            kind: row.get(2)?,
            name: row.get(3)?,
            agent: row.get(4)?,
            model: row.get(5)?,
            level: row.get(6)?,
            status_message: row.get(7)?,
            start_time: iso(row.get(8)?),
            end_time: iso_opt(row.get(9)?),
            latency_ms: row.get(10)?,
            input_tokens: row.get(11)?,
            output_tokens: row.get(12)?,
            total_tokens: row.get(13)?,
            total_cost: cost.map(usd),
            input: row.get(15)?,
            output: row.get(16)?,
            metadata: row.get(17)?,
            children: Vec::new(),
        },
    ))
}

/// Builds the forest from observations in start order. Observations whose
/// parent is absent (not synced yet) are roots; cycles are broken.
pub fn build_tree(observations: Vec<ObservationNode>) -> Vec<ObservationNode> {
    let ids: HashSet<String> = observations.iter().map(|o| o.id.clone()).collect();
    let mut children_of: HashMap<String, Vec<ObservationNode>> = HashMap::new();
    let mut roots = Vec::new();
    for observation in observations {
        match &observation.parent_observation_id {
            Some(parent) if ids.contains(parent) && *parent != observation.id => children_of
                .entry(parent.clone())
                .or_default()
                .push(observation),
            _ => roots.push(observation),
        }
    }
    fn attach(
        node: &mut ObservationNode,
        children_of: &mut HashMap<String, Vec<ObservationNode>>,
        depth: usize,
    ) {
        let mut children = children_of.remove(&node.id).unwrap_or_default();
        if depth >= MAX_TREE_DEPTH {
            // Flatten what lies deeper so that serialising stays bounded.
            let mut index = 0;
            while index < children.len() {
                let grandchildren = children_of.remove(&children[index].id).unwrap_or_default();
                children.extend(grandchildren);
                index += 1;
            }
        } else {
            for child in &mut children {
                attach(child, children_of, depth + 1);
            }
        }
        node.children = children;
    }
    for root in &mut roots {
        attach(root, &mut children_of, 1);
    }
    // Whatever was not reached (a cycle of parents) is shown at the top.
    let mut leftover: Vec<ObservationNode> = children_of.into_values().flatten().collect();
    leftover.sort_by(|a, b| a.start_time.cmp(&b.start_time));
    roots.extend(leftover);
    roots
}

pub fn load_trace(connection: &Connection, id: &str) -> Result<Option<TraceDetail>, ApiError> {
    let mut statement =
        connection.prepare_cached(&format!("SELECT {TRACE_COLUMNS} FROM traces WHERE id = ?1"))?;
    let Some(mut trace) = statement.query_row([id], trace_from_row).optional()? else {
        return Ok(None);
    };
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE trace_id = ?1
         ORDER BY start_time_ms, id"
    ))?;
    let observations = statement
        .query_map([id], observation_from_row)?
        .map(|row| row.map(|(_, node)| node))
        .collect::<Result<Vec<_>, _>>()?;
    trace.observations_tree = build_tree(observations);
    Ok(Some(trace))
}

/// A trace and its observation tree.
#[utoipa::path(tag = "traces",
    params(("id" = String, Path, description = "The trace id")),
    responses(
        (status = 200, description = "The trace", body = TraceDetail),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such trace", body = ErrorBody),
        (status = 503, description = "No synced data yet", body = ErrorBody),
    ))]
#[get("/api/traces/{id}")]
pub async fn get_trace(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    QueryParams::parse::<NoParams>(request.query_string())?;
    let id = id.into_inner();
    check_id("id", &id)?;
    state
        .respond(&request, move |source| {
            let trace = load_trace(source.connection, &id)?
                .ok_or_else(|| ApiError::not_found("id", format!("no trace with id {id:?}")))?;
            Rendered::json(&trace)
        })
        .await
}
