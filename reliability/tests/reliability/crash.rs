//! kill -9 during a large backfill with faults on: the database ends equal
//! to one clean sync, sound, and reached with few extra requests.

use std::time::{Duration, Instant};

use langfuse_mock::Faults;
use rand::{Rng, SeedableRng};
use reliability::{
    Process, Workspace, binary, daemon_environment, differences_from_ground_truth, integrity_check,
    sized, spawn_mock, summarize, sync_once,
};

use crate::helpers::{blocking, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_faulty_backfill_loses_nothing_and_costs_few_extra_requests() {
    let observations = sized(20_000, 200_000);
    let kills = sized(6, 20);
    let page_size = sized("100", "500");
    let mock = spawn_mock(observations, Faults::default()).await;
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);

    // One clean sync: the reference database, request count and duration.
    let clean = Workspace::new();
    let clean_environment = daemon_environment(
        &mock.base_url(),
        &clean.database(),
        &[("CUPID_PAGE_SIZE", page_size)],
    );
    let started = Instant::now();
    let (code, output) = blocking({
        let (environment, logs) = (clean_environment.clone(), clean.path().to_path_buf());
        move || sync_once(&environment, &logs, Duration::from_secs(900))
    })
    .await;
    let clean_duration = started.elapsed();
    assert_eq!(code, Some(0), "the clean sync succeeds: {output}");
    let clean_stats = mock.stats();
    let clean_requests = clean_stats.total;

    // The same backfill with faults, killed at random moments.
    mock.reset_stats();
    mock.set_faults(Faults {
        server_error: 0.02,
        rate_limited: 0.01,
        drop_connection: 0.005,
        truncated_body: 0.005,
        ..Faults::default()
    });
    let crashed = Workspace::new();
    let environment = daemon_environment(
        &mock.base_url(),
        &crashed.database(),
        &[("CUPID_PAGE_SIZE", page_size)],
    );
    let seed = seed();
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    // Segments average a little under clean_duration / kills, so the kills
    // land inside the backfill rather than after it.
    let mean_segment_ms = clean_duration.as_millis() as u64 / (kills as u64 + 1);
    let mut killed_while_running = 0;
    for _ in 0..kills {
        let delay = Duration::from_millis(random.random_range(50..=2 * mean_segment_ms.max(60)));
        let finished = blocking({
            let (environment, logs) = (environment.clone(), crashed.path().to_path_buf());
            move || {
                let mut daemon = Process::start(
                    "sync-daemon",
                    &binary("sync-daemon"),
                    &["--once"],
                    &environment,
                    &logs,
                );
                let exited = daemon.wait_for_exit(delay);
                daemon.kill_hard();
                exited.is_some()
            }
        })
        .await;
        if !finished {
            killed_while_running += 1;
        }
    }
    mock.set_faults(Faults::default());
    let mut final_code = None;
    for _ in 0..3 {
        let (code, _) = blocking({
            let (environment, logs) = (environment.clone(), crashed.path().to_path_buf());
            move || sync_once(&environment, &logs, Duration::from_secs(900))
        })
        .await;
        final_code = code;
        if code == Some(0) {
            break;
        }
    }
    let crashed_stats = mock.stats();
    let crashed_requests = crashed_stats.total;
    let ratio = crashed_requests as f64 / clean_requests as f64;
    println!(
        "crash: observations={} kills={kills} killed_while_running={killed_while_running} seed={seed} \
         clean_requests={clean_requests} crashed_requests={crashed_requests} ratio={ratio:.3} \
         clean_sync_ms={}\n  clean requests by endpoint {:?}\n  crashed requests by endpoint {:?}, by status {:?}",
        truth.overall.observations,
        clean_duration.as_millis(),
        clean_stats.by_endpoint,
        crashed_stats.by_endpoint,
        crashed_stats.by_status,
    );

    assert_eq!(
        final_code,
        Some(0),
        "the last sync after the crashes succeeds"
    );
    assert!(
        killed_while_running > kills / 2,
        "most kills hit a running daemon"
    );
    assert_eq!(integrity_check(&crashed.database()), "ok");
    assert_eq!(integrity_check(&clean.database()), "ok");
    let clean_summary = summarize(&clean.database()).unwrap();
    let crashed_summary = summarize(&crashed.database()).unwrap();
    assert_eq!(
        crashed_summary.row_counts, clean_summary.row_counts,
        "row counts"
    );
    assert!(
        crashed_summary == clean_summary,
        "the crashed database differs from a clean sync in its per-session, agent or day sums"
    );
    let differences = differences_from_ground_truth(&crashed.database(), &truth).unwrap();
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(
        ratio <= 1.1,
        "{crashed_requests} requests with crashes vs {clean_requests} clean: ratio {ratio:.3} > 1.1"
    );
}
