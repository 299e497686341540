//! Every endpoint's actual JSON validated against Langfuse's own OpenAPI
//! component schemas, so the double cannot drift from the contract.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::helpers::{config, spawn_app};

/// Langfuse's own spec, vendored with its source noted in `spec/README.md`.
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openapi.yml");

/// The component schemas, translated from OpenAPI 3.0 to JSON Schema 2020-12.
fn components() -> &'static Value {
    static COMPONENTS: OnceLock<Value> = OnceLock::new();
    COMPONENTS.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("reading {SPEC}: {e}"));
        let spec: Value = serde_yaml::from_str(&text).expect("openapi.yml parses");
        let mut schemas = spec["components"]["schemas"].clone();
        translate(&mut schemas);
        schemas
    })
}

/// OpenAPI 3.0's `nullable: true` becomes an explicit `null` alternative.
fn translate(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for value in map.values_mut() {
                translate(value);
            }
            if map.remove("nullable") == Some(Value::Bool(true)) {
                let inner = std::mem::take(map);
                let constrained = inner.keys().any(|k| {
                    matches!(
                        k.as_str(),
                        "type" | "$ref" | "allOf" | "oneOf" | "anyOf" | "enum"
                    )
                });
                if constrained {
                    map.insert(
                        "anyOf".into(),
                        json!([Value::Object(inner), {"type": "null"}]),
                    );
                } else {
                    *map = inner;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(translate),
        _ => {}
    }
}

fn assert_conforms(instance: &Value, component: &str, context: &str) {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{component}"),
        "components": {"schemas": components()},
    });
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{context} does not conform to {component}: {errors:#?}"
    );
}

/// Every property a component (with its `allOf` parts) declares.
fn declared_properties(component: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut pending = vec![components()[component].clone()];
    while let Some(schema) = pending.pop() {
        if let Some(properties) = schema["properties"].as_object() {
            names.extend(properties.keys().cloned());
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            match part["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.rsplit('/').next().unwrap();
                    pending.push(components()[name].clone());
                }
                None => pending.push(part.clone()),
            }
        }
    }
    names
}

fn assert_only_declared(rows: &[Value], component: &str, extra: &[&str]) {
    let declared = declared_properties(component);
    for row in rows {
        let map: &Map<String, Value> = row.as_object().unwrap();
        for key in map.keys() {
            assert!(
                declared.contains(key) || extra.contains(&key.as_str()),
                "{component} declares no property '{key}'"
            );
        }
    }
}

#[tokio::test]
async fn v2_observations_conform_to_observations_v2_response() {
    let mut config = config(1_500, 1);
    config.dataset.pending_share = 0.1;
    let app = spawn_app(config).await;
    let field_sets = [
        "",
        "&fields=core",
        "&fields=core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context",
    ];
    for fields in field_sets {
        let path = format!("/api/public/v2/observations?limit=1000{fields}");
        let page = app.get_json(&path).await;
        assert_conforms(&page, "ObservationsV2Response", &path);
        // `model`: the real server's key for the model group, where the
        // spec says `providedModelName` (observations_converters.ts).
        assert_only_declared(
            page["data"].as_array().unwrap(),
            "ObservationV2",
            &["model"],
        );
    }
    let last = app
        .get_json("/api/public/v2/observations?limit=5&toStartTime=2000-01-01T00:00:00Z")
        .await;
    assert_conforms(&last, "ObservationsV2Response", "an empty last page");
    app.mock.stop().await;
}

#[tokio::test]
async fn v3_scores_conform_to_get_scores_v3_response() {
    let app = spawn_app(config(1_500, 2)).await;
    for fields in ["", "&fields=details,subject,annotation"] {
        let path = format!("/api/public/v3/scores?limit=100{fields}");
        let page = app.get_json(&path).await;
        assert_conforms(&page, "GetScoresV3Response", &path);
        assert_only_declared(
            page["data"].as_array().unwrap(),
            "BaseScoreV3",
            &["value", "dataType"],
        );
    }
    app.mock.stop().await;
}

#[tokio::test]
async fn v2_scores_conform_to_get_scores_response() {
    let app = spawn_app(config(1_500, 2)).await;
    app.mock.set_scores_v3_enabled(false);
    let page = app.get_json("/api/public/v2/scores?limit=100").await;
    assert_conforms(&page, "GetScoresResponse", "v2 scores");
    assert_only_declared(
        page["data"].as_array().unwrap(),
        "BaseScore",
        &["value", "stringValue", "dataType", "trace"],
    );
    app.mock.stop().await;
}

#[tokio::test]
async fn legacy_endpoints_conform_to_their_schemas() {
    let app = spawn_app(config(800, 3)).await;
    let cases = [
        ("/api/public/traces?limit=100", "Traces", "TraceWithDetails"),
        (
            "/api/public/traces?limit=100&fields=core",
            "Traces",
            "TraceWithDetails",
        ),
        (
            "/api/public/sessions?limit=100",
            "PaginatedSessions",
            "Session",
        ),
        (
            "/api/public/observations?limit=100",
            "legacyObservationsViews",
            "ObservationsView",
        ),
    ];
    for (path, component, item) in cases {
        let page = app.get_json(path).await;
        assert_conforms(&page, component, path);
        assert_only_declared(page["data"].as_array().unwrap(), item, &[]);
    }
    let health = app.get_json("/api/public/health").await;
    assert_conforms(&health, "HealthResponse", "health");
    app.mock.stop().await;
}

#[test]
fn the_translation_accepts_null_only_where_the_spec_says_nullable() {
    let observation = json!({
        "id": "a", "traceId": null, "startTime": "2026-01-01T00:00:00.000Z", "endTime": null,
        "projectId": "p", "parentObservationId": null, "type": "SPAN",
        "modelId": null, "inputPrice": null, "outputPrice": null, "totalPrice": null,
    });
    assert_conforms(&observation, "ObservationV2", "a minimal observation");
    let mut broken = observation.clone();
    broken["projectId"] = Value::Null;
    let schema = json!({
        "$ref": "#/components/schemas/ObservationV2",
        "components": {"schemas": components()},
    });
    let validator = jsonschema::draft202012::options().build(&schema).unwrap();
    assert!(!validator.is_valid(&broken), "projectId is not nullable");
    let mut bad_time = observation;
    bad_time["startTime"] = json!("yesterday");
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    assert!(
        !validator.is_valid(&bad_time),
        "startTime must be a date-time"
    );
}
