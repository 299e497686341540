//! A trace with its observation tree, as `/api/traces/{id}` and the session
//! detail show it.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::traces::{ObservationRow, TraceRow};
use crate::wire::langfuse::LangfuseProject;
use crate::wire::{iso, iso_opt, usd};

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
    /// The trace in Langfuse's UI; null while the host or the project is
    /// unknown (see `/api/sync/status`).
    pub langfuse_url: Option<String>,
}

impl From<ObservationRow> for ObservationNode {
    fn from(row: ObservationRow) -> Self {
        ObservationNode {
            id: row.id,
            parent_observation_id: row.parent_observation_id,
            kind: row.kind,
            name: row.name,
            agent: row.agent,
            model: row.model,
            level: row.level,
            status_message: row.status_message,
            start_time: iso(row.start_time_ms),
            end_time: iso_opt(row.end_time_ms),
            latency_ms: row.latency_ms,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            total_tokens: row.total_tokens,
            total_cost: row.cost_nanousd.map(usd),
            input: row.input,
            output: row.output,
            metadata: row.metadata,
            children: Vec::new(),
        }
    }
}

impl TraceDetail {
    /// The trace with its observations (in start order) as a tree, and its
    /// link into Langfuse when the project is known.
    pub fn new(
        row: TraceRow,
        observations: Vec<ObservationRow>,
        langfuse: Option<&LangfuseProject>,
    ) -> Self {
        TraceDetail {
            langfuse_url: langfuse.map(|project| project.trace_url(&row.id)),
            id: row.id,
            name: row.name,
            session_id: row.session_id,
            user_id: row.user_id,
            tags: row.tags,
            agents: row.agents,
            start_time: iso(row.start_time_ms),
            end_time: iso_opt(row.end_time_ms),
            latency_ms: row.latency_ms,
            total_cost: usd(row.cost_nanousd),
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            total_tokens: row.total_tokens,
            observations: row.observations,
            generations: row.generations,
            errors: row.errors,
            warnings: row.warnings,
            environment: row.environment,
            observations_tree: build_tree(
                observations
                    .into_iter()
                    .map(ObservationNode::from)
                    .collect(),
            ),
        }
    }
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
