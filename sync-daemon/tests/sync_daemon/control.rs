use std::time::Duration;

use langfuse_mock::{Faults, MockConfig};
use serde_json::Value;

use crate::helpers::{dataset, spawn_app_with};

async fn health(client: &reqwest::Client, port: u16) -> Value {
    client
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_starts_a_cycle_or_answers_409_while_one_runs() {
    // Every request takes 300 ms, so a cycle lasts long enough to observe.
    let config = MockConfig {
        dataset: dataset(600, 17),
        faults: Faults {
            slow: 1.0,
            slow_delay: Duration::from_millis(300),
            ..Faults::default()
        },
        ..MockConfig::default()
    };
    let test = spawn_app_with(config, &[("CUPID_SYNC_INTERVAL_SECS", "3600")]).await;
    let port = test.app.port();
    let stop = test.app.shutdown_trigger();
    let running = tokio::spawn(test.app.run_until_stopped());
    let client = reqwest::Client::new();
    let trigger = || {
        client
            .post(format!("http://127.0.0.1:{port}/trigger"))
            .send()
    };

    // The first cycle starts at once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let busy = trigger().await.unwrap();
    assert_eq!(busy.status(), 409);
    assert_eq!(
        busy.json::<Value>().await.unwrap()["status"],
        "already_running"
    );

    let mut finished = false;
    for _ in 0..100 {
        let body = health(&client, port).await;
        assert_eq!(body["status"], "ok");
        if body["running"] == false && body["lastCycle"]["outcome"] == "success" {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(finished, "the first cycle did not finish");
    test.mock.reset_stats();

    let accepted = trigger().await.unwrap();
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.json::<Value>().await.unwrap()["status"], "started");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        test.mock.stats().total >= 2,
        "the triggered cycle sent no request"
    );

    stop.trigger();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops within 10 s")
        .unwrap()
        .unwrap();
}
