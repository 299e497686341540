use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::helpers::{config, spawn_app, urlencode};

async fn all_scores(app: &crate::helpers::TestApp, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/public/v3/scores?{query}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(cursor)));
        }
        let page = app.get_json(&path).await;
        rows.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["meta"]["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return rows,
        }
    }
}

#[tokio::test]
async fn scores_page_newest_first_and_match_the_ground_truth_per_session() {
    let app = spawn_app(config(2_000, 1)).await;
    let truth = app
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let scores = all_scores(&app, "limit=37&fields=subject").await;
    assert_eq!(scores.len() as u64, truth.scores);
    let ids: HashSet<&str> = scores.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), scores.len());
    let times: Vec<i64> = scores
        .iter()
        .map(|s| crate::helpers::parse_ms(&s["timestamp"]))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));

    let trace_sessions: HashMap<String, String> = app
        .all_v2_observations("limit=1000")
        .await
        .into_iter()
        .filter(|r| r["sessionId"].as_str().is_some_and(|s| !s.is_empty()))
        .map(|r| {
            (
                r["traceId"].as_str().unwrap().to_string(),
                r["sessionId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut per_session: BTreeMap<String, u64> = BTreeMap::new();
    for score in &scores {
        let subject = &score["subject"];
        let session = match subject["kind"].as_str().unwrap() {
            "session" => subject["id"].as_str().map(str::to_string),
            "trace" => trace_sessions.get(subject["id"].as_str().unwrap()).cloned(),
            "observation" => trace_sessions
                .get(subject["traceId"].as_str().unwrap())
                .cloned(),
            other => panic!("unexpected subject kind {other}"),
        };
        *per_session.entry(session.unwrap()).or_default() += 1;
    }
    assert_eq!(per_session, truth.scores_by_session);

    let kinds: HashSet<&str> = scores
        .iter()
        .map(|s| s["dataType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        HashSet::from(["NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT", "CORRECTION"])
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn score_filters_narrow_the_list() {
    let app = spawn_app(config(1_000, 2)).await;
    let all = all_scores(&app, "limit=100&fields=subject").await;
    let outcomes = all_scores(&app, "limit=100&name=match_outcome").await;
    assert_eq!(
        outcomes.len(),
        all.iter().filter(|s| s["name"] == "match_outcome").count()
    );
    assert!(
        outcomes
            .iter()
            .all(|s| s["value"] == "match" || s["value"] == "no_match")
    );
    let booleans = all_scores(&app, "limit=100&dataType=boolean").await;
    assert!(booleans.iter().all(|s| s["value"].is_boolean()));
    let session = all
        .iter()
        .find(|s| s["subject"]["kind"] == "session")
        .unwrap()["subject"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let of_session = all_scores(&app, &format!("limit=100&sessionId={session}")).await;
    let expected = all
        .iter()
        .filter(|s| s["subject"]["kind"] == "session" && s["subject"]["id"] == session.as_str())
        .count();
    assert!(expected >= 3, "outcome, quality and win at least");
    assert_eq!(of_session.len(), expected);
    app.mock.stop().await;
}
