use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{config, spawn_app};

async fn walk_pages(
    app: &crate::helpers::TestApp,
    path: &str,
    limit: usize,
) -> (Vec<Value>, Value) {
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        let body = app
            .get_json(&format!("{path}?limit={limit}&page={page}"))
            .await;
        let meta = body["meta"].clone();
        rows.extend(body["data"].as_array().unwrap().iter().cloned());
        if page >= meta["totalPages"].as_u64().unwrap() as usize {
            return (rows, meta);
        }
        page += 1;
    }
}

#[tokio::test]
async fn legacy_endpoints_page_through_everything_once() {
    let app = spawn_app(config(700, 1)).await;
    let truth = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let cases = [
        ("/api/public/traces", truth.overall.traces as usize),
        ("/api/public/sessions", truth.overall.sessions as usize),
        (
            "/api/public/observations",
            truth.overall.observations as usize,
        ),
    ];
    for (path, expected) in cases {
        let (rows, meta) = walk_pages(&app, path, 100).await;
        assert_eq!(meta["totalItems"], expected, "{path}");
        assert_eq!(meta["limit"], 100);
        assert_eq!(rows.len(), expected, "{path}");
        let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), expected, "{path}");
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn legacy_traces_carry_their_observations_and_cost() {
    let app = spawn_app(config(300, 2)).await;
    let truth = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let (rows, _) = walk_pages(&app, "/api/public/traces", 50).await;
    for row in rows {
        let expected = &truth.by_trace[row["id"].as_str().unwrap()];
        assert_eq!(
            row["observations"].as_array().unwrap().len() as u64,
            expected.observations
        );
        let cost = (row["totalCost"].as_f64().unwrap() * 1e9).round() as i64;
        assert_eq!(cost, expected.cost_nanousd);
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn legacy_limits_above_100_are_rejected() {
    let app = spawn_app(config(100, 3)).await;
    for path in [
        "/api/public/traces",
        "/api/public/sessions",
        "/api/public/observations",
    ] {
        let response = app.get(&format!("{path}?limit=101")).await;
        assert_eq!(response.status(), 400, "{path}");
        let response = app.get(&format!("{path}?page=0")).await;
        assert_eq!(response.status(), 400, "{path}");
    }
    let response = app.get("/api/public/traces?orderBy=cost.sideways").await;
    assert_eq!(response.status(), 400);
    app.mock.stop().await;
}

#[tokio::test]
async fn with_v2_disabled_v2_answers_404_and_legacy_still_works() {
    let app = spawn_app(config(100, 4)).await;
    app.mock.set_v2_enabled(false);
    let response = app.get("/api/public/v2/observations").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("v4"));
    assert_eq!(app.get("/api/public/observations").await.status(), 200);
    assert_eq!(app.get("/api/public/traces").await.status(), 200);
    app.mock.set_v2_enabled(true);
    assert_eq!(app.get("/api/public/v2/observations").await.status(), 200);
    app.mock.stop().await;
}

#[tokio::test]
async fn legacy_observation_windows_follow_start_time() {
    let app = spawn_app(config(400, 5)).await;
    let end = app.mock.end_ms();
    let from = crate::helpers::iso(end - 3 * 86_400_000);
    let body = app
        .get_json(&format!(
            "/api/public/observations?limit=100&fromStartTime={from}"
        ))
        .await;
    let expected = app
        .all_v2_observations(&format!("limit=1000&fromStartTime={from}"))
        .await
        .len();
    assert_eq!(body["meta"]["totalItems"], expected);
    app.mock.stop().await;
}
