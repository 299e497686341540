//! HTTP semantics: validators and 304s, the response cache following the
//! daemon's commits, CORS limited to the configured origins, requests
//! beyond the database connection cap waiting their turn.

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ETAG, ORIGIN};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use api_server::configuration::Settings;

use crate::helpers::{
    daemon_settings, dataset_spec, int, spawn_app_for, spawn_app_with, synced_world,
};

#[tokio::test]
async fn a_repeat_load_with_the_etag_gets_304_until_the_daemon_commits_new_data() {
    let mut world = synced_world(1_000).await;
    let app = &world.app;
    let paths = [
        "/api/overview",
        "/api/metrics/daily",
        "/api/sessions",
        "/api/agents",
        "/api/agents/matchmaker",
        "/api/models",
    ];
    let mut etags = Vec::new();
    for path in paths {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        let etag = response.headers()[ETAG].to_str().unwrap().to_string();
        let repeat = app.get_if_none_match(path, &etag).await;
        assert_eq!(repeat.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert!(repeat.bytes().await.unwrap().is_empty());
        etags.push(etag);
    }
    let before = app.ok_json("/api/overview").await;
    let truth_before = world.mock.ground_truth().overall.observations;

    assert!(world.mock.add_new_traces(5) > 0);
    // The default view leaves out the judge's runs the new game brings.
    let added = world.mock.ground_truth().overall.observations - truth_before;
    assert!(world.daemon.try_sync_once().await.unwrap().is_success());

    let app = &world.app;
    for (path, etag) in paths.iter().zip(&etags) {
        let response = app.get_if_none_match(path, etag).await;
        assert_eq!(response.status(), StatusCode::OK, "{path} changed");
        assert_ne!(response.headers()[ETAG].to_str().unwrap(), etag);
    }
    let after = app.ok_json("/api/overview").await;
    assert_eq!(
        int(&after, "observations") - int(&before, "observations"),
        added as i64,
        "the cached overview was not served after new data"
    );
    assert_eq!(
        int(&after, "observations") as u64,
        world.mock.ground_truth().overall.observations
    );
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let world = synced_world(300).await;
    let app = &world.app;
    for origin in [
        "http://localhost:5173",
        "http://localhost:3000",
        "http://localhost",
    ] {
        let response = app
            .client
            .get(format!("{}/api/overview", app.address))
            .header(ORIGIN, origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], origin);
    }
    let response = app
        .client
        .get(format!("{}/api/overview", app.address))
        .header(ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get(ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/sessions", app.address),
        )
        .header(ORIGIN, "http://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get(ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn the_server_keeps_answering_while_the_daemon_backfills() {
    let mock = langfuse_mock::spawn(langfuse_mock::MockConfig {
        dataset: dataset_spec(20_000),
        ..Default::default()
    })
    .await
    .unwrap();
    let directory = tempfile::TempDir::new().unwrap();
    let database_path = directory.path().join("cupid.db");
    let app = Arc::new(spawn_app_for(&database_path, "http://127.0.0.1:9").await);
    let mut daemon =
        sync_daemon::startup::Application::build(daemon_settings(&mock, &database_path))
            .await
            .unwrap();
    let backfill_done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|reader| {
            let (app, done) = (app.clone(), backfill_done.clone());
            tokio::spawn(async move {
                let paths = [
                    "/api/overview?from=2026-11-16T09:00:00Z",
                    "/api/sessions?sort=cost",
                    "/api/agents?from=2026-11-15",
                    "/api/metrics/daily",
                ];
                let mut answered_with_data = 0;
                let mut round = reader;
                while !done.load(Ordering::SeqCst) {
                    let path = paths[round % paths.len()];
                    round += 1;
                    let (status, body) = app.get_json(path).await;
                    match status {
                        StatusCode::OK => answered_with_data += 1,
                        StatusCode::SERVICE_UNAVAILABLE => assert_eq!(body["error"], "no_data"),
                        other => panic!("{path} answered {other} during the backfill: {body}"),
                    }
                }
                answered_with_data
            })
        })
        .collect();
    let outcome = daemon.try_sync_once().await.unwrap();
    backfill_done.store(true, Ordering::SeqCst);
    assert!(outcome.is_success());
    let mut answered_with_data = 0;
    for reader in readers {
        answered_with_data += reader.await.unwrap();
    }
    assert!(
        answered_with_data > 0,
        "some answers came from a partly synced database"
    );
    let overview = app.ok_json("/api/overview").await;
    assert_eq!(
        int(&overview, "observations") as u64,
        mock.ground_truth().overall.observations
    );
}

#[tokio::test]
async fn late_data_in_the_whole_hours_of_a_range_shows_in_the_next_answer() {
    let mut world = synced_world(2_000).await;
    let (from, to) = ("2026-11-19T08:20:00Z", "2026-11-20T15:40:00Z");
    let range_ms = |iso: &str| {
        chrono::DateTime::parse_from_rfc3339(iso)
            .unwrap()
            .timestamp_millis()
    };
    let in_range = |mock: &langfuse_mock::MockHandle| {
        mock.with_dataset(|dataset| {
            dataset
                .observations
                .iter()
                .filter(|o| (range_ms(from)..range_ms(to)).contains(&o.start_ms))
                .filter(|o| !langfuse_mock::is_internal_environment(dataset.environment_of(o)))
                .count() as i64
        })
    };
    let path = format!("/api/overview?from={from}&to={to}");
    let before = world.app.ok_json(&path).await;
    assert_eq!(int(&before, "observations"), in_range(&world.mock));

    // Late traces starting in the last ten hours of the data: inside whole
    // hours of the range, which come from hourly_metrics.
    world
        .mock
        .add_late_observations(40, std::time::Duration::from_secs(10 * 3_600));
    assert!(world.daemon.try_sync_once().await.unwrap().is_success());

    let after = world.app.ok_json(&path).await;
    let expected = in_range(&world.mock);
    assert!(
        expected > int(&before, "observations"),
        "late data landed in the range"
    );
    assert_eq!(int(&after, "observations"), expected);
    let daily = world
        .app
        .ok_json(&format!("/api/metrics/daily?from={from}&to={to}"))
        .await;
    let summed: i64 = daily["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| int(d, "observations"))
        .sum();
    assert_eq!(summed, expected);
}

/// Threads of this test process now, from the kernel's count.
fn threads_of_this_process() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("a Threads line")
}

#[tokio::test]
async fn more_concurrent_requests_than_database_connections_wait_and_all_succeed() {
    let world = synced_world(300).await;
    let total = int(&world.app.ok_json("/api/sessions").await, "total");
    let threads_before = threads_of_this_process();
    let mut settings = Settings::for_database(world.app.database_path.clone());
    let connections = 2;
    settings.database_connections = connections;
    let app = spawn_app_with(settings).await;
    // Distinct URLs, so that each renders on a connection of its own.
    let limits: Vec<i64> = (1..=24).collect();
    let paths: Vec<String> = limits
        .iter()
        .map(|limit| format!("/api/sessions?limit={limit}"))
        .collect();
    let pages = futures::future::join_all(paths.iter().map(|path| app.get_json(path))).await;
    for (limit, (status, page)) in limits.iter().zip(pages) {
        assert_eq!(status, StatusCode::OK, "limit={limit}: {page}");
        assert_eq!(
            page["items"].as_array().unwrap().len() as i64,
            (*limit).min(total),
            "limit={limit}"
        );
    }
    // The workers share the connections' count of blocking threads (each
    // its part, rounded up); a request beyond them waits in its worker's
    // queue, not in a thread of its own with its own stack and malloc cache.
    let workers = std::thread::available_parallelism().unwrap().get();
    let blocking_per_worker = connections.div_ceil(workers);
    let started = threads_of_this_process() - threads_before;
    let bound = workers * (1 + blocking_per_worker) + 2;
    assert!(
        started <= bound,
        "24 concurrent requests started {started} threads, more than \
         {workers} workers × (1 + {blocking_per_worker} blocking) + 2"
    );
}
