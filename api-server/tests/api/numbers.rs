//! Every endpoint's numbers against the double's ground truth, or against a
//! recount of the double's generated data where the ground truth has no
//! such grain (ragged ranges, session start days).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::DateTime;
use langfuse_mock::Dataset;
use langfuse_mock::dataset::{Level, ObservationType};
use reqwest::StatusCode;
use serde_json::Value;
use shared_schema::histogram::{RELATIVE_PRECISION, exact_percentile, within_precision};

use crate::helpers::{DATA_END_MS, assert_usd, int, synced_world};

const DAY_MS: i64 = 86_400_000;
/// 2026-11-16T09:17:00Z to 2026-11-19T13:45:00Z: ragged at both ends.
const RAGGED_FROM: &str = "2026-11-16T09:17:00Z";
const RAGGED_TO: &str = "2026-11-19T13:45:00Z";

pub fn ms(iso: &str) -> i64 {
    DateTime::parse_from_rfc3339(iso)
        .unwrap()
        .timestamp_millis()
}

fn day_of(ms: i64) -> String {
    shared_schema::units::ms_to_day(ms)
}

/// Figures recounted from the generated data.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    pub sessions: i64,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    pub errors: i64,
    pub warnings: i64,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    /// GENERATION latencies, sorted.
    pub latencies: Vec<i64>,
}

pub struct Recount<'a> {
    dataset: &'a Dataset,
    /// Start (earliest observation) and agents of each session and trace.
    session_start: HashMap<u32, i64>,
    session_agents: HashMap<u32, HashSet<&'static str>>,
    trace_start: HashMap<u32, i64>,
    trace_agents: HashMap<u32, HashSet<&'static str>>,
}

impl<'a> Recount<'a> {
    pub fn new(dataset: &'a Dataset) -> Self {
        let mut recount = Recount {
            dataset,
            session_start: HashMap::new(),
            session_agents: HashMap::new(),
            trace_start: HashMap::new(),
            trace_agents: HashMap::new(),
        };
        for (index, observation) in dataset.observations.iter().enumerate() {
            // The dashboard leaves out Langfuse's internal environments by default.
            if langfuse_mock::is_internal_environment(dataset.environment_of(observation)) {
                continue;
            }
            let agent = dataset.agent_of(index as u32);
            let start = recount
                .trace_start
                .entry(observation.trace)
                .or_insert(i64::MAX);
            *start = (*start).min(observation.start_ms);
            recount
                .trace_agents
                .entry(observation.trace)
                .or_default()
                .insert(agent);
            if let Some(session) = dataset.traces[observation.trace as usize].session {
                let start = recount.session_start.entry(session).or_insert(i64::MAX);
                *start = (*start).min(observation.start_ms);
                recount
                    .session_agents
                    .entry(session)
                    .or_default()
                    .insert(agent);
            }
        }
        recount
    }

    pub fn figures(
        &self,
        from: i64,
        to: i64,
        agent: Option<&str>,
        model: Option<&str>,
    ) -> Expected {
        let mut expected = Expected::default();
        for (index, observation) in self.dataset.observations.iter().enumerate() {
            // The dashboard leaves out Langfuse's internal environments by default.
            if langfuse_mock::is_internal_environment(self.dataset.environment_of(observation)) {
                continue;
            }
            if observation.start_ms < from || observation.start_ms >= to {
                continue;
            }
            if agent.is_some_and(|agent| self.dataset.agent_of(index as u32) != agent) {
                continue;
            }
            let observation_model = observation.model_info().map(|m| m.name);
            if model.is_some() && observation_model != model {
                continue;
            }
            expected.observations += 1;
            if observation.kind == ObservationType::Generation {
                expected.generations += 1;
                if let Some(end) = observation.end_ms() {
                    expected.latencies.push(end - observation.start_ms);
                }
            }
            match observation.level {
                Level::Error => expected.errors += 1,
                Level::Warning => expected.warnings += 1,
                _ => {}
            }
            if let Some(usage) = observation.visible_usage() {
                expected.input_tokens += usage.input + usage.cached_input;
                expected.output_tokens += usage.output;
                expected.total_tokens += usage.total();
            }
            if let Some(cost) = observation.visible_cost() {
                expected.cost_nanousd += cost.total_nanousd();
            }
        }
        expected.latencies.sort_unstable();
        if model.is_none() {
            let takes_part = |agents: Option<&HashSet<&'static str>>| {
                agent.is_none_or(|agent| agents.is_some_and(|set| set.contains(agent)))
            };
            expected.sessions = self
                .session_start
                .iter()
                .filter(|(session, start)| {
                    (from..to).contains(*start) && takes_part(self.session_agents.get(*session))
                })
                .count() as i64;
            expected.traces = self
                .trace_start
                .iter()
                .filter(|(trace, start)| {
                    (from..to).contains(*start) && takes_part(self.trace_agents.get(*trace))
                })
                .count() as i64;
        }
        expected
    }
}

pub fn assert_figures(actual: &Value, expected: &Expected, what: &str) {
    for (field, value) in [
        ("sessions", expected.sessions),
        ("traces", expected.traces),
        ("observations", expected.observations),
        ("generations", expected.generations),
        ("errors", expected.errors),
        ("warnings", expected.warnings),
        ("inputTokens", expected.input_tokens),
        ("outputTokens", expected.output_tokens),
        ("totalTokens", expected.total_tokens),
    ] {
        assert_eq!(int(actual, field), value, "{what}: {field} in {actual}");
    }
    assert_usd(
        &actual["totalCost"],
        expected.cost_nanousd,
        &format!("{what}: totalCost"),
    );
}

/// A sketch's percentile is within the stated precision (1%, no absolute
/// slack) of the exact nearest-rank one.
pub fn assert_percentile(actual: &Value, sorted: &[i64], quantile: f64, what: &str) {
    let exact = exact_percentile(sorted, quantile);
    match (actual.as_i64(), exact) {
        (None, None) => {}
        (Some(estimate), Some(exact)) => {
            assert!(
                within_precision(estimate, exact),
                "{what}: p{quantile} {estimate} ms vs exact {exact} ms (within {RELATIVE_PRECISION})"
            );
        }
        other => panic!("{what}: p{quantile} {other:?}"),
    }
}

#[tokio::test]
async fn overview_of_all_time_equals_the_ground_truth() {
    let world = synced_world(3_000).await;
    let truth = &world.truth.overall;
    let overview = world.app.ok_json("/api/overview").await;
    let expected = Expected {
        sessions: truth.sessions as i64,
        traces: truth.traces as i64,
        observations: truth.observations as i64,
        generations: truth.generations as i64,
        errors: truth.errors as i64,
        warnings: truth.warnings as i64,
        cost_nanousd: truth.cost_nanousd,
        input_tokens: truth.input_tokens,
        output_tokens: truth.output_tokens,
        total_tokens: truth.total_tokens,
        latencies: Vec::new(),
    };
    assert_figures(&overview, &expected, "all time");
    assert_eq!(int(&overview, "warnings") as u64, truth.warnings);
    let rate = overview["errorRate"].as_f64().unwrap();
    assert!((rate - truth.errors as f64 / truth.observations as f64).abs() < 1e-12);
    assert!(overview["previous"].is_null());
    assert!(overview["from"].is_null());
}

#[tokio::test]
async fn overview_of_a_ragged_range_and_the_one_before_equal_a_recount() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let (from, to) = (ms(RAGGED_FROM), ms(RAGGED_TO));
    let overview = world
        .app
        .ok_json(&format!("/api/overview?from={RAGGED_FROM}&to={RAGGED_TO}"))
        .await;
    let expected = recount.figures(from, to, None, None);
    assert!(expected.observations > 0);
    assert_figures(&overview, &expected, "ragged range");
    assert_eq!(overview["from"], "2026-11-16T09:17:00.000Z");
    assert_eq!(overview["to"], "2026-11-19T13:45:00.000Z");

    let previous = &overview["previous"];
    let length = to - from;
    assert_figures(
        previous,
        &recount.figures(from - length, from, None, None),
        "previous",
    );
    assert_eq!(
        ms(previous["to"].as_str().unwrap()),
        from,
        "the previous range ends where this one starts"
    );
}

#[tokio::test]
async fn overview_accepts_dates_offsets_and_open_bounds() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let cases = [
        ("from=2026-11-17", ms("2026-11-17T00:00:00Z"), i64::MAX),
        (
            "to=2026-11-17T12:00:00%2B02:00",
            i64::MIN,
            ms("2026-11-17T10:00:00Z"),
        ),
        (
            "from=2026-11-15&to=2026-11-18",
            ms("2026-11-15T00:00:00Z"),
            ms("2026-11-18T00:00:00Z"),
        ),
        (
            "from=2026-11-17T06:30:00&to=2026-11-17T07:45:00.5Z",
            ms("2026-11-17T06:30:00Z"),
            ms("2026-11-17T07:45:00.500Z"),
        ),
    ];
    for (query, from, to) in cases {
        let overview = world.app.ok_json(&format!("/api/overview?{query}")).await;
        assert_figures(&overview, &recount.figures(from, to, None, None), query);
    }
}

#[tokio::test]
async fn latency_percentiles_stay_within_the_stated_precision_of_an_exact_computation() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    for (query, from, to) in [
        (String::new(), i64::MIN, i64::MAX),
        (
            format!("?from={RAGGED_FROM}&to={RAGGED_TO}"),
            ms(RAGGED_FROM),
            ms(RAGGED_TO),
        ),
        (
            "?from=2026-11-16&to=2026-11-18".to_string(),
            ms("2026-11-16T00:00:00Z"),
            ms("2026-11-18T00:00:00Z"),
        ),
    ] {
        let overview = world.app.ok_json(&format!("/api/overview{query}")).await;
        let latencies = recount.figures(from, to, None, None).latencies;
        assert!(
            latencies.len() > 50,
            "{query}: enough generations to matter"
        );
        assert_percentile(&overview["latencyP50Ms"], &latencies, 0.50, &query);
        assert_percentile(&overview["latencyP95Ms"], &latencies, 0.95, &query);
    }
    // Per agent too, all time (agent_stats_cache) and ragged.
    let agents = world.app.ok_json("/api/agents").await;
    for item in agents["items"].as_array().unwrap() {
        let agent = item["agent"].as_str().unwrap();
        let latencies = recount
            .figures(i64::MIN, i64::MAX, Some(agent), None)
            .latencies;
        for (field, quantile) in [
            ("latencyP50Ms", 0.5),
            ("latencyP95Ms", 0.95),
            ("latencyP99Ms", 0.99),
        ] {
            assert_percentile(&item[field], &latencies, quantile, agent);
        }
    }
}

#[tokio::test]
async fn daily_metrics_equal_the_ground_truth_per_day_and_are_zero_filled() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let series = world
        .app
        .ok_json("/api/metrics/daily?from=2026-11-12&to=2026-11-23")
        .await;
    let items = series["items"].as_array().unwrap();
    let days: Vec<&str> = items.iter().map(|i| i["date"].as_str().unwrap()).collect();
    let expected_days: Vec<String> = (12..23).map(|d| format!("2026-11-{d}")).collect();
    assert_eq!(days, expected_days);
    for item in items {
        let date = item["date"].as_str().unwrap();
        let day_start = ms(&format!("{date}T00:00:00Z"));
        let mut expected = recount.figures(day_start, day_start + DAY_MS, None, None);
        match world.truth.by_day.get(date) {
            Some(truth) => {
                assert_eq!(
                    int(item, "observations") as u64,
                    truth.observations,
                    "{date}"
                );
                assert_eq!(int(item, "generations") as u64, truth.generations, "{date}");
                assert_eq!(int(item, "errors") as u64, truth.errors, "{date}");
                assert_eq!(int(item, "warnings") as u64, truth.warnings, "{date}");
                assert_usd(&item["totalCost"], truth.cost_nanousd, date);
                assert_eq!(int(item, "totalTokens"), truth.total_tokens, "{date}");
                assert_eq!(int(item, "inputTokens"), truth.input_tokens, "{date}");
                assert_eq!(int(item, "outputTokens"), truth.output_tokens, "{date}");
            }
            None => expected = Expected::default(),
        }
        assert_figures(item, &expected, date);
    }
    let sessions: i64 = items.iter().map(|i| int(i, "sessions")).sum();
    assert_eq!(sessions as u64, world.truth.overall.sessions);
}

#[tokio::test]
async fn daily_metrics_without_a_range_span_the_days_with_data() {
    let world = synced_world(3_000).await;
    let series = world.app.ok_json("/api/metrics/daily").await;
    let items = series["items"].as_array().unwrap();
    let first = world
        .dataset
        .observations
        .iter()
        .map(|o| o.start_ms)
        .min()
        .unwrap();
    assert_eq!(items.first().unwrap()["date"], day_of(first));
    assert_eq!(items.last().unwrap()["date"], day_of(DATA_END_MS));
    let observations: i64 = items.iter().map(|i| int(i, "observations")).sum();
    assert_eq!(observations as u64, world.truth.overall.observations);
}

#[tokio::test]
async fn daily_metrics_filtered_by_agent_and_model_equal_a_recount() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let agent = world.truth.by_agent.keys().next().unwrap().clone();
    let model = world.truth.by_model.keys().next().unwrap().clone();
    for (query, agent, model) in [
        (format!("agent={agent}"), Some(agent.as_str()), None),
        (format!("model={model}"), None, Some(model.as_str())),
        (
            format!("agent={agent}&model={model}"),
            Some(agent.as_str()),
            Some(model.as_str()),
        ),
    ] {
        let series = world
            .app
            .ok_json(&format!(
                "/api/metrics/daily?from={RAGGED_FROM}&to={RAGGED_TO}&{query}"
            ))
            .await;
        for item in series["items"].as_array().unwrap() {
            let date = item["date"].as_str().unwrap();
            let day_start = ms(&format!("{date}T00:00:00Z"));
            let from = day_start.max(ms(RAGGED_FROM));
            let to = (day_start + DAY_MS).min(ms(RAGGED_TO));
            let expected = recount.figures(from, to, agent, model);
            for (field, value) in [
                ("observations", expected.observations),
                ("generations", expected.generations),
                ("errors", expected.errors),
                ("totalTokens", expected.total_tokens),
            ] {
                assert_eq!(int(item, field), value, "{query} {date} {field}");
            }
            assert_usd(
                &item["totalCost"],
                expected.cost_nanousd,
                &format!("{query} {date}"),
            );
            if model.is_none() {
                assert_eq!(
                    int(item, "sessions"),
                    expected.sessions,
                    "{query} {date} sessions"
                );
                assert_eq!(
                    int(item, "traces"),
                    expected.traces,
                    "{query} {date} traces"
                );
            }
        }
    }
}

/// Every page of `/api/sessions?{query}`, through the cursors: the items
/// and the total (the same on every page).
pub async fn all_pages(app: &crate::helpers::TestApp, query: &str) -> (Vec<Value>, i64) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total = None;
    for _ in 0..1_000 {
        let path = match &cursor {
            Some(cursor) => format!("/api/sessions?{query}&cursor={cursor}"),
            None => format!("/api/sessions?{query}"),
        };
        let page = app.ok_json(&path).await;
        let page_total = int(&page, "total");
        assert_eq!(
            *total.get_or_insert(page_total),
            page_total,
            "total is stable"
        );
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return (items, page_total),
        }
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn session_pages_hold_every_session_once_in_order_with_true_figures() {
    let world = synced_world(3_000).await;
    let truth = &world.truth;
    for sort in ["startTime", "cost", "tokens", "duration", "errors"] {
        for order in ["desc", "asc"] {
            let (items, total) =
                all_pages(&world.app, &format!("sort={sort}&order={order}&limit=7")).await;
            assert_eq!(total as u64, truth.overall.sessions, "{sort} {order}");
            let ids: BTreeSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
            assert_eq!(ids.len(), items.len(), "{sort} {order}: no session twice");
            assert_eq!(
                ids.len() as u64,
                truth.overall.sessions,
                "{sort} {order}: none missing"
            );
            let key = |item: &Value| -> i64 {
                match sort {
                    "startTime" => ms(item["startTime"].as_str().unwrap()),
                    "cost" => (item["totalCost"].as_f64().unwrap() * 1e9).round() as i64,
                    "tokens" => int(item, "totalTokens"),
                    "duration" => item["durationMs"].as_i64().unwrap_or(-1),
                    _ => int(item, "errors"),
                }
            };
            for pair in items.windows(2) {
                let (a, b) = (key(&pair[0]), key(&pair[1]));
                assert!(
                    if order == "desc" { a >= b } else { a <= b },
                    "{sort} {order}: {a} then {b}"
                );
            }
        }
    }
    let (items, _) = all_pages(&world.app, "limit=200").await;
    for item in &items {
        let id = item["id"].as_str().unwrap();
        let expected = &truth.by_session[id];
        assert_eq!(
            int(item, "observations") as u64,
            expected.observations,
            "{id}"
        );
        assert_eq!(
            int(item, "generations") as u64,
            expected.generations,
            "{id}"
        );
        assert_eq!(int(item, "traces") as u64, expected.traces, "{id}");
        assert_eq!(int(item, "errors") as u64, expected.errors, "{id}");
        assert_eq!(int(item, "totalTokens"), expected.total_tokens, "{id}");
        assert_usd(&item["totalCost"], expected.cost_nanousd, id);
        assert_eq!(
            item["firstErrorObservationId"].is_null(),
            expected.errors == 0,
            "{id}"
        );
    }
}

#[tokio::test]
async fn session_filters_select_the_right_sessions() {
    let world = synced_world(3_000).await;
    let truth = &world.truth;
    let recount = Recount::new(&world.dataset);
    let sessions = &world.dataset.sessions;

    let with_errors = truth.by_session.values().filter(|t| t.errors > 0).count() as i64;
    let (items, total) = all_pages(&world.app, "hasErrors=true").await;
    assert_eq!(total, with_errors);
    assert!(items.iter().all(|i| int(i, "errors") > 0));
    let (_, total) = all_pages(&world.app, "hasErrors=false").await;
    assert_eq!(total, truth.overall.sessions as i64 - with_errors);

    for (agent, agent_truth) in &truth.by_agent {
        let (items, total) = all_pages(&world.app, &format!("agent={agent}")).await;
        assert_eq!(total as u64, agent_truth.sessions, "{agent}");
        assert!(items.iter().all(|i| {
            i["agents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == agent.as_str())
        }));
    }

    let user = &sessions[0].user_id;
    let expected = sessions.iter().filter(|s| &s.user_id == user).count() as i64;
    let (items, total) = all_pages(&world.app, &format!("user={user}")).await;
    assert_eq!(total, expected);
    assert!(items.iter().all(|i| i["userId"] == user.as_str()));

    let id = &sessions[sessions.len() / 2].id;
    let fragment = &id[id.len() / 3..id.len() * 2 / 3];
    let (items, _) = all_pages(&world.app, &format!("q={}", fragment.to_uppercase())).await;
    assert!(
        items.iter().any(|i| i["id"] == id.as_str()),
        "search finds {id} by {fragment}"
    );
    assert!(items.iter().all(|i| {
        let lower = fragment.to_lowercase();
        i["id"].as_str().unwrap().to_lowercase().contains(&lower)
            || i["userId"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains(&lower)
    }));

    let (items, total) = all_pages(&world.app, &format!("from={RAGGED_FROM}&to={RAGGED_TO}")).await;
    assert_eq!(
        total,
        recount
            .figures(ms(RAGGED_FROM), ms(RAGGED_TO), None, None)
            .sessions
    );
    assert!(
        items
            .iter()
            .all(|i| (ms(RAGGED_FROM)..ms(RAGGED_TO))
                .contains(&ms(i["startTime"].as_str().unwrap())))
    );
}

fn count_nodes(nodes: &Value, parent: Option<&str>, previous_start: &mut i64) -> u64 {
    let mut count = 0;
    let mut last_start = i64::MIN;
    for node in nodes.as_array().unwrap() {
        if let Some(parent) = parent {
            assert_eq!(node["parentObservationId"], parent);
        }
        let start = ms(node["startTime"].as_str().unwrap());
        assert!(start >= last_start, "children in start order");
        last_start = start;
        *previous_start = start;
        count += 1 + count_nodes(
            &node["children"],
            Some(node["id"].as_str().unwrap()),
            previous_start,
        );
    }
    count
}

#[tokio::test]
async fn a_session_holds_its_traces_in_time_order_with_complete_trees() {
    let world = synced_world(3_000).await;
    let (id, expected) = world.truth.by_session.iter().next().unwrap();
    let detail = world.app.ok_json(&format!("/api/sessions/{id}")).await;
    assert_eq!(detail["session"]["id"], id.as_str());
    let traces = detail["traces"].as_array().unwrap();
    assert_eq!(traces.len() as u64, expected.traces);
    let starts: Vec<i64> = traces
        .iter()
        .map(|t| ms(t["startTime"].as_str().unwrap()))
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "traces in time order"
    );
    let mut observations = 0;
    for trace in traces {
        assert_eq!(trace["sessionId"], id.as_str());
        observations += count_nodes(&trace["observationsTree"], None, &mut 0);
    }
    assert_eq!(observations, expected.observations);
}

#[tokio::test]
async fn a_trace_holds_its_observation_tree_with_true_figures() {
    let world = synced_world(3_000).await;
    let dataset = &world.dataset;
    // The trace with most observations, so that the tree has depth.
    let trace = dataset
        .traces
        .iter()
        .max_by_key(|t| t.observation_count)
        .unwrap();
    let id = trace.id_string();
    let expected = &world.truth.by_trace[&id];
    let detail = world.app.ok_json(&format!("/api/traces/{id}")).await;
    assert_eq!(detail["id"], id.as_str());
    assert_eq!(detail["name"].as_str(), trace.name);
    assert_eq!(int(&detail, "observations") as u64, expected.observations);
    assert_eq!(
        count_nodes(&detail["observationsTree"], None, &mut 0),
        expected.observations
    );
    assert_usd(&detail["totalCost"], expected.cost_nanousd, &id);
    assert_eq!(int(&detail, "totalTokens"), expected.total_tokens);

    let roots = detail["observationsTree"].as_array().unwrap();
    let first = trace.first_observation as usize;
    let generated = &dataset.observations[first..first + trace.observation_count as usize];
    let expected_roots = generated.iter().filter(|o| o.parent.is_none()).count();
    assert_eq!(roots.len(), expected_roots);
    // One node in full: a generation's fields as generated.
    let generation_index = (first..first + trace.observation_count as usize)
        .find(|i| dataset.observations[*i].kind == ObservationType::Generation)
        .expect("a generation");
    let generation = &dataset.observations[generation_index];
    fn find<'v>(nodes: &'v Value, id: &str) -> Option<&'v Value> {
        nodes.as_array()?.iter().find_map(|node| {
            if node["id"] == id {
                Some(node)
            } else {
                find(&node["children"], id)
            }
        })
    }
    let node = find(&detail["observationsTree"], &generation.id_string())
        .expect("the generation is in the tree");
    assert_eq!(node["type"], "GENERATION");
    assert_eq!(
        node["model"].as_str(),
        generation.model_info().map(|m| m.name)
    );
    assert_eq!(node["agent"], dataset.agent_of(generation_index as u32));
    assert_eq!(node["latencyMs"].as_i64(), Some(generation.duration_ms));
    assert_eq!(node["level"], generation.level.as_str());
    assert!(node["input"].is_string() && node["output"].is_string());
    if let Some(usage) = generation.visible_usage() {
        assert_eq!(int(node, "totalTokens"), usage.total());
    }
}

#[tokio::test]
async fn agents_of_all_time_equal_the_ground_truth() {
    let world = synced_world(3_000).await;
    let list = world.app.ok_json("/api/agents").await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), world.truth.by_agent.len());
    let costs: Vec<f64> = items
        .iter()
        .map(|i| i["totalCost"].as_f64().unwrap())
        .collect();
    assert!(
        costs.windows(2).all(|w| w[0] >= w[1]),
        "by cost, highest first"
    );
    let mut models_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (index, observation) in world.dataset.observations.iter().enumerate() {
        if let Some(model) = observation.model_info() {
            models_of
                .entry(world.dataset.agent_of(index as u32))
                .or_default()
                .insert(model.name);
        }
    }
    for item in items {
        let agent = item["agent"].as_str().unwrap();
        let truth = &world.truth.by_agent[agent];
        for (field, value) in [
            ("sessions", truth.sessions),
            ("traces", truth.traces),
            ("observations", truth.observations),
            ("generations", truth.generations),
            ("errors", truth.errors),
        ] {
            assert_eq!(int(item, field) as u64, value, "{agent} {field}");
        }
        assert_eq!(int(item, "totalTokens"), truth.total_tokens, "{agent}");
        assert_usd(&item["totalCost"], truth.cost_nanousd, agent);
        let models: BTreeSet<&str> = item["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(
            models,
            models_of.get(agent).cloned().unwrap_or_default(),
            "{agent} models"
        );
    }
}

#[tokio::test]
async fn agents_of_a_ragged_range_equal_a_recount() {
    let world = synced_world(3_000).await;
    let recount = Recount::new(&world.dataset);
    let list = world
        .app
        .ok_json(&format!("/api/agents?from={RAGGED_FROM}&to={RAGGED_TO}"))
        .await;
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let agent = item["agent"].as_str().unwrap();
        let expected = recount.figures(ms(RAGGED_FROM), ms(RAGGED_TO), Some(agent), None);
        assert_figures(item, &expected, agent);
        assert_percentile(&item["latencyP95Ms"], &expected.latencies, 0.95, agent);
    }
}

#[tokio::test]
async fn an_agent_page_holds_its_figures_series_model_mix_and_recent_sessions() {
    let world = synced_world(3_000).await;
    let (agent, truth) = world
        .truth
        .by_agent
        .iter()
        .max_by_key(|(_, t)| t.generations)
        .unwrap();
    let detail = world.app.ok_json(&format!("/api/agents/{agent}")).await;
    assert_eq!(detail["agent"], agent.as_str());
    assert_eq!(int(&detail, "observations") as u64, truth.observations);
    let daily = detail["daily"].as_array().unwrap();
    let daily_observations: i64 = daily.iter().map(|d| int(d, "observations")).sum();
    assert_eq!(daily_observations as u64, truth.observations);
    let daily_sessions: i64 = daily.iter().map(|d| int(d, "sessions")).sum();
    assert_eq!(daily_sessions as u64, truth.sessions);
    let mix_generations: i64 = detail["modelMix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| int(m, "generations"))
        .sum();
    let with_model = world
        .dataset
        .observations
        .iter()
        .enumerate()
        .filter(|(i, o)| {
            o.kind == ObservationType::Generation
                && o.model.is_some()
                && world.dataset.agent_of(*i as u32) == agent
        })
        .count();
    assert_eq!(mix_generations as usize, with_model);
    let recent = detail["recentSessions"].as_array().unwrap();
    assert_eq!(recent.len() as u64, truth.sessions.min(20));
    let starts: Vec<i64> = recent
        .iter()
        .map(|s| ms(s["startTime"].as_str().unwrap()))
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(recent.iter().all(|s| {
        s["agents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == agent.as_str())
    }));
    // Each recent session's latest scores, read for the whole list at once,
    // are those its own page shows.
    let mut scored = 0;
    for session in recent {
        let id = session["id"].as_str().unwrap();
        let page = world.app.ok_json(&format!("/api/sessions/{id}")).await;
        assert_eq!(session["scores"], page["session"]["scores"], "{id}");
        scored += usize::from(!session["scores"].as_array().unwrap().is_empty());
    }
    assert!(scored > 0, "no recent session has scores");

    let ranged = world
        .app
        .ok_json(&format!(
            "/api/agents/{agent}?from={RAGGED_FROM}&to={RAGGED_TO}"
        ))
        .await;
    let expected =
        Recount::new(&world.dataset).figures(ms(RAGGED_FROM), ms(RAGGED_TO), Some(agent), None);
    assert_figures(&ranged, &expected, "ranged agent page");
    assert!(
        ranged["recentSessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| {
                (ms(RAGGED_FROM)..ms(RAGGED_TO)).contains(&ms(s["startTime"].as_str().unwrap()))
            })
    );
}

#[tokio::test]
async fn models_equal_the_ground_truth() {
    let world = synced_world(3_000).await;
    let list = world.app.ok_json("/api/models").await;
    let items = list["items"].as_array().unwrap();
    let names: BTreeSet<&str> = items.iter().map(|i| i["model"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = world.truth.by_model.keys().map(String::as_str).collect();
    assert_eq!(names, expected);
    for item in items {
        let model = item["model"].as_str().unwrap();
        let truth = &world.truth.by_model[model];
        assert_eq!(
            int(item, "generations") as u64,
            truth.generations,
            "{model}"
        );
        assert_eq!(int(item, "totalTokens"), truth.total_tokens, "{model}");
        assert_eq!(int(item, "inputTokens"), truth.input_tokens, "{model}");
        assert_usd(&item["totalCost"], truth.cost_nanousd, model);
        assert!(!item["agents"].as_array().unwrap().is_empty());
    }
    let ranged = world
        .app
        .ok_json(&format!("/api/models?from={RAGGED_FROM}&to={RAGGED_TO}"))
        .await;
    let recount = Recount::new(&world.dataset);
    for item in ranged["items"].as_array().unwrap() {
        let model = item["model"].as_str().unwrap();
        let expected = recount.figures(ms(RAGGED_FROM), ms(RAGGED_TO), None, Some(model));
        assert_eq!(int(item, "generations"), expected.generations, "{model}");
        assert_usd(&item["totalCost"], expected.cost_nanousd, model);
    }
}

#[tokio::test]
async fn csv_exports_hold_every_row_with_a_proper_filename() {
    let world = synced_world(3_000).await;
    let response = world
        .app
        .get("/api/sessions?format=csv&from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"cupid-sessions-2026-11-01-2026-11-29.csv\"",
        "the name ends with the last day included: to is exclusive"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,userId,"));
    assert_eq!(lines.len() as u64 - 1, world.truth.overall.sessions);

    let response = world.app.get("/api/agents?format=csv").await;
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"cupid-agents-all-all.csv\""
    );
    let text = response.text().await.unwrap();
    assert_eq!(text.lines().count() - 1, world.truth.by_agent.len());
}
