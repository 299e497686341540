//! The daemon against a double that behaves like the real Langfuse server:
//! row versions, transient 404s, removed legacy reads, scores v2, tags and
//! adaptive page sizes.

use std::collections::BTreeMap;

use langfuse_mock::{Faults, MockConfig};
use shared_schema::rows::{ApiMode, SyncMetadata, SyncState};

use crate::helpers::{
    V2, assert_matches_ground_truth, dataset, mock_config, reader, requests_to, spawn_app,
    spawn_app_with,
};

fn metadata(test: &crate::helpers::TestApp) -> SyncMetadata {
    SyncMetadata::load(&reader(&test.database)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_v2_404_never_pins_the_legacy_endpoints() {
    let mut test = spawn_app(mock_config(1_000)).await;
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(metadata(&test).api_mode, Some(ApiMode::V2));

    // Langfuse Cloud: the legacy reads are gone, and v2 answers one 404.
    test.mock.set_legacy_reads_removed(true);
    test.mock.set_transient_v2_404(1);
    test.mock.add_new_traces(3);
    let outcome = test.app.try_sync_once().await.unwrap();
    let message = match outcome {
        sync_daemon::sync::engine::CycleOutcome::Failed { message } => message,
        other => panic!("both 404s fail the cycle, not {other:?}"),
    };
    assert!(
        message.contains("/api/public/v2/observations") && message.contains("/api/public/traces"),
        "the error names both endpoints: {message}"
    );
    let after_failure = metadata(&test);
    assert_eq!(after_failure.state, SyncState::Error);
    assert_ne!(after_failure.api_mode, Some(ApiMode::Legacy));

    let v2_before = requests_to(&test.mock, V2);
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(
        outcome.is_success(),
        "the next cycle reads v2 again: {outcome:?}"
    );
    assert!(requests_to(&test.mock, V2) > v2_before);
    let recovered = metadata(&test);
    assert_eq!(recovered.api_mode, Some(ApiMode::V2));
    assert!(recovered.api_mode_reason.unwrap().contains("v2"));
    assert_matches_ground_truth(&test.database, &test.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_legacy_mode_every_cycle_probes_v2_and_switches_back_when_it_answers() {
    let config = MockConfig {
        dataset: dataset(900, 31),
        v2_enabled: false,
        ..MockConfig::default()
    };
    let mut test = spawn_app(config).await;
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    let legacy = metadata(&test);
    assert_eq!(legacy.api_mode, Some(ApiMode::Legacy));
    assert!(legacy.api_mode_reason.unwrap().contains("404"));

    let v2_before = requests_to(&test.mock, V2);
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    assert_eq!(
        requests_to(&test.mock, V2),
        v2_before + 1,
        "one probe a cycle"
    );
    assert_eq!(metadata(&test).api_mode, Some(ApiMode::Legacy));

    test.mock.set_v2_enabled(true);
    test.mock.add_new_traces(3);
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    assert_eq!(metadata(&test).api_mode, Some(ApiMode::V2));
    assert_matches_ground_truth(&test.database, &test.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_stale_versions_served_the_sync_still_equals_the_ground_truth() {
    let mut config = MockConfig {
        dataset: dataset(3_000, 32),
        stale_versions: true,
        ..MockConfig::default()
    };
    config.dataset.pending_share = 0.2;
    // A lookback over all the data re-reads every row, older versions too.
    let mut test = spawn_app_with(config, &[("CUPID_LOOKBACK_SECS", "345600")]).await;
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    assert_matches_ground_truth(&test.database, &test.mock);
    let drafts: i64 = reader(&test.database)
        .query_row(
            "SELECT COUNT(*) FROM observations WHERE name = 'untitled'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(drafts, 0, "no older version survives");

    // Late and updated data, re-read through the lookback, with versions.
    assert!(test.mock.complete_pending() > 0);
    test.mock
        .add_late_observations(5, std::time::Duration::from_secs(1_800));
    test.mock.add_new_traces(3);
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    assert_matches_ground_truth(&test.database, &test.mock);
    let scores = scores_by_id(&test);
    let expected = test.mock.with_dataset(|d| d.scores.len());
    assert_eq!(scores.len(), expected);
}

#[tokio::test]
async fn a_traces_tags_are_the_most_recent_non_empty_list_of_its_observations() {
    let mut test = spawn_app(mock_config(2_000)).await;
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    let stored: BTreeMap<String, Vec<String>> = reader(&test.database)
        .prepare("SELECT id, tags FROM traces")
        .unwrap()
        .query_map([], |row| {
            let tags: String = row.get(1)?;
            Ok((row.get(0)?, serde_json::from_str(&tags).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = test.mock.with_dataset(|d| d.trace_tags_truth());
    let roots_with_earlier_tags = test.mock.with_dataset(|d| {
        d.observations
            .iter()
            .filter(|o| o.parent.is_none())
            .filter(|o| o.tags(d.trace_of(o).tags) != d.trace_of(o).tags)
            .count()
    });
    assert!(
        roots_with_earlier_tags > 0,
        "the first observation's tags are not the rule"
    );
    assert_eq!(stored, expected);
}

type ScoreRow = (
    String,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn scores_by_id(test: &crate::helpers::TestApp) -> BTreeMap<String, ScoreRow> {
    reader(&test.database)
        .prepare("SELECT id, data_type, value, string_value, trace_id, observation_id FROM scores")
        .unwrap()
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                (
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_read_from_v2_are_stored_as_the_same_scores_from_v3() {
    let mut from_v3 = spawn_app(mock_config(1_500)).await;
    assert!(from_v3.app.try_sync_once().await.unwrap().is_success());
    let mut from_v2 = spawn_app(mock_config(1_500)).await;
    from_v2.mock.set_scores_v3_enabled(false);
    assert!(from_v2.app.try_sync_once().await.unwrap().is_success());
    assert_eq!(metadata(&from_v2).scores_mode.as_deref(), Some("v2"));
    let v3 = scores_by_id(&from_v3);
    assert!(v3.values().any(|s| s.0 == "TEXT") && v3.values().any(|s| s.0 == "CORRECTION"));
    assert_eq!(scores_by_id(&from_v2), v3);

    // v3 is asked again every cycle and taken as soon as it answers.
    from_v2.mock.set_scores_v3_enabled(true);
    assert!(from_v2.app.try_sync_once().await.unwrap().is_success());
    assert_eq!(metadata(&from_v2).scores_mode.as_deref(), Some("v3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_keeps_failing_is_asked_again_smaller_and_nothing_is_lost() {
    let mut test = spawn_app_with(mock_config(3_000), &[("CUPID_PAGE_SIZE", "400")]).await;
    test.mock.set_faults(Faults {
        server_error: 0.8,
        ..Faults::default()
    });
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    let page_size = metadata(&test)
        .page_size
        .expect("the page size is recorded");
    assert!(page_size < 400, "shrunk after repeated 5xx: {page_size}");
    assert!(page_size >= 50);
    test.mock.set_faults(Faults::default());
    assert_matches_ground_truth(&test.database, &test.mock);
}
