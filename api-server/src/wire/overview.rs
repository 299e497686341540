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
    /// Median GENERATION latency (within 1% of the exact nearest-rank one).
    pub latency_p50_ms: Option<i64>,
    pub latency_p95_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    #[serde(flatten)]
    pub current: PeriodFigures,
    /// The range of equal length just before, measured up to the same
    /// moment (`comparedUntil` less the range's length); null without both
    /// bounds. Its `from`/`to` are the span measured.
    pub previous: Option<PeriodFigures>,
    /// The moment both periods are measured up to: the range's end, or the
    /// time of the request when the range ends later (a partial day is
    /// compared with the same partial span). Null without both bounds.
    pub compared_until: Option<String>,
    /// Where the synced data begins (the daemon's backfill start, or the
    /// oldest observation synced); null when nothing is synced.
    pub data_from: Option<String>,
    /// Whether the synced data covers the whole previous period. When false
    /// the previous figures undercount and the change means nothing: show
    /// "no data before `dataFrom`" instead.
    pub previous_covered: bool,
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
