use langfuse_mock::MockConfig;
use shared_schema::rows::{ApiMode, SyncMetadata, SyncState};

use crate::helpers::{V2, assert_matches_ground_truth, dataset, reader, requests_to, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_v2_the_daemon_falls_back_to_the_legacy_endpoints_and_remembers() {
    let config = MockConfig {
        dataset: dataset(1_200, 13),
        v2_enabled: false,
        ..MockConfig::default()
    };
    let mut test = spawn_app(config).await;

    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);
    let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
    assert_eq!(metadata.api_mode, Some(ApiMode::Legacy));
    assert_eq!(metadata.state, SyncState::Success);
    assert_eq!(requests_to(&test.mock, V2), 1, "one probe of v2");
    assert!(requests_to(&test.mock, "/api/public/traces") > 0);
    assert!(requests_to(&test.mock, "/api/public/observations") > 0);

    let new = test.mock.add_new_traces(5);
    assert!(new > 0);
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(
        requests_to(&test.mock, V2),
        2,
        "the mode is remembered, with one probe of v2 a cycle"
    );
    assert_matches_ground_truth(&test.database, &test.mock);
}
