//! The real `sync-daemon` binary: exit codes, signals, kill -9, secrets.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use langfuse_mock::{MockConfig, MockHandle};
use shared_schema::rows::{SyncMetadata, SyncState};
use tokio::process::{Child, Command};

use crate::helpers::{
    V2, assert_matches_ground_truth, dataset, environment, reader, requests_to, settings,
};

const BINARY: &str = env!("CARGO_BIN_EXE_sync-daemon");

fn daemon(mock: &MockHandle, database: &Path, extra: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .envs(environment(mock, database, extra))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

async fn output_of(child: Child) -> (i32, String) {
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the daemon finishes")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_stops_with_a_clear_error_no_retries_and_no_leaked_secret() {
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: dataset(200, 1),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let secret = "sk-lf-wrong-0123456789abcdef";
    let child = daemon(
        &mock,
        &database,
        &[("LANGFUSE_SECRET_KEY", secret), ("RUST_LOG", "debug")],
    )
    .arg("--once")
    .spawn()
    .unwrap();

    let (code, output) = output_of(child).await;

    assert_eq!(code, 1, "{output}");
    assert!(output.contains("401"), "the log names the 401: {output}");
    assert!(!output.contains(secret), "the secret leaked: {output}");
    assert!(
        !output.contains("0123456789abcdef"),
        "part of the secret leaked"
    );
    let basic = base64_of(&format!("pk-lf-demo:{secret}"));
    assert!(!output.contains(&basic), "the Basic credentials leaked");
    assert_eq!(mock.stats().total, 1, "a 401 is never retried");
    let metadata = SyncMetadata::load(&reader(&database)).unwrap();
    assert_eq!(metadata.state, SyncState::Error);
    let message = metadata.last_error.unwrap();
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("LANGFUSE_SECRET_KEY"), "{message}");
    assert!(!message.contains(secret));
}

/// Plain base64 of `text` (no dependency for one assertion).
fn base64_of(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_missing_settings_exit_non_zero_with_one_line_naming_them() {
    let mock = langfuse_mock::spawn(MockConfig::default()).await.unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("CUPID_SYNC_INTERVAL_SECS", "often")],
            "CUPID_SYNC_INTERVAL_SECS",
        ),
        (&[("CUPID_PAGE_SIZE", "0")], "CUPID_PAGE_SIZE"),
        (&[("LANGFUSE_HOST", "ftp://nope")], "LANGFUSE_HOST"),
    ];
    for (extra, name) in cases {
        let (code, output) = output_of(
            daemon(&mock, &database, extra)
                .arg("--once")
                .spawn()
                .unwrap(),
        )
        .await;
        assert_eq!(code, 2, "{name}: {output}");
        assert!(output.contains(name), "{output}");
        assert_eq!(output.trim().lines().count(), 1, "{output}");
    }
    let mut missing = daemon(&mock, &database, &[]);
    missing.env_remove("LANGFUSE_PUBLIC_KEY");
    let (code, output) = output_of(missing.arg("--once").spawn().unwrap()).await;
    assert_eq!(code, 2);
    assert!(output.contains("LANGFUSE_PUBLIC_KEY"), "{output}");
    let (code, output) = output_of(
        daemon(&mock, &database, &[])
            .args(["--once", "--since", "last tuesday"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(code, 2);
    assert!(output.contains("--since"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_describes_the_options_and_never_shows_the_secret() {
    let mock = langfuse_mock::spawn(MockConfig::default()).await.unwrap();
    let directory = tempfile::tempdir().unwrap();
    let child = daemon(
        &mock,
        &directory.path().join("cupid.db"),
        &[("LANGFUSE_SECRET_KEY", "sk-lf-help-secret")],
    )
    .arg("--help")
    .spawn()
    .unwrap();
    let (code, output) = output_of(child).await;
    assert_eq!(code, 0);
    for option in ["--config", "--once", "--since"] {
        assert!(output.contains(option), "{output}");
    }
    assert!(!output.contains("sk-lf-help-secret"));
}

async fn wait_for_pages(database: &Path, source: &str, pages: u32, deadline: Duration) {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Ok(db) = shared_schema::open_reader(database) {
            let page: Option<u32> = db
                .query_row(
                    "SELECT page FROM sync_cursors WHERE source = ?1",
                    [source],
                    |row| row.get(0),
                )
                .ok()
                .flatten();
            if page.is_some_and(|page| page >= pages) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the daemon did not reach page {pages} of {source}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_mid_backfill_then_restart_resumes_with_exact_data() {
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: dataset(20_000, 23),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let mut child = daemon(&mock, &database, &[]).arg("--once").spawn().unwrap();
    wait_for_pages(&database, "observations", 30, Duration::from_secs(60)).await;

    child.kill().await.unwrap();
    let before_restart = requests_to(&mock, V2);
    let (code, output) =
        output_of(daemon(&mock, &database, &[]).arg("--once").spawn().unwrap()).await;

    assert_eq!(code, 0, "{output}");
    assert!(before_restart >= 30);
    assert_matches_ground_truth(&database, &mock);
    let crashed_run_requests = requests_to(&mock, V2);
    // The same sync without a crash, into another database.
    mock.reset_stats();
    let reference = directory.path().join("reference.db");
    let mut app = sync_daemon::startup::Application::build(settings(&mock, &reference, &[]))
        .await
        .unwrap();
    assert!(app.try_sync_once().await.unwrap().is_success());
    let clean_run_requests = requests_to(&mock, V2);
    // Only committed pages move the cursor, but every page fetched is kept
    // on disk until it is stored: a kill loses at most the request in
    // flight.
    assert!(
        crashed_run_requests <= clean_run_requests + 1,
        "{crashed_run_requests} v2 requests with a crash, {clean_run_requests} without: more than one page fetched twice"
    );
    let kept = directory.path().join("cupid.db-fetched");
    assert_eq!(
        std::fs::read_dir(&kept).map_or(0, |files| files.count()),
        0,
        "the kept pages are dropped once stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_cycle_exits_zero_within_ten_seconds_and_resumes_later() {
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: dataset(20_000, 29),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let child = daemon(&mock, &database, &[("CUPID_QUOTA_PER_MINUTE", "600")])
        .spawn()
        .unwrap();
    wait_for_pages(&database, "observations", 3, Duration::from_secs(30)).await;

    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let stopped_at = Instant::now();
    let (code, output) = output_of(child).await;

    assert!(stopped_at.elapsed() < Duration::from_secs(10));
    assert_eq!(code, 0, "{output}");
    let db = reader(&database);
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let window_open: bool = db
        .query_row(
            "SELECT cursor IS NOT NULL FROM sync_cursors WHERE source = 'observations'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(window_open, "stopped mid-window, the cursor is kept");
    let (code, output) =
        output_of(daemon(&mock, &database, &[]).arg("--once").spawn().unwrap()).await;
    assert_eq!(code, 0, "{output}");
    assert_matches_ground_truth(&database, &mock);
}
