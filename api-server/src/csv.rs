//! CSV downloads: RFC 4180 lines that spreadsheets open safely, and the
//! file names that say which range they hold.

use crate::params::TimeRange;
use std::collections::BTreeSet;

use crate::wire::agents::AgentStats;
use crate::wire::metrics::{DailySeries, Granularity};
use crate::wire::models::ModelStats;
use crate::wire::scores::LatestScore;
use crate::wire::sessions::SessionSummary;

/// Quotes a CSV field when it needs it, and defuses spreadsheet formulas.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// A header line, then one line per row: every download's shape.
pub fn csv_table(header: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = csv_line(header);
    for row in rows {
        out.push_str(&csv_line(&row));
    }
    out
}

/// Column names as header fields.
fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

/// A whole number that may be unknown: empty when it is.
fn optional(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// `{prefix}-{first day}-{last day}.csv`: the first and the last UTC day
/// the range includes (`to` is exclusive, so a range to midnight ends the
/// day before); `all` for an open bound.
pub fn range_filename(prefix: &str, range: TimeRange) -> String {
    let day = |ms: Option<i64>| {
        ms.map(shared_schema::units::ms_to_day)
            .unwrap_or_else(|| "all".into())
    };
    format!(
        "{prefix}-{}-{}.csv",
        day(range.from_ms),
        day(range.to_ms.map(|to| to - 1))
    )
}

/// A score as a CSV cell: the category of a categorical score, else the
/// number (booleans as 1 or 0); empty when the session has none.
fn score_cell(score: Option<&LatestScore>) -> String {
    let Some(score) = score else {
        return String::new();
    };
    match (score.data_type.as_str(), &score.string_value, score.value) {
        ("CATEGORICAL", Some(category), _) => category.clone(),
        (_, _, Some(value)) => value.to_string(),
        (_, Some(text), None) => text.clone(),
        _ => String::new(),
    }
}

/// The session list as a download, one row per session, with one
/// `score:{name}` column per score name any of them has (its latest score).
pub fn sessions_csv(sessions: &[SessionSummary]) -> String {
    let score_names: BTreeSet<&str> = sessions
        .iter()
        .flat_map(|session| session.scores.iter().map(|score| score.name.as_str()))
        .collect();
    let mut header = columns(&[
        "id",
        "userId",
        "users",
        "agents",
        "startTime",
        "endTime",
        "durationMs",
        "traces",
        "observations",
        "generations",
        "totalCostUsd",
        "inputTokens",
        "outputTokens",
        "totalTokens",
        "errors",
        "warnings",
        "environment",
    ]);
    header.extend(score_names.iter().map(|name| format!("score:{name}")));
    let rows = sessions.iter().map(|s| {
        let mut fields = vec![
            s.id.clone(),
            s.user_id.clone().unwrap_or_default(),
            s.users.join(" "),
            s.agents.join(" "),
            s.start_time.clone(),
            s.end_time.clone().unwrap_or_default(),
            optional(s.duration_ms),
            s.traces.to_string(),
            s.observations.to_string(),
            s.generations.to_string(),
            format!("{:.9}", s.total_cost),
            s.input_tokens.to_string(),
            s.output_tokens.to_string(),
            s.total_tokens.to_string(),
            s.errors.to_string(),
            s.warnings.to_string(),
            s.environment.clone(),
        ];
        fields.extend(
            score_names
                .iter()
                .map(|name| score_cell(s.scores.iter().find(|score| score.name == *name))),
        );
        fields
    });
    csv_table(&header, rows)
}

/// The model list as a download, one row per model.
pub fn models_csv(items: &[ModelStats]) -> String {
    let header = columns(&[
        "model",
        "generations",
        "observations",
        "totalCostUsd",
        "inputTokens",
        "outputTokens",
        "totalTokens",
        "errors",
        "latencyP50Ms",
        "latencyP95Ms",
        "agents",
    ]);
    let rows = items.iter().map(|m| {
        vec![
            m.model.clone(),
            m.generations.to_string(),
            m.observations.to_string(),
            format!("{:.9}", m.total_cost),
            m.input_tokens.to_string(),
            m.output_tokens.to_string(),
            m.total_tokens.to_string(),
            m.errors.to_string(),
            optional(m.latency_p50_ms),
            optional(m.latency_p95_ms),
            m.agents.join(" "),
        ]
    });
    csv_table(&header, rows)
}

/// A series as a download, one row per day (or hour), oldest first.
pub fn series_csv(series: &DailySeries) -> String {
    let first = match series.granularity {
        Granularity::Day => "date",
        Granularity::Hour => "hour",
    };
    let header = columns(&[
        first,
        "sessions",
        "traces",
        "observations",
        "generations",
        "totalCostUsd",
        "inputTokens",
        "outputTokens",
        "totalTokens",
        "errors",
        "warnings",
    ]);
    let rows = series.items.iter().map(|point| {
        vec![
            point.date.clone(),
            point.sessions.to_string(),
            point.traces.to_string(),
            point.observations.to_string(),
            point.generations.to_string(),
            format!("{:.9}", point.total_cost),
            point.input_tokens.to_string(),
            point.output_tokens.to_string(),
            point.total_tokens.to_string(),
            point.errors.to_string(),
            point.warnings.to_string(),
        ]
    });
    csv_table(&header, rows)
}

/// The agent list as a download, one row per agent.
pub fn agents_csv(items: &[AgentStats]) -> String {
    let header = columns(&[
        "agent",
        "sessions",
        "traces",
        "observations",
        "generations",
        "totalCostUsd",
        "inputTokens",
        "outputTokens",
        "totalTokens",
        "errors",
        "warnings",
        "errorRate",
        "latencyP50Ms",
        "latencyP95Ms",
        "latencyP99Ms",
        "models",
    ]);
    let rows = items.iter().map(|a| {
        vec![
            a.agent.clone(),
            a.sessions.to_string(),
            a.traces.to_string(),
            a.observations.to_string(),
            a.generations.to_string(),
            format!("{:.9}", a.total_cost),
            a.input_tokens.to_string(),
            a.output_tokens.to_string(),
            a.total_tokens.to_string(),
            a.errors.to_string(),
            a.warnings.to_string(),
            format!("{:.6}", a.error_rate),
            optional(a.latency_p50_ms),
            optional(a.latency_p95_ms),
            optional(a.latency_p99_ms),
            a.models.join(" "),
        ]
    });
    csv_table(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("-5"), "-5");
    }

    #[test]
    fn file_names_name_the_first_and_the_last_day_included() {
        let day = shared_schema::units::MS_PER_DAY;
        let nov_1 = 1_793_491_200_000;
        let cases = [
            (
                Some(nov_1),
                Some(nov_1 + 7 * day),
                "x-2026-11-01-2026-11-07.csv",
            ),
            (
                Some(nov_1),
                Some(nov_1 + 7 * day + 1),
                "x-2026-11-01-2026-11-08.csv",
            ),
            (
                Some(nov_1 + 3_600_000),
                Some(nov_1 + 7_200_000),
                "x-2026-11-01-2026-11-01.csv",
            ),
            (None, Some(nov_1 + day), "x-all-2026-11-01.csv"),
            (Some(nov_1), None, "x-2026-11-01-all.csv"),
            (None, None, "x-all-all.csv"),
        ];
        for (from_ms, to_ms, expected) in cases {
            assert_eq!(range_filename("x", TimeRange { from_ms, to_ms }), expected);
        }
    }
}
