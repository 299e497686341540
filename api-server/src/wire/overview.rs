//! `/api/overview`: a range's headline figures.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::figures::Figures;
use crate::params::TimeRange;
use crate::wire::{iso_opt, usd};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeriodFigures {
    pub from: Option<String>,
    pub to: Option<String>,
    pub sessions: i64,
    pub traces: i64,
    pub observations: i64,
    /// Observations of type GENERATION (LLM calls).
    pub generations: i64,
    /// USD.
    pub total_cost: f64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    /// Observations at level ERROR.
    pub errors: i64,
    pub warnings: i64,
    /// errors / observations (0 when none).
    pub error_rate: f64,
    /// Median GENERATION latency (within 4.5% of exact).
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    #[serde(flatten)]
    pub current: PeriodFigures,
    /// The range of equal length just before; null without a full range.
    pub previous: Option<PeriodFigures>,
}

pub fn period_figures(range: TimeRange, figures: &Figures) -> PeriodFigures {
    PeriodFigures {
        from: iso_opt(range.from_ms),
        to: iso_opt(range.to_ms),
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
    }
}
