//! `/api/alerts`: each configured alert rule with where it stands, and the
//! history of firings.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::alerts::{AlertEventRow, AlertStateRow};
use crate::wire::iso;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Ok,
    Firing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertEventKind {
    Firing,
    Resolved,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleStatus {
    /// The rule's name in the daemon's configuration.
    pub rule: String,
    /// `cost_per_hour`, `error_rate`, `p95_latency_ms`, `llm_calls_per_hour`,
    /// `sync_staleness_minutes`, `score_average` or `score_share`.
    pub metric: String,
    /// The rule in words, e.g. "error rate > 20.0% over the last 60 min (agent judge)".
    pub condition: String,
    pub state: AlertState,
    /// When it entered its state.
    pub since: String,
    /// The value at the last evaluation, in the metric's unit (USD per hour,
    /// a share 0..1, ms, calls per hour, minutes, a score); null when there
    /// was nothing to measure.
    pub last_value: Option<f64>,
    pub evaluated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    pub rule: String,
    pub kind: AlertEventKind,
    pub at: String,
    /// The value that started or ended the firing.
    pub value: Option<f64>,
    /// The text posted to the webhook.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertList {
    /// How many rules fire now.
    pub firing: usize,
    /// Every configured rule, firing ones first.
    pub rules: Vec<AlertRuleStatus>,
    /// The newest 100 firings and resolutions, newest first.
    pub history: Vec<AlertEvent>,
}

impl AlertList {
    pub fn new(states: Vec<AlertStateRow>, events: Vec<AlertEventRow>) -> AlertList {
        let rules: Vec<AlertRuleStatus> = states
            .into_iter()
            .map(|row| AlertRuleStatus {
                state: if row.state == "firing" {
                    AlertState::Firing
                } else {
                    AlertState::Ok
                },
                rule: row.rule,
                metric: row.metric,
                condition: row.condition,
                since: iso(row.since_ms),
                last_value: row.last_value,
                evaluated_at: iso(row.evaluated_at_ms),
            })
            .collect();
        AlertList {
            firing: rules
                .iter()
                .filter(|rule| rule.state == AlertState::Firing)
                .count(),
            rules,
            history: events
                .into_iter()
                .map(|row| AlertEvent {
                    kind: if row.kind == "firing" {
                        AlertEventKind::Firing
                    } else {
                        AlertEventKind::Resolved
                    },
                    rule: row.rule,
                    at: iso(row.at_ms),
                    value: row.value,
                    message: row.message,
                })
                .collect(),
        }
    }
}
