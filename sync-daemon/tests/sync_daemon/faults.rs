use std::time::Duration;

use langfuse_mock::{Faults, MockConfig};
use shared_schema::rows::SyncMetadata;

use crate::helpers::{assert_matches_ground_truth, dataset, reader, spawn_app_with};

fn faulty(faults: Faults) -> MockConfig {
    MockConfig {
        dataset: dataset(1_500, 21),
        faults,
        ..MockConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transient_fault_is_survived_with_exact_data() {
    let cases = [
        (
            "server errors",
            Faults {
                server_error: 0.3,
                ..Faults::default()
            },
        ),
        (
            "dropped connections",
            Faults {
                drop_connection: 0.3,
                ..Faults::default()
            },
        ),
        (
            "truncated bodies",
            Faults {
                truncated_body: 0.3,
                ..Faults::default()
            },
        ),
        (
            "timeouts",
            Faults {
                slow: 0.2,
                slow_delay: Duration::from_secs(3),
                ..Faults::default()
            },
        ),
        (
            "everything at once",
            Faults {
                server_error: 0.1,
                drop_connection: 0.1,
                truncated_body: 0.1,
                rate_limited: 0.1,
                ..Faults::default()
            },
        ),
    ];
    for (name, faults) in cases {
        let mut test = spawn_app_with(faulty(faults), &[("CUPID_REQUEST_TIMEOUT_SECS", "1")]).await;

        let outcome = test.app.try_sync_once().await.unwrap();

        assert!(outcome.is_success(), "{name}: {outcome:?}");
        assert_matches_ground_truth(&test.database, &test.mock);
        let stats = test.mock.stats();
        let pages = stats.total; // includes the failed attempts
        let clean_pages = test
            .mock
            .ground_truth_for(&langfuse_mock::EnvironmentFilter::All)
            .overall
            .observations
            .div_ceil(100)
            + 1;
        assert!(
            pages > clean_pages,
            "{name}: no fault was injected ({pages} requests)"
        );
        let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
        assert_eq!(metadata.requests_sent as u64, stats.total, "{name}");
        test.mock.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_waits_out_retry_after_on_429() {
    let config = faulty(Faults {
        rate_limited: 0.3,
        ..Faults::default()
    });
    let mut test = spawn_app_with(config, &[]).await;
    let started = std::time::Instant::now();

    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);
    let stats = test.mock.stats();
    assert!(stats.rate_limited > 0, "the double sent no 429");
    let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
    assert_eq!(metadata.rate_limited_responses as u64, stats.rate_limited);
    assert!(metadata.rate_limited_until_ms.is_some());
    // Each 429 says Retry-After >= 1 s; the daemon waited it out.
    assert!(started.elapsed() >= Duration::from_secs(stats.rate_limited.min(3)));
}

/// A server that answers every request with the same 200 body.
async fn serve_body(body: &'static str) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new().default_service(web::to(move || async move {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(body)
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (address, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_page_fails_the_cycle_without_storing_it_or_crashing() {
    let (address, server) =
        serve_body(r#"{"data": [{"traceId": "t", "startTime": "yesterday"}], "meta": {}}"#).await;
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut settings = sync_daemon::configuration::Settings::load_from(
        None,
        [
            ("LANGFUSE_PUBLIC_KEY", "pk-lf-demo"),
            ("LANGFUSE_SECRET_KEY", "sk-lf-demo"),
            ("LANGFUSE_HOST", address.as_str()),
            ("CUPID_DATABASE_PATH", database.to_str().unwrap()),
            ("CUPID_CONTROL_PORT", "0"),
            ("CUPID_QUOTA_PER_MINUTE", "0"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    )
    .unwrap();
    settings.retry = crate::helpers::fast_retry();
    let mut app = sync_daemon::startup::Application::build(settings)
        .await
        .unwrap();

    let outcome = app.try_sync_once().await.unwrap();

    let sync_daemon::sync::engine::CycleOutcome::Failed { message } = outcome else {
        panic!("expected a failed cycle, got {outcome:?}");
    };
    assert!(message.contains("malformed page"), "{message}");
    assert!(message.contains("/api/public/v2/observations"), "{message}");
    let db = reader(&database);
    let stored: i64 = db
        .query_row("SELECT COUNT(*) FROM observations", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(
        SyncMetadata::load(&db).unwrap().state,
        shared_schema::rows::SyncState::Error
    );
    server.stop(false).await;
}
