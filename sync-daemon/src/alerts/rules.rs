//! Alert rules as configured: one `[[alerts]]` table each in the daemon's
//! TOML file. Every field is checked at start; a bad rule stops the daemon
//! with a message naming the rule and the field.

use std::collections::BTreeSet;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// The longest window a rule may look back over: rules read raw
/// observations of the window after every cycle.
pub const MAX_WINDOW: Duration = Duration::from_secs(7 * 86_400);
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(3_600);

/// What a rule measures over its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// USD per hour: the window's cost divided by its length in hours.
    CostPerHour,
    /// Observations at level ERROR / all observations (0..=1), as the dashboard counts it.
    ErrorRate,
    /// 95th percentile (nearest rank) of LLM call latency, ms.
    P95LatencyMs,
    /// LLM calls (GENERATION observations) per hour.
    LlmCallsPerHour,
    /// Minutes since the last successful sync cycle (no window, no filter).
    SyncStalenessMinutes,
    /// Average of a score's NUMERIC and BOOLEAN (0/1) values.
    ScoreAverage,
    /// Share (0..=1) of a score's values equal to `score_value`.
    ScoreShare,
}

pub const METRICS: &[Metric] = &[
    Metric::CostPerHour,
    Metric::ErrorRate,
    Metric::P95LatencyMs,
    Metric::LlmCallsPerHour,
    Metric::SyncStalenessMinutes,
    Metric::ScoreAverage,
    Metric::ScoreShare,
];

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::CostPerHour => "cost_per_hour",
            Metric::ErrorRate => "error_rate",
            Metric::P95LatencyMs => "p95_latency_ms",
            Metric::LlmCallsPerHour => "llm_calls_per_hour",
            Metric::SyncStalenessMinutes => "sync_staleness_minutes",
            Metric::ScoreAverage => "score_average",
            Metric::ScoreShare => "score_share",
        }
    }

    pub fn parse(text: &str) -> Option<Metric> {
        METRICS
            .iter()
            .copied()
            .find(|metric| metric.as_str() == text.trim())
    }

    /// The metric in words, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Metric::CostPerHour => "cost per hour",
            Metric::ErrorRate => "error rate",
            Metric::P95LatencyMs => "p95 latency of LLM calls",
            Metric::LlmCallsPerHour => "LLM calls per hour",
            Metric::SyncStalenessMinutes => "time since the last successful sync",
            Metric::ScoreAverage => "average score",
            Metric::ScoreShare => "share of scores",
        }
    }

    pub fn is_score(self) -> bool {
        matches!(self, Metric::ScoreAverage | Metric::ScoreShare)
    }

    /// A value in the metric's unit, as people read it.
    pub fn format(self, value: f64) -> String {
        match self {
            Metric::CostPerHour => format!("${value:.2}/h"),
            Metric::ErrorRate | Metric::ScoreShare => format!("{:.1}%", value * 100.0),
            Metric::P95LatencyMs => format!("{value:.0} ms"),
            Metric::LlmCallsPerHour => format!("{value:.0}/h"),
            Metric::SyncStalenessMinutes => format!("{value:.0} min"),
            Metric::ScoreAverage => format!("{value:.3}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Comparison {
    pub fn parse(text: &str) -> Option<Comparison> {
        match text.trim() {
            ">" => Some(Comparison::Above),
            ">=" => Some(Comparison::AtLeast),
            "<" => Some(Comparison::Below),
            "<=" => Some(Comparison::AtMost),
            _ => None,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Above => ">",
            Comparison::AtLeast => ">=",
            Comparison::Below => "<",
            Comparison::AtMost => "<=",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Above => value > threshold,
            Comparison::AtLeast => value >= threshold,
            Comparison::Below => value < threshold,
            Comparison::AtMost => value <= threshold,
        }
    }
}

/// Where a rule posts. The URL is a secret (a Slack incoming webhook's path
/// is its credential): Debug and logs show the scheme and host only.
#[derive(Clone)]
pub struct Webhook {
    url: SecretString,
    origin: String,
}

impl Webhook {
    pub fn parse(text: &str) -> Result<Webhook, String> {
        let url = reqwest::Url::parse(text.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or("expected an http(s) URL such as https://hooks.slack.com/services/...")?;
        let host = url.host_str().ok_or("the URL has no host")?;
        let origin = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        Ok(Webhook {
            url: SecretString::from(text.trim().to_string()),
            origin,
        })
    }

    /// Scheme, host and port: what may be logged.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn expose_url(&self) -> &str {
        self.url.expose_secret()
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({}/…)", self.origin)
    }
}

/// Restricts the observations (or scores) a rule measures; `None` = all.
/// Without `environment`, Langfuse's internal `langfuse-...` environments
/// are left out, as the dashboard does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub agent: Option<String>,
    pub model: Option<String>,
    pub environment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub name: String,
    pub metric: Metric,
    pub comparison: Comparison,
    pub threshold: f64,
    pub window: Duration,
    pub filters: Filters,
    /// The score a score metric reads.
    pub score_name: Option<String>,
    /// The value `score_share` counts (`true`/`false` for BOOLEAN scores).
    pub score_value: Option<String>,
    pub webhook: Webhook,
}

impl AlertRule {
    /// The rule in words: "error rate > 20.0% over the last 60 min (agent judge)".
    pub fn condition(&self) -> String {
        let mut what = self.metric.label().to_string();
        if let Some(score) = &self.score_name {
            what = match (&self.metric, &self.score_value) {
                (Metric::ScoreShare, Some(value)) => format!("share of {score} = {value}"),
                _ => format!("average {score}"),
            };
        }
        let mut text = format!(
            "{what} {} {}",
            self.comparison.symbol(),
            self.metric.format(self.threshold)
        );
        if self.metric != Metric::SyncStalenessMinutes {
            text.push_str(&format!(" over the last {}", format_window(self.window)));
        }
        let filters: Vec<String> = [
            ("agent", &self.filters.agent),
            ("model", &self.filters.model),
            ("environment", &self.filters.environment),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name} {v}")))
        .collect();
        if !filters.is_empty() {
            text.push_str(&format!(" ({})", filters.join(", ")));
        }
        text
    }

    /// Whether `value` breaks the rule; nothing measured never does.
    pub fn breached_by(&self, value: Option<f64>) -> bool {
        value.is_some_and(|value| self.comparison.holds(value, self.threshold))
    }
}

pub fn format_window(window: Duration) -> String {
    let secs = window.as_secs();
    if secs.is_multiple_of(86_400) {
        format!("{} d", secs / 86_400)
    } else if secs.is_multiple_of(3_600) && secs > 3_600 {
        format!("{} h", secs / 3_600)
    } else if secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

/// A rule that cannot be used, named with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid alert rule {rule}: field {field}: {reason}")]
pub struct RuleError {
    /// `"name"` in quotes, or `#3` (its position) when it has no usable name.
    pub rule: String,
    pub field: String,
    pub reason: String,
}

const FIELDS: &[&str] = &[
    "name",
    "metric",
    "comparison",
    "threshold",
    "window",
    "agent",
    "model",
    "environment",
    "score_name",
    "score_value",
    "webhook_url",
];

/// One `[[alerts]]` table as read from the file, every value as text (TOML
/// numbers included) so that each field is checked the same way.
pub type RawRule = Vec<(String, Option<String>)>;

/// Checks every rule. `override_webhook` (`CUPID_ALERT_WEBHOOK_URL`)
/// replaces each rule's `webhook_url`, so the secret can stay out of the file.
pub fn parse_rules(
    raw: Vec<RawRule>,
    override_webhook: Option<&str>,
) -> Result<Vec<AlertRule>, RuleError> {
    let override_webhook = match override_webhook {
        Some(text) => Some(Webhook::parse(text).map_err(|reason| RuleError {
            rule: "(every rule)".into(),
            field: "CUPID_ALERT_WEBHOOK_URL".into(),
            reason,
        })?),
        None => None,
    };
    let mut names = BTreeSet::new();
    let mut rules = Vec::with_capacity(raw.len());
    for (index, fields) in raw.into_iter().enumerate() {
        let rule = parse_rule(index, fields, override_webhook.as_ref())?;
        if !names.insert(rule.name.clone()) {
            return Err(RuleError {
                rule: format!("{:?}", rule.name),
                field: "name".into(),
                reason: "another rule has the same name; names must be unique".into(),
            });
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn parse_rule(
    index: usize,
    fields: RawRule,
    override_webhook: Option<&Webhook>,
) -> Result<AlertRule, RuleError> {
    let get = |key: &str| -> Option<String> {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.clone())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut label = format!(
        "#{} (the {} [[alerts]] table)",
        index + 1,
        ordinal(index + 1)
    );
    let fail = |label: &str, field: &str, reason: String| RuleError {
        rule: label.to_string(),
        field: field.to_string(),
        reason,
    };
    let name = get("name").ok_or_else(|| {
        fail(
            &label,
            "name",
            "missing; every rule needs a unique name".into(),
        )
    })?;
    label = format!("{name:?}");
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(fail(
            &label,
            "name",
            "expected at most 100 printable characters".into(),
        ));
    }
    let mut unknown: Vec<&str> = fields
        .iter()
        .map(|(key, _)| key.as_str())
        .filter(|key| !FIELDS.contains(key))
        .collect();
    unknown.sort_unstable();
    if let Some(&key) = unknown.first() {
        return Err(fail(
            &label,
            key,
            format!("unknown field; expected one of {}", FIELDS.join(", ")),
        ));
    }
    let metric_names: Vec<&str> = METRICS.iter().map(|m| m.as_str()).collect();
    let metric_text = get("metric").ok_or_else(|| {
        fail(
            &label,
            "metric",
            format!("missing; expected one of {}", metric_names.join(", ")),
        )
    })?;
    let metric = Metric::parse(&metric_text).ok_or_else(|| {
        fail(
            &label,
            "metric",
            format!(
                "unknown metric {metric_text:?}; expected one of {}",
                metric_names.join(", ")
            ),
        )
    })?;
    let comparison_text = get("comparison").ok_or_else(|| {
        fail(
            &label,
            "comparison",
            "missing; expected >, >=, < or <=".into(),
        )
    })?;
    let comparison = Comparison::parse(&comparison_text).ok_or_else(|| {
        fail(
            &label,
            "comparison",
            format!("{comparison_text:?} is not one of >, >=, < or <="),
        )
    })?;
    let threshold_text = get("threshold")
        .ok_or_else(|| fail(&label, "threshold", "missing; expected a number".into()))?;
    let threshold: f64 = threshold_text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            fail(
                &label,
                "threshold",
                format!("{threshold_text:?} is not a number"),
            )
        })?;
    let fraction = matches!(metric, Metric::ErrorRate | Metric::ScoreShare);
    if fraction && !(0.0..=1.0).contains(&threshold) {
        return Err(fail(
            &label,
            "threshold",
            format!(
                "{} is a share from 0 to 1 (0.2 = 20%), not {threshold}",
                metric.as_str()
            ),
        ));
    }
    if !fraction && metric != Metric::ScoreAverage && threshold < 0.0 {
        return Err(fail(
            &label,
            "threshold",
            format!("{} is never negative", metric.as_str()),
        ));
    }
    let window = match get("window") {
        None => DEFAULT_WINDOW,
        Some(text) => parse_window(&text).map_err(|reason| fail(&label, "window", reason))?,
    };
    let filters = Filters {
        agent: get("agent"),
        model: get("model"),
        environment: get("environment"),
    };
    if metric == Metric::SyncStalenessMinutes {
        for (field, set) in [
            ("window", get("window").is_some()),
            ("agent", filters.agent.is_some()),
            ("model", filters.model.is_some()),
            ("environment", filters.environment.is_some()),
        ] {
            if set {
                return Err(fail(
                    &label,
                    field,
                    "sync_staleness_minutes measures the whole sync; remove this field".into(),
                ));
            }
        }
    }
    let score_name = get("score_name");
    let score_value = get("score_value");
    if metric.is_score() {
        for (field, set) in [
            ("agent", filters.agent.is_some()),
            ("model", filters.model.is_some()),
        ] {
            if set {
                return Err(fail(
                    &label,
                    field,
                    "score metrics filter by environment only".into(),
                ));
            }
        }
        if score_name.is_none() {
            return Err(fail(
                &label,
                "score_name",
                format!("missing; {} needs the name of a score", metric.as_str()),
            ));
        }
        if metric == Metric::ScoreShare && score_value.is_none() {
            return Err(fail(
                &label,
                "score_value",
                "missing; score_share counts the scores with this value (e.g. \"win\" or \"true\")"
                    .into(),
            ));
        }
    } else {
        for (field, set) in [
            ("score_name", score_name.is_some()),
            ("score_value", score_value.is_some()),
        ] {
            if set {
                return Err(fail(
                    &label,
                    field,
                    format!("only score metrics take it, not {}", metric.as_str()),
                ));
            }
        }
    }
    if metric == Metric::ScoreAverage && score_value.is_some() {
        return Err(fail(
            &label,
            "score_value",
            "score_average averages every value; remove it or use score_share".into(),
        ));
    }
    let webhook = match (override_webhook, get("webhook_url")) {
        (Some(webhook), _) => webhook.clone(),
        (None, Some(text)) => {
            Webhook::parse(&text).map_err(|reason| fail(&label, "webhook_url", reason))?
        }
        (None, None) => {
            return Err(fail(
                &label,
                "webhook_url",
                "missing; set it here or CUPID_ALERT_WEBHOOK_URL for every rule".into(),
            ));
        }
    };
    Ok(AlertRule {
        name,
        metric,
        comparison,
        threshold,
        window,
        filters,
        score_name,
        score_value,
        webhook,
    })
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `30s`, `15m`, `2h`, `1d`: at least a minute, at most `MAX_WINDOW`.
pub fn parse_window(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: s, m, h or d (e.g. 60m)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a span such as 60m"))?;
    let per_unit = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        other => return Err(format!("unknown unit {other:?}; use s, m, h or d")),
    };
    let window = Duration::from_secs(number.saturating_mul(per_unit));
    if window < Duration::from_secs(60) || window > MAX_WINDOW {
        return Err(format!(
            "{text:?} is outside 1m..=7d (rules re-read their window after every cycle)"
        ));
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawRule {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    }

    const GOOD: &[(&str, &str)] = &[
        ("name", "judge errors"),
        ("metric", "error_rate"),
        ("comparison", ">"),
        ("threshold", "0.2"),
        ("window", "60m"),
        ("agent", "judge"),
        (
            "webhook_url",
            "https://hooks.example.test/services/T000/B000/secret",
        ),
    ];

    fn with(changes: &[(&str, Option<&str>)]) -> RawRule {
        let mut rule = raw(GOOD);
        for (key, value) in changes {
            rule.retain(|(k, _)| k != key);
            if let Some(value) = value {
                rule.push((key.to_string(), Some(value.to_string())));
            }
        }
        rule
    }

    #[test]
    fn a_complete_rule_reads_every_field() {
        let rules = parse_rules(vec![raw(GOOD)], None).unwrap();
        let rule = &rules[0];
        assert_eq!(rule.name, "judge errors");
        assert_eq!(rule.metric, Metric::ErrorRate);
        assert_eq!(rule.comparison, Comparison::Above);
        assert_eq!(rule.threshold, 0.2);
        assert_eq!(rule.window, Duration::from_secs(3_600));
        assert_eq!(rule.filters.agent.as_deref(), Some("judge"));
        assert_eq!(
            rule.condition(),
            "error rate > 20.0% over the last 60 min (agent judge)"
        );
        assert!(rule.breached_by(Some(0.25)));
        assert!(!rule.breached_by(Some(0.2)));
        assert!(!rule.breached_by(None));
    }

    #[test]
    fn each_bad_field_is_named_with_its_rule() {
        let cases: &[(&str, RawRule, &str)] = &[
            ("no name", with(&[("name", None)]), "name"),
            (
                "unknown metric",
                with(&[("metric", Some("vibes"))]),
                "metric",
            ),
            ("no metric", with(&[("metric", None)]), "metric"),
            (
                "bad comparison",
                with(&[("comparison", Some("=>"))]),
                "comparison",
            ),
            ("no threshold", with(&[("threshold", None)]), "threshold"),
            (
                "text threshold",
                with(&[("threshold", Some("high"))]),
                "threshold",
            ),
            (
                "rate above one",
                with(&[("threshold", Some("20"))]),
                "threshold",
            ),
            (
                "window without unit",
                with(&[("window", Some("60"))]),
                "window",
            ),
            (
                "window too long",
                with(&[("window", Some("30d"))]),
                "window",
            ),
            (
                "window too short",
                with(&[("window", Some("10s"))]),
                "window",
            ),
            (
                "bad url",
                with(&[("webhook_url", Some("hooks.slack.com"))]),
                "webhook_url",
            ),
            (
                "ftp url",
                with(&[("webhook_url", Some("ftp://x.test/a"))]),
                "webhook_url",
            ),
            ("no url", with(&[("webhook_url", None)]), "webhook_url"),
            ("typo", with(&[("treshold", Some("1"))]), "treshold"),
            (
                "score filter by agent",
                with(&[
                    ("metric", Some("score_average")),
                    ("score_name", Some("quality")),
                ]),
                "agent",
            ),
            (
                "score without name",
                with(&[("metric", Some("score_average")), ("agent", None)]),
                "score_name",
            ),
            (
                "share without value",
                with(&[
                    ("metric", Some("score_share")),
                    ("agent", None),
                    ("score_name", Some("outcome")),
                ]),
                "score_value",
            ),
            (
                "score name on a cost rule",
                with(&[("metric", Some("cost_per_hour")), ("score_name", Some("x"))]),
                "score_name",
            ),
            (
                "staleness with a filter",
                with(&[
                    ("metric", Some("sync_staleness_minutes")),
                    ("threshold", Some("30")),
                    ("window", None),
                ]),
                "agent",
            ),
            (
                "negative cost",
                with(&[("metric", Some("cost_per_hour")), ("threshold", Some("-1"))]),
                "threshold",
            ),
        ];
        for (case, rule, field) in cases {
            let error = parse_rules(vec![rule.clone()], None).unwrap_err();
            assert_eq!(error.field, *field, "{case}: {error}");
            let message = error.to_string();
            assert!(
                message.contains(&format!("field {field}")),
                "{case}: {message}"
            );
            if *field != "name" {
                assert!(message.contains("\"judge errors\""), "{case}: {message}");
            }
            assert!(!message.contains("secret"), "{case}: {message}");
        }
    }

    #[test]
    fn a_nameless_rule_is_named_by_its_position_and_duplicates_are_refused() {
        let error = parse_rules(vec![raw(GOOD), with(&[("name", None)])], None).unwrap_err();
        assert!(error.rule.starts_with("#2"), "{error}");
        let error = parse_rules(vec![raw(GOOD), raw(GOOD)], None).unwrap_err();
        assert_eq!(error.field, "name");
        assert!(error.reason.contains("same name"));
    }

    #[test]
    fn the_environment_webhook_replaces_every_rules_url_and_is_never_printed() {
        let rules = parse_rules(
            vec![with(&[("webhook_url", None)])],
            Some("https://hooks.slack.com/services/T1/B2/very-secret"),
        )
        .unwrap();
        let webhook = &rules[0].webhook;
        assert_eq!(webhook.origin(), "https://hooks.slack.com");
        assert!(webhook.expose_url().ends_with("very-secret"));
        assert!(!format!("{:?}", rules[0]).contains("very-secret"));
        let error = parse_rules(vec![raw(GOOD)], Some("not a url")).unwrap_err();
        assert_eq!(error.field, "CUPID_ALERT_WEBHOOK_URL");
    }

    #[test]
    fn windows_read_seconds_minutes_hours_and_days() {
        let cases = [
            ("60s", 60),
            ("15m", 900),
            ("2h", 7_200),
            ("1d", 86_400),
            ("7d", 604_800),
        ];
        for (text, secs) in cases {
            assert_eq!(parse_window(text), Ok(Duration::from_secs(secs)), "{text}");
        }
    }
}
