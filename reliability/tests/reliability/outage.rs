//! Langfuse down for longer than a cycle: the dashboard keeps answering
//! from the local data, says how stale it is, and catches up afterwards.

use std::time::Duration;

use langfuse_mock::{Faults, MockConfig};
use reliability::{
    ApiServer, PUBLIC_KEY, Process, SECRET_KEY, Workspace, binary, daemon_environment, dataset,
    differences_from_ground_truth, get, wait_until,
};
use serde_json::Value;

use crate::helpers::blocking;

fn json_of(url: &str) -> (u16, Value) {
    let (status, body) = get(url).unwrap_or((0, String::new()));
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_langfuse_down_the_dashboard_serves_local_data_and_shows_its_age() {
    let config = MockConfig {
        public_key: PUBLIC_KEY.to_string(),
        secret_key: SECRET_KEY.to_string(),
        dataset: dataset(2_000, 5, 3),
        faults: Faults::default(),
        ..MockConfig::default()
    };
    let application = langfuse_mock::Application::build(config.clone(), "127.0.0.1", 0).unwrap();
    let port = application.port();
    let mock = application.handle();
    tokio::spawn(application.run_until_stopped());
    let workspace = Workspace::new();
    let environment = daemon_environment(
        &mock.base_url(),
        &workspace.database(),
        &[
            ("CUPID_SYNC_INTERVAL_SECS", "2"),
            ("CUPID_REQUEST_TIMEOUT_SECS", "1"),
        ],
    );
    let daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    let api = ApiServer::start(&workspace.database(), workspace.path(), &[]);
    let status_url = api.url("/api/sync/status");
    let overview_url = api.url("/api/overview");
    let synced = blocking({
        let url = status_url.clone();
        move || {
            wait_until(Duration::from_secs(120), || {
                json_of(&url).1["lastSuccessAt"].is_string()
            })
        }
    })
    .await;
    assert!(synced, "the first sync finished: {}", daemon.log_text());
    let (_, before) = blocking({
        let url = overview_url.clone();
        move || json_of(&url)
    })
    .await;
    let (_, status_before) = blocking({
        let url = status_url.clone();
        move || json_of(&url)
    })
    .await;

    // Langfuse goes away for several cycles.
    mock.stop().await;
    let outage = Duration::from_secs(12);
    tokio::time::sleep(outage).await;
    let urls: Vec<String> = [
        "/health",
        "/api/sessions",
        "/api/agents",
        "/api/models",
        "/api/metrics/daily",
    ]
    .iter()
    .map(|p| api.url(p))
    .collect();
    let (during, status_during, others) = blocking({
        let (overview, status) = (overview_url.clone(), status_url.clone());
        move || {
            let others: Vec<u16> = urls.iter().map(|u| json_of(u).0).collect();
            (json_of(&overview), json_of(&status).1, others)
        }
    })
    .await;
    println!(
        "outage: seconds={} state={} lastSuccessAgeSeconds={} lastError={}",
        outage.as_secs(),
        status_during["state"],
        status_during["lastSuccessAgeSeconds"],
        status_during["lastError"]
    );
    assert_eq!(during.0, 200, "the overview answers during the outage");
    assert_eq!(during.1, before, "from the same local data");
    assert!(
        others.iter().all(|s| *s == 200),
        "every page answers: {others:?}"
    );
    assert_eq!(
        status_during["lastSuccessAt"], status_before["lastSuccessAt"],
        "no success is claimed while Langfuse is down"
    );
    let age = status_during["lastSuccessAgeSeconds"]
        .as_i64()
        .unwrap_or(-1);
    assert!(
        age >= outage.as_secs() as i64 - 1,
        "the status shows the data is {age} s old, at least the outage"
    );

    // Langfuse comes back on the same address with new data: the daemon
    // catches up without a restart.
    let back = langfuse_mock::Application::build(config, "127.0.0.1", port).unwrap();
    let mock = back.handle();
    tokio::spawn(back.run_until_stopped());
    mock.add_new_traces(3);
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let database = workspace.database();
    let caught_up = blocking(move || {
        wait_until(Duration::from_secs(120), || {
            differences_from_ground_truth(&database, &truth).is_ok_and(|d| d.is_empty())
        })
    })
    .await;
    assert!(
        caught_up,
        "the daemon caught up after the outage: {}",
        daemon.log_text()
    );
    let (_, status_after) = blocking(move || json_of(&status_url)).await;
    assert!(
        status_after["lastSuccessAgeSeconds"]
            .as_i64()
            .unwrap_or(i64::MAX)
            < age,
        "the data is fresh again: {status_after}"
    );
}
