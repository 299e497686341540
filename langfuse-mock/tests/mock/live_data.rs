use std::collections::HashMap;
use std::time::Duration;

use langfuse_mock::MockConfig;
use serde_json::Value;

use crate::helpers::{config, parse_ms, spawn_app};

#[tokio::test]
async fn late_observations_appear_inside_the_already_served_range() {
    let app = spawn_app(config(1_000, 1)).await;
    let before = app.all_v2_observations("limit=1000").await;
    let end = app.mock.end_ms();
    let added = app
        .mock
        .add_late_observations(4, Duration::from_secs(3_600));
    assert!(added >= 4, "{added}");
    let after = app.all_v2_observations("limit=1000").await;
    assert_eq!(after.len(), before.len() + added);
    let old: std::collections::HashSet<&str> =
        before.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let new: Vec<&Value> = after
        .iter()
        .filter(|r| !old.contains(r["id"].as_str().unwrap()))
        .collect();
    assert_eq!(new.len(), added);
    for row in new {
        let start = parse_ms(&row["startTime"]);
        assert!(end - 3_600_000 <= start && start <= end, "{row}");
    }
    assert_eq!(app.mock.end_ms(), end, "late data does not move the end");
    assert_eq!(
        app.mock
            .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
            .overall
            .observations as usize,
        after.len()
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn pending_generations_are_completed_under_the_same_id() {
    let app = spawn_app(MockConfig {
        dataset: langfuse_mock::DatasetSpec {
            pending_share: 0.3,
            ..config(1_000, 2).dataset
        },
        ..config(1_000, 2)
    })
    .await;
    let query = "limit=1000&type=GENERATION&fields=core,time,usage,io";
    let before = app.all_v2_observations(query).await;
    let pending: HashMap<String, Value> = before
        .iter()
        .filter(|r| r["endTime"].is_null())
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    assert!(!pending.is_empty());
    for row in pending.values() {
        assert_eq!(row["usageDetails"], serde_json::json!({}));
        assert_eq!(row["totalCost"].as_f64(), Some(0.0), "Number(total ?? 0)");
        assert!(row["output"].is_null());
    }
    let cost_before = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
        .overall
        .cost_nanousd;

    let completed = app.mock.complete_pending();
    assert_eq!(completed, pending.len());
    let after = app.all_v2_observations(query).await;
    assert_eq!(after.len(), before.len());
    for row in after
        .iter()
        .filter(|r| pending.contains_key(r["id"].as_str().unwrap()))
    {
        let old = &pending[row["id"].as_str().unwrap()];
        assert!(row["endTime"].is_string());
        assert!(row["output"].is_string());
        assert!(parse_ms(&row["updatedAt"]) > parse_ms(&old["updatedAt"]));
        assert_eq!(row["startTime"], old["startTime"]);
    }
    assert!(
        app.mock
            .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
            .overall
            .cost_nanousd
            > cost_before
    );
    assert_eq!(app.mock.complete_pending(), 0);
    app.mock.stop().await;
}

#[tokio::test]
async fn new_traces_start_after_the_old_end_and_move_it_forward() {
    let app = spawn_app(config(500, 3)).await;
    let end = app.mock.end_ms();
    let before = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
        .overall;
    let added = app.mock.add_new_traces(3);
    assert!(added > 0);
    let new_end = app.mock.end_ms();
    assert!(new_end > end);
    let newest = app
        .all_v2_observations(&format!(
            "limit=1000&fromStartTime={}",
            crate::helpers::iso(end + 1)
        ))
        .await;
    assert_eq!(newest.len(), added);
    assert_eq!(parse_ms(&newest[0]["startTime"]), new_end);
    let after = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
        .overall;
    assert_eq!(after.observations, before.observations + added as u64);
    assert_eq!(after.sessions, before.sessions + 1);
    app.mock.stop().await;
}

#[tokio::test]
async fn the_spike_endpoint_serves_a_burst_of_failed_llm_calls_through_the_v2_api() {
    let app = spawn_app(config(500, 3)).await;
    let end = app.mock.end_ms();
    let errors_before = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
        .overall
        .errors;
    let answer = app
        .client
        .post(app.url("/_mock/spike?kind=errors&traces=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    let added = body["observations"].as_u64().unwrap() as usize;
    assert!(added > 0);
    let newest = app
        .all_v2_observations(&format!(
            "limit=1000&fields=core,basic&fromStartTime={}",
            crate::helpers::iso(end + 1)
        ))
        .await;
    assert_eq!(newest.len(), added);
    let calls: Vec<&Value> = newest
        .iter()
        .filter(|o| o["type"] == "GENERATION")
        .collect();
    assert!(!calls.is_empty());
    for call in &calls {
        assert_eq!(call["level"], "ERROR", "{call}");
        assert!(
            call["statusMessage"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let errors_after = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
        .overall
        .errors;
    assert!(errors_after >= errors_before + calls.len() as u64);

    let refused = app
        .client
        .post(app.url("/_mock/spike?kind=meltdown"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("kind"));
    app.mock.stop().await;
}
