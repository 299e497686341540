//! Where the double does what the real Langfuse server does rather than what
//! its spec says. Each test names the server source it follows (paths in
//! the langfuse/langfuse repository).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use langfuse_mock::dataset::ScoreSubject;
use serde_json::Value;

use crate::helpers::{config, parse_ms, spawn_app};

const ALL_GROUPS: &str = "core,basic,time,io,metadata,model,usage,trace_context";

/// `web/src/features/public-api/server/observations_converters.ts`: the model
/// group's key is `model`.
#[tokio::test]
async fn the_model_group_sends_model_not_provided_model_name() {
    let app = spawn_app(config(600, 21)).await;
    let rows = app
        .all_v2_observations("limit=1000&fields=core,model&type=GENERATION")
        .await;
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row["model"].is_string(), "{row}");
        assert!(row.get("providedModelName").is_none(), "{row}");
    }
    app.mock.stop().await;
}

/// `observations_converters.ts`: `totalCost = Number(costDetails.total ?? 0)`;
/// ingestion adds `total` only for plain input/output keys
/// (`worker/src/services/IngestionService/index.ts`).
#[tokio::test]
async fn total_cost_is_the_details_total_or_zero_never_null() {
    let app = spawn_app(config(3_000, 22)).await;
    let rows = app
        .all_v2_observations("limit=1000&fields=core,usage&type=GENERATION")
        .await;
    let (mut app_keys, mut unpriced) = (0, 0);
    for row in &rows {
        let details = row["costDetails"].as_object().unwrap();
        let expected = details.get("total").and_then(Value::as_f64).unwrap_or(0.0);
        assert_eq!(row["totalCost"].as_f64(), Some(expected), "{row}");
        if details.is_empty() {
            unpriced += 1;
        } else if !details.contains_key("total") {
            assert!(details.contains_key("input_cached_tokens"), "{row}");
            app_keys += 1;
        }
    }
    assert!(
        app_keys > 0,
        "rows with app-supplied cost keys and no total"
    );
    assert!(unpriced > 0, "unpriced rows");
    let share = app_keys as f64 / rows.len() as f64;
    assert!((0.03..0.3).contains(&share), "{share}");
    app.mock.stop().await;
}

/// `observations_converters.ts`: latency and time to first token come on
/// every row in seconds, whatever the field groups; 0 ms is null.
#[tokio::test]
async fn latency_and_time_to_first_token_come_on_every_row_in_seconds() {
    let app = spawn_app(config(600, 23)).await;
    let rows = app.all_v2_observations("limit=1000&fields=core").await;
    let mut events_without_latency = 0;
    for row in &rows {
        assert!(row.get("latency").is_some() && row.get("timeToFirstToken").is_some());
        let duration_ms = row["endTime"]
            .as_str()
            .map(|_| parse_ms(&row["endTime"]) - parse_ms(&row["startTime"]));
        match row["latency"].as_f64() {
            Some(seconds) => assert_eq!(Some((seconds * 1000.0).round() as i64), duration_ms),
            None => {
                assert!(duration_ms.is_none_or(|ms| ms == 0), "{row}");
                events_without_latency += 1;
            }
        }
    }
    assert!(events_without_latency > 0, "a 0 ms row has a null latency");
    app.mock.stop().await;
}

/// `observations_converters.ts` parses metadata values as JSON.
#[tokio::test]
async fn metadata_values_arrive_typed_as_json() {
    let app = spawn_app(config(5_000, 24)).await;
    let rows = app
        .all_v2_observations("limit=1000&fields=core,metadata")
        .await;
    assert!(rows.iter().all(|r| r["metadata"]["turn"].is_u64()));
    let typed_agents = rows
        .iter()
        .filter(|r| matches!(r["metadata"]["agent"], Value::Number(_) | Value::Bool(_)))
        .count();
    assert!(typed_agents > 0, "a number or boolean agent");
    assert!(typed_agents * 50 < rows.len(), "on a small share of rows");
    app.mock.stop().await;
}

/// Tags belong to observations (`web/src/pages/api/public/v2/observations/`
/// reads them per event row); `sessionId`/`userId` are "" when absent
/// (`packages/shared/src/server/repositories/events.ts`).
#[tokio::test]
async fn tags_are_per_observation_and_missing_ids_are_empty_strings() {
    let app = spawn_app(config(3_000, 25)).await;
    let rows = app
        .all_v2_observations("limit=1000&fields=core,basic,trace_context")
        .await;
    let mut by_trace: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for row in &rows {
        by_trace
            .entry(row["traceId"].as_str().unwrap())
            .or_default()
            .insert(row["tags"].to_string());
    }
    let mixed = by_trace
        .values()
        .filter(|lists| lists.contains("[]") && lists.len() > 1)
        .count();
    assert!(mixed > 0, "untagged rows in tagged traces");
    assert!(
        rows.iter()
            .any(|r| r["sessionId"] == "" && r["userId"] == "")
    );
    assert!(rows.iter().all(|r| !r["sessionId"].is_null()));
    let truth = app.mock.with_dataset(|d| d.trace_tags_truth());
    assert_eq!(truth.len(), by_trace.len());
    app.mock.stop().await;
}

/// `web/src/pages/api/public/v3/scores/index.ts`: `meta.limit` always; every
/// subject kind, observations with their trace; TEXT and CORRECTION types.
#[tokio::test]
async fn v3_scores_have_every_subject_kind_and_data_type() {
    let app = spawn_app(config(4_000, 26)).await;
    let page = app
        .get_json("/api/public/v3/scores?limit=100&fields=subject")
        .await;
    assert_eq!(page["meta"]["limit"], 100);
    let mut kinds = BTreeSet::new();
    let mut types = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/public/v3/scores?limit=100&fields=subject".to_string();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.get_json(&path).await;
        assert_eq!(page["meta"]["limit"], 100, "on every page");
        for score in page["data"].as_array().unwrap() {
            let kind = score["subject"]["kind"].as_str().unwrap().to_string();
            if kind == "observation" {
                assert!(score["subject"]["traceId"].is_string(), "{score}");
            }
            kinds.insert(kind);
            types.insert(score["dataType"].as_str().unwrap().to_string());
            if matches!(score["dataType"].as_str(), Some("TEXT" | "CORRECTION")) {
                assert!(score["value"].is_string(), "{score}");
            }
        }
        match page["meta"]["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(
        kinds,
        BTreeSet::from(["observation".into(), "session".into(), "trace".into()])
    );
    for data_type in ["NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT", "CORRECTION"] {
        assert!(types.contains(data_type), "{data_type}");
    }
    app.mock.stop().await;
}

/// Unmerged ClickHouse rows: several versions of one id, the current one
/// with the latest `updatedAt`, in one page and across pages.
#[tokio::test]
async fn stale_versions_come_beside_the_current_ones_in_and_across_pages() {
    let app = spawn_app(config(2_000, 27)).await;
    let plain = app
        .all_v2_observations(&format!("limit=10&fields={ALL_GROUPS}"))
        .await;
    app.mock.set_stale_versions(true);
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/public/v2/observations?limit=10&fields={ALL_GROUPS}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", crate::helpers::urlencode(cursor)));
        }
        let page = app.get_json(&path).await;
        pages.push(page["data"].as_array().unwrap().clone());
        match page["meta"]["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let current: HashMap<String, &Value> = plain
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect();
    let mut versions: BTreeMap<String, Vec<(usize, i64)>> = BTreeMap::new();
    for (page_number, page) in pages.iter().enumerate() {
        for row in page {
            let id = row["id"].as_str().unwrap().to_string();
            let updated = parse_ms(&row["updatedAt"]);
            let newest = parse_ms(&current[&id]["updatedAt"]);
            if updated < newest {
                assert_eq!(row["name"], "untitled", "the older version: {row}");
            } else {
                assert_eq!(row, current[&id], "the current version is served unchanged");
            }
            versions.entry(id).or_default().push((page_number, updated));
        }
    }
    assert_eq!(versions.len(), current.len(), "every row is served");
    let doubled: Vec<&Vec<(usize, i64)>> = versions.values().filter(|v| v.len() == 2).collect();
    assert!(
        doubled.len() * 30 > current.len(),
        "{} of {}",
        doubled.len(),
        current.len()
    );
    assert!(doubled.iter().any(|v| v[0].0 == v[1].0), "in one page");
    assert!(doubled.iter().any(|v| v[0].0 != v[1].0), "across pages");
    assert!(doubled.iter().any(|v| v[0].1 < v[1].1), "older first");
    assert!(doubled.iter().any(|v| v[0].1 > v[1].1), "newer first");
    app.mock.stop().await;
}

/// A self-hosted v3 answers v2 with this 404 (`observations/index.ts`);
/// Langfuse Cloud answers the legacy reads with 404 since its sunset date
/// (`web/src/features/public-api/server/deprecations.ts`).
#[tokio::test]
async fn transient_v2_404s_and_removed_legacy_reads() {
    let app = spawn_app(config(300, 28)).await;
    app.mock.set_transient_v2_404(2);
    for _ in 0..2 {
        let response = app.get("/api/public/v2/observations?limit=1").await;
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("v4"), "{body}");
    }
    app.get_json("/api/public/v2/observations?limit=1").await;

    app.mock.set_legacy_reads_removed(true);
    for path in [
        "/api/public/traces",
        "/api/public/sessions",
        "/api/public/observations",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("removed"),
            "{body}"
        );
    }
    app.get_json("/api/public/v2/observations?limit=1").await;
    app.mock.set_legacy_reads_removed(false);
    app.get_json("/api/public/traces").await;
    app.mock.stop().await;
}

/// `web/src/pages/api/public/v2/scores/index.ts`: page-based, newest first,
/// `value` numeric for every type but TEXT, flags and categories in
/// `stringValue` (`validateAndInflateScore.ts` writes "True"/"False").
#[tokio::test]
async fn without_scores_v3_the_v2_scores_serve_every_score_page_by_page() {
    let app = spawn_app(config(3_000, 29)).await;
    app.mock.set_scores_v3_enabled(false);
    assert_eq!(app.get("/api/public/v3/scores").await.status(), 404);
    assert_eq!(
        app.get("/api/public/v2/scores?limit=101").await.status(),
        400
    );

    let mut served = Vec::new();
    let mut page_number = 1;
    loop {
        let page = app
            .get_json(&format!(
                "/api/public/v2/scores?limit=100&page={page_number}"
            ))
            .await;
        served.extend(page["data"].as_array().unwrap().iter().cloned());
        if page_number >= page["meta"]["totalPages"].as_u64().unwrap() {
            break;
        }
        page_number += 1;
    }
    let expected = app.mock.with_dataset(|d| d.scores.len());
    assert_eq!(served.len(), expected);
    let timestamps: Vec<i64> = served.iter().map(|s| parse_ms(&s["timestamp"])).collect();
    assert!(timestamps.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for score in &served {
        match score["dataType"].as_str().unwrap() {
            "BOOLEAN" => {
                let flag = score["stringValue"].as_str().unwrap();
                assert!(flag == "True" || flag == "False");
                assert_eq!(
                    score["value"].as_f64(),
                    Some(if flag == "True" { 1.0 } else { 0.0 })
                );
            }
            "CATEGORICAL" | "CORRECTION" => {
                assert!(score["value"].is_number() && score["stringValue"].is_string())
            }
            "TEXT" => assert!(score["stringValue"].is_string()),
            _ => assert!(score["value"].is_number()),
        }
        assert!(score.get("subject").is_none());
    }
    let observation_level = app.mock.with_dataset(|d| {
        d.scores
            .iter()
            .filter(|s| matches!(s.subject, ScoreSubject::Observation(_)))
            .count()
    });
    let served_observation_level = served
        .iter()
        .filter(|s| s["observationId"].is_string() && s["traceId"].is_string())
        .count();
    assert_eq!(served_observation_level, observation_level);
    assert!(observation_level > 0);
    app.mock.stop().await;
}
