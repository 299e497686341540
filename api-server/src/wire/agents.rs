//! Agents' figures: the agent list, the comparison and the agent detail.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::agents::AgentFigures;
use crate::db::figures::Figures;
use crate::db::scores::ScoreTally;
use crate::wire::metrics::{DailyPoint, Granularity};
use crate::wire::scores::{AgentScore, agent_scores};
use crate::wire::sessions::SessionSummary;
use crate::wire::usd;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStats {
    pub agent: String,
    /// Sessions the agent took part in (starting in the range).
    pub sessions: i64,
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
    /// errors / observations.
    pub error_rate: f64,
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
    pub latency_p99_ms: Option<i64>,
    /// Models the agent called.
    pub models: Vec<String>,
    /// Scores attributed to the agent in the range, by name.
    pub scores: Vec<AgentScore>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentList {
    /// By total cost, highest first.
    pub items: Vec<AgentStats>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelShare {
    pub model: String,
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDetail {
    #[serde(flatten)]
    pub stats: AgentStats,
    /// A point per UTC day, or per UTC hour for ranges of at most 48 hours
    /// (`dailyGranularity`), as in `/api/metrics/daily`.
    pub daily: Vec<DailyPoint>,
    pub daily_granularity: Granularity,
    pub model_mix: Vec<ModelShare>,
    /// The latest 20 sessions with this agent, newest first.
    pub recent_sessions: Vec<SessionSummary>,
}

impl AgentStats {
    pub fn new(agent: String, figures: &Figures, models: Vec<String>) -> AgentStats {
        AgentStats {
            agent,
            sessions: figures.totals.sessions,
            traces: figures.totals.traces,
            observations: figures.totals.observations,
            generations: figures.totals.generations,
            total_cost: usd(figures.totals.cost_nanousd),
            input_tokens: figures.totals.input_tokens,
            output_tokens: figures.totals.output_tokens,
            total_tokens: figures.totals.total_tokens,
            errors: figures.totals.errors,
            warnings: figures.totals.warnings,
            error_rate: figures.error_rate(),
            latency_p50_ms: figures.latency_percentile(0.50),
            latency_p95_ms: figures.latency_percentile(0.95),
            latency_p99_ms: figures.latency_percentile(0.99),
            models,
            scores: Vec::new(),
        }
    }

    /// An agent without activity in a range.
    pub fn empty(agent: &str) -> AgentStats {
        AgentStats::new(agent.to_string(), &Figures::default(), Vec::new())
    }

    /// One agent's figures with its score tallies (by name): what the
    /// agent list and the comparison show for it.
    pub fn with_scores(agent: AgentFigures, tallies: Vec<ScoreTally>) -> AgentStats {
        let mut stats = AgentStats::new(agent.agent, &agent.figures, agent.models);
        stats.scores = agent_scores(tallies);
        stats
    }

    /// Every agent with its score tallies (agent -> by name), by total
    /// cost, highest first.
    pub fn list(
        agents: Vec<AgentFigures>,
        mut scores: HashMap<String, Vec<ScoreTally>>,
    ) -> Vec<AgentStats> {
        let mut items: Vec<AgentStats> = agents
            .into_iter()
            .map(|agent| {
                let tallies = scores.remove(&agent.agent).unwrap_or_default();
                AgentStats::with_scores(agent, tallies)
            })
            .collect();
        items.sort_by(|a, b| {
            b.total_cost
                .total_cmp(&a.total_cost)
                .then_with(|| a.agent.cmp(&b.agent))
        });
        items
    }
}

impl ModelShare {
    /// Each model's share of an agent's work, by total cost, highest first.
    pub fn list(by_model: BTreeMap<String, Figures>) -> Vec<ModelShare> {
        let mut model_mix: Vec<ModelShare> = by_model
            .into_iter()
            .map(|(model, figures)| ModelShare {
                model,
                generations: figures.totals.generations,
                total_cost: usd(figures.totals.cost_nanousd),
                input_tokens: figures.totals.input_tokens,
                output_tokens: figures.totals.output_tokens,
                total_tokens: figures.totals.total_tokens,
            })
            .collect();
        model_mix.sort_by(|a, b| {
            b.total_cost
                .total_cmp(&a.total_cost)
                .then_with(|| a.model.cmp(&b.model))
        });
        model_mix
    }
}
