//! `/api/metrics/daily`: one point per UTC day.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::figures::Figures;
use crate::wire::usd;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyPoint {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Sessions starting that day.
    pub sessions: i64,
    /// Traces starting that day.
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailySeries {
    pub items: Vec<DailyPoint>,
}

impl DailyPoint {
    pub fn new(date: String, figures: &Figures) -> DailyPoint {
        DailyPoint {
            date,
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
        }
    }
}
