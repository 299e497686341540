use serde_json::Value;

use crate::helpers::{config, spawn_app, urlencode};

const ALWAYS: [&str; 11] = [
    "id",
    "traceId",
    "startTime",
    "endTime",
    "projectId",
    "parentObservationId",
    "type",
    "modelId",
    "inputPrice",
    "outputPrice",
    "totalPrice",
];

#[tokio::test]
async fn field_groups_select_exactly_their_fields() {
    let app = spawn_app(config(300, 1)).await;
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "",
            &["name", "level", "sessionId", "userId", "isRootObservation"],
            &["usageDetails", "input"],
        ),
        (
            "&fields=usage",
            &["usageDetails", "costDetails", "totalCost"],
            &["name", "input"],
        ),
        ("&fields=core", &[], &["name", "usageDetails"]),
        (
            "&fields=io,metrics",
            &["input", "output", "latency", "timeToFirstToken"],
            &["name", "metadata"],
        ),
        (
            "&fields=trace_context,model,time,prompt,metadata",
            &[
                "traceName",
                "tags",
                "release",
                "model",
                "createdAt",
                "updatedAt",
                "promptName",
                "metadata",
            ],
            &["name"],
        ),
    ];
    for (fields, present, absent) in cases {
        let page = app
            .get_json(&format!(
                "/api/public/v2/observations?limit=50&type=GENERATION{fields}"
            ))
            .await;
        for row in page["data"].as_array().unwrap() {
            for key in ALWAYS.iter().chain(present) {
                assert!(row.get(*key).is_some(), "fields '{fields}': missing {key}");
            }
            for key in absent {
                assert!(
                    row.get(*key).is_none(),
                    "fields '{fields}': unexpected {key}"
                );
            }
        }
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn long_metadata_values_are_cut_unless_expanded() {
    let app = spawn_app(config(2_000, 2)).await;
    let (trace_id, id) = app.mock.with_dataset(|d| {
        let o = d.observations.iter().find(|o| o.long_metadata).unwrap();
        (d.trace_of(o).id_string(), o.id_string())
    });
    let find = |page: Value| {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .cloned()
            .unwrap()
    };
    let query = format!("/api/public/v2/observations?fields=metadata&traceId={trace_id}");
    let cut = find(app.get_json(&query).await);
    let cut = cut["metadata"]["prompt_preview"].as_str().unwrap();
    assert_eq!(cut.chars().count(), 203);
    assert!(cut.ends_with("..."));
    let whole = find(
        app.get_json(&format!("{query}&expandMetadata=prompt_preview"))
            .await,
    );
    assert!(
        whole["metadata"]["prompt_preview"]
            .as_str()
            .unwrap()
            .chars()
            .count()
            > 200
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn input_and_output_come_back_as_raw_strings() {
    let app = spawn_app(config(300, 3)).await;
    let page = app
        .get_json("/api/public/v2/observations?fields=io&type=GENERATION&limit=20")
        .await;
    for row in page["data"].as_array().unwrap() {
        let input = row["input"].as_str().expect("input is a string");
        assert!(serde_json::from_str::<Value>(input).is_ok());
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn each_filter_returns_exactly_the_matching_observations() {
    let app = spawn_app(config(1_500, 4)).await;
    let all = app
        .all_v2_observations("limit=1000&fields=core,basic")
        .await;
    let sample = all
        .iter()
        .find(|r| {
            r["sessionId"].as_str().is_some_and(|s| !s.is_empty()) && r["type"] == "GENERATION"
        })
        .unwrap()
        .clone();
    let filters = [
        ("traceId", sample["traceId"].clone()),
        ("sessionId", sample["sessionId"].clone()),
        ("userId", sample["userId"].clone()),
        ("type", Value::from("TOOL")),
        ("level", Value::from("ERROR")),
        ("name", Value::from("chat-completion")),
        ("version", sample["version"].clone()),
    ];
    for (param, value) in filters {
        let value_text = value.as_str().unwrap();
        let expected: Vec<&Value> = all.iter().filter(|r| r[param] == value).collect();
        assert!(!expected.is_empty(), "{param}");
        let rows = app
            .all_v2_observations(&format!(
                "limit=100&fields=core,basic&{param}={}",
                urlencode(value_text)
            ))
            .await;
        assert_eq!(rows.len(), expected.len(), "{param}={value_text}");
        assert!(rows.iter().all(|r| r[param] == value), "{param}");
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn bad_parameters_get_400_naming_what_was_wrong() {
    let app = spawn_app(config(100, 5)).await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=eyJmb28iOjF9", "cursor"),
        ("fields=basic,everything", "everything"),
        ("fromStartTime=yesterday", "fromStartTime"),
        ("toStartTime=2026-13-45T00:00:00Z", "toStartTime"),
        ("level=LOUD", "level"),
        ("parseIoAsJson=true", "parseIoAsJson"),
        ("isRootObservation=maybe", "isRootObservation"),
    ];
    for (query, named) in cases {
        let response = app
            .get(&format!("/api/public/v2/observations?{query}"))
            .await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(named), "{query}: {message}");
    }
    let score_cases = [
        ("limit=101", "limit"),
        ("fields=everything", "everything"),
        ("cursor=%%%", "cursor"),
        ("fromTimestamp=soon", "fromTimestamp"),
        ("traceId=a&sessionId=b", "sessionId"),
    ];
    for (query, named) in score_cases {
        let response = app.get(&format!("/api/public/v3/scores?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(named), "{query}: {message}");
    }
    app.mock.stop().await;
}
