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
        assert_matches_ground_truth(&test.database, &test.mock.ground_truth());
        let stats = test.mock.stats();
        let pages = stats.total; // includes the failed attempts
        let clean_pages = test.mock.ground_truth().overall.observations.div_ceil(100) + 1;
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
    assert_matches_ground_truth(&test.database, &test.mock.ground_truth());
    let stats = test.mock.stats();
    assert!(stats.rate_limited > 0, "the double sent no 429");
    let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
    assert_eq!(metadata.rate_limited_responses as u64, stats.rate_limited);
    assert!(metadata.rate_limited_until_ms.is_some());
    // Each 429 says Retry-After >= 1 s; the daemon waited it out.
    assert!(started.elapsed() >= Duration::from_secs(stats.rate_limited.min(3)));
}
