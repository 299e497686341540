//! A cycle cut short (a kill, a crash) resumes when the daemon starts
//! again: each unfinished window from its saved cursor, and a source the
//! interrupted cycle read to its end not again until the next cycle.

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::web;
use rusqlite::OptionalExtension;

use crate::helpers::{SCORES, V2, assert_matches_ground_truth, mock_config, reader, requests_to};
use crate::proxy::{
    FaultyProxy, assert_resumed_at, daemon_behind, spawn_proxy, stored_rows_and_cursor,
};

/// The page number saved with the scores' cursor, if one is saved yet.
fn stored_page(database: &std::path::Path) -> Option<i64> {
    reader(database)
        .query_row(
            "SELECT page FROM sync_cursors WHERE source = 'scores'",
            [],
            |row| row.get(0),
        )
        .optional()
        .unwrap()
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_the_interrupted_scores_without_reading_the_observations_again() {
    let mock = langfuse_mock::spawn(mock_config(1_500)).await.unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    // The second score page stalls; the daemon is dropped once the first
    // is stored, the observations' window closed before.
    let proxy = web::Data::new(FaultyProxy {
        stall_at: Some(1),
        ..FaultyProxy::watching(mock.base_url(), SCORES)
    });
    let (proxy_url, proxy_handle) = spawn_proxy(proxy.clone());
    let mut app = daemon_behind(&mock, &database, &proxy_url, "20").await;
    tokio::select! {
        outcome = app.try_sync_once() => panic!("the cycle waits on the stalled page, got {outcome:?}"),
        () = async {
            while proxy.requests.load(Ordering::SeqCst) < 2 || stored_page(&database) != Some(1) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        } => {}
    }
    drop(app);
    let (_, cursor, _) = stored_rows_and_cursor(&database, "scores", "scores");
    let observation_requests = requests_to(&mock, V2);
    assert!(observation_requests > 0);

    let mut app = daemon_behind(&mock, &database, &proxy_url, "20").await;
    let outcome = app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(
        requests_to(&mock, V2),
        observation_requests,
        "the resumed cycle does not read the observations' window again"
    );
    assert_resumed_at(&proxy.served(), 1, &cursor);
    assert_matches_ground_truth(&database, &mock);

    let outcome = app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert!(
        requests_to(&mock, V2) > observation_requests,
        "the next cycle reads the observations' lookback as usual"
    );
    proxy_handle.stop(false).await;
}
