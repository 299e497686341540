//! The `environment` parameter on every figure and list endpoint, and
//! `GET /api/environments`, against the double's ground truth per
//! environment view (Langfuse's internal environments left out by default).

use std::collections::{BTreeMap, BTreeSet};

use langfuse_mock::{EnvironmentFilter, GroundTruth, is_internal_environment};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{SyncedWorld, TestApp, assert_usd, int, synced_world};

const JUDGE: &str = "langfuse-llm-as-a-judge";

/// (query suffix, the view it asks for).
fn views() -> Vec<(&'static str, EnvironmentFilter)> {
    vec![
        ("", EnvironmentFilter::AllButInternal),
        ("environment=staging", EnvironmentFilter::only(["staging"])),
        (
            "environment=langfuse-llm-as-a-judge",
            EnvironmentFilter::only([JUDGE]),
        ),
        (
            "environment=production,staging",
            EnvironmentFilter::only(["production", "staging"]),
        ),
    ]
}

/// `path` with the view's query appended.
fn with(path: &str, query: &str) -> String {
    match (query.is_empty(), path.contains('?')) {
        (true, _) => path.to_string(),
        (false, true) => format!("{path}&{query}"),
        (false, false) => format!("{path}?{query}"),
    }
}

async fn assert_figures_match(app: &TestApp, query: &str, truth: &GroundTruth) {
    let overview = app.ok_json(&with("/api/overview", query)).await;
    let overall = &truth.overall;
    for (field, expected) in [
        ("sessions", overall.sessions),
        ("traces", overall.traces),
        ("observations", overall.observations),
        ("generations", overall.generations),
        ("errors", overall.errors),
        ("warnings", overall.warnings),
    ] {
        assert_eq!(
            int(&overview, field) as u64,
            expected,
            "{query}: overview {field}"
        );
    }
    assert_eq!(
        int(&overview, "totalTokens"),
        overall.total_tokens,
        "{query}"
    );
    assert_eq!(
        int(&overview, "inputTokens"),
        overall.input_tokens,
        "{query}"
    );
    assert_usd(&overview["totalCost"], overall.cost_nanousd, query);

    let daily = app.ok_json(&with("/api/metrics/daily", query)).await;
    let days: BTreeMap<String, (u64, i64)> = daily["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| int(item, "observations") > 0)
        .map(|item| {
            let cost = (item["totalCost"].as_f64().unwrap() * 1e9).round() as i64;
            (
                item["date"].as_str().unwrap().to_string(),
                (int(item, "observations") as u64, cost),
            )
        })
        .collect();
    let expected_days: BTreeMap<String, (u64, i64)> = truth
        .by_day
        .iter()
        .map(|(day, t)| (day.clone(), (t.observations, t.cost_nanousd)))
        .collect();
    assert_eq!(days, expected_days, "{query}: daily series");

    for agents_path in ["/api/agents", "/api/agents?from=2026-11-14T07:30:00Z"] {
        let agents = app.ok_json(&with(agents_path, query)).await;
        let items = agents["items"].as_array().unwrap();
        if agents_path == "/api/agents" {
            let listed: BTreeMap<String, (u64, u64, u64, i64)> = items
                .iter()
                .map(|item| {
                    let cost = (item["totalCost"].as_f64().unwrap() * 1e9).round() as i64;
                    (
                        item["agent"].as_str().unwrap().to_string(),
                        (
                            int(item, "sessions") as u64,
                            int(item, "traces") as u64,
                            int(item, "observations") as u64,
                            cost,
                        ),
                    )
                })
                .collect();
            let expected: BTreeMap<String, (u64, u64, u64, i64)> = truth
                .by_agent
                .iter()
                .map(|(a, t)| {
                    (
                        a.clone(),
                        (t.sessions, t.traces, t.observations, t.cost_nanousd),
                    )
                })
                .collect();
            assert_eq!(listed, expected, "{query}: agents");
        }
        for item in items {
            let agent = item["agent"].as_str().unwrap();
            assert!(
                truth.by_agent.contains_key(agent),
                "{query}: {agent} listed"
            );
        }
    }
    let csv = app
        .get(&with("/api/agents?format=csv", query))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        truth.by_agent.len() + 1,
        "{query}: agents CSV"
    );

    for (agent, expected) in &truth.by_agent {
        let path = format!("/api/agents/{}", urlencoding(agent));
        let detail = app.ok_json(&with(&path, query)).await;
        assert_eq!(
            int(&detail, "observations") as u64,
            expected.observations,
            "{query}: {agent}"
        );
        assert_usd(&detail["totalCost"], expected.cost_nanousd, agent);
        let daily_observations: i64 = detail["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| int(d, "observations"))
            .sum();
        assert_eq!(
            daily_observations as u64, expected.observations,
            "{query}: {agent} daily"
        );
    }
    if truth.by_agent.len() >= 2 {
        let pair: Vec<&String> = truth.by_agent.keys().take(2).collect();
        let path = format!(
            "/api/compare/agents?agents={},{}",
            urlencoding(pair[0]),
            urlencoding(pair[1])
        );
        let compared = app.ok_json(&with(&path, query)).await;
        for (item, agent) in compared["items"].as_array().unwrap().iter().zip(&pair) {
            assert_eq!(
                int(item, "observations") as u64,
                truth.by_agent[*agent].observations,
                "{query}: compare {agent}"
            );
        }
    }

    let models = app.ok_json(&with("/api/models", query)).await;
    let listed: BTreeMap<String, (u64, i64)> = models["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let cost = (item["totalCost"].as_f64().unwrap() * 1e9).round() as i64;
            (
                item["model"].as_str().unwrap().to_string(),
                (int(item, "generations") as u64, cost),
            )
        })
        .collect();
    let expected: BTreeMap<String, (u64, i64)> = truth
        .by_model
        .iter()
        .map(|(m, t)| (m.clone(), (t.generations, t.cost_nanousd)))
        .collect();
    assert_eq!(listed, expected, "{query}: models");

    let sessions = app.ok_json(&with("/api/sessions?limit=200", query)).await;
    assert_eq!(
        int(&sessions, "total") as usize,
        truth.by_session.len(),
        "{query}: sessions"
    );
    for item in sessions["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let expected = &truth.by_session[id];
        assert_eq!(
            int(item, "observations") as u64,
            expected.observations,
            "{query}: {id}"
        );
        assert!(item["environment"].is_string(), "{query}: {item}");
    }
    let csv = app
        .get(&with("/api/sessions?format=csv", query))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        truth.by_session.len() + 1,
        "{query}: sessions CSV"
    );

    let distributions = app
        .ok_json(&with("/api/distributions/sessions", query))
        .await;
    assert_eq!(
        int(&distributions, "sessions") as usize,
        truth.by_session.len(),
        "{query}: distributions"
    );

    let scores = app.ok_json(&with("/api/scores", query)).await;
    let counted: BTreeMap<String, u64> = scores["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap().to_string(),
                int(item, "count") as u64,
            )
        })
        .collect();
    let expected: BTreeMap<String, u64> = truth
        .scores_by_name
        .iter()
        .map(|s| (s.name.clone(), s.count))
        .collect();
    assert_eq!(counted, expected, "{query}: scores");

    let outcomes = app.ok_json(&with("/api/outcomes", query)).await;
    let outcome_sessions: i64 = outcomes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["name"] == "match_outcome")
        .map(|item| int(item, "sessions"))
        .sum();
    let match_outcomes = truth
        .scores_by_name
        .iter()
        .find(|s| s.name == "match_outcome")
        .map_or(0, |s| s.count);
    assert_eq!(outcome_sessions as u64, match_outcomes, "{query}: outcomes");

    let errors = app.ok_json(&with("/api/errors?level=all", query)).await;
    let counted: i64 = errors["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| int(item, "count"))
        .sum();
    let expected: u64 = truth.error_groups.iter().map(|g| g.count).sum();
    assert_eq!(counted as u64, expected, "{query}: errors");
    assert_eq!(
        int(&errors, "total") as usize,
        truth.error_groups.len(),
        "{query}"
    );
}

/// Agent names hold spaces and colons (the judge's evaluator traces).
fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn world() -> SyncedWorld {
    let world = synced_world(4_000).await;
    let all = world.mock.ground_truth_for(&EnvironmentFilter::All);
    for environment in ["production", "staging", JUDGE] {
        assert!(
            all.by_environment.contains_key(environment),
            "the data holds {environment}"
        );
    }
    world
}

#[tokio::test]
async fn every_endpoint_matches_the_ground_truth_of_each_environment_view() {
    let world = world().await;
    for (query, view) in views() {
        let truth = world.mock.ground_truth_for(&view);
        assert_figures_match(&world.app, query, &truth).await;
    }
}

#[tokio::test]
async fn the_judges_evaluator_runs_are_no_agent_unless_asked_for() {
    let world = world().await;
    let judge_truth = world
        .mock
        .ground_truth_for(&EnvironmentFilter::only([JUDGE]));
    let evaluators: BTreeSet<&String> = judge_truth.by_agent.keys().collect();
    assert!(
        evaluators
            .iter()
            .all(|a| a.starts_with("Execute evaluator: ")),
        "{evaluators:?}"
    );
    assert!(!evaluators.is_empty());
    let listed = |body: Value| -> BTreeSet<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["agent"].as_str().unwrap().to_string())
            .collect()
    };
    let by_default = listed(world.app.ok_json("/api/agents").await);
    assert!(
        by_default
            .iter()
            .all(|a| !a.starts_with("Execute evaluator: "))
    );
    let asked = listed(
        world
            .app
            .ok_json("/api/agents?environment=langfuse-llm-as-a-judge")
            .await,
    );
    assert_eq!(asked.iter().collect::<BTreeSet<_>>(), evaluators);
}

#[tokio::test]
async fn an_unknown_environment_is_an_empty_result() {
    let world = world().await;
    let app = &world.app;
    let overview = app.ok_json("/api/overview?environment=nowhere").await;
    for field in [
        "sessions",
        "traces",
        "observations",
        "generations",
        "errors",
    ] {
        assert_eq!(int(&overview, field), 0, "{field}");
    }
    for path in [
        "/api/agents?environment=nowhere",
        "/api/models?environment=nowhere",
        "/api/scores?environment=nowhere",
        "/api/outcomes?environment=nowhere",
        "/api/errors?environment=nowhere",
        "/api/sessions?environment=nowhere",
    ] {
        let body = app.ok_json(path).await;
        assert_eq!(body["items"].as_array().unwrap().len(), 0, "{path}");
    }
    let distributions = app
        .ok_json("/api/distributions/sessions?environment=nowhere")
        .await;
    assert_eq!(int(&distributions, "sessions"), 0);
}

#[tokio::test]
async fn a_malformed_environment_is_a_400_naming_the_parameter_on_every_endpoint() {
    let world = synced_world(300).await;
    let agent = world.truth.by_agent.keys().next().unwrap().clone();
    let paths = [
        "/api/overview".to_string(),
        "/api/metrics/daily".into(),
        "/api/sessions".into(),
        "/api/sessions?format=csv".into(),
        "/api/agents".into(),
        "/api/agents?format=csv".into(),
        format!("/api/agents/{}", urlencoding(&agent)),
        "/api/models".into(),
        "/api/scores".into(),
        "/api/outcomes".into(),
        "/api/errors".into(),
        "/api/distributions/sessions".into(),
        format!("/api/compare/agents?agents={0},{0}x", urlencoding(&agent)),
    ];
    let too_many = (0..51)
        .map(|i| format!("e{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let values = [
        String::new(),
        "a,,b".into(),
        ",staging".into(),
        "x".repeat(201),
        "bad%07name".into(),
        too_many,
    ];
    for path in &paths {
        for value in &values {
            let url = with(path, &format!("environment={value}"));
            let (status, body) = world.app.get_json(&url).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
            assert_eq!(body["parameter"], "environment", "{url}: {body}");
        }
    }
}

#[tokio::test]
async fn environments_are_listed_with_their_counts_and_the_internal_flag() {
    let world = world().await;
    let body = world.app.ok_json("/api/environments").await;
    let items = body["items"].as_array().unwrap();
    let all = world.mock.ground_truth_for(&EnvironmentFilter::All);
    let listed: BTreeMap<String, (u64, bool)> = items
        .iter()
        .map(|item| {
            (
                item["name"].as_str().unwrap().to_string(),
                (
                    int(item, "observations") as u64,
                    item["internal"].as_bool().unwrap(),
                ),
            )
        })
        .collect();
    let expected: BTreeMap<String, (u64, bool)> = all
        .by_environment
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                (t.observations, is_internal_environment(name)),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    let counts: Vec<i64> = items.iter().map(|item| int(item, "observations")).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most observations first"
    );
    for item in items {
        let name = item["name"].as_str().unwrap();
        let newest = world
            .dataset
            .observations
            .iter()
            .filter(|o| world.dataset.environment_of(o) == name)
            .map(|o| o.start_ms)
            .max()
            .unwrap();
        assert_eq!(
            item["newestStartTime"].as_str().unwrap(),
            shared_schema::units::ms_to_iso(newest),
            "{name}"
        );
    }
}

#[tokio::test]
async fn session_and_trace_details_carry_their_environment() {
    let world = world().await;
    let staging = world
        .mock
        .ground_truth_for(&EnvironmentFilter::only(["staging"]));
    let (session, _) = staging.by_session.iter().next().expect("a staging game");
    let detail = world.app.ok_json(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["environment"], "staging");
    let trace = detail["traces"][0]["id"].as_str().unwrap();
    assert_eq!(detail["traces"][0]["environment"], "staging");
    let trace_detail = world.app.ok_json(&format!("/api/traces/{trace}")).await;
    assert_eq!(trace_detail["environment"], "staging");
}
