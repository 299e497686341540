//! How the mock's observations look as Langfuse JSON.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::dataset::catalog::{OPENING_LINES, REPLIES};
use crate::dataset::{AgentMetadata, Cost, Dataset, Observation, ObservationType, Usage};
use crate::routes::{iso, usd};

/// Langfuse cuts metadata values longer than this unless expanded.
pub const METADATA_VALUE_LIMIT: usize = 200;

/// The v2 `fields` groups, as bit flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldGroups(u16);

impl FieldGroups {
    pub const NAMES: [&'static str; 10] = [
        "core",
        "basic",
        "time",
        "io",
        "metadata",
        "model",
        "usage",
        "prompt",
        "metrics",
        "trace_context",
    ];

    pub fn default_groups() -> Self {
        Self(0b11)
    }

    /// Parses a comma-separated list; `core` is always included.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut bits = 1;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let position = Self::NAMES.iter().position(|g| *g == name).ok_or_else(|| {
                format!(
                    "Invalid fields group '{name}'. Allowed groups: {}",
                    Self::NAMES.join(", ")
                )
            })?;
            bits |= 1 << position;
        }
        Ok(Self(bits))
    }

    pub fn has(&self, name: &str) -> bool {
        Self::NAMES
            .iter()
            .position(|g| *g == name)
            .is_some_and(|p| self.0 & (1 << p) != 0)
    }
}

fn pick<'a>(options: &'a [&'a str], seed: u64) -> &'a str {
    options[(seed % options.len() as u64) as usize]
}

/// Raw `input` and `output` strings, derived from the id so they need no storage.
pub fn io_strings(
    dataset: &Dataset,
    observation: &Observation,
) -> (Option<String>, Option<String>) {
    let agent = dataset.trace_of(observation).name.unwrap_or("agent");
    let line = pick(&OPENING_LINES, observation.id);
    let reply = pick(&REPLIES, observation.id >> 8);
    let as_text = |v: Value| Some(v.to_string());
    let (input, output) = match observation.kind {
        ObservationType::Generation => (
            as_text(json!([
                {"role": "system", "content": format!("You are {agent}, playing a round of Cupid.")},
                {"role": "user", "content": line},
            ])),
            as_text(json!({"role": "assistant", "content": reply})),
        ),
        ObservationType::Tool => (
            as_text(json!({"tool": observation.name, "query": line})),
            as_text(json!({"results": observation.id % 7})),
        ),
        ObservationType::Agent => (Some(line.to_string()), Some(reply.to_string())),
        ObservationType::Span => (as_text(json!({"turn": observation.turn})), None),
        ObservationType::Event => (as_text(json!({"message": reply})), None),
    };
    if observation.pending {
        (input, None)
    } else {
        (input, output)
    }
}

/// How metadata values are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataValues {
    /// v2 parses every value as JSON: `"3"` arrives as `3`, `"true"` as
    /// `true` (`web/src/features/public-api/server/observations_converters.ts`).
    Json,
    /// The legacy endpoints send the strings the application wrote.
    Strings,
}

/// Metadata as Langfuse returns it, long values cut to
/// `METADATA_VALUE_LIMIT` characters unless their key is in `expand`.
pub fn metadata(
    observation: &Observation,
    expand: Option<&[String]>,
    values: MetadataValues,
) -> Map<String, Value> {
    let typed = |text: &str| match values {
        MetadataValues::Json => {
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.into()))
        }
        MetadataValues::Strings => Value::String(text.into()),
    };
    let mut map = Map::new();
    map.insert("game".into(), Value::String("cupid".into()));
    map.insert("turn".into(), typed(&observation.turn.to_string()));
    match observation.metadata_agent() {
        AgentMetadata::Absent => {}
        AgentMetadata::Empty => {
            map.insert("agent".into(), Value::String(String::new()));
        }
        AgentMetadata::Named(agent) => {
            map.insert("agent".into(), Value::String(agent.into()));
        }
        AgentMetadata::Typed(text) => {
            map.insert("agent".into(), typed(text));
        }
    }
    if observation.long_metadata {
        let line = pick(&OPENING_LINES, observation.id);
        let long = std::iter::repeat_n(line, 8).collect::<Vec<_>>().join(" ");
        let keep_whole = expand.is_none_or(|keys| keys.iter().any(|k| k == "prompt_preview"));
        let value = if keep_whole {
            long
        } else {
            long.chars().take(METADATA_VALUE_LIMIT).collect::<String>() + "..."
        };
        map.insert("prompt_preview".into(), Value::String(value));
    }
    map
}

pub fn usage_details(usage: Option<Usage>) -> Map<String, Value> {
    let mut map = Map::new();
    if let Some(usage) = usage {
        map.insert("input".into(), usage.input.into());
        if usage.cached_input > 0 {
            map.insert("input_cached_tokens".into(), usage.cached_input.into());
        }
        map.insert("output".into(), usage.output.into());
        if usage.reports_total {
            map.insert("total".into(), usage.total().into());
        }
    }
    map
}

/// Langfuse-priced rows carry a `total`; rows with the application's own
/// keys beyond input/output do not (ingestion adds `total` only for plain
/// input/output: `worker/src/services/IngestionService/index.ts`). Unpriced
/// rows have none at all.
pub fn cost_details(cost: Option<Cost>) -> Map<String, Value> {
    let mut map = Map::new();
    if let Some(cost) = cost {
        map.insert("input".into(), usd(cost.input_nanousd).into());
        if cost.cached_input_nanousd > 0 || cost.app_supplied_keys {
            map.insert(
                "input_cached_tokens".into(),
                usd(cost.cached_input_nanousd).into(),
            );
        }
        map.insert("output".into(), usd(cost.output_nanousd).into());
        if !cost.app_supplied_keys {
            map.insert("total".into(), usd(cost.total_nanousd()).into());
        }
    }
    map
}

/// `Number(costDetails.total ?? 0)`, as the real server computes `totalCost`
/// (`web/src/features/public-api/server/observations_converters.ts`): 0,
/// never null, for unpriced rows and rows without a `total` entry.
pub fn total_cost(cost: Option<Cost>) -> f64 {
    cost.filter(|c| !c.app_supplied_keys)
        .map(|c| usd(c.total_nanousd()))
        .unwrap_or(0.0)
}

/// Seconds, as `latency` and `timeToFirstToken` come on every v2 row; a
/// duration of 0 ms is null.
fn seconds(ms: Option<i64>) -> Option<f64> {
    ms.filter(|ms| *ms > 0).map(|ms| ms as f64 / 1000.0)
}

/// USD per token as Langfuse's decimal string.
fn price_string(nanousd_per_token: i64) -> String {
    let whole = format!("{:.9}", nanousd_per_token as f64 / 1e9);
    whole
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

fn model_parameters(observation: &Observation) -> Option<Value> {
    (observation.kind == ObservationType::Generation)
        .then(|| json!({"temperature": "0.7", "max_tokens": "1024"}))
}

fn prompt(observation: &Observation) -> Option<(String, &'static str, i64)> {
    observation
        .prompt
        .map(|prompt| (prompt.id(), prompt.name, i64::from(prompt.version)))
}

/// One observation in the v2 shape, with only the requested groups.
pub struct ObservationV2<'a> {
    pub dataset: &'a Dataset,
    pub index: u32,
    pub groups: FieldGroups,
    pub expand_metadata: &'a [String],
    /// Serve the older version of the row (see `Observation::stale_version`).
    pub stale: bool,
}

impl Serialize for ObservationV2<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let dataset = self.dataset;
        let current = &dataset.observations[self.index as usize];
        let older;
        let observation = if self.stale {
            older = current.stale_version();
            &older
        } else {
            current
        };
        let trace = dataset.trace_of(observation);
        let session = dataset.session_of(trace);
        let groups = self.groups;
        let parent = observation
            .parent
            .map(|p| dataset.observations[p as usize].id_string());
        let model = observation.model_info();

        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &observation.id_string())?;
        map.serialize_entry("traceId", &trace.id_string())?;
        map.serialize_entry("startTime", &iso(observation.start_ms))?;
        map.serialize_entry("endTime", &observation.end_ms().map(iso))?;
        map.serialize_entry("projectId", &dataset.project_id)?;
        map.serialize_entry("parentObservationId", &parent)?;
        map.serialize_entry("type", observation.kind.as_str())?;
        if groups.has("basic") {
            map.serialize_entry("name", observation.name)?;
            map.serialize_entry("level", observation.level.as_str())?;
            map.serialize_entry("statusMessage", &observation.status.map(|s| s.render()))?;
            map.serialize_entry("version", &observation.version)?;
            map.serialize_entry("environment", trace.environment)?;
            map.serialize_entry("bookmarked", &false)?;
            map.serialize_entry("public", &false)?;
            // The real server sends "" rather than null for a row without
            // a session or user (events.ts reads ClickHouse's empty strings).
            map.serialize_entry("userId", session.map_or("", |s| s.user_id.as_str()))?;
            map.serialize_entry("sessionId", session.map_or("", |s| s.id.as_str()))?;
            map.serialize_entry("isRootObservation", &observation.parent.is_none())?;
        }
        if groups.has("time") {
            let completion_start = observation
                .ttft_ms
                .filter(|_| !observation.pending)
                .map(|ttft| iso(observation.start_ms + ttft));
            map.serialize_entry("completionStartTime", &completion_start)?;
            map.serialize_entry("createdAt", &iso(observation.created_ms))?;
            map.serialize_entry("updatedAt", &iso(observation.updated_ms))?;
        }
        if groups.has("io") {
            let (input, output) = io_strings(dataset, observation);
            map.serialize_entry("input", &input)?;
            map.serialize_entry("output", &output)?;
        }
        if groups.has("metadata") {
            // With `io` requested too, values are not cut at 200 characters.
            let expand = (!groups.has("io")).then_some(self.expand_metadata);
            map.serialize_entry(
                "metadata",
                &metadata(observation, expand, MetadataValues::Json),
            )?;
        }
        let with_model = groups.has("model");
        if with_model {
            // The server's key is `model`, not the spec's `providedModelName`.
            map.serialize_entry("model", &model.map(|m| m.name))?;
            map.serialize_entry("internalModelId", &model.and_then(|m| m.internal_id))?;
            map.serialize_entry("modelParameters", &model_parameters(observation))?;
        }
        let priced = model.filter(|m| with_model && m.is_priced());
        map.serialize_entry("modelId", &priced.and_then(|m| m.internal_id))?;
        map.serialize_entry(
            "inputPrice",
            &priced.map(|m| price_string(m.input_nanousd_per_token)),
        )?;
        map.serialize_entry(
            "outputPrice",
            &priced.map(|m| price_string(m.output_nanousd_per_token)),
        )?;
        map.serialize_entry("totalPrice", &None::<String>)?;
        if groups.has("usage") {
            map.serialize_entry("usageDetails", &usage_details(observation.visible_usage()))?;
            map.serialize_entry("costDetails", &cost_details(observation.visible_cost()))?;
            map.serialize_entry("totalCost", &total_cost(observation.visible_cost()))?;
            map.serialize_entry("usagePricingTierName", &None::<String>)?;
        }
        if groups.has("prompt") {
            let prompt = prompt(observation);
            map.serialize_entry("promptId", &prompt.as_ref().map(|p| p.0.as_str()))?;
            map.serialize_entry("promptName", &prompt.as_ref().map(|p| p.1))?;
            map.serialize_entry("promptVersion", &prompt.as_ref().map(|p| p.2))?;
        }
        // On every row whatever the groups (the converter always sets them).
        let latency = seconds(observation.end_ms().map(|end| end - observation.start_ms));
        let ttft = seconds(observation.ttft_ms.filter(|_| !observation.pending));
        map.serialize_entry("latency", &latency)?;
        map.serialize_entry("timeToFirstToken", &ttft)?;
        if groups.has("trace_context") {
            map.serialize_entry("traceName", &trace.name)?;
            map.serialize_entry("tags", observation.tags(trace.tags))?;
            map.serialize_entry("release", trace.release)?;
        }
        map.end()
    }
}

/// One observation in the legacy v1 `ObservationsView` shape.
pub fn observation_view_v1(dataset: &Dataset, index: u32) -> Value {
    let observation = &dataset.observations[index as usize];
    let trace = dataset.trace_of(observation);
    let model = observation.model_info();
    let usage = observation.visible_usage();
    let cost = observation.visible_cost();
    let (input, output) = io_strings(dataset, observation);
    let prompt = prompt(observation);
    let legacy_usage = json!({
        "input": usage.map(|u| u.input + u.cached_input).unwrap_or(0),
        "output": usage.map(|u| u.output).unwrap_or(0),
        "total": usage.map(|u| u.total()).unwrap_or(0),
        "unit": usage.map(|_| "TOKENS"),
        "inputCost": cost.map(|c| usd(c.input_nanousd + c.cached_input_nanousd)),
        "outputCost": cost.map(|c| usd(c.output_nanousd)),
        "totalCost": total_cost(cost),
    });
    let priced = model.filter(|m| m.is_priced());
    json!({
        "id": observation.id_string(),
        "traceId": trace.id_string(),
        "type": observation.kind.as_str(),
        "name": observation.name,
        "startTime": iso(observation.start_ms),
        "endTime": observation.end_ms().map(iso),
        "completionStartTime": observation.ttft_ms.filter(|_| !observation.pending).map(|t| iso(observation.start_ms + t)),
        "model": model.map(|m| m.name),
        "modelParameters": model_parameters(observation),
        "input": input,
        "version": observation.version,
        "metadata": metadata(observation, None, MetadataValues::Strings),
        "output": output,
        "usage": legacy_usage,
        "level": observation.level.as_str(),
        "statusMessage": observation.status.map(|s| s.render()),
        "parentObservationId": observation.parent.map(|p| dataset.observations[p as usize].id_string()),
        "promptId": prompt.as_ref().map(|p| p.0.clone()),
        "usageDetails": usage_details(usage),
        "costDetails": cost_details(cost),
        "environment": trace.environment,
        "promptName": prompt.as_ref().map(|p| p.1),
        "promptVersion": prompt.as_ref().map(|p| p.2),
        "modelId": priced.and_then(|m| m.internal_id),
        "inputPrice": priced.map(|m| usd(m.input_nanousd_per_token)),
        "outputPrice": priced.map(|m| usd(m.output_nanousd_per_token)),
        "totalPrice": Value::Null,
        "calculatedInputCost": cost.map(|c| usd(c.input_nanousd + c.cached_input_nanousd)),
        "calculatedOutputCost": cost.map(|c| usd(c.output_nanousd)),
        "calculatedTotalCost": total_cost(cost),
        "latency": observation.end_ms().map(|end| (end - observation.start_ms) as f64 / 1000.0),
        "timeToFirstToken": observation.ttft_ms.filter(|_| !observation.pending).map(|t| t as f64 / 1000.0),
    })
}
