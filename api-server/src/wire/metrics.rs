//! `/api/metrics/daily`: one point per UTC day, or per UTC hour for ranges
//! of at most 48 hours.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::figures::{Figures, Grain};
use crate::wire::usd;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyPoint {
    /// Daily points: the UTC day, `YYYY-MM-DD`. Hourly points: the hour's
    /// start, `YYYY-MM-DDTHH:00:00.000Z`.
    pub date: String,
    /// Sessions starting that day (hour).
    pub sessions: i64,
    /// Traces starting that day (hour).
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

/// What one point of a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Hour,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailySeries {
    /// `hour` for ranges of at most 48 hours, else `day`.
    pub granularity: Granularity,
    pub items: Vec<DailyPoint>,
}

impl DailySeries {
    pub fn new(grain: Grain, points: Vec<(String, Figures)>) -> DailySeries {
        DailySeries {
            granularity: Granularity::of(grain),
            items: DailyPoint::list(points),
        }
    }
}

impl Granularity {
    pub fn of(grain: Grain) -> Granularity {
        match grain {
            Grain::Day => Granularity::Day,
            Grain::Hour => Granularity::Hour,
        }
    }
}

impl DailyPoint {
    pub fn list(points: Vec<(String, Figures)>) -> Vec<DailyPoint> {
        points
            .into_iter()
            .map(|(date, figures)| DailyPoint::new(date, &figures))
            .collect()
    }

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
