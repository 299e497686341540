//! Sessions as the list, the session detail and the agent detail show them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::sessions::SessionRow;
use crate::wire::scores::{LatestScore, ScoreEntry};
use crate::wire::traces::TraceDetail;
use crate::wire::{iso, iso_opt, usd};

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    pub id: String,
    pub user_id: Option<String>,
    pub users: Vec<String>,
    pub agents: Vec<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub duration_ms: Option<i64>,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub warnings: i64,
    pub first_error_observation_id: Option<String>,
    /// The Langfuse environment of its earliest observation.
    pub environment: String,
    /// The latest score of each name (session-, trace- or
    /// observation-level), by name.
    pub scores: Vec<LatestScore>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    pub items: Vec<SessionSummary>,
    /// Sessions matching the filters, over all pages.
    pub total: i64,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    pub session: SessionSummary,
    /// In start order, each with its observation tree.
    pub traces: Vec<TraceDetail>,
    /// Every score of the session, its traces and observations, in time order.
    pub scores: Vec<ScoreEntry>,
    /// The ERROR-level observations, in start order ("jump to next error").
    #[serde(rename = "errorObservationIds")]
    pub error_observation_ids: Vec<String>,
    /// The session in Langfuse's UI; null while the host or the project is
    /// unknown (see `/api/sync/status`).
    #[serde(rename = "langfuseUrl")]
    pub langfuse_url: Option<String>,
}

impl SessionSummary {
    /// The session with the latest score of each name.
    pub fn new(row: SessionRow, scores: Vec<LatestScore>) -> Self {
        SessionSummary {
            id: row.id,
            user_id: row.user_id,
            users: row.users,
            agents: row.agents,
            start_time: iso(row.start_time_ms),
            end_time: iso_opt(row.end_time_ms),
            duration_ms: row.duration_ms,
            traces: row.traces,
            observations: row.observations,
            generations: row.generations,
            total_cost: usd(row.cost_nanousd),
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            total_tokens: row.total_tokens,
            errors: row.errors,
            warnings: row.warnings,
            first_error_observation_id: row.first_error_observation_id,
            environment: row.environment,
            scores,
        }
    }
}
