//! Langfuse rows turned into storage rows: units converted (ms, nano-USD),
//! usage and cost by Langfuse's own conventions, the agent hint read from
//! metadata.

use serde_json::{Map, Value};
use shared_schema::units::usd_to_nanousd;

use crate::langfuse::types::{LegacyTrace, Observation, Score};

/// One observation as stored in `observations` (except the resolved agent).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRecord {
    pub id: String,
    pub trace_id: String,
    pub parent_id: Option<String>,
    pub session_id: Option<String>,
    pub observation_type: String,
    pub name: Option<String>,
    pub level: String,
    pub status_message: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub completion_start_ms: Option<i64>,
    pub model: Option<String>,
    pub usage: Usage,
    pub usage_details: Option<String>,
    pub cost_nanousd: Option<i64>,
    pub cost_details: Option<String>,
    pub user_id: Option<String>,
    pub environment: Option<String>,
    pub trace_name: Option<String>,
    pub trace_tags: Option<String>,
    pub metadata: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub agent_hint: Option<String>,
    /// When this version was written; None where the API does not say
    /// (legacy v1), and then any arrival replaces the stored row.
    pub updated_at_ms: Option<i64>,
    /// What identifies the version behind the row (see `VersionTags`).
    pub version_tags: VersionTags,
}

/// The trace's `release`, the observation's own `version` and the linked
/// prompt: what `/api/versions` groups by. Empty strings are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionTags {
    pub release: Option<String>,
    pub version: Option<String>,
    pub prompt_name: Option<String>,
    pub prompt_version: Option<i64>,
}

impl VersionTags {
    fn from_api(observation: &mut Observation) -> VersionTags {
        let text = |value: Option<String>| {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let prompt_name = text(observation.prompt_name.take());
        VersionTags {
            release: text(observation.release.take()),
            version: text(observation.version.take()),
            // A version without its prompt's name identifies nothing.
            prompt_version: prompt_name
                .as_ref()
                .and(observation.prompt_version.take())
                .and_then(|v| v.as_i64()),
            prompt_name,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input: Option<i64>,
    pub output: Option<i64>,
    pub total: Option<i64>,
}

/// Counts beyond this (per entry) are not token counts but bad data: unknown.
const MAX_TOKENS: i64 = 1_000_000_000_000;
/// Costs beyond this (per observation, 1,000,000 USD) are bad data: unknown.
const MAX_COST_NANOUSD: i64 = 1_000_000_000_000_000;

fn as_count(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|v| v.is_finite() && v.abs() < 1e18)
                .map(|v| v.round() as i64)
        })
        .filter(|count| (0..=MAX_TOKENS).contains(count))
}

fn usd_as_cost(usd: f64) -> Option<i64> {
    usd_to_nanousd(usd).filter(|cost| *cost <= MAX_COST_NANOUSD)
}

/// Input = entries whose key contains "input", output likewise, total = the
/// `total` entry, else the sum of every entry. No entries: unknown.
pub fn usage_from_details(details: Option<&Map<String, Value>>) -> Usage {
    let Some(details) = details.filter(|d| !d.is_empty()) else {
        return Usage::default();
    };
    let mut input = None::<i64>;
    let mut output = None::<i64>;
    let mut total = None::<i64>;
    let mut sum = None::<i64>;
    for (key, value) in details {
        let Some(count) = as_count(value) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        sum = Some(sum.unwrap_or(0).saturating_add(count));
        if key == "total" {
            total = Some(count);
        } else if key.contains("input") {
            input = Some(input.unwrap_or(0).saturating_add(count));
        } else if key.contains("output") {
            output = Some(output.unwrap_or(0).saturating_add(count));
        }
    }
    Usage {
        input,
        output,
        total: total.or(sum),
    }
}

/// `costDetails.total`, else the sum of the `costDetails` entries; no
/// entries: unknown. `totalCost` is never read: the server renders it as
/// `Number(costDetails.total ?? 0)`, 0 for rows whose cost is unknown or
/// lies in app-supplied keys without a `total`.
pub fn cost_in_nanousd(details: Option<&Map<String, Value>>) -> Option<i64> {
    let details = details.filter(|d| !d.is_empty())?;
    if let Some(total) = details
        .get("total")
        .and_then(Value::as_f64)
        .and_then(usd_as_cost)
    {
        return Some(total);
    }
    let entries: Vec<i64> = details
        .values()
        .filter_map(|v| v.as_f64().and_then(usd_as_cost))
        .collect();
    (!entries.is_empty())
        .then(|| entries.iter().sum::<i64>())
        .filter(|cost| *cost <= MAX_COST_NANOUSD)
}

/// The agent named in metadata under `key`: a non-empty string, or a number
/// or boolean by its JSON text (the server parses metadata values as JSON,
/// so an agent written as "42" arrives as 42). Metadata normally is an
/// object; a JSON string holding one is accepted.
pub fn agent_hint(metadata: Option<&Value>, key: &str) -> Option<String> {
    let from_object = |object: &Map<String, Value>| match object.get(key)? {
        Value::String(text) => Some(text.trim())
            .filter(|agent| !agent.is_empty())
            .map(str::to_string),
        scalar @ (Value::Number(_) | Value::Bool(_)) => Some(scalar.to_string()),
        _ => None,
    };
    match metadata? {
        Value::Object(object) => from_object(object),
        Value::String(text) => match serde_json::from_str::<Value>(text).ok()? {
            Value::Object(object) => from_object(&object),
            _ => None,
        },
        _ => None,
    }
}

/// Input and output are stored as text: v2 already sends raw strings, the
/// legacy API sends JSON values.
fn as_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

fn json_text(value: Option<&Map<String, Value>>) -> Option<String> {
    // Serialised in place: a clone of the map per row only to print it cost
    // an allocation per entry.
    value.map(|map| serde_json::to_string(map).expect("a JSON map serialises"))
}

impl ObservationRecord {
    pub fn from_api(mut observation: Observation, agent_metadata_key: &str) -> ObservationRecord {
        let versions = VersionTags::from_api(&mut observation);
        let usage = usage_from_details(observation.usage_details.as_ref());
        let cost_nanousd = cost_in_nanousd(observation.cost_details.as_ref());
        let model = observation.model_name().map(str::to_string);
        let agent_hint = agent_hint(observation.metadata.as_ref(), agent_metadata_key);
        let metadata = match observation.metadata {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(other) => Some(other.to_string()),
        };
        ObservationRecord {
            // An observation outside any trace is a trace of its own.
            trace_id: observation
                .trace_id
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| observation.id.clone()),
            id: observation.id,
            parent_id: observation.parent_observation_id.filter(|p| !p.is_empty()),
            session_id: observation.session_id.filter(|s| !s.is_empty()),
            observation_type: observation
                .observation_type
                .unwrap_or_else(|| "SPAN".to_string())
                .to_ascii_uppercase(),
            name: observation.name,
            level: observation
                .level
                .unwrap_or_else(|| "DEFAULT".to_string())
                .to_ascii_uppercase(),
            status_message: observation.status_message,
            start_ms: observation.start_time.timestamp_millis(),
            end_ms: observation.end_time.map(|t| t.timestamp_millis()),
            completion_start_ms: observation
                .completion_start_time
                .map(|t| t.timestamp_millis()),
            model,
            usage,
            usage_details: json_text(observation.usage_details.as_ref()),
            cost_nanousd,
            cost_details: json_text(observation.cost_details.as_ref()),
            user_id: observation.user_id.filter(|u| !u.is_empty()),
            environment: observation.environment,
            trace_name: observation.trace_name.filter(|n| !n.is_empty()),
            trace_tags: observation.tags.map(|tags| Value::from(tags).to_string()),
            metadata,
            input: as_text(observation.input),
            output: as_text(observation.output),
            agent_hint,
            updated_at_ms: observation.updated_at.map(|t| t.timestamp_millis()),
            version_tags: versions,
        }
    }

    pub fn latency_ms(&self) -> Option<i64> {
        self.end_ms.map(|end| (end - self.start_ms).max(0))
    }
}

/// A legacy trace's attributes, stored in `trace_headers`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceHeader {
    pub id: String,
    pub name: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub tags: Option<String>,
    pub environment: Option<String>,
    pub timestamp_ms: i64,
    pub release: Option<String>,
}

impl From<LegacyTrace> for TraceHeader {
    fn from(trace: LegacyTrace) -> Self {
        TraceHeader {
            id: trace.id,
            name: trace.name.filter(|n| !n.is_empty()),
            session_id: trace.session_id.filter(|s| !s.is_empty()),
            user_id: trace.user_id.filter(|u| !u.is_empty()),
            tags: trace.tags.map(|tags| Value::from(tags).to_string()),
            environment: trace.environment,
            timestamp_ms: trace.timestamp.timestamp_millis(),
            release: trace.release.filter(|r| !r.trim().is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRecord {
    pub id: String,
    pub trace_id: Option<String>,
    pub observation_id: Option<String>,
    pub session_id: Option<String>,
    pub name: String,
    pub source: Option<String>,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub comment: Option<String>,
    pub timestamp_ms: i64,
    /// Normalised: `default` when Langfuse sent none.
    pub environment: String,
    /// When this version was written; an older version never replaces it.
    pub updated_at_ms: Option<i64>,
}

impl ScoreRecord {
    /// A score from the page-based v2 endpoint, stored as its v3 form would
    /// be: BOOLEAN from its 1/0 `value` (`stringValue` is "True"/"False"),
    /// CATEGORICAL, TEXT and CORRECTION by their `stringValue` only (their
    /// numeric `value` is a mapping, not a measure).
    pub fn from_v2(score: Score) -> ScoreRecord {
        let mut record = ScoreRecord::from(score);
        match record.data_type.as_str() {
            "BOOLEAN" => {
                let flag = match record.value {
                    Some(value) => Some(value >= 0.5),
                    None => record
                        .string_value
                        .as_deref()
                        .map(|text| text.eq_ignore_ascii_case("true")),
                };
                record.value = flag.map(|flag| if flag { 1.0 } else { 0.0 });
                record.string_value = flag.map(|flag| flag.to_string());
            }
            "NUMERIC" => {}
            _ => record.value = None,
        }
        record
    }
}

impl From<Score> for ScoreRecord {
    fn from(score: Score) -> Self {
        let mut trace_id = score.trace_id;
        let mut session_id = score.session_id;
        let mut observation_id = score.observation_id;
        if let Some(subject) = score.subject {
            match (subject.kind.as_deref(), subject.id) {
                (Some("trace"), Some(id)) => trace_id = Some(id),
                (Some("session"), Some(id)) => session_id = Some(id),
                (Some("observation"), Some(id)) => {
                    observation_id = Some(id);
                    trace_id = subject.trace_id.or(trace_id);
                }
                _ => {}
            }
        }
        let (value, string_value) = match score.value {
            Some(Value::Number(number)) => (number.as_f64(), score.string_value),
            Some(Value::Bool(flag)) => (Some(if flag { 1.0 } else { 0.0 }), Some(flag.to_string())),
            Some(Value::String(text)) => (None, Some(text)),
            _ => (None, score.string_value),
        };
        ScoreRecord {
            id: score.id,
            trace_id,
            observation_id,
            session_id,
            name: score.name,
            source: score.source,
            data_type: score
                .data_type
                .unwrap_or_else(|| "NUMERIC".to_string())
                .to_ascii_uppercase(),
            value,
            string_value,
            comment: score.comment,
            timestamp_ms: score.timestamp.timestamp_millis(),
            environment: environment_or_default(score.environment.as_deref()).to_string(),
            updated_at_ms: score.updated_at.map(|t| t.timestamp_millis()),
        }
    }
}

/// Langfuse's name for the environment of a row that was sent without one.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// A row's environment; missing or empty is Langfuse's `default`.
pub fn environment_or_default(environment: Option<&str>) -> &str {
    environment
        .filter(|name| !name.is_empty())
        .unwrap_or(DEFAULT_ENVIRONMENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn usage_follows_langfuse_conventions() {
        let cases = [
            (
                json!({"input": 100, "output": 20, "total": 120}),
                Usage {
                    input: Some(100),
                    output: Some(20),
                    total: Some(120),
                },
            ),
            (
                json!({"input": 100, "input_cached_tokens": 40, "output": 20}),
                Usage {
                    input: Some(140),
                    output: Some(20),
                    total: Some(160),
                },
            ),
            (
                json!({"Input_Audio": 5, "output_reasoning": 7, "output": 3, "total": 99}),
                Usage {
                    input: Some(5),
                    output: Some(10),
                    total: Some(99),
                },
            ),
            (
                json!({"total": 12}),
                Usage {
                    input: None,
                    output: None,
                    total: Some(12),
                },
            ),
            (json!({}), Usage::default()),
        ];
        for (details, expected) in cases {
            assert_eq!(
                usage_from_details(Some(&map(details.clone()))),
                expected,
                "{details}"
            );
        }
        assert_eq!(usage_from_details(None), Usage::default());
    }

    #[test]
    fn cost_is_the_details_total_else_the_sum_of_the_details() {
        let app_keys = map(
            json!({"input": 0.000_000_3, "input_cached_tokens": 0.000_000_1,
            "output": 0.000_001_2}),
        );
        let with_total = map(json!({"input": 0.1, "output": 0.2, "total": 0.000_000_7}));
        let cases = [
            (Some(&with_total), Some(700)),
            (Some(&app_keys), Some(1_600)),
            (None, None),
        ];
        for (details, expected) in cases {
            assert_eq!(cost_in_nanousd(details), expected);
        }
        assert_eq!(cost_in_nanousd(Some(&Map::new())), None, "empty: unknown");
    }

    #[test]
    fn total_cost_zero_never_hides_the_cost_in_the_details() {
        // The real server's totalCost for app-supplied keys without a total.
        let observation: Observation = serde_json::from_value(json!({
            "id": "o", "traceId": "t", "startTime": "2026-11-20T10:00:00Z",
            "costDetails": {"input": 0.000_002, "input_cached_tokens": 0.000_001, "output": 0.000_004},
            "totalCost": 0
        }))
        .unwrap();
        let record = ObservationRecord::from_api(observation, "agent");
        assert_eq!(record.cost_nanousd, Some(7_000));
        let unpriced: Observation = serde_json::from_value(json!({
            "id": "u", "traceId": "t", "startTime": "2026-11-20T10:00:00Z",
            "costDetails": {}, "totalCost": 0
        }))
        .unwrap();
        assert_eq!(
            ObservationRecord::from_api(unpriced, "agent").cost_nanousd,
            None
        );
    }

    #[test]
    fn absurd_counts_and_costs_are_unknown_not_overflows() {
        let details = map(json!({"input": i64::MAX, "output": -5, "total": 1e300}));
        assert_eq!(usage_from_details(Some(&details)), Usage::default());
        let huge = map(json!({"a": 9e8, "b": 9e8}));
        assert_eq!(cost_in_nanousd(Some(&huge)), None);
    }

    #[test]
    fn agent_hint_needs_a_non_empty_string_under_the_key() {
        let cases = [
            (json!({"agent": "judge"}), "agent", Some("judge")),
            (json!({"agent": "  "}), "agent", None),
            (json!({"agent": 7}), "agent", Some("7")),
            (json!({"agent": true}), "agent", Some("true")),
            (json!({"agent": null}), "agent", None),
            (json!({"agent": ["a"]}), "agent", None),
            (json!({"role": "judge"}), "role", Some("judge")),
            (
                json!("{\"agent\":\"matchmaker\"}"),
                "agent",
                Some("matchmaker"),
            ),
            (json!("not json"), "agent", None),
        ];
        for (metadata, key, expected) in cases {
            assert_eq!(
                agent_hint(Some(&metadata), key).as_deref(),
                expected,
                "{metadata}"
            );
        }
    }

    #[test]
    fn scores_take_their_target_from_the_subject() {
        let score: Score = serde_json::from_value(json!({
            "id": "s", "name": "win", "timestamp": "2026-11-20T10:00:00Z",
            "dataType": "BOOLEAN", "value": true,
            "subject": {"kind": "observation", "id": "o", "traceId": "t"}
        }))
        .unwrap();
        let record = ScoreRecord::from(score);
        assert_eq!(record.observation_id.as_deref(), Some("o"));
        assert_eq!(record.trace_id.as_deref(), Some("t"));
        assert_eq!(record.value, Some(1.0));
        assert_eq!(record.string_value.as_deref(), Some("true"));
    }

    #[test]
    fn v2_scores_are_stored_as_their_v3_form() {
        let cases = [
            (
                json!({"dataType": "BOOLEAN", "value": 1, "stringValue": "True"}),
                Some(1.0),
                Some("true"),
            ),
            (
                json!({"dataType": "BOOLEAN", "value": 0, "stringValue": "False"}),
                Some(0.0),
                Some("false"),
            ),
            (
                json!({"dataType": "CATEGORICAL", "value": 1, "stringValue": "match"}),
                None,
                Some("match"),
            ),
            (
                json!({"dataType": "NUMERIC", "value": 0.25}),
                Some(0.25),
                None,
            ),
            (
                json!({"dataType": "TEXT", "stringValue": "fine"}),
                None,
                Some("fine"),
            ),
            (
                json!({"dataType": "CORRECTION", "value": 0, "stringValue": "better"}),
                None,
                Some("better"),
            ),
        ];
        for (fields, value, string_value) in cases {
            let mut score = json!({"id": "s", "name": "n", "timestamp": "2026-11-20T10:00:00Z",
                "traceId": "t", "observationId": "o"});
            score
                .as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            let record = ScoreRecord::from_v2(serde_json::from_value(score).unwrap());
            assert_eq!(record.value, value, "{fields}");
            assert_eq!(record.string_value.as_deref(), string_value, "{fields}");
            assert_eq!(record.observation_id.as_deref(), Some("o"));
            assert_eq!(record.trace_id.as_deref(), Some("t"));
        }
    }
}
