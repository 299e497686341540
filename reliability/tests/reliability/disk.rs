//! Disk trouble under the database: a full volume and a read-only volume.
//! The daemon records an error and retries later without corrupting
//! anything; the API keeps serving what it has; both recover.
//!
//! The volume is a small tmpfs mounted for the test, which needs root (as
//! in CI and the dev container); elsewhere the test fails saying so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use langfuse_mock::{Faults, MockHandle};
use reliability::{
    ApiServer, Process, Workspace, binary, daemon_environment, differences_from_ground_truth,
    free_port, get, integrity_check, spawn_mock, wait_until,
};

use crate::helpers::blocking;

/// A tmpfs of `megabytes` MiB, unmounted when dropped.
struct Volume {
    path: PathBuf,
}

impl Volume {
    fn mount(parent: &Path, megabytes: u32) -> Self {
        let path = parent.join("volume");
        std::fs::create_dir_all(&path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m")])
            .arg("tmpfs")
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs failed: the disk tests need root (CAP_SYS_ADMIN)"
        );
        Self { path }
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "remount {mode}");
    }

    /// Writes a filler file until the volume is full; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        for _ in 0..100_000 {
            if file.write_all(&block).is_err() {
                break;
            }
        }
        let _ = file.sync_all();
        filler
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

struct Stack {
    volume: Volume,
    control_port: u16,
    database: PathBuf,
    daemon: Process,
    api: ApiServer,
    _workspace: Workspace,
}

async fn synced_stack(mock: &MockHandle) -> Stack {
    let workspace = Workspace::new();
    let volume = Volume::mount(workspace.path(), 32);
    let database = volume.path.join("cupid.db");
    let control_port = free_port();
    let environment = daemon_environment(
        &mock.base_url(),
        &database,
        &[
            ("CUPID_SYNC_INTERVAL_SECS", "1"),
            ("CUPID_CONTROL_PORT", &control_port.to_string()),
            ("CUPID_LOG_FORMAT", "json"),
        ],
    );
    let daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let synced = blocking({
        let database = database.clone();
        move || {
            wait_until(Duration::from_secs(120), || {
                database.exists()
                    && differences_from_ground_truth(&database, &truth).is_ok_and(|d| d.is_empty())
            })
        }
    })
    .await;
    assert!(synced, "the first sync finished: {}", daemon.log_text());
    let api = ApiServer::start(&database, workspace.path(), &[]);
    Stack {
        volume,
        control_port,
        database,
        daemon,
        api,
        _workspace: workspace,
    }
}

/// Every endpoint's status and the overview's body.
fn api_answers(api: &ApiServer) -> (Vec<u16>, String) {
    let statuses = [
        "/health",
        "/api/sessions",
        "/api/agents",
        "/api/models",
        "/api/sync/status",
    ]
    .iter()
    .map(|path| get(&api.url(path)).map(|(s, _)| s).unwrap_or(0))
    .collect();
    let overview = get(&api.url("/api/overview"))
        .map(|(_, b)| b)
        .unwrap_or_default();
    (statuses, overview)
}

/// The last lines of a log, without ANSI colours.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(25)..].join("\n")
}

/// How the daemon's control endpoint says its last cycle ended: the error
/// state it holds when the database cannot even take the error.
fn last_cycle(control_port: u16) -> serde_json::Value {
    let body = get(&format!("http://127.0.0.1:{control_port}/health"))
        .map(|(_, body)| body)
        .unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default()["lastCycle"].clone()
}

async fn recover_and_check(stack: &Stack, mock: &MockHandle, trouble: &str) {
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let database = stack.database.clone();
    let recovered = blocking(move || {
        wait_until(Duration::from_secs(180), || {
            differences_from_ground_truth(&database, &truth).is_ok_and(|d| d.is_empty())
        })
    })
    .await;
    assert!(
        recovered,
        "after the {trouble} the daemon caught up: {}",
        stack.daemon.log_text()
    );
    assert_eq!(
        integrity_check(&stack.database),
        "ok",
        "after the {trouble}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_recorded_as_an_error_retried_and_never_corrupts() {
    let mock = spawn_mock(1_500, Faults::default()).await;
    let mut stack = synced_stack(&mock).await;
    let answers_before = api_answers(&stack.api);

    // Empty the WAL first, so the next commit needs new blocks.
    let checkpoint = rusqlite::Connection::open(&stack.database).unwrap();
    checkpoint.busy_timeout(Duration::from_secs(10)).unwrap();
    checkpoint
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(checkpoint);
    let filler = stack.volume.fill();
    mock.add_new_traces(40);
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        stack.daemon.try_exit().is_none(),
        "the daemon survives a full disk: {}",
        stack.daemon.log_text()
    );
    let answers_during = api_answers(&stack.api);
    println!("disk full: api statuses {:?}", answers_during.0);
    assert!(
        answers_during.0.iter().all(|s| *s == 200),
        "the API keeps serving on a full disk: {:?}",
        answers_during.0
    );
    assert_eq!(
        answers_during.1, answers_before.1,
        "the same data as before"
    );
    assert_eq!(
        integrity_check(&stack.database),
        "ok",
        "during the full disk"
    );
    let last = last_cycle(stack.control_port);
    println!("disk full: the daemon's last cycle {last}");
    assert_eq!(
        last["outcome"], "error",
        "the daemon holds an error state: {last}"
    );
    assert!(
        last["message"]
            .as_str()
            .unwrap_or_default()
            .contains("full"),
        "the error says the disk is full: {last}"
    );
    assert!(
        stack.daemon.log_text().contains("database or disk is full"),
        "the daemon logs the full disk"
    );

    std::fs::remove_file(filler).unwrap();
    recover_and_check(&stack, &mock, "full disk").await;
}

/// A volume that turns read-only cannot be remounted under open files, so
/// this is the restart case: both services come back on a read-only volume.
/// `restart_after`: whether the daemon is restarted once the volume is
/// writable again, or must recover on its own.
async fn read_only_volume(restart_after: bool) {
    let mock = spawn_mock(1_500, Faults::default()).await;
    let Stack {
        volume,
        control_port,
        database,
        mut daemon,
        api,
        _workspace: workspace,
    } = synced_stack(&mock).await;
    let answers_before = api_answers(&api);
    daemon.stop(Duration::from_secs(10));
    drop(api);
    let summary_before = reliability::summarize(&database).unwrap();

    volume.remount("ro");
    mock.add_new_traces(40);
    let api = ApiServer::start(&database, workspace.path(), &[]);
    let environment = daemon_environment(
        &mock.base_url(),
        &database,
        &[
            ("CUPID_SYNC_INTERVAL_SECS", "1"),
            ("CUPID_CONTROL_PORT", &control_port.to_string()),
            ("CUPID_LOG_FORMAT", "json"),
        ],
    );
    let mut daemon = Process::start(
        "sync-daemon",
        &binary("sync-daemon"),
        &[],
        &environment,
        workspace.path(),
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    // Two clear outcomes are fine: it refuses to start (exit 1, saying why),
    // or it runs, holds the error and retries each cycle.
    let exited = daemon.try_exit();
    let log = daemon.log_text();
    let answers_during = api_answers(&api);
    let last = last_cycle(control_port);
    println!(
        "read-only volume: daemon exit {:?}, api statuses {:?}, the daemon's last cycle {last}",
        exited.map(|s| s.code()),
        answers_during.0
    );
    assert!(
        log.contains("readonly database"),
        "the daemon says the database is read-only: {}",
        tail(&log)
    );
    assert!(!log.contains("panicked"), "{log}");
    match exited {
        Some(status) => assert_eq!(status.code(), Some(1), "a refusal to start exits 1: {log}"),
        None => assert_eq!(
            last["outcome"], "error",
            "the daemon holds an error state: {last}"
        ),
    }
    assert!(
        answers_during.0.iter().all(|s| *s == 200),
        "the API serves from a read-only volume: {:?}\n{}",
        answers_during.0,
        api.process.log_text()
    );
    assert_eq!(
        answers_during.1, answers_before.1,
        "the same data as before"
    );
    assert_eq!(reliability::summarize(&database).unwrap(), summary_before);

    volume.remount("rw");
    if restart_after || exited.is_some() {
        daemon.kill_hard();
        daemon = Process::start(
            "sync-daemon",
            &binary("sync-daemon"),
            &[],
            &environment,
            workspace.path(),
        );
    }
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);
    let caught_up = blocking({
        let database = database.clone();
        move || {
            wait_until(Duration::from_secs(60), || {
                differences_from_ground_truth(&database, &truth).is_ok_and(|d| d.is_empty())
            })
        }
    })
    .await;
    assert!(
        caught_up,
        "the daemon caught up once the volume was writable: {}",
        tail(&daemon.log_text())
    );
    assert_eq!(integrity_check(&database), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_read_only_volume_the_api_serves_and_the_daemon_holds_an_error_then_recovers() {
    read_only_volume(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_started_on_a_read_only_volume_recovers_without_a_restart() {
    read_only_volume(false).await;
}
