//! CSV downloads: RFC 4180 lines that spreadsheets open safely, and the
//! file names that say which range they hold.

use crate::params::TimeRange;
use crate::wire::agents::AgentStats;
use crate::wire::metrics::{DailySeries, Granularity};
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

/// `{prefix}-{from day}-{to day}.csv`, `all` for an open bound.
pub fn range_filename(prefix: &str, range: TimeRange) -> String {
    let bound = |ms: Option<i64>| {
        ms.map(shared_schema::units::ms_to_day)
            .unwrap_or_else(|| "all".into())
    };
    format!(
        "{prefix}-{}-{}.csv",
        bound(range.from_ms),
        bound(range.to_ms)
    )
}

/// The session list as a download, one row per session.
pub fn sessions_csv(sessions: &[SessionSummary]) -> String {
    let mut out = csv_line(
        &[
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
        ]
        .map(String::from),
    );
    let opt = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for s in sessions {
        out.push_str(&csv_line(&[
            s.id.clone(),
            s.user_id.clone().unwrap_or_default(),
            s.users.join(" "),
            s.agents.join(" "),
            s.start_time.clone(),
            s.end_time.clone().unwrap_or_default(),
            opt(s.duration_ms),
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
        ]));
    }
    out
}

/// A series as a download, one row per day (or hour), oldest first.
pub fn series_csv(series: &DailySeries) -> String {
    let first = match series.granularity {
        Granularity::Day => "date",
        Granularity::Hour => "hour",
    };
    let mut out = csv_line(
        &[
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
        ]
        .map(String::from),
    );
    for point in &series.items {
        out.push_str(&csv_line(&[
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
        ]));
    }
    out
}

/// The agent list as a download, one row per agent.
pub fn agents_csv(items: &[AgentStats]) -> String {
    let mut out = csv_line(
        &[
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
        ]
        .map(String::from),
    );
    let opt = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for a in items {
        out.push_str(&csv_line(&[
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
            opt(a.latency_p50_ms),
            opt(a.latency_p95_ms),
            opt(a.latency_p99_ms),
            a.models.join(" "),
        ]));
    }
    out
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
}
