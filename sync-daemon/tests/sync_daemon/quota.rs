use langfuse_mock::MockConfig;
use shared_schema::rows::{SyncMetadata, SyncState};

use crate::helpers::{assert_matches_ground_truth, dataset, reader, spawn_app_with};

/// The double enforces the same quota as the daemon's setting; the daemon
/// must pace itself so that the double never needs to refuse a request.
async fn backfill_within(quota: u32, observations: usize, page_size: u32) {
    let config = MockConfig {
        dataset: dataset(observations, 3),
        public_api_quota_per_minute: Some(quota),
        ..MockConfig::default()
    };
    let quota_text = quota.to_string();
    let page_text = page_size.to_string();
    let mut test = spawn_app_with(
        config,
        &[
            ("CUPID_QUOTA_PER_MINUTE", &quota_text),
            ("CUPID_PAGE_SIZE", &page_text),
        ],
    )
    .await;

    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    let stats = test.mock.stats();
    let busiest_minute = stats.max_in_any_60s.get("public-api").copied().unwrap_or(0);
    assert!(
        stats.total >= 8,
        "only {} requests: the test proves nothing",
        stats.total
    );
    assert!(
        busiest_minute <= u64::from(quota),
        "{busiest_minute} requests in one minute with a quota of {quota}"
    );
    assert_eq!(stats.rate_limited, 0, "the double had to refuse requests");
    assert_matches_ground_truth(&test.database, &test.mock);
    let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
    assert_eq!(metadata.state, SyncState::Success);
    assert_eq!(metadata.rate_limited_responses, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_never_exceeds_thirty_requests_a_minute() {
    // About 10 requests: at 30 a minute they take ~18 s, bursting would take 0.
    backfill_within(30, 800, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_higher_quota_is_paced_the_same_way_over_more_pages() {
    // About 60 requests at 600 a minute.
    backfill_within(600, 5_800, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_longer_than_the_daemon_waits_ends_the_cycle_as_rate_limited() {
    // The double allows 1 request a minute; the daemon does not pace and
    // waits at most 1 s, so the second request's 429 ends the cycle.
    let config = MockConfig {
        dataset: dataset(500, 3),
        public_api_quota_per_minute: Some(1),
        ..MockConfig::default()
    };
    let mock = langfuse_mock::spawn(config).await.unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut settings = crate::helpers::settings(&mock, &database, &[]);
    settings.retry.max_rate_limit_wait = std::time::Duration::from_secs(1);
    let mut app = sync_daemon::startup::Application::build(settings)
        .await
        .unwrap();

    let outcome = app.try_sync_once().await.unwrap();

    assert!(
        matches!(
            outcome,
            sync_daemon::sync::engine::CycleOutcome::RateLimited { .. }
        ),
        "{outcome:?}"
    );
    let metadata = SyncMetadata::load(&reader(&database)).unwrap();
    assert_eq!(metadata.state, SyncState::RateLimited);
    let until = metadata
        .rate_limited_until_ms
        .expect("rate_limited_until recorded");
    assert!(until > chrono::Utc::now().timestamp_millis());
    assert_eq!(metadata.rate_limited_responses, 1);
    assert_eq!(
        mock.stats().total,
        2,
        "no retry storm after a long Retry-After"
    );
    assert!(metadata.last_error.unwrap().contains("rate limit"));
}
