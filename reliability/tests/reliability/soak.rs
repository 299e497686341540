//! A fault soak: minutes of 5xx, 429, timeouts and truncated bodies while
//! new data keeps arriving. The data ends exact, the quota is never
//! exceeded and every state change is recorded.

use std::time::{Duration, Instant};

use langfuse_mock::Faults;
use reliability::{
    Process, Workspace, binary, daemon_environment, differences_from_ground_truth, integrity_check,
    read_only, recorded_states, sized, spawn_mock, sync_state,
};

use crate::helpers::blocking;

const QUOTA_PER_MINUTE: u32 = 120;

/// (cycle_started_at_ms, last_success_at_ms) from sync_metadata.
fn cycle_times(database: &std::path::Path) -> (Option<i64>, Option<i64>) {
    read_only(database)
        .query_row(
            "SELECT cycle_started_at_ms, last_success_at_ms FROM sync_metadata WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap_or((None, None))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_soak_ends_exact_within_quota_with_every_state_change_recorded() {
    let soak = Duration::from_secs(sized(45, 300));
    let mock = spawn_mock(sized(3_000, 20_000), Faults::default()).await;
    mock.set_quotas(Some(QUOTA_PER_MINUTE), Some(QUOTA_PER_MINUTE));
    mock.set_faults(Faults {
        server_error: 0.20,
        rate_limited: 0.10,
        slow: 0.05,
        slow_delay: Duration::from_millis(2_500),
        truncated_body: 0.02,
        ..Faults::default()
    });
    let workspace = Workspace::new();
    let quota = QUOTA_PER_MINUTE.to_string();
    let environment = daemon_environment(
        &mock.base_url(),
        &workspace.database(),
        &[
            ("CUPID_QUOTA_PER_MINUTE", quota.as_str()),
            ("CUPID_PAGE_SIZE", "200"),
            ("CUPID_REQUEST_TIMEOUT_SECS", "1"),
            ("CUPID_SYNC_INTERVAL_SECS", "1"),
        ],
    );
    let mut daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );

    // New games and late observations keep arriving during the soak.
    let started = Instant::now();
    let mut added = 0;
    while started.elapsed() < soak {
        tokio::time::sleep(Duration::from_secs(2)).await;
        // The double places a new game so that it ends now, compressing its
        // clock to no less than 5 % when there is no room: added more often,
        // games start in the future, where no correct sync can see them yet
        // (reported). So one new game while there is room, then late traces
        // (up to 30 min old) into existing and new sessions.
        if mock.end_ms() < reliability::now_ms() - 3_600_000 {
            added += mock.add_new_traces(3);
        }
        added += mock.add_late_observations(2, Duration::from_secs(1_800));
        assert!(
            daemon.try_exit().is_none(),
            "the daemon died during the soak: {}",
            daemon.log_text()
        );
    }

    // Faults off: one full cycle that starts after the last change settles it.
    mock.set_faults(Faults::default());
    let settled_after = reliability::now_ms();
    let database = workspace.database();
    let settled = blocking(move || {
        reliability::wait_until(Duration::from_secs(180), || {
            matches!(cycle_times(&database),
                (Some(started), Some(success)) if started > settled_after && success >= started)
        })
    })
    .await;
    daemon.stop(Duration::from_secs(10));
    let stats = mock.stats();
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let states = recorded_states(&workspace.database()).unwrap();
    let count = |state: &str| states.iter().filter(|s| *s == state).count();
    println!(
        "soak: seconds={} observations={} added={added} requests={} by_status={:?} \
         max_in_any_60s={:?} quota={QUOTA_PER_MINUTE} cycles={} success={} error={} rate_limited={}",
        soak.as_secs(),
        truth.overall.observations,
        stats.total,
        stats.by_status,
        stats.max_in_any_60s,
        count("running"),
        count("success"),
        count("error"),
        count("rate_limited"),
    );

    assert!(settled, "a clean cycle finished after the faults stopped");
    let newest = mock.with_dataset(|d| d.observations.iter().map(|o| o.start_ms).max());
    assert!(
        newest.unwrap_or_default() <= settled_after,
        "the double holds no observation from the future"
    );
    assert_eq!(integrity_check(&workspace.database()), "ok");
    let differences = differences_from_ground_truth(&workspace.database(), &truth).unwrap();
    assert!(differences.is_empty(), "{differences:#?}");
    for (bucket, busiest) in &stats.max_in_any_60s {
        assert!(
            *busiest <= u64::from(QUOTA_PER_MINUTE),
            "{busiest} requests in one minute to {bucket}, quota {QUOTA_PER_MINUTE}"
        );
    }
    assert!(
        stats.by_status.keys().any(|s| *s >= 500),
        "faults were served"
    );
    // Every cycle is recorded as running followed by exactly one outcome,
    // and sync_metadata shows the last recorded state.
    assert!(count("running") >= 3, "several cycles ran: {states:?}");
    for pair in states.windows(2) {
        let valid = match pair[0].as_str() {
            "running" => matches!(
                pair[1].as_str(),
                "success" | "error" | "rate_limited" | "idle"
            ),
            _ => matches!(pair[1].as_str(), "running" | "idle"),
        };
        assert!(valid, "transition {} -> {} in {states:?}", pair[0], pair[1]);
    }
    let (state, _) = sync_state(&workspace.database()).unwrap();
    assert_eq!(
        Some(&state),
        states.last(),
        "sync_metadata shows the last state"
    );
}
