//! The game analytics endpoints (scores, outcomes, error groups, session
//! distributions, agent comparison, freshness) against a recount of the
//! double's generated data, and their handling of bad input.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::DateTime;
use langfuse_mock::dataset::{Level, ScoreSubject, ScoreValue};
use langfuse_mock::{Dataset, GroundTruth};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{assert_usd, int, score_worlds, synced_world};
use crate::numbers::all_pages;

const RAGGED_FROM: &str = "2026-11-16T09:17:00Z";
const RAGGED_TO: &str = "2026-11-19T13:45:00Z";

fn ms(iso: &str) -> i64 {
    DateTime::parse_from_rfc3339(iso)
        .unwrap()
        .timestamp_millis()
}

fn number(value: &Value, field: &str) -> f64 {
    value[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number in {value}"))
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{what}: {actual} != {expected}"
    );
}

/// The agents of each trace and session, by the agent rule.
struct Membership {
    trace_agents: HashMap<u32, HashSet<&'static str>>,
    session_agents: HashMap<u32, HashSet<&'static str>>,
    observation_agents: HashMap<u32, &'static str>,
}

impl Membership {
    fn new(dataset: &Dataset) -> Self {
        let mut membership = Membership {
            trace_agents: HashMap::new(),
            session_agents: HashMap::new(),
            observation_agents: HashMap::new(),
        };
        for (index, observation) in dataset.observations.iter().enumerate() {
            // The dashboard leaves out Langfuse's internal environments by default.
            if langfuse_mock::is_internal_environment(dataset.environment_of(observation)) {
                continue;
            }
            let agent = dataset.agent_of(index as u32);
            membership.observation_agents.insert(index as u32, agent);
            membership
                .trace_agents
                .entry(observation.trace)
                .or_default()
                .insert(agent);
            if let Some(session) = dataset.traces[observation.trace as usize].session {
                membership
                    .session_agents
                    .entry(session)
                    .or_default()
                    .insert(agent);
            }
        }
        membership
    }

    fn agents_of(&self, subject: ScoreSubject) -> HashSet<&'static str> {
        match subject {
            ScoreSubject::Trace(trace) => self.trace_agents.get(&trace).cloned(),
            ScoreSubject::Session(session) => self.session_agents.get(&session).cloned(),
            ScoreSubject::Observation(observation) => self
                .observation_agents
                .get(&observation)
                .map(|agent| HashSet::from([*agent])),
        }
        .unwrap_or_default()
    }
}

fn numeric(value: ScoreValue) -> Option<f64> {
    match value {
        ScoreValue::Numeric(number) => Some(number),
        ScoreValue::Boolean(flag) => Some(if flag { 1.0 } else { 0.0 }),
        ScoreValue::Categorical(_) | ScoreValue::Text(_) | ScoreValue::Correction(_) => None,
    }
}

fn category(value: ScoreValue) -> Option<String> {
    match value {
        ScoreValue::Numeric(_) => None,
        ScoreValue::Boolean(flag) => Some(flag.to_string()),
        ScoreValue::Categorical(text) => Some(text.to_string()),
        ScoreValue::Text(_) | ScoreValue::Correction(_) => None,
    }
}

/// Checks one `/api/scores` answer against the scores given.
fn assert_score_summaries(body: &Value, scores: &[ScoreValue], names: &[&'static str]) {
    let mut by_name: BTreeMap<&str, Vec<ScoreValue>> = BTreeMap::new();
    for (name, value) in names.iter().zip(scores) {
        by_name.entry(name).or_default().push(*value);
    }
    let items = body["items"].as_array().unwrap();
    let served: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        served,
        by_name.keys().copied().collect::<Vec<_>>(),
        "score names"
    );
    for item in items {
        let name = item["name"].as_str().unwrap();
        let values = &by_name[name];
        assert_eq!(int(item, "count"), values.len() as i64, "{name} count");
        let numbers: Vec<f64> = values.iter().filter_map(|v| numeric(*v)).collect();
        if numbers.is_empty() {
            assert!(item["average"].is_null(), "{name} average");
        } else {
            let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
            assert_close(number(item, "average"), mean, &format!("{name} average"));
            let min = numbers.iter().copied().fold(f64::MAX, f64::min);
            let max = numbers.iter().copied().fold(f64::MIN, f64::max);
            assert_close(number(item, "min"), min, &format!("{name} min"));
            assert_close(number(item, "max"), max, &format!("{name} max"));
        }
        let daily_total: i64 = item["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|day| int(day, "count"))
            .sum();
        assert_eq!(daily_total, values.len() as i64, "{name} daily counts");
        match item["dataType"].as_str().unwrap() {
            "NUMERIC" => {
                let bins = item["histogram"].as_array().unwrap();
                assert_eq!(bins.len(), 10, "{name} bins");
                let binned: i64 = bins.iter().map(|bin| int(bin, "count")).sum();
                assert_eq!(binned, numbers.len() as i64, "{name} histogram");
                assert!(item["categories"].as_array().unwrap().is_empty());
            }
            _ => {
                let mut expected: BTreeMap<String, i64> = BTreeMap::new();
                for value in values.iter().filter_map(|v| category(*v)) {
                    *expected.entry(value).or_default() += 1;
                }
                let served: BTreeMap<String, i64> = item["categories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["value"].as_str().unwrap().to_string(), int(c, "count")))
                    .collect();
                assert_eq!(served, expected, "{name} categories");
                assert!(item["histogram"].as_array().unwrap().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn score_summaries_match_the_generated_scores_for_all_time_and_a_ragged_range() {
    // v2 observations with v3 scores, and a self-hosted Langfuse v3 (legacy
    // observations, page-based v2 scores): the same figures.
    for world in score_worlds(3_000).await {
        let dataset = &world.dataset;
        let all: Vec<ScoreValue> = dataset.scores.iter().map(|s| s.value).collect();
        let names: Vec<&'static str> = dataset.scores.iter().map(|s| s.name).collect();
        assert!(names.contains(&"match_outcome") && names.contains(&"win"));
        let body = world.app.ok_json("/api/scores").await;
        assert_score_summaries(&body, &all, &names);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), world.truth.scores_by_name.len());
        for (item, truth) in items.iter().zip(&world.truth.scores_by_name) {
            assert_eq!(item["name"], truth.name.as_str());
            assert_eq!(item["dataType"], truth.data_type.as_str());
            assert_eq!(int(item, "count"), truth.count as i64, "{}", truth.name);
            match truth.average {
                Some(average) => assert_close(number(item, "average"), average, &truth.name),
                None => assert!(item["average"].is_null()),
            }
            for category in item["categories"].as_array().unwrap() {
                let value = category["value"].as_str().unwrap();
                assert_eq!(int(category, "count"), truth.categories[value] as i64);
                assert_close(
                    number(category, "share"),
                    truth.categories[value] as f64 / truth.count as f64,
                    value,
                );
            }
        }

        let (from, to) = (ms(RAGGED_FROM), ms(RAGGED_TO));
        let ranged: Vec<_> = dataset
            .scores
            .iter()
            .filter(|s| s.timestamp_ms >= from && s.timestamp_ms < to)
            .collect();
        let body = world
            .app
            .ok_json(&format!("/api/scores?from={RAGGED_FROM}&to={RAGGED_TO}"))
            .await;
        assert_score_summaries(
            &body,
            &ranged.iter().map(|s| s.value).collect::<Vec<_>>(),
            &ranged.iter().map(|s| s.name).collect::<Vec<_>>(),
        );
        // Zero-filled over the four days the range touches.
        let first = &body["items"][0]["daily"];
        assert_eq!(first.as_array().unwrap().len(), 4, "{first}");
        assert_eq!(first[0]["date"], "2026-11-16");
    }
}

#[tokio::test]
async fn scores_belong_to_the_agents_of_their_trace_or_session() {
    // v2 observations with v3 scores, and a self-hosted Langfuse v3 (legacy
    // observations, page-based v2 scores): the same figures.
    for world in score_worlds(3_000).await {
        let dataset = &world.dataset;
        let membership = Membership::new(dataset);
        let agents = world.app.ok_json("/api/agents").await;
        let mut checked = 0;
        for agent_stats in agents["items"].as_array().unwrap() {
            let agent = agent_stats["agent"].as_str().unwrap();
            let attributed: Vec<_> = dataset
                .scores
                .iter()
                .filter(|s| membership.agents_of(s.subject).contains(agent))
                .collect();
            // The list's per-agent scores: counts per name.
            let mut expected_counts: BTreeMap<&str, i64> = BTreeMap::new();
            for score in &attributed {
                *expected_counts.entry(score.name).or_default() += 1;
            }
            let served_counts: BTreeMap<&str, i64> = agent_stats["scores"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["name"].as_str().unwrap(), int(s, "count")))
                .collect();
            assert_eq!(
                served_counts, expected_counts,
                "{agent}: scores in /api/agents"
            );
            if attributed.is_empty() {
                continue;
            }
            checked += 1;
            let body = world
                .app
                .ok_json(&format!("/api/scores?agent={agent}"))
                .await;
            assert_score_summaries(
                &body,
                &attributed.iter().map(|s| s.value).collect::<Vec<_>>(),
                &attributed.iter().map(|s| s.name).collect::<Vec<_>>(),
            );
            let detail = world.app.ok_json(&format!("/api/agents/{agent}")).await;
            assert_eq!(detail["scores"], agent_stats["scores"], "{agent}: detail");
        }
        assert!(checked >= 3, "only {checked} agents have scores");
    }
}

#[tokio::test]
async fn outcomes_count_sessions_by_their_latest_score_and_sum_their_cost() {
    // v2 observations with v3 scores, and a self-hosted Langfuse v3 (legacy
    // observations, page-based v2 scores): the same figures.
    for world in score_worlds(3_000).await {
        let dataset = &world.dataset;
        // (name, session) -> latest (timestamp, id, category)
        let mut latest: HashMap<(&str, u32), (i64, String, String)> = HashMap::new();
        for score in &dataset.scores {
            let session = match score.subject {
                ScoreSubject::Session(session) => Some(session),
                ScoreSubject::Trace(trace) => dataset.traces[trace as usize].session,
                ScoreSubject::Observation(observation) => {
                    dataset
                        .trace_of(&dataset.observations[observation as usize])
                        .session
                }
            };
            let (Some(session), Some(category)) = (session, category(score.value)) else {
                continue;
            };
            let candidate = (score.timestamp_ms, score.id_string(), category);
            let entry = latest
                .entry((score.name, session))
                .or_insert(candidate.clone());
            if (candidate.0, &candidate.1) > (entry.0, &entry.1) {
                *entry = candidate;
            }
        }
        let mut expected: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for ((name, session), (_, _, category)) in latest {
            let id = &dataset.sessions[session as usize].id;
            let Some(totals) = world.truth.by_session.get(id) else {
                continue;
            };
            let entry = expected.entry((name.to_string(), category)).or_default();
            entry.0 += 1;
            entry.1 += totals.cost_nanousd;
        }
        assert!(expected.contains_key(&("match_outcome".to_string(), "match".to_string())));
        let body = world.app.ok_json("/api/outcomes").await;
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), expected.len(), "{body}");
        for item in items {
            let key = (
                item["name"].as_str().unwrap().to_string(),
                item["value"].as_str().unwrap().to_string(),
            );
            let (sessions, cost) = expected[&key];
            assert_eq!(int(item, "sessions"), sessions, "{key:?}");
            assert_usd(&item["totalCost"], cost, &format!("{key:?} cost"));
            assert_close(
                number(item, "costPerSession"),
                cost as f64 / 1e9 / sessions as f64,
                &format!("{key:?} cost per session"),
            );
        }
    }
}

#[tokio::test]
async fn sessions_carry_their_scores_and_their_error_observations() {
    let world = synced_world(3_000).await;
    let dataset = &world.dataset;
    let page = world
        .app
        .ok_json("/api/sessions?sort=errors&limit=20")
        .await;
    let mut with_errors = 0;
    for summary in page["items"].as_array().unwrap() {
        let id = summary["id"].as_str().unwrap();
        let detail = world.app.ok_json(&format!("/api/sessions/{id}")).await;
        let expected_scores = world.truth.scores_by_session.get(id).copied().unwrap_or(0);
        let scores = detail["scores"].as_array().unwrap();
        assert_eq!(scores.len() as u64, expected_scores, "{id}: scores");
        let timestamps: Vec<&str> = scores
            .iter()
            .map(|s| s["timestamp"].as_str().unwrap())
            .collect();
        assert!(timestamps.is_sorted(), "{id}: scores in time order");
        // The latest per name, in both the list and the detail.
        let names: HashSet<&str> = scores.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(
            summary["scores"].as_array().unwrap().len(),
            names.len(),
            "{id}"
        );
        assert_eq!(detail["session"]["scores"], summary["scores"], "{id}");
        let session_index = dataset.sessions.iter().position(|s| s.id == id).unwrap() as u32;
        let outcome = dataset
            .scores
            .iter()
            .filter(|s| {
                s.name == "match_outcome" && s.subject == ScoreSubject::Session(session_index)
            })
            .max_by_key(|s| (s.timestamp_ms, s.id))
            .map(|s| category(s.value).unwrap());
        let served_outcome = summary["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "match_outcome")
            .map(|s| s["stringValue"].as_str().unwrap().to_string());
        assert_eq!(served_outcome, outcome, "{id}: outcome");

        let errors = detail["errorObservationIds"].as_array().unwrap();
        assert_eq!(
            errors.len() as u64,
            world.truth.by_session[id].errors,
            "{id}"
        );
        if let Some(first) = errors.first() {
            with_errors += 1;
            assert_eq!(first, &summary["firstErrorObservationId"], "{id}");
        }
    }
    assert!(
        with_errors > 0,
        "no session with errors among the 20 with most"
    );
}

/// (agent, observation name, level, normalised message).
type GroupKey = (String, String, String, String);

/// The double's error groups of `levels` (and `agent`): key -> (count,
/// distinct sessions).
fn expected_error_groups(
    truth: &GroundTruth,
    levels: &[&str],
    agent: Option<&str>,
) -> BTreeMap<GroupKey, (i64, i64)> {
    truth
        .error_groups
        .iter()
        .filter(|group| levels.contains(&group.level.as_str()))
        .filter(|group| agent.is_none_or(|agent| agent == group.agent))
        .map(|group| {
            (
                (
                    group.agent.clone(),
                    group.name.clone(),
                    group.level.clone(),
                    group.message.clone(),
                ),
                (group.count as i64, group.sessions as i64),
            )
        })
        .collect()
}

fn served_error_groups(body: &Value) -> BTreeMap<GroupKey, (i64, i64)> {
    let items = body["items"].as_array().unwrap();
    assert_eq!(
        int(body, "total"),
        items.len() as i64,
        "fewer than 200 groups"
    );
    let counts: Vec<i64> = items.iter().map(|item| int(item, "count")).collect();
    assert!(counts.is_sorted_by(|a, b| a >= b), "most frequent first");
    items
        .iter()
        .map(|item| {
            let daily: i64 = item["daily"]
                .as_array()
                .unwrap()
                .iter()
                .map(|day| int(day, "count"))
                .sum();
            assert_eq!(daily, int(item, "count"), "daily counts of {item}");
            let sessions = item["sessionIds"].as_array().unwrap();
            assert_eq!(
                sessions.len() as i64,
                int(item, "sessions").min(20),
                "linked sessions of {item}"
            );
            assert_eq!(
                sessions.len(),
                item["observationIds"].as_array().unwrap().len()
            );
            (
                (
                    item["agent"].as_str().unwrap().to_string(),
                    item["name"].as_str().unwrap().to_string(),
                    item["level"].as_str().unwrap().to_string(),
                    item["message"].as_str().unwrap().to_string(),
                ),
                (int(item, "count"), int(item, "sessions")),
            )
        })
        .collect()
}

#[tokio::test]
async fn errors_group_by_agent_name_and_message_with_ids_and_numbers_normalised() {
    let world = synced_world(3_000).await;
    let dataset = &world.dataset;
    let errors = world.app.ok_json("/api/errors").await;
    let expected = expected_error_groups(&world.truth, &["ERROR"], None);
    assert!(expected.len() > 3, "the data has few error groups");
    assert_eq!(served_error_groups(&errors), expected);

    let all = world.app.ok_json("/api/errors?level=all").await;
    assert_eq!(
        served_error_groups(&all),
        expected_error_groups(&world.truth, &["ERROR", "WARNING"], None)
    );
    let warnings = world.app.ok_json("/api/errors?level=WARNING").await;
    assert_eq!(
        served_error_groups(&warnings),
        expected_error_groups(&world.truth, &["WARNING"], None)
    );

    let agent = errors["items"][0]["agent"].as_str().unwrap().to_string();
    let for_agent = world
        .app
        .ok_json(&format!("/api/errors?agent={agent}"))
        .await;
    assert_eq!(
        served_error_groups(&for_agent),
        expected_error_groups(&world.truth, &["ERROR"], Some(&agent))
    );

    // A linked observation is an error of the linked session.
    let group = &errors["items"][0];
    let session = group["sessionIds"][0].as_str().unwrap();
    let detail = world.app.ok_json(&format!("/api/sessions/{session}")).await;
    assert!(
        detail["errorObservationIds"]
            .as_array()
            .unwrap()
            .contains(&group["observationIds"][0]),
        "{group}"
    );

    // A ragged range keeps only errors starting in it, zero-filled by day.
    let ranged = world
        .app
        .ok_json(&format!("/api/errors?from={RAGGED_FROM}&to={RAGGED_TO}"))
        .await;
    let (from, to) = (ms(RAGGED_FROM), ms(RAGGED_TO));
    let in_range = dataset
        .observations
        .iter()
        .filter(|o| o.level == Level::Error && o.start_ms >= from && o.start_ms < to)
        .count() as i64;
    let served: i64 = ranged["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            assert_eq!(item["daily"].as_array().unwrap().len(), 4);
            int(item, "count")
        })
        .sum();
    assert_eq!(served, in_range);
}

#[tokio::test]
async fn errors_of_days_already_read_take_in_late_errors_after_the_next_sync() {
    let mut world = synced_world(3_000).await;
    let levels = ["ERROR", "WARNING"];
    let before = world.app.ok_json("/api/errors?level=all").await;
    assert_eq!(
        served_error_groups(&before),
        expected_error_groups(&world.mock.ground_truth(), &levels, None)
    );
    let counted = |body: &Value| int(body, "count");

    // Late traces over the last two days: days the server has read (and
    // keeps) gain error observations.
    world
        .mock
        .add_late_observations(300, std::time::Duration::from_secs(2 * 86_400));
    assert!(world.daemon.try_sync_once().await.unwrap().is_success());

    let after = world.app.ok_json("/api/errors?level=all").await;
    let expected = expected_error_groups(&world.mock.ground_truth(), &levels, None);
    assert!(
        counted(&after) > counted(&before),
        "the late traces brought errors"
    );
    assert_eq!(served_error_groups(&after), expected);
}

/// Every session of the default list sorted by `sort` (cost or tokens),
/// most first, walked page by page through the cursors: (id, total).
async fn every_session_by(app: &crate::helpers::TestApp, sort: &str) -> (Vec<String>, i64) {
    let (items, total) = all_pages(app, &format!("sort={sort}&order=desc&limit=100")).await;
    let ids = items
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect();
    (ids, total)
}

/// The ground truth's sessions by (`value`, id), most first.
fn truth_sessions_by(
    truth: &GroundTruth,
    value: impl Fn(&langfuse_mock::ground_truth::Totals) -> i64,
) -> Vec<String> {
    let mut sessions: Vec<(i64, &String)> = truth
        .by_session
        .iter()
        .map(|(id, totals)| (value(totals), id))
        .collect();
    sessions.sort_unstable_by(|a, b| b.cmp(a));
    sessions.into_iter().map(|(_, id)| id.clone()).collect()
}

#[tokio::test]
async fn session_pages_sorted_from_the_kept_index_take_in_late_sessions_after_the_next_sync() {
    let mut world = synced_world(3_000).await;
    let cost = |totals: &langfuse_mock::ground_truth::Totals| totals.cost_nanousd;
    let tokens = |totals: &langfuse_mock::ground_truth::Totals| totals.total_tokens;
    let truth = world.mock.ground_truth();
    let (served, total) = every_session_by(&world.app, "cost").await;
    assert_eq!(served, truth_sessions_by(&truth, cost));
    assert_eq!(total, truth.by_session.len() as i64);

    // Late traces over the last two days: new sessions, and sessions the
    // server has kept gaining cost.
    world
        .mock
        .add_late_observations(300, std::time::Duration::from_secs(2 * 86_400));
    assert!(world.daemon.try_sync_once().await.unwrap().is_success());

    let truth_after = world.mock.ground_truth();
    assert!(truth_after.by_session.len() > truth.by_session.len());
    for (sort, value) in [("cost", &cost as &dyn Fn(&_) -> i64), ("tokens", &tokens)] {
        let (served, total) = every_session_by(&world.app, sort).await;
        assert_eq!(served, truth_sessions_by(&truth_after, value), "{sort}");
        assert_eq!(total, truth_after.by_session.len() as i64, "{sort}");
    }
}

fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

#[tokio::test]
async fn session_distributions_have_exact_percentiles_and_the_true_outliers() {
    let world = synced_world(3_000).await;
    let dataset = &world.dataset;
    // Per session: start, end, cost, traces, errors, recounted.
    let mut spans: HashMap<&str, (i64, i64)> = HashMap::new();
    for observation in &dataset.observations {
        if let Some(session) = dataset.traces[observation.trace as usize].session {
            let id = dataset.sessions[session as usize].id.as_str();
            let span = spans.entry(id).or_insert((i64::MAX, i64::MIN));
            span.0 = span.0.min(observation.start_ms);
            span.1 = span.1.max(observation.end_ms().unwrap());
        }
    }
    let body = world.app.ok_json("/api/distributions/sessions").await;
    assert_eq!(int(&body, "sessions"), world.truth.by_session.len() as i64);
    let metric = |name: &str| -> Value {
        body["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("no {name} in {body}"))
            .clone()
    };
    let cases: Vec<(&str, Vec<(&str, f64)>)> = vec![
        (
            "totalCost",
            world
                .truth
                .by_session
                .iter()
                .map(|(id, t)| (id.as_str(), t.cost_nanousd as f64 / 1e9))
                .collect(),
        ),
        (
            "traces",
            world
                .truth
                .by_session
                .iter()
                .map(|(id, t)| (id.as_str(), t.traces as f64))
                .collect(),
        ),
        (
            "errors",
            world
                .truth
                .by_session
                .iter()
                .map(|(id, t)| (id.as_str(), t.errors as f64))
                .collect(),
        ),
        (
            "durationMs",
            spans
                .iter()
                .map(|(id, (start, end))| (*id, (end - start) as f64))
                .collect(),
        ),
    ];
    for (name, values) in cases {
        let served = metric(name);
        let mut sorted: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(int(&served, "count"), sorted.len() as i64, "{name}");
        for (field, p) in [("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99)] {
            assert_close(
                number(&served, field),
                nearest_rank(&sorted, p),
                &format!("{name} {field}"),
            );
        }
        assert_close(number(&served, "min"), sorted[0], &format!("{name} min"));
        assert_close(
            number(&served, "max"),
            *sorted.last().unwrap(),
            &format!("{name} max"),
        );
        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
        assert_close(number(&served, "mean"), mean, &format!("{name} mean"));
        let bins = served["histogram"].as_array().unwrap();
        let whole = matches!(name, "traces" | "errors");
        assert_eq!(served["integerValued"], whole, "{name}");
        if whole {
            // Whole-number bins: contiguous, whole edges, each holding
            // exactly the values in [from, to).
            assert!(bins.len() <= 20, "{name}");
            for (index, bin) in bins.iter().enumerate() {
                let (from, to) = (number(bin, "from"), number(bin, "to"));
                assert!(
                    from.fract() == 0.0 && to.fract() == 0.0 && to > from,
                    "{name} {bin}"
                );
                if index > 0 {
                    assert_eq!(number(&bins[index - 1], "to"), from, "{name}: a gap");
                }
                let inside = sorted.iter().filter(|v| **v >= from && **v < to).count();
                assert_eq!(int(bin, "count"), inside as i64, "{name} {bin}");
            }
        } else {
            assert_eq!(bins.len(), 20, "{name}");
        }
        assert_eq!(
            bins.iter().map(|bin| int(bin, "count")).sum::<i64>(),
            sorted.len() as i64,
            "{name} histogram"
        );
        let outliers = served["outliers"].as_array().unwrap();
        let top: Vec<f64> = sorted.iter().rev().take(5).copied().collect();
        let values_by_id: HashMap<&str, f64> = values.iter().copied().collect();
        for (outlier, expected) in outliers.iter().zip(&top) {
            assert_close(
                number(outlier, "value"),
                *expected,
                &format!("{name} outlier"),
            );
            let id = outlier["id"].as_str().unwrap();
            assert_close(values_by_id[id], *expected, &format!("{name} outlier {id}"));
        }
        assert_eq!(outliers.len(), 5, "{name}");
    }
}

#[tokio::test]
async fn comparing_agents_returns_their_figures_in_the_order_asked() {
    let world = synced_world(3_000).await;
    for query in ["", "&from=2026-11-16T09:17:00Z&to=2026-11-19T13:45:00Z"] {
        let list_query = query.strip_prefix('&').unwrap_or("");
        let agents = world
            .app
            .ok_json(&format!("/api/agents?{list_query}"))
            .await;
        let items = agents["items"].as_array().unwrap();
        let (first, third) = (&items[0], &items[2]);
        let names = format!(
            "{},{}",
            third["agent"].as_str().unwrap(),
            first["agent"].as_str().unwrap()
        );
        let compared = world
            .app
            .ok_json(&format!("/api/compare/agents?agents={names}{query}"))
            .await;
        assert_eq!(compared["items"][0], *third, "{query}");
        assert_eq!(compared["items"][1], *first, "{query}");
    }
}

#[tokio::test]
async fn sync_status_reports_the_schedule_the_cycles_and_a_finished_backfill() {
    let world = synced_world(300).await;
    let status = world.app.ok_json("/api/sync/status").await;
    // The test daemon runs unlimited (quota 0) at the default interval.
    assert_eq!(status["quotaPerMinute"], 0, "{status}");
    assert_eq!(status["syncIntervalSecs"], 300, "{status}");
    assert_eq!(status["stale"], false);
    let newest_age = int(&status, "newestDataAgeSeconds");
    let newest_ms = ms(status["newestDataAt"].as_str().unwrap());
    let now_ms = chrono::Utc::now().timestamp_millis();
    assert!(((now_ms - newest_ms) / 1_000 - newest_age).abs() <= 2);
    let cycles = status["recentCycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1, "{status}");
    assert_eq!(cycles[0]["state"], "success");
    assert_eq!(
        int(&cycles[0], "requestsSent"),
        world.mock.stats().total as i64
    );
    assert_eq!(
        int(&cycles[0], "requestsSent"),
        int(&status, "requestsSent")
    );
    assert!(cycles[0]["quotaUsedShare"].is_null(), "unlimited quota");
    let backfill = &status["backfill"];
    assert_eq!(backfill["complete"], true, "{backfill}");
    assert_eq!(backfill["from"], "2026-11-01T00:00:00.000Z");
    assert_eq!(backfill["remainingRequestsEstimate"], 0);
    // How the daemon chose its endpoints and page size.
    assert_eq!(status["apiMode"], "v2");
    assert_eq!(status["apiModeReason"], "v2 observations answered");
    assert_eq!(status["scoresEndpoint"], "v3");
    assert!(int(&status, "pageSize") > 0, "{status}");
}

#[tokio::test]
async fn sync_status_shows_the_legacy_mode_its_reason_and_the_v2_scores_endpoint() {
    let world = crate::helpers::synced_world_with(300, |config| {
        config.v2_enabled = false;
        config.scores_v3_enabled = false;
    })
    .await;
    let status = world.app.ok_json("/api/sync/status").await;
    assert_eq!(status["apiMode"], "legacy", "{status}");
    let reason = status["apiModeReason"].as_str().unwrap();
    assert!(
        reason.contains("404") && reason.contains("legacy"),
        "{reason}"
    );
    assert_eq!(status["scoresEndpoint"], "v2", "{status}");
}

#[tokio::test]
async fn invalid_analytics_parameters_get_400_or_404_naming_the_parameter() {
    let world = synced_world(300).await;
    let long = "x".repeat(201);
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            "/api/scores?from=yesterday".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/scores?to=2026-13-01".into(),
            StatusCode::BAD_REQUEST,
            "to",
        ),
        (
            "/api/scores?from=2026-11-10&to=2026-11-01".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/scores?from=1970-01-01&to=9999-01-01".into(),
            StatusCode::BAD_REQUEST,
            "to",
        ),
        (
            format!("/api/scores?agent={long}"),
            StatusCode::BAD_REQUEST,
            "agent",
        ),
        (
            "/api/scores?agent=nobody".into(),
            StatusCode::NOT_FOUND,
            "agent",
        ),
        ("/api/scores?agent=*".into(), StatusCode::NOT_FOUND, "agent"),
        (
            "/api/scores?name=win".into(),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            "/api/outcomes?from=bad".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        ("/api/outcomes?to=bad".into(), StatusCode::BAD_REQUEST, "to"),
        (
            "/api/outcomes?agent=judge".into(),
            StatusCode::BAD_REQUEST,
            "agent",
        ),
        (
            "/api/errors?level=FATAL".into(),
            StatusCode::BAD_REQUEST,
            "level",
        ),
        (
            "/api/errors?level=error".into(),
            StatusCode::BAD_REQUEST,
            "level",
        ),
        (
            "/api/errors?level=ERROR&level=all".into(),
            StatusCode::BAD_REQUEST,
            "level",
        ),
        (
            "/api/errors?from=2026-11-01T25:00:00Z".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        ("/api/errors?to=soon".into(), StatusCode::BAD_REQUEST, "to"),
        (
            "/api/errors?agent=nobody".into(),
            StatusCode::NOT_FOUND,
            "agent",
        ),
        (
            format!("/api/errors?agent={long}"),
            StatusCode::BAD_REQUEST,
            "agent",
        ),
        (
            "/api/errors?limit=0".into(),
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "/api/errors?groupBy=agent".into(),
            StatusCode::BAD_REQUEST,
            "groupBy",
        ),
        (
            "/api/errors?sort=name".into(),
            StatusCode::BAD_REQUEST,
            "sort",
        ),
        (
            "/api/errors?order=up".into(),
            StatusCode::BAD_REQUEST,
            "order",
        ),
        (
            "/api/errors?offset=-1".into(),
            StatusCode::BAD_REQUEST,
            "offset",
        ),
        (
            "/api/errors?grouping=message".into(),
            StatusCode::BAD_REQUEST,
            "grouping",
        ),
        (
            "/api/distributions/sessions?from=bad".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/distributions/sessions?to=bad".into(),
            StatusCode::BAD_REQUEST,
            "to",
        ),
        (
            "/api/distributions/sessions?metric=cost".into(),
            StatusCode::BAD_REQUEST,
            "metric",
        ),
        (
            "/api/compare/agents".into(),
            StatusCode::BAD_REQUEST,
            "agents",
        ),
        (
            "/api/compare/agents?agents=judge".into(),
            StatusCode::BAD_REQUEST,
            "agents",
        ),
        (
            "/api/compare/agents?agents=judge,,host".into(),
            StatusCode::BAD_REQUEST,
            "agents",
        ),
        (
            "/api/compare/agents?agents=judge,judge".into(),
            StatusCode::BAD_REQUEST,
            "agents",
        ),
        (
            "/api/compare/agents?agents=a,b,c,d,e,f,g,h,i".into(),
            StatusCode::BAD_REQUEST,
            "agents",
        ),
        (
            "/api/compare/agents?agents=judge,nobody".into(),
            StatusCode::NOT_FOUND,
            "agents",
        ),
        (
            "/api/compare/agents?agents=a,b&from=bad".into(),
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "/api/sync/status?stale=true".into(),
            StatusCode::BAD_REQUEST,
            "stale",
        ),
    ];
    for (path, status, parameter) in cases {
        let (served, body) = world.app.get_json(&path).await;
        assert_eq!(served, status, "{path}: {body}");
        assert_eq!(body["parameter"], parameter, "{path}: {body}");
        assert!(
            body["message"].as_str().unwrap().len() > 10,
            "{path}: {body}"
        );
    }
    let (_, body) = world
        .app
        .get_json("/api/compare/agents?agents=judge,nobody")
        .await;
    assert!(
        body["message"].as_str().unwrap().contains("nobody"),
        "{body}"
    );
}

#[tokio::test]
async fn an_unfinished_backfill_reports_its_coverage_and_the_time_it_still_needs() {
    // The double allows 2 requests a minute: the 1000-row backfill pages
    // stop after the 2000 newest observations.
    let spec = crate::helpers::dataset_spec(3_000);
    let mock = langfuse_mock::spawn(langfuse_mock::MockConfig {
        dataset: spec.clone(),
        public_api_quota_per_minute: Some(2),
        ..langfuse_mock::MockConfig::default()
    })
    .await
    .expect("the double starts");
    let directory = tempfile::TempDir::new().unwrap();
    let database_path = directory.path().join("cupid.db");
    let mut settings = crate::helpers::daemon_settings(&mock, &database_path);
    settings.quota_per_minute = Some(600);
    settings.retry.max_rate_limit_wait = std::time::Duration::ZERO;
    let mut daemon = sync_daemon::startup::Application::build(settings)
        .await
        .expect("the daemon starts");
    let outcome = daemon.try_sync_once().await.expect("a cycle runs");
    assert!(!outcome.is_success(), "{outcome:?}");
    let app = crate::helpers::spawn_app_for(&database_path, "http://127.0.0.1:9").await;
    let status = app.ok_json("/api/sync/status").await;
    assert_eq!(status["stale"], true, "never succeeded: {status}");
    assert_eq!(status["quotaPerMinute"], 600);
    let cycles = status["recentCycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 1, "{status}");
    assert_eq!(cycles[0]["state"], "rate_limited");
    assert!(int(&cycles[0], "rateLimitedResponses") >= 1, "{status}");

    let backfill = &status["backfill"];
    assert_eq!(backfill["complete"], false, "{backfill}");
    assert_eq!(backfill["from"], "2026-11-01T00:00:00.000Z");
    let mut starts: Vec<i64> = langfuse_mock::generate(&spec)
        .observations
        .iter()
        .map(|o| o.start_ms)
        .collect();
    starts.sort_unstable_by(|a, b| b.cmp(a));
    let covered_until = ms(backfill["coveredUntil"].as_str().unwrap());
    assert_eq!(covered_until, starts[1_999], "{backfill}");
    // requests so far × uncovered span / covered span, at 600 a minute.
    let window_end: i64 = shared_schema::open_reader(&database_path)
        .unwrap()
        .query_row(
            "SELECT window_to_ms FROM sync_cursors WHERE source = 'observations'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let requests = int(&status, "requestsSent") as f64;
    let uncovered = (covered_until - ms("2026-11-01T00:00:00Z")) as f64;
    let expected = (requests * uncovered / (window_end - covered_until) as f64).ceil() as i64;
    assert!(expected > 0);
    assert_eq!(
        int(backfill, "remainingRequestsEstimate"),
        expected,
        "{backfill}"
    );
    assert_close(
        number(backfill, "remainingSecondsEstimate"),
        expected as f64 * 60.0 / 600.0,
        "remaining seconds",
    );
}

#[tokio::test]
async fn analytics_answers_carry_the_data_version_etag_and_honour_if_none_match() {
    let world = synced_world(300).await;
    for path in [
        "/api/scores",
        "/api/outcomes",
        "/api/errors?level=all",
        "/api/distributions/sessions",
        "/api/compare/agents?agents=matchmaker,judge",
    ] {
        let first = world.app.get(path).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with("\"dv-"), "{path}: {etag}");
        let again = world.app.get_if_none_match(path, &etag).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
}
