//! `/api/versions` against a recount of the double's generated releases,
//! code versions and prompt versions (synced through v2 and through the
//! legacy endpoints), and its handling of bad input.

use std::collections::{BTreeMap, HashMap};

use langfuse_mock::Dataset;
use langfuse_mock::dataset::{Level, ScoreSubject, ScoreValue};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{score_worlds, synced_world};

const AGENT: &str = "matchmaker";

/// One version of the agent as recounted from the generated data.
#[derive(Debug, Default)]
struct Expected {
    first_seen_ms: i64,
    sessions: u64,
    observations: u64,
    llm_calls: u64,
    errors: u64,
    session_costs: Vec<i64>,
    call_tokens: Vec<i64>,
    call_latencies: Vec<i64>,
    wins: u64,
    win_scores: u64,
}

/// The dimension's value of an observation, as the double sent it.
fn value_of(dataset: &Dataset, index: usize, by: &str) -> Option<String> {
    let observation = &dataset.observations[index];
    match by {
        "release" => Some(dataset.trace_of(observation).release.to_string()),
        "version" => observation.version.map(str::to_string),
        _ => observation
            .prompt
            .map(|prompt| format!("{} v{}", prompt.name, prompt.version)),
    }
}

/// Per version: the agent's sessions (each in the version of its earliest
/// observation carrying one), their observations, calls, cost and wins.
fn recount(dataset: &Dataset, by: &str) -> BTreeMap<String, Expected> {
    // A session starts with its earliest observation, in any environment.
    let mut session_start: HashMap<u32, i64> = HashMap::new();
    // The agent's observations per session, outside Langfuse's internal
    // environments.
    let mut agent_rows: HashMap<u32, Vec<usize>> = HashMap::new();
    for (index, observation) in dataset.observations.iter().enumerate() {
        let Some(session) = dataset.trace_of(observation).session else {
            continue;
        };
        let start = session_start.entry(session).or_insert(observation.start_ms);
        *start = (*start).min(observation.start_ms);
        let internal = langfuse_mock::is_internal_environment(dataset.environment_of(observation));
        if !internal && dataset.agent_of(index as u32) == AGENT {
            agent_rows.entry(session).or_default().push(index);
        }
    }
    let mut latest_win: HashMap<u32, (i64, u128, bool)> = HashMap::new();
    for score in &dataset.scores {
        if let (ScoreSubject::Session(session), ScoreValue::Boolean(win), "win") =
            (score.subject, score.value, score.name)
        {
            let entry = latest_win
                .entry(session)
                .or_insert((score.timestamp_ms, score.id, win));
            if (score.timestamp_ms, score.id) > (entry.0, entry.1) {
                *entry = (score.timestamp_ms, score.id, win);
            }
        }
    }
    let mut versions: BTreeMap<String, Expected> = BTreeMap::new();
    for (session, mut rows) in agent_rows {
        rows.sort_by_key(|&i| {
            let observation = &dataset.observations[i];
            (observation.start_ms, observation.id_string())
        });
        let Some(version) = rows.iter().find_map(|&i| value_of(dataset, i, by)) else {
            continue;
        };
        let start = session_start[&session];
        let expected = versions.entry(version).or_insert_with(|| Expected {
            first_seen_ms: start,
            ..Expected::default()
        });
        expected.first_seen_ms = expected.first_seen_ms.min(start);
        expected.sessions += 1;
        let mut cost = None::<i64>;
        for &i in &rows {
            let observation = &dataset.observations[i];
            expected.observations += 1;
            expected.errors += u64::from(observation.level == Level::Error);
            if let Some(observation_cost) = observation.visible_cost() {
                cost = Some(cost.unwrap_or(0) + observation_cost.total_nanousd());
            }
            if observation.kind == langfuse_mock::dataset::ObservationType::Generation {
                expected.llm_calls += 1;
                if let Some(usage) = observation.visible_usage() {
                    expected.call_tokens.push(usage.total());
                }
                if let Some(end) = observation.end_ms() {
                    expected.call_latencies.push(end - observation.start_ms);
                }
            }
        }
        expected.session_costs.extend(cost);
        if let Some((_, _, win)) = latest_win.get(&session) {
            expected.win_scores += 1;
            expected.wins += u64::from(*win);
        }
    }
    versions
}

/// The Wilson score interval, written out from its textbook form.
fn wilson(successes: u64, n: u64) -> (f64, f64) {
    let z = 1.959_964_f64;
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    (centre - half, centre + half)
}

fn mean(values: &[i64]) -> f64 {
    values.iter().sum::<i64>() as f64 / values.len() as f64
}

fn assert_close(actual: &Value, expected: f64, tolerance: f64, what: &str) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0),
        "{what}: {actual} instead of {expected}"
    );
}

fn overlap(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

#[tokio::test]
async fn versions_match_the_doubles_releases_code_versions_and_prompts_in_v2_and_legacy_mode() {
    for world in score_worlds(3_000).await {
        for by in ["release", "version", "prompt"] {
            let expected = recount(&world.dataset, by);
            assert!(expected.len() >= 2, "{by}: the data holds several versions");
            let body = world
                .app
                .ok_json(&format!("/api/versions?agent={AGENT}&by={by}"))
                .await;
            assert_eq!(body["agent"], AGENT);
            assert_eq!(body["by"], by);
            let items = body["items"].as_array().unwrap();
            let served: Vec<&str> = items
                .iter()
                .map(|item| item["version"].as_str().unwrap())
                .collect();
            let mut oldest_first: Vec<(&String, &Expected)> = expected.iter().collect();
            oldest_first.sort_by_key(|(version, e)| (e.first_seen_ms, version.to_string()));
            let wanted: Vec<&str> = oldest_first.iter().map(|(v, _)| v.as_str()).collect();
            assert_eq!(served, wanted, "{by}: versions by first seen");

            let mut previous_win: Option<(f64, f64)> = None;
            for (item, (version, truth)) in items.iter().zip(&oldest_first) {
                let what = format!("{by} {version}");
                assert_eq!(item["sessions"], truth.sessions, "{what} sessions");
                assert_eq!(item["observations"], truth.observations, "{what}");
                assert_eq!(item["llmCalls"], truth.llm_calls, "{what} llmCalls");
                let cost = &item["costPerSession"];
                assert_close(
                    &cost["value"],
                    mean(&truth.session_costs) / 1e9,
                    1e-9,
                    &format!("{what} cost per session"),
                );
                // A t interval: symmetric, about two standard errors wide.
                let (low, high) = (
                    cost["low"].as_f64().unwrap(),
                    cost["high"].as_f64().unwrap(),
                );
                let costs: Vec<f64> = truth
                    .session_costs
                    .iter()
                    .map(|c| *c as f64 / 1e9)
                    .collect();
                let m = costs.iter().sum::<f64>() / costs.len() as f64;
                let sd = (costs.iter().map(|c| (c - m).powi(2)).sum::<f64>()
                    / (costs.len() - 1) as f64)
                    .sqrt();
                let t = (high - m) / (sd / (costs.len() as f64).sqrt());
                assert!((1.95..2.8).contains(&t), "{what}: t = {t}");
                assert!(((m - low) - (high - m)).abs() < 1e-9, "{what}: symmetric");
                assert_close(
                    &item["tokensPerCall"]["value"],
                    mean(&truth.call_tokens),
                    1e-9,
                    &format!("{what} tokens per call"),
                );
                assert_close(
                    &item["errorRate"]["value"],
                    truth.errors as f64 / truth.observations as f64,
                    1e-12,
                    &format!("{what} error rate"),
                );
                let (error_low, error_high) = wilson(truth.errors, truth.observations);
                assert_close(&item["errorRate"]["low"], error_low, 1e-6, &what);
                assert_close(&item["errorRate"]["high"], error_high, 1e-6, &what);
                let mut latencies = truth.call_latencies.clone();
                latencies.sort_unstable();
                let rank = (0.5 * latencies.len() as f64).ceil() as usize;
                assert_close(
                    &item["latencyP50Ms"]["value"],
                    latencies[rank.max(1) - 1] as f64,
                    0.0,
                    &format!("{what} p50"),
                );

                let win = item["scores"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|score| score["name"] == "win")
                    .unwrap_or_else(|| panic!("{what}: a win score in {item}"));
                assert_eq!(win["sessions"], truth.win_scores, "{what} scored sessions");
                let share = win["shares"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|share| share["category"] == "true")
                    .unwrap();
                assert_eq!(share["sessions"], truth.wins, "{what} wins");
                let interval = wilson(truth.wins, truth.win_scores);
                assert_close(
                    &share["share"]["value"],
                    truth.wins as f64 / truth.win_scores as f64,
                    1e-12,
                    &format!("{what} win rate"),
                );
                assert_close(&share["share"]["low"], interval.0, 1e-6, &what);
                assert_close(&share["share"]["high"], interval.1, 1e-6, &what);
                match previous_win {
                    None => assert!(share["share"]["delta"].is_null(), "{what}"),
                    Some(before) => assert_eq!(
                        share["share"]["differs"],
                        !overlap(before, interval),
                        "{what}: flagged exactly when the intervals do not overlap"
                    ),
                }
                previous_win = Some(interval);
            }
        }
    }
}

#[tokio::test]
async fn a_range_counts_the_sessions_starting_in_it_and_an_unknown_environment_none() {
    let world = synced_world(2_000).await;
    let all = world
        .app
        .ok_json(&format!("/api/versions?agent={AGENT}"))
        .await;
    let first = &all["items"][0];
    let last_seen = first["lastSeen"].as_str().unwrap();
    // Up to the first release's last session (exclusive): only it, one
    // session fewer.
    let body = world
        .app
        .ok_json(&format!(
            "/api/versions?agent={AGENT}&to={}",
            urlencode(last_seen)
        ))
        .await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["version"], first["version"]);
    assert_eq!(
        items[0]["sessions"].as_u64().unwrap(),
        first["sessions"].as_u64().unwrap() - 1
    );
    let none = world
        .app
        .ok_json(&format!("/api/versions?agent={AGENT}&environment=nowhere"))
        .await;
    assert_eq!(none["items"], Value::Array(vec![]));
}

fn urlencode(text: &str) -> String {
    text.replace(':', "%3A").replace('+', "%2B")
}

#[tokio::test]
async fn bad_versions_parameters_get_400_or_404_naming_the_parameter() {
    let world = synced_world(300).await;
    let cases: [(&str, StatusCode, &str); 9] = [
        ("", StatusCode::BAD_REQUEST, "agent"),
        ("?by=release", StatusCode::BAD_REQUEST, "agent"),
        ("?agent=", StatusCode::BAD_REQUEST, "agent"),
        ("?agent=matchmaker&by=model", StatusCode::BAD_REQUEST, "by"),
        (
            "?agent=matchmaker&from=yesterday",
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "?agent=matchmaker&from=2026-11-10&to=2026-11-01",
            StatusCode::BAD_REQUEST,
            "from",
        ),
        (
            "?agent=matchmaker&environment=",
            StatusCode::BAD_REQUEST,
            "environment",
        ),
        (
            "?agent=matchmaker&release=1",
            StatusCode::BAD_REQUEST,
            "release",
        ),
        ("?agent=nobody", StatusCode::NOT_FOUND, "agent"),
    ];
    for (query, status, parameter) in cases {
        let (got, body) = world.app.get_json(&format!("/api/versions{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(parameter),
            "{query}: {body}"
        );
    }
}
