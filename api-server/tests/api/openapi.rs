//! The OpenAPI document: served, equal to the committed snapshot the
//! frontend generates its types from, internally consistent, and listing
//! exactly the routes the server serves.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::spawn_app;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// Every route the server serves, as (method, path template).
const SERVED_ROUTES: [(&str, &str); 21] = [
    ("get", "/health"),
    ("get", "/api/openapi.json"),
    ("get", "/api/sync/status"),
    ("post", "/api/sync/trigger"),
    ("get", "/api/environments"),
    ("get", "/api/overview"),
    ("get", "/api/metrics/daily"),
    ("get", "/api/sessions"),
    ("get", "/api/sessions/{id}"),
    ("get", "/api/traces/{id}"),
    ("get", "/api/agents"),
    ("get", "/api/agents/{name}"),
    ("get", "/api/models"),
    ("get", "/api/models/daily"),
    ("get", "/api/scores"),
    ("get", "/api/outcomes"),
    ("get", "/api/errors"),
    ("get", "/api/distributions/sessions"),
    ("get", "/api/compare/agents"),
    ("get", "/api/alerts"),
    ("get", "/api/versions"),
];

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    refs.insert(inner.as_str().unwrap().to_string());
                } else {
                    collect_refs(inner, refs);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn the_served_document_equals_the_committed_snapshot() {
    let (app, _directory) = spawn_app().await;
    let served = app.ok_json("/api/openapi.json").await;
    let generated: Value = serde_json::from_str(api_server::openapi::openapi_json()).unwrap();
    assert_eq!(served, generated);
    if std::env::var_os("UPDATE_OPENAPI_SNAPSHOT").is_some() {
        std::fs::write(
            SNAPSHOT,
            format!("{}\n", api_server::openapi::openapi_json()),
        )
        .unwrap();
    }
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(SNAPSHOT).expect("api-server/openapi.json is committed"),
    )
    .unwrap();
    assert_eq!(
        committed, generated,
        "api-server/openapi.json is stale; regenerate it with UPDATE_OPENAPI_SNAPSHOT=1 cargo nextest run -p api-server openapi"
    );
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1_with_every_reference_resolved() {
    let document: Value = serde_json::from_str(api_server::openapi::openapi_json()).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(document["info"]["title"].is_string());
    assert!(document["info"]["version"].is_string());
    let mut refs = BTreeSet::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{reference} does not resolve"
        );
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                operation_ids.insert(id.to_string()),
                "operationId {id} is unique"
            );
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                if parameter["in"] == "path" {
                    assert!(path.contains(&format!("{{{name}}}")), "{path} has {name}");
                    assert_eq!(parameter["required"], true);
                }
            }
        }
    }
}

#[tokio::test]
async fn the_document_lists_exactly_the_served_routes() {
    let (app, _directory) = spawn_app().await;
    let document: Value = serde_json::from_str(api_server::openapi::openapi_json()).unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = SERVED_ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(documented, served);
    // Each listed route is answered by a handler, not the unknown-route 404.
    for (method, path) in SERVED_ROUTES {
        let url = format!(
            "{}{}",
            app.address,
            path.replace("{id}", "x").replace("{name}", "x")
        );
        let response = match method {
            "get" => app.client.get(&url).send().await.unwrap(),
            _ => app.client.post(&url).send().await.unwrap(),
        };
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            !(status == StatusCode::NOT_FOUND && body.contains("no route")),
            "{method} {path} is documented but not served"
        );
    }
    // And a route that is not listed is not served.
    let (status, body) = app.get_json("/api/leaderboard").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["message"].as_str().unwrap().contains("no route"));
}
