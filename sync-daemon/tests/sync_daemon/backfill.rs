use std::time::Duration;

use langfuse_mock::MockConfig;
use shared_schema::rows::{ApiMode, SyncMetadata, SyncState};

use crate::helpers::{
    SCORES, V2, assert_matches_ground_truth, assert_roll_ups_match_observations, dataset,
    mock_config, reader, requests_to, spawn_app, spawn_app_with,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_reproduces_the_ground_truth_exactly() {
    let mut test = spawn_app(mock_config(3_000)).await;

    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);
    let truth = test
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let pages = truth.overall.observations.div_ceil(100);
    let v2_requests = requests_to(&test.mock, V2);
    assert!(
        (pages..=pages + 1).contains(&v2_requests),
        "{v2_requests} requests for {pages} pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transition_and_counter_is_recorded() {
    let mut test = spawn_app(mock_config(500)).await;

    test.app.try_sync_once().await.unwrap();

    let db = reader(&test.database);
    let metadata = SyncMetadata::load(&db).unwrap();
    let stats = test.mock.stats();
    let truth = test
        .mock
        .ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    assert_eq!(metadata.state, SyncState::Success);
    assert_eq!(metadata.api_mode, Some(ApiMode::V2));
    assert_eq!(metadata.requests_sent as u64, stats.total);
    assert_eq!(metadata.cycle_requests_sent as u64, stats.total);
    assert_eq!(
        metadata.rows_written as u64,
        truth.overall.observations + truth.scores
    );
    assert!(metadata.last_success_at_ms.is_some());
    assert!(metadata.data_version > 0);
    assert!(metadata.backfill_from_ms.is_some());
    let states: Vec<String> = db
        .prepare("SELECT state FROM sync_runs ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(states, ["idle", "running", "success"]);
    let schedule: (i64, i64) = db
        .query_row(
            "SELECT quota_per_minute, sync_interval_secs FROM sync_metadata",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        schedule,
        (0, 300),
        "the schedule readers judge freshness by"
    );
    let open_windows: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sync_cursors WHERE window_from_ms IS NOT NULL OR cursor IS NOT NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(open_windows, 0, "finished windows leave no cursor behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_with_nothing_new_costs_one_request_per_source() {
    let mut test = spawn_app(mock_config(400)).await;
    test.app.try_sync_once().await.unwrap();
    let version_before = SyncMetadata::load(&reader(&test.database))
        .unwrap()
        .data_version;
    test.mock.reset_stats();

    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(requests_to(&test.mock, V2), 1);
    assert_eq!(requests_to(&test.mock, SCORES), 1);
    assert_eq!(test.mock.stats().total, 2);
    assert_matches_ground_truth(&test.database, &test.mock);
    let metadata = SyncMetadata::load(&reader(&test.database)).unwrap();
    assert_eq!(metadata.cycle_requests_sent, 2);
    assert!(metadata.data_version >= version_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_cycles_pick_up_late_updated_and_new_data() {
    let mut config = MockConfig {
        dataset: dataset(2_000, 5),
        ..MockConfig::default()
    };
    config.dataset.pending_share = 0.3;
    // Pending observations lie anywhere in the 3 days: a lookback that
    // covers them re-reads them once they are complete.
    let mut test = spawn_app_with(config, &[("CUPID_LOOKBACK_SECS", "345600")]).await;
    test.app.try_sync_once().await.unwrap();
    assert_matches_ground_truth(&test.database, &test.mock);

    let late = test
        .mock
        .add_late_observations(6, Duration::from_secs(20 * 60));
    let completed = test.mock.complete_pending();
    assert!(
        late > 0 && completed > 0,
        "late {late}, completed {completed}"
    );
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);

    let new = test.mock.add_new_traces(8);
    assert!(new > 0);
    let outcome = test.app.try_sync_once().await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_derived_tables_equal_a_full_rebuild() {
    let mut config = MockConfig {
        dataset: dataset(2_500, 9),
        ..MockConfig::default()
    };
    config.dataset.pending_share = 0.4;
    let mut test = spawn_app_with(config, &[("CUPID_LOOKBACK_SECS", "345600")]).await;
    test.app.try_sync_once().await.unwrap();
    test.mock
        .add_late_observations(10, Duration::from_secs(30 * 60));
    test.mock.complete_pending();
    test.app.try_sync_once().await.unwrap();

    let snapshot = |path: &std::path::Path| derived_snapshot(&reader(path));
    let incremental = snapshot(&test.database);
    let copy = test.directory.path().join("rebuilt.db");
    std::fs::copy(&test.database, &copy).unwrap();
    let _ = std::fs::copy(
        test.database.with_extension("db-wal"),
        copy.with_extension("db-wal"),
    );
    let mut store = sync_daemon::store::Store::open(&copy).unwrap();
    store.rebuild_derived(0).unwrap();
    drop(store);

    assert_eq!(incremental, snapshot(&copy));
    assert_latest_session_scores_follow_the_raw_scores(&reader(&test.database));
    assert_outcome_sums_follow_the_rolled_up_rows(&reader(&test.database));
}

/// An outcome row is rolled up exactly when its session is stored, in one
/// environment, and the row is its name's only one, in that environment;
/// and `outcome_sums` holds, at each span, a GROUP BY of those rows by the
/// span their session starts in (no empty sums).
fn assert_outcome_sums_follow_the_rolled_up_rows(db: &rusqlite::Connection) {
    let misflagged: i64 = db
        .query_row(
            "SELECT count(*) FROM session_outcomes AS so
             WHERE so.rolled_up IS NOT (
                 so.session_start_ms IS NOT NULL
                 AND so.environment = (SELECT min(environment) FROM session_environments
                                       WHERE session_id = so.session_id
                                       HAVING count(*) = 1)
                 AND (SELECT count(*) FROM session_outcomes AS other
                      WHERE other.session_id = so.session_id AND other.name = so.name) = 1)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(misflagged, 0, "outcome rows flagged against the rule");
    let sums = |query: &str| -> Vec<(i64, i64, String, String, String, i64, i64)> {
        db.prepare(query)
            .unwrap()
            .query_map([], |row| row.try_into())
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let expected = sums(
        "SELECT span.ms, so.session_start_ms - (so.session_start_ms % span.ms), so.environment,
             so.name, so.category, count(*), sum(so.session_cost_nanousd)
         FROM session_outcomes AS so
         CROSS JOIN (SELECT 86400000 AS ms UNION ALL SELECT 21600000
                     UNION ALL SELECT 3600000 UNION ALL SELECT 600000) AS span
         WHERE so.rolled_up = 1
         GROUP BY 1, 2, 3, 4, 5
         ORDER BY 1, 2, 3, 4, 5",
    );
    assert!(
        expected.len() > 100,
        "only {} sums expected",
        expected.len()
    );
    let stored = sums(
        "SELECT span_ms, start_ms, environment, name, category, sessions, cost_nanousd
         FROM outcome_sums ORDER BY 1, 2, 3, 4, 5",
    );
    assert_eq!(stored, expected);
}

/// Each session's stored latest score per name is the last, in (time, id)
/// order, of the scores whose own, trace's or observation's session it is.
fn assert_latest_session_scores_follow_the_raw_scores(db: &rusqlite::Connection) {
    type Latest = std::collections::BTreeMap<(String, String), (i64, String, String)>;
    let mut expected: Latest = Latest::new();
    let mut statement = db
        .prepare(
            "SELECT sc.session_id, t.session_id, o.session_id, sc.name, sc.timestamp_ms, sc.id,
                    sc.data_type
             FROM scores AS sc
             LEFT JOIN trace_keys AS k ON k.id = sc.trace_id
             LEFT JOIN traces AS t ON t.key = k.key
             LEFT JOIN observations AS o ON o.id = sc.observation_id",
        )
        .unwrap();
    let mut rows = statement.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let sessions: std::collections::BTreeSet<String> = (0..3)
            .filter_map(|i| row.get::<_, Option<String>>(i).unwrap())
            .collect();
        let candidate: (i64, String, String) = (
            row.get(4).unwrap(),
            row.get(5).unwrap(),
            row.get(6).unwrap(),
        );
        for session in sessions {
            let known: bool = db
                .query_row(
                    "SELECT count(*) FROM sessions WHERE id = ?1",
                    [&session],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                > 0;
            if !known {
                continue;
            }
            let slot = expected.entry((session, row.get(3).unwrap())).or_default();
            if (&candidate.0, &candidate.1) > (&slot.0, &slot.1) {
                *slot = candidate.clone();
            }
        }
    }
    let stored: Latest = db
        .prepare(
            "SELECT session_id, name, timestamp_ms, score_id, data_type FROM session_latest_scores",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((
                (row.get(0)?, row.get(1)?),
                (row.get(2)?, row.get(3)?, row.get(4)?),
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!stored.is_empty(), "the data set has session scores");
    assert_eq!(stored, expected);
}

/// Every derived row except timestamps of the refresh itself.
fn derived_snapshot(db: &rusqlite::Connection) -> Vec<String> {
    let queries = [
        "SELECT * FROM traces ORDER BY id",
        "SELECT * FROM trace_agents ORDER BY agent, trace_key",
        "SELECT * FROM sessions ORDER BY id",
        "SELECT * FROM session_agents ORDER BY agent, session_id",
        "SELECT * FROM session_environments ORDER BY environment, session_id",
        "SELECT * FROM session_pairs ORDER BY session_id, environment, agent, model",
        "SELECT * FROM environments ORDER BY name",
        "SELECT * FROM daily_metrics ORDER BY day, environment, agent, model",
        "SELECT * FROM ten_minute_metrics ORDER BY start_ms, environment, agent, model",
        "SELECT * FROM hourly_metrics ORDER BY hour_ms, environment, agent, model",
        "SELECT * FROM six_hourly_metrics ORDER BY hour_ms, environment, agent, model",
        "SELECT * FROM ten_minute_scores ORDER BY start_ms, environment, agent, name, data_type, category",
        "SELECT * FROM ten_minute_score_values ORDER BY start_ms, environment, agent, name, value",
        "SELECT * FROM hourly_scores ORDER BY hour_ms, environment, agent, name, data_type, category",
        "SELECT * FROM six_hourly_scores ORDER BY hour_ms, environment, agent, name, data_type, category",
        "SELECT * FROM six_hourly_score_values ORDER BY hour_ms, environment, agent, name, value",
        "SELECT * FROM daily_scores ORDER BY day, environment, agent, name, data_type, category",
        "SELECT * FROM hourly_score_values ORDER BY hour_ms, environment, agent, name, value",
        "SELECT * FROM daily_score_values ORDER BY day, environment, agent, name, value",
        "SELECT * FROM session_outcomes ORDER BY session_id, environment, name",
        "SELECT * FROM outcome_sums ORDER BY span_ms, start_ms, environment, name, category",
        "SELECT * FROM session_latest_scores ORDER BY session_id, name",
        "SELECT agent, environment, sessions, traces, observations, generations, cost_nanousd,
             input_tokens, output_tokens, total_tokens, errors, warnings, error_rate,
             latency_p50_ms, latency_p95_ms, latency_p99_ms, latency_histogram, models,
             first_seen_ms, last_seen_ms
         FROM agent_stats_cache ORDER BY agent, environment",
        "SELECT agent FROM observations ORDER BY id",
    ];
    let mut rows = Vec::new();
    for query in queries {
        let mut statement = db.prepare(query).unwrap();
        let columns = statement.column_count();
        let mut result = statement.query([]).unwrap();
        while let Some(row) = result.next().unwrap() {
            let values: Vec<String> = (0..columns)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            rows.push(values.join("|"));
        }
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_data_inside_the_default_one_hour_lookback_is_caught() {
    let mut config = MockConfig {
        dataset: dataset(1_500, 31),
        ..MockConfig::default()
    };
    config.dataset.end_ms = chrono::Utc::now().timestamp_millis() - 10 * 60_000;
    let mut test = spawn_app(config).await;
    test.app.try_sync_once().await.unwrap();
    test.mock.reset_stats();

    // Starts 10 to 30 minutes ago: before the watermark, inside the lookback.
    let late = test
        .mock
        .add_late_observations(4, Duration::from_secs(20 * 60));
    assert!(late > 0);
    let outcome = test.app.try_sync_once().await.unwrap();

    assert!(outcome.is_success(), "{outcome:?}");
    assert_matches_ground_truth(&test.database, &test.mock);
    assert!(
        requests_to(&test.mock, V2) <= 2,
        "the lookback is a short re-read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finer_metrics_follow_late_updated_and_stale_data_and_sum_to_their_days() {
    let mut config = MockConfig {
        dataset: dataset(2_500, 47),
        stale_versions: true,
        ..MockConfig::default()
    };
    config.dataset.pending_share = 0.3;
    // A lookback over all the data re-reads every row, older versions too.
    let mut test = spawn_app_with(config, &[("CUPID_LOOKBACK_SECS", "345600")]).await;
    assert!(test.app.try_sync_once().await.unwrap().is_success());
    assert_roll_ups_match_observations(&reader(&test.database));

    assert!(test.mock.complete_pending() > 0);
    assert!(
        test.mock
            .add_late_observations(8, Duration::from_secs(90 * 60))
            > 0
    );
    assert!(test.mock.add_new_traces(4) > 0);
    assert!(test.app.try_sync_once().await.unwrap().is_success());

    let db = reader(&test.database);
    assert_roll_ups_match_observations(&db);
    let (slots, hours, days): (i64, i64, i64) = db
        .query_row(
            "SELECT (SELECT count(DISTINCT start_ms) FROM ten_minute_metrics),
                    (SELECT count(DISTINCT hour_ms) FROM hourly_metrics),
                    (SELECT count(DISTINCT day) FROM daily_metrics)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert!(hours > 2 * days, "{hours} hours over {days} days");
    assert!(slots > hours, "{slots} slots over {hours} hours");
    assert_matches_ground_truth(&test.database, &test.mock);
}
