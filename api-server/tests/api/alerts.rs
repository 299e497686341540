//! `GET /api/alerts`: the rules the real daemon evaluated after syncing a
//! scripted incident from the double, with their state and history.

use langfuse_mock::{DatasetSpec, MockConfig, SpikeKind, is_internal_environment};
use sync_daemon::alerts::rules::parse_rules;
use tempfile::TempDir;

use crate::helpers::{daemon_settings, spawn_app_for};

fn rule(name: &str, metric: &str, threshold: &str) -> Vec<(String, Option<String>)> {
    [
        ("name", name),
        ("metric", metric),
        ("comparison", ">"),
        ("threshold", threshold),
        ("window", "60m"),
        // Nobody listens there: delivery fails in the background, which
        // the states must not depend on.
        ("webhook_url", "http://127.0.0.1:9/hook"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Some(v.to_string())))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_list_each_rule_with_its_state_value_and_history() {
    let quiet_until = chrono::Utc::now().timestamp_millis() - 2 * 3_600_000;
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: DatasetSpec {
            seed: 5,
            observations: 600,
            days: 2,
            end_ms: quiet_until,
            pending_share: 0.0,
        },
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let directory = TempDir::new().unwrap();
    let database = directory.path().join("cupid.db");
    let mut settings = daemon_settings(&mock, &database);
    settings.alerts = parse_rules(
        vec![
            rule("errors spiking", "error_rate", "0.2"),
            rule("traffic flood", "llm_calls_per_hour", "1000000"),
        ],
        None,
    )
    .unwrap();
    let mut daemon = sync_daemon::startup::Application::build(settings)
        .await
        .unwrap();
    assert!(daemon.try_sync_once().await.unwrap().is_success());
    let app = spawn_app_for(&database, "http://127.0.0.1:9").await;

    let calm = app.ok_json("/api/alerts").await;
    assert_eq!(calm["firing"], 0, "{calm}");
    assert_eq!(calm["rules"].as_array().unwrap().len(), 2);
    assert!(calm["history"].as_array().unwrap().is_empty());

    mock.add_spike(SpikeKind::Errors, 4);
    assert!(daemon.try_sync_once().await.unwrap().is_success());
    let (observations, errors, calls) = mock.with_dataset(|data| {
        let spike = data.observations.iter().filter(|o| {
            o.start_ms > quiet_until && !is_internal_environment(data.environment_of(o))
        });
        spike.fold((0u64, 0u64, 0u64), |(n, e, g), o| {
            (
                n + 1,
                e + u64::from(o.level.as_str() == "ERROR"),
                g + u64::from(o.kind.as_str() == "GENERATION"),
            )
        })
    });
    let body = app.ok_json("/api/alerts").await;
    assert_eq!(body["firing"], 1, "{body}");
    let first = &body["rules"][0];
    assert_eq!(first["rule"], "errors spiking");
    assert_eq!(first["state"], "firing");
    assert_eq!(first["metric"], "error_rate");
    assert!(
        first["condition"]
            .as_str()
            .unwrap()
            .contains("error rate > 20.0%")
    );
    let value = first["lastValue"].as_f64().unwrap();
    assert!((value - errors as f64 / observations as f64).abs() < 1e-9);
    let second = &body["rules"][1];
    assert_eq!(second["state"], "ok");
    assert!((second["lastValue"].as_f64().unwrap() - calls as f64).abs() < 1e-9);
    let history = body["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["kind"], "firing");
    assert_eq!(history[0]["rule"], "errors spiking");
    assert_eq!(history[0]["at"], first["since"]);
    assert!(!body.to_string().contains("127.0.0.1:9/hook"));
    mock.stop().await;
}
