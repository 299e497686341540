//! Alerts: after its cycles the daemon measures each configured rule over
//! its window (SQL in `store/alerts.rs`), records where the rule stands, and
//! posts a message to the rule's webhook when it starts firing and when it
//! resolves, never while it stays in either state.
//!
//! - `rules`: the `[[alerts]]` tables, checked at start;
//! - `notify`: delivery off the sync's path, bounded, with retries.

pub mod notify;
pub mod rules;

use serde_json::json;
use shared_schema::units::ms_to_iso;

pub use rules::{AlertRule, Metric};

/// Where a rule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Ok,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Ok => "ok",
            AlertState::Firing => "firing",
        }
    }

    pub fn parse(text: &str) -> AlertState {
        if text == "firing" {
            AlertState::Firing
        } else {
            AlertState::Ok
        }
    }
}

/// A change worth a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Fired,
    Resolved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Fired => "firing",
            Change::Resolved => "resolved",
        }
    }
}

/// The next state of a rule, since when, and the change to announce, if any.
/// A rule seen for the first time announces only if it fires.
pub fn decide(
    previous: Option<(AlertState, i64)>,
    breached: bool,
    now_ms: i64,
) -> (AlertState, i64, Option<Change>) {
    match (previous, breached) {
        (Some((AlertState::Firing, since)), true) => (AlertState::Firing, since, None),
        (Some((AlertState::Ok, since)), false) => (AlertState::Ok, since, None),
        (Some((AlertState::Firing, _)), false) => (AlertState::Ok, now_ms, Some(Change::Resolved)),
        (_, true) => (AlertState::Firing, now_ms, Some(Change::Fired)),
        (None, false) => (AlertState::Ok, now_ms, None),
    }
}

/// One message to post.
#[derive(Debug, Clone)]
pub struct Notice {
    pub rule: String,
    pub change: Change,
    pub webhook: rules::Webhook,
    /// The JSON body: `text` (what Slack shows) and `alert` (the facts).
    pub payload: serde_json::Value,
}

impl Notice {
    /// `firing_since_ms`: when the firing that now starts or ends began.
    pub fn new(
        rule: &AlertRule,
        change: Change,
        value: Option<f64>,
        firing_since_ms: i64,
        now_ms: i64,
    ) -> Notice {
        let payload = json!({
            "text": text(rule, change, value, firing_since_ms, now_ms),
            "alert": {
                "rule": rule.name,
                "status": change.as_str(),
                "metric": rule.metric.as_str(),
                "condition": rule.condition(),
                "comparison": rule.comparison.symbol(),
                "threshold": rule.threshold,
                "value": value,
                "windowSeconds": rule.window.as_secs(),
                "agent": rule.filters.agent,
                "model": rule.filters.model,
                "environment": rule.filters.environment,
                "scoreName": rule.score_name,
                "scoreValue": rule.score_value,
                "firingSince": ms_to_iso(firing_since_ms),
                "at": ms_to_iso(now_ms),
            },
        });
        Notice {
            rule: rule.name.clone(),
            change,
            webhook: rule.webhook.clone(),
            payload,
        }
    }

    pub fn text(&self) -> &str {
        self.payload["text"].as_str().unwrap_or_default()
    }
}

/// The one line a chat shows, in Slack's mrkdwn (which plain webhooks
/// receive as readable text).
fn text(
    rule: &AlertRule,
    change: Change,
    value: Option<f64>,
    firing_since_ms: i64,
    now_ms: i64,
) -> String {
    let now = value
        .map(|value| rule.metric.format(value))
        .unwrap_or_else(|| "nothing to measure".to_string());
    match change {
        Change::Fired => format!(
            ":rotating_light: *FIRING* {}: {} (now {now})",
            rule.name,
            rule.condition()
        ),
        Change::Resolved => format!(
            ":white_check_mark: *RESOLVED* {}: {} no longer holds (now {now}; fired for {})",
            rule.name,
            rule.condition(),
            rules::format_window(std::time::Duration::from_secs(
                ((now_ms - firing_since_ms).max(60_000) / 60_000 * 60) as u64
            ))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_announces_only_when_it_starts_or_stops_firing() {
        let (ok, firing) = (AlertState::Ok, AlertState::Firing);
        let cases = [
            (None, false, ok, 100, None),
            (None, true, firing, 100, Some(Change::Fired)),
            (Some((ok, 5)), false, ok, 5, None),
            (Some((ok, 5)), true, firing, 100, Some(Change::Fired)),
            (Some((firing, 5)), true, firing, 5, None),
            (Some((firing, 5)), false, ok, 100, Some(Change::Resolved)),
        ];
        for (previous, breached, state, since, change) in cases {
            assert_eq!(
                decide(previous, breached, 100),
                (state, since, change),
                "{previous:?} breached={breached}"
            );
        }
    }

    #[test]
    fn the_message_names_the_rule_its_condition_and_the_value_and_hides_the_url() {
        let rule = rules::parse_rules(
            vec![vec![
                ("name".into(), Some("spend".into())),
                ("metric".into(), Some("cost_per_hour".into())),
                ("comparison".into(), Some(">".into())),
                ("threshold".into(), Some("5".into())),
                (
                    "webhook_url".into(),
                    Some("https://hooks.test/T/B/secret-path".into()),
                ),
            ]],
            None,
        )
        .unwrap()
        .remove(0);
        let fired = Notice::new(&rule, Change::Fired, Some(12.5), 0, 0);
        assert_eq!(
            fired.text(),
            ":rotating_light: *FIRING* spend: cost per hour > $5.00/h over the last 60 min (now $12.50/h)"
        );
        assert_eq!(fired.payload["alert"]["status"], "firing");
        assert_eq!(fired.payload["alert"]["value"], 12.5);
        let resolved = Notice::new(&rule, Change::Resolved, Some(1.0), 0, 30 * 60_000);
        assert!(
            resolved.text().contains("*RESOLVED* spend"),
            "{}",
            resolved.text()
        );
        assert!(
            resolved.text().contains("fired for 30 min"),
            "{}",
            resolved.text()
        );
        assert!(!resolved.payload.to_string().contains("secret-path"));
    }
}
