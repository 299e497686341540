//! `/api/models`: figures per model.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::figures::Figures;
use crate::wire::metrics::DailyPoint;
use crate::wire::usd;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelStats {
    pub model: String,
    pub generations: i64,
    /// Observations of any type with this model.
    pub observations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
    /// Agents that called this model.
    pub agents: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    /// By total cost, highest first.
    pub items: Vec<ModelStats>,
}

impl ModelList {
    /// Each model's figures with the agents that called it, by total cost.
    pub fn new(
        by_model: BTreeMap<String, Figures>,
        mut agents: BTreeMap<String, Vec<String>>,
    ) -> ModelList {
        let mut items: Vec<ModelStats> = by_model
            .into_iter()
            .map(|(model, figures)| ModelStats {
                agents: agents.remove(&model).unwrap_or_default(),
                model,
                generations: figures.totals.generations,
                observations: figures.totals.observations,
                total_cost: usd(figures.totals.cost_nanousd),
                input_tokens: figures.totals.input_tokens,
                output_tokens: figures.totals.output_tokens,
                total_tokens: figures.totals.total_tokens,
                errors: figures.totals.errors,
                latency_p50_ms: figures.latency_percentile(0.50),
                latency_p95_ms: figures.latency_percentile(0.95),
            })
            .collect();
        items.sort_by(|a, b| {
            b.total_cost
                .total_cmp(&a.total_cost)
                .then_with(|| a.model.cmp(&b.model))
        });
        ModelList { items }
    }
}

/// One model's figures per UTC day.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelSeries {
    pub model: String,
    /// USD over the range, the sum of the points.
    pub total_cost: f64,
    /// One point per UTC day of the range, zero-filled, ascending; sessions
    /// and traces are those the model took part in.
    pub points: Vec<DailyPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelDailySeries {
    /// The costliest models (at most 12), by total cost, highest first.
    pub items: Vec<ModelSeries>,
    /// Models in the range in all (more than `items` holds when over 12).
    pub total: i64,
}
