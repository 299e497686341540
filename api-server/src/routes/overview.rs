//! `GET /api/overview`: the range's headline figures and the same for the
//! range of equal length just before.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::aggregate::{Figures, Filter, figures_of};
use crate::environments::EnvironmentSelection;
use crate::error::{ApiError, ErrorBody};
use crate::params::RangeParams;
use crate::params::{QueryParams, TimeRange};
use crate::routes::{iso_opt, usd};
use crate::state::{AppState, Rendered};

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
        sessions: figures.sessions,
        traces: figures.traces,
        observations: figures.observations,
        generations: figures.generations,
        total_cost: usd(figures.cost_nanousd),
        input_tokens: figures.input_tokens,
        output_tokens: figures.output_tokens,
        total_tokens: figures.total_tokens,
        errors: figures.errors,
        warnings: figures.warnings,
        error_rate: figures.error_rate(),
        latency_p50_ms: figures.latency_percentile(0.50),
        latency_p95_ms: figures.latency_percentile(0.95),
    }
}

/// Totals for a range, and for the range just before it.
#[utoipa::path(tag = "overview", params(RangeParams), responses(
    (status = 200, description = "Figures for the range", body = Overview),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/overview")]
pub async fn get_overview(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<RangeParams>(request.query_string())?;
    let range = params.range()?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let filter = Filter::in_environments(environments.resolve(source.connection)?);
            let current = figures_of(source, range, &filter)?;
            let previous = match range.previous() {
                Some(previous) => Some(period_figures(
                    previous,
                    &figures_of(source, previous, &filter)?,
                )),
                None => None,
            };
            Rendered::json(&Overview {
                current: period_figures(range, &current),
                previous,
            })
        })
        .await
}
