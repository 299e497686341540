//! Alerts end to end: the double scripts an incident, the daemon syncs it,
//! evaluates its rules and posts to a webhook receiver running in the test.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use langfuse_mock::{MockConfig, MockHandle, SpikeKind, is_internal_environment};
use serde_json::Value;
use sync_daemon::alerts::notify::DeliveryPolicy;
use sync_daemon::alerts::rules::{RawRule, parse_rules};
use sync_daemon::startup::Application;

use crate::helpers::{dataset, reader, settings};

const SECRET_PATH: &str = "/hooks/T000/B000/secret-token-123";
const THRESHOLD: f64 = 0.2;

#[derive(Clone, Copy, Debug)]
enum Receiver {
    Accepts,
    Fails,
    Hangs,
}

/// A webhook receiver on loopback that records every body it is sent.
struct Hook {
    url: String,
    received: Arc<Mutex<Vec<Value>>>,
    server: ServerHandle,
}

impl Hook {
    async fn start(behaviour: Receiver) -> Hook {
        let received = Arc::new(Mutex::new(Vec::new()));
        let record = received.clone();
        let server = HttpServer::new(move || {
            let record = record.clone();
            App::new().route(
                SECRET_PATH,
                web::post().to(move |body: web::Json<Value>| {
                    let record = record.clone();
                    async move {
                        record.lock().unwrap().push(body.into_inner());
                        match behaviour {
                            Receiver::Accepts => HttpResponse::Ok().body("ok"),
                            Receiver::Fails => HttpResponse::InternalServerError().finish(),
                            Receiver::Hangs => {
                                tokio::time::sleep(Duration::from_secs(3_600)).await;
                                HttpResponse::Ok().finish()
                            }
                        }
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Hook {
            url: format!("http://127.0.0.1:{port}{SECRET_PATH}"),
            received,
            server: handle,
        }
    }

    fn bodies(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` bodies arrived (or 10 s passed).
    async fn wait_for(&self, count: usize) -> Vec<Value> {
        for _ in 0..200 {
            if self.bodies().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.bodies()
    }
}

fn error_rate_rule(webhook: &str) -> RawRule {
    [
        ("name", "errors spiking"),
        ("metric", "error_rate"),
        ("comparison", ">"),
        ("threshold", &THRESHOLD.to_string()),
        ("window", "60m"),
        ("webhook_url", webhook),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Some(v.to_string())))
    .collect()
}

struct Daemon {
    app: Application,
    mock: MockHandle,
    database: std::path::PathBuf,
    _directory: tempfile::TempDir,
}

/// The double's data ends two hours ago, so the last hour starts empty.
async fn daemon(webhook: &str, policy: DeliveryPolicy) -> Daemon {
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: dataset(800, 23),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut settings = settings(&mock, &database, &[]);
    settings.alerts = parse_rules(vec![error_rate_rule(webhook)], None).unwrap();
    settings.alert_delivery = policy;
    let app = Application::build(settings).await.unwrap();
    Daemon {
        app,
        mock,
        database,
        _directory: directory,
    }
}

/// The error rate the dashboard would show for the observations starting
/// after `after_ms`, in the default view, from the double's own data.
fn true_error_rate_after(mock: &MockHandle, after_ms: i64) -> f64 {
    mock.with_dataset(|data| {
        let (mut observations, mut errors) = (0u64, 0u64);
        for observation in &data.observations {
            if observation.start_ms > after_ms
                && !is_internal_environment(data.environment_of(observation))
            {
                observations += 1;
                errors += u64::from(observation.level.as_str() == "ERROR");
            }
        }
        errors as f64 / observations as f64
    })
}

async fn cycle(app: &mut Application) {
    let outcome = app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spike_posts_one_firing_and_one_resolved_message_and_nothing_while_it_stays_firing() {
    let hook = Hook::start(Receiver::Accepts).await;
    let mut test = daemon(&hook.url, fast_policy()).await;
    let quiet_until = test.mock.end_ms();

    cycle(&mut test.app).await;
    cycle(&mut test.app).await;
    assert!(hook.bodies().is_empty(), "a quiet hour fires nothing");

    test.mock.add_spike(SpikeKind::Errors, 4);
    let spike_rate = true_error_rate_after(&test.mock, quiet_until);
    assert!(
        spike_rate > THRESHOLD,
        "the spike breaks the rule: {spike_rate}"
    );
    cycle(&mut test.app).await;
    let fired = hook.wait_for(1).await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    let alert = &fired[0]["alert"];
    assert_eq!(alert["status"], "firing");
    assert_eq!(alert["rule"], "errors spiking");
    let value = alert["value"].as_f64().unwrap();
    assert!((value - spike_rate).abs() < 1e-9, "{value} vs {spike_rate}");
    let text = fired[0]["text"].as_str().unwrap();
    assert!(
        text.contains("FIRING") && text.contains("errors spiking"),
        "{text}"
    );

    // Still above the threshold: no second message.
    cycle(&mut test.app).await;
    cycle(&mut test.app).await;

    // Healthy games dilute the errors of the last hour below the threshold.
    let mut calm_rate = spike_rate;
    for _ in 0..20 {
        if calm_rate < THRESHOLD / 2.0 {
            break;
        }
        test.mock.add_new_traces(12);
        calm_rate = true_error_rate_after(&test.mock, quiet_until);
    }
    assert!(calm_rate < THRESHOLD, "{calm_rate}");
    cycle(&mut test.app).await;
    cycle(&mut test.app).await;
    hook.wait_for(2).await;
    // Time for a stray third message to arrive, were one sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = hook.bodies();
    let statuses: Vec<&str> = messages
        .iter()
        .map(|m| m["alert"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["firing", "resolved"]);
    let resolved_value = messages[1]["alert"]["value"].as_f64().unwrap();
    assert!((resolved_value - calm_rate).abs() < 1e-9);
    assert!(messages[1]["text"].as_str().unwrap().contains("RESOLVED"));

    // The database tells the same story, without the webhook's secret.
    let db = reader(&test.database);
    let (state, last_value): (String, f64) = db
        .query_row(
            "SELECT state, last_value FROM alert_states WHERE rule = 'errors spiking'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(state, "ok");
    assert!((last_value - calm_rate).abs() < 1e-9);
    let events: Vec<(String, String)> = db
        .prepare("SELECT kind, message FROM alert_events ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["firing", "resolved"]);
    assert!(
        events
            .iter()
            .all(|(_, message)| !message.contains("secret-token"))
    );
    hook.server.stop(false).await;
    test.mock.stop().await;
}

fn fast_policy() -> DeliveryPolicy {
    DeliveryPolicy {
        request_timeout: Duration::from_secs(2),
        initial_interval: Duration::from_millis(50),
        max_interval: Duration::from_millis(200),
        budget: Duration::from_secs(5),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_or_hanging_webhook_never_delays_or_fails_a_cycle() {
    for behaviour in [Receiver::Fails, Receiver::Hangs] {
        let hook = Hook::start(behaviour).await;
        // A cycle that waited for delivery would take a whole request
        // timeout (hanging) or retry budget (failing): 15 s either way.
        let policy = DeliveryPolicy {
            request_timeout: Duration::from_secs(15),
            budget: Duration::from_secs(15),
            ..fast_policy()
        };
        let mut test = daemon(&hook.url, policy).await;
        cycle(&mut test.app).await;
        test.mock.add_spike(SpikeKind::Errors, 4);
        let started = Instant::now();
        cycle(&mut test.app).await;
        // The cycle that fired returned while its message was still being
        // tried.
        let took = started.elapsed();
        assert!(
            took < policy.request_timeout,
            "{behaviour:?}: the cycle took {took:?}"
        );
        let attempts = hook.wait_for(1).await;
        assert!(
            !attempts.is_empty(),
            "{behaviour:?}: the webhook was called"
        );
        // The next cycle runs while delivery is still retrying or hanging.
        let started = Instant::now();
        cycle(&mut test.app).await;
        assert!(started.elapsed() < policy.request_timeout, "{behaviour:?}");
        if let Receiver::Fails = behaviour {
            let retried = hook.wait_for(2).await;
            assert!(retried.len() >= 2, "{behaviour:?}: a 500 is retried");
            assert!(
                retried
                    .iter()
                    .all(|body| body["alert"]["status"] == "firing")
            );
        }
        let db = reader(&test.database);
        let state: String = db
            .query_row("SELECT state FROM alert_states", [], |row| row.get(0))
            .unwrap();
        assert_eq!(state, "firing", "{behaviour:?}");
        hook.server.stop(false).await;
        test.mock.stop().await;
    }
}
