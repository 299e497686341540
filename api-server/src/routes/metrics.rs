//! `GET /api/metrics/daily`: one point per UTC day of the range, zero-filled.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::aggregate::{Figures, Filter, GroupBy, Source, data_day_span, figures_by};
use crate::environments::{EnvironmentSelection, Environments};
use crate::error::{ApiError, ErrorBody};
use crate::params::DailyParams;
use crate::params::{MAX_SERIES_DAYS, QueryParams, TimeRange, check_series_length, day_floor};
use crate::routes::usd;
use crate::state::{AppState, Rendered};

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

fn point(date: String, figures: &Figures) -> DailyPoint {
    DailyPoint {
        date,
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
    }
}

/// The daily series for `range` and `filter`; open bounds extend to the
/// first/last day with data.
pub fn daily_series(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<Vec<DailyPoint>, ApiError> {
    let by_day: BTreeMap<String, Figures> = figures_by(source, range, filter, GroupBy::Day)?;
    let span = data_day_span(source.connection)?;
    let first_day = match (range.from_ms, span) {
        (Some(from), _) => day_floor(from),
        (None, Some((first, _))) => first,
        (None, None) => return Ok(Vec::new()),
    };
    let last_day = match (range.to_ms, span) {
        (Some(to), _) => day_floor(to - 1),
        (None, Some((_, last))) => last,
        (None, None) => return Ok(Vec::new()),
    };
    let empty = Figures::default();
    let mut points = Vec::new();
    let mut day = first_day;
    while day <= last_day && points.len() as i64 <= MAX_SERIES_DAYS {
        let date = ms_to_day(day);
        let figures = by_day.get(&date).unwrap_or(&empty);
        points.push(point(date, figures));
        day += MS_PER_DAY;
    }
    Ok(points)
}

/// Reads the optional `agent` and `model` filters, in `environments`.
pub fn filter_from(params: &QueryParams, environments: Environments) -> Filter {
    Filter {
        agent: params.get("agent").map(str::to_string),
        model: params.get("model").map(str::to_string),
        environments,
    }
}

/// Per-day figures, optionally for one agent and/or model.
#[utoipa::path(tag = "metrics", params(DailyParams), responses(
    (status = 200, description = "One point per UTC day, ascending", body = DailySeries),
    (status = 400, description = "A parameter is invalid", body = ErrorBody),
    (status = 503, description = "No synced data yet", body = ErrorBody),
))]
#[get("/api/metrics/daily")]
pub async fn get_daily_metrics(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = QueryParams::parse::<DailyParams>(request.query_string())?;
    let range = params.range()?;
    check_series_length(range)?;
    let environments = EnvironmentSelection::from_params(&params)?;
    state
        .respond(&request, move |source| {
            let filter = filter_from(&params, environments.resolve(source.connection)?);
            let items = daily_series(source, range, &filter)?;
            Rendered::json(&DailySeries { items })
        })
        .await
}
