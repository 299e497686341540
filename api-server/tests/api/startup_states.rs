//! Before, during and without data: the server starts regardless, says what
//! it lacks, and picks data up without a restart.

use reqwest::StatusCode;
use tempfile::TempDir;

use crate::helpers::{daemon_settings, dataset_spec, spawn_app, spawn_app_for, synced_world};

const DATA_ENDPOINTS: [&str; 9] = [
    "/api/overview",
    "/api/metrics/daily",
    "/api/sessions",
    "/api/sessions/some-session",
    "/api/traces/some-trace",
    "/api/agents",
    "/api/agents/matchmaker",
    "/api/models",
    "/api/sessions?format=csv",
];

#[tokio::test]
async fn health_reports_a_missing_database_and_data_endpoints_answer_503() {
    let (app, _directory) = spawn_app().await;

    let health = app.ok_json("/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "missing");
    assert!(health["lastSuccessAt"].is_null());

    for path in DATA_ENDPOINTS.iter().chain(["/api/sync/status"].iter()) {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert_eq!(body["error"], "no_data", "{path}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("does not exist yet"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn a_database_never_synced_is_not_synced_and_data_endpoints_answer_503() {
    let (app, _directory) = spawn_app().await;
    shared_schema::open_writer(&app.database_path).unwrap();

    let health = app.ok_json("/health").await;
    assert_eq!(health["database"], "not_synced");
    assert_eq!(health["schemaVersion"], shared_schema::LATEST_VERSION);

    for path in DATA_ENDPOINTS {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert_eq!(body["error"], "no_data");
        assert!(
            body["message"].as_str().unwrap().contains("not synced"),
            "{body}"
        );
    }
    // The state machine is readable before any data.
    let status = app.ok_json("/api/sync/status").await;
    assert_eq!(status["state"], "idle");
    assert!(status["lastSuccessAgeSeconds"].is_null());
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_reported_as_wrong_version() {
    let (app, _directory) = spawn_app().await;
    let writer = shared_schema::open_writer(&app.database_path).unwrap();
    writer
        .pragma_update(None, "user_version", shared_schema::LATEST_VERSION + 1)
        .unwrap();

    let health = app.ok_json("/health").await;
    assert_eq!(health["database"], "wrong_version");
    let (status, body) = app.get_json("/api/overview").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["message"].as_str().unwrap().contains("newer"),
        "{body}"
    );
}

#[tokio::test]
async fn the_server_picks_up_data_once_the_daemon_has_synced_without_a_restart() {
    let directory = TempDir::new().unwrap();
    let database_path = directory.path().join("cupid.db");
    let app = spawn_app_for(&database_path, "http://127.0.0.1:9").await;
    assert_eq!(
        app.get("/api/overview").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    let mock = langfuse_mock::spawn(langfuse_mock::MockConfig {
        dataset: dataset_spec(300),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut daemon =
        sync_daemon::startup::Application::build(daemon_settings(&mock, &database_path))
            .await
            .unwrap();
    assert!(daemon.try_sync_once().await.unwrap().is_success());

    let overview = app.ok_json("/api/overview").await;
    assert_eq!(
        overview["observations"].as_u64().unwrap(),
        mock.ground_truth().overall.observations
    );
    let health = app.ok_json("/health").await;
    assert_eq!(health["database"], "ready");
    assert!(health["lastSuccessAt"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_server_cannot_write_the_database() {
    let world = synced_world(300).await;
    let database = api_server::db::Database::new(world.app.database_path.clone());
    for statement in [
        "UPDATE sync_metadata SET data_version = data_version + 1",
        "DELETE FROM observations",
        "CREATE TABLE intruder (id INTEGER)",
        "PRAGMA user_version = 99",
    ] {
        let outcome: Result<usize, api_server::error::ApiError> =
            database.read(|connection, _, _| Ok(connection.execute(statement, [])?));
        let error = outcome.expect_err(statement).to_string();
        assert!(
            error.contains("readonly")
                || error.contains("read-only")
                || error.contains("query_only"),
            "{statement}: {error}"
        );
    }
    // And the data is untouched.
    let overview = world.app.ok_json("/api/overview").await;
    assert_eq!(
        overview["observations"].as_u64().unwrap(),
        world.truth.overall.observations
    );
}

#[tokio::test]
async fn sync_status_reports_the_daemons_recorded_state() {
    let world = synced_world(300).await;
    let status = world.app.ok_json("/api/sync/status").await;
    assert_eq!(status["state"], "success");
    assert_eq!(status["apiMode"], "v2");
    assert!(status["lastSuccessAgeSeconds"].as_i64().unwrap() >= 0);
    assert!(status["requestsSent"].as_i64().unwrap() >= 2);
    assert!(status["rowsWritten"].as_i64().unwrap() as u64 >= world.truth.overall.observations);
    assert!(status["lastError"].is_null());
    let newest = chrono::DateTime::parse_from_rfc3339(status["newestDataAt"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let newest_generated = world
        .dataset
        .observations
        .iter()
        .map(|o| o.start_ms)
        .max()
        .unwrap();
    assert_eq!(newest, newest_generated);
}

#[tokio::test]
async fn a_trigger_is_forwarded_to_the_daemon_and_its_answer_passed_on() {
    let world = synced_world(300).await;
    let stop = world.daemon.shutdown_trigger();
    let daemon_task = tokio::spawn(world.daemon.run_until_stopped());

    let response = world
        .app
        .client
        .post(format!("{}/api/sync/trigger", world.app.address))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    match status {
        StatusCode::ACCEPTED => assert_eq!(body["status"], "started"),
        StatusCode::CONFLICT => assert_eq!(body["status"], "already_running"),
        other => panic!("unexpected {other}: {body}"),
    }
    stop.trigger();
    let _ = daemon_task.await;
}

#[tokio::test]
async fn a_trigger_without_a_reachable_daemon_is_503_unavailable() {
    let (app, _directory) = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/sync/trigger", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    assert!(
        body["message"].as_str().unwrap().contains("127.0.0.1:9"),
        "{body}"
    );
}

#[tokio::test]
async fn a_database_replaced_by_one_at_the_same_data_version_is_answered_afresh() {
    let world = synced_world(300).await;
    let path = world.app.database_path.clone();
    let total = |body: &serde_json::Value| body["total"].as_i64().unwrap();
    let list = "/api/sessions?sort=cost&limit=5";
    let before = world.app.ok_json(list).await;
    let distributions = world.app.ok_json("/api/distributions/sessions").await;
    assert!(total(&before) > 1);
    let etag_before = world.app.get(list).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();

    // A copy without the costliest session, at the same data version.
    let copy = path.with_file_name("copy.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let costliest = before["items"][0]["id"].as_str().unwrap().to_string();
    let writer = shared_schema::open_writer(&copy).unwrap();
    writer
        .execute("DELETE FROM sessions WHERE id = ?1", [&costliest])
        .unwrap();
    writer
        .execute(
            "DELETE FROM session_environments WHERE session_id = ?1",
            [&costliest],
        )
        .unwrap();
    writer
        .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .unwrap();
    drop(writer);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::rename(&copy, &path).unwrap();

    // A browser holding the old file's ETag gets the new file's answer.
    let revalidated = world.app.get_if_none_match(list, &etag_before).await;
    assert_eq!(revalidated.status(), StatusCode::OK);
    let etag_after = revalidated.headers()["etag"].to_str().unwrap().to_string();
    let version = |etag: &str| etag.split('-').nth(1).map(str::to_string);
    assert_eq!(
        version(&etag_after),
        version(&etag_before),
        "same data version"
    );
    assert_ne!(etag_after, etag_before);
    let after = world.app.ok_json(list).await;
    assert_eq!(total(&after), total(&before) - 1, "{after}");
    assert_ne!(after["items"][0]["id"], costliest.as_str());
    let distributions_after = world.app.ok_json("/api/distributions/sessions").await;
    assert_eq!(
        distributions_after["sessions"].as_i64().unwrap(),
        distributions["sessions"].as_i64().unwrap() - 1
    );
}

#[tokio::test]
async fn a_database_replaced_on_disk_is_reopened() {
    let world = synced_world(300).await;
    let before = world.app.ok_json("/api/overview").await;
    assert!(before["observations"].as_i64().unwrap() > 0);
    // A fresh, never-synced database takes the old one's place.
    std::fs::remove_file(&world.app.database_path).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", world.app.database_path.display()));
    }
    let (status, _) = world.app.get_json("/api/overview").await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a deleted database is missing"
    );
    shared_schema::open_writer(&world.app.database_path).unwrap();
    let (status, body) = world.app.get_json("/api/overview").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["message"].as_str().unwrap().contains("not synced"),
        "{body}"
    );
    assert_eq!(world.app.ok_json("/health").await["database"], "not_synced");
}
