//! Continuous backup with Litestream: a backfill replicated to a file
//! replica, everything killed (-9) in the middle, the database deleted and
//! restored with scripts/restore.sh; the restored database is sound, equals
//! the replica's last snapshot, and the daemon resumes from its cursors to
//! exactly the ground truth, re-fetching at most one page per source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use langfuse_mock::Faults;
use reliability::{
    Process, Workspace, binary, daemon_environment, differences_from_ground_truth, integrity_check,
    litestream, now_ms, read_only, sized, spawn_mock, summarize, sync_once, wait_until,
    workspace_root,
};

use crate::helpers::blocking;

/// Where a database's sync stands: what a restore must bring back exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Progress {
    requests_sent: i64,
    data_version: i64,
    updated_at_ms: i64,
    /// source -> (watermark, window from, window to, cursor, page)
    cursors: BTreeMap<String, String>,
}

fn progress(database: &Path) -> Progress {
    let connection = read_only(database);
    let (requests_sent, data_version, updated_at_ms) = connection
        .query_row(
            "SELECT requests_sent, data_version, updated_at_ms FROM sync_metadata WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("sync_metadata is readable");
    let mut statement = connection
        .prepare(
            "SELECT source, quote(watermark_ms) || ' ' || quote(window_from_ms) || ' ' || \
             quote(window_to_ms) || ' ' || quote(cursor) || ' ' || quote(page) FROM sync_cursors",
        )
        .unwrap();
    let cursors = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    Progress {
        requests_sent,
        data_version,
        updated_at_ms,
        cursors,
    }
}

/// Pages committed so far (each page adds its one request to
/// `requests_sent` when nothing fails), or 0 before the database exists.
fn pages_committed(database: &Path) -> i64 {
    if !database.exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT requests_sent FROM sync_metadata", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// The environment of Litestream and scripts/restore.sh for `data`.
fn backup_environment(data: &Path, replica: &Path) -> BTreeMap<String, String> {
    [
        ("CUPID_DATABASE_PATH", data.join("cupid.db")),
        ("CUPID_BACKUP_DIR", replica.to_path_buf()),
        ("CUPID_DATA_DIR", data.to_path_buf()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.display().to_string()))
    .collect()
}

fn litestream_config() -> String {
    workspace_root()
        .join("scripts/litestream-file.yml")
        .display()
        .to_string()
}

fn start_litestream(environment: &BTreeMap<String, String>, logs: &Path) -> Process {
    Process::start(
        "litestream",
        &litestream(),
        &["replicate", "-config", &litestream_config()],
        environment,
        logs,
    )
}

/// The replica's newest transaction (hex TXID) and when it was written,
/// from `litestream ltx`.
fn newest_replicated(environment: &BTreeMap<String, String>, database: &Path) -> (String, String) {
    let output = Command::new(litestream())
        .args(["ltx", "-config", &litestream_config()])
        .arg(database)
        .envs(environment)
        .output()
        .expect("litestream ltx runs");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((fields.get(2)?.to_string(), fields.get(4)?.to_string()))
        })
        .max()
        .unwrap_or_else(|| panic!("the replica lists no transaction: {text}"))
}

fn remove_database(database: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_lost_mid_backfill_is_restored_from_litestream_and_resumes_to_the_ground_truth()
{
    let observations = sized(20_000, 200_000);
    let page_size = sized("100", "500");
    let mock = spawn_mock(observations, Faults::default()).await;
    // The database holds every environment, internal ones included.
    let truth = mock.ground_truth_for(&langfuse_mock::EnvironmentFilter::All);

    // One clean sync: the reference database and what a whole backfill costs.
    let clean = Workspace::new();
    let (code, output) = blocking({
        let environment = daemon_environment(
            &mock.base_url(),
            &clean.database(),
            &[("CUPID_PAGE_SIZE", page_size)],
        );
        let logs = clean.path().to_path_buf();
        move || sync_once(&environment, &logs, Duration::from_secs(900))
    })
    .await;
    assert_eq!(code, Some(0), "the clean sync succeeds: {output}");
    let clean_stats = mock.stats();
    let clean_progress = progress(&clean.database());
    // Requests a run sends that no page records (probes): the same again on
    // the resumed run.
    let unrecorded_requests = clean_stats.total as i64 - clean_progress.requests_sent;
    let sources = clean_stats.by_endpoint.len() as i64;

    // The backfill again, with Litestream replicating it into a directory.
    mock.reset_stats();
    let workspace = Workspace::new();
    let data = workspace.path().join("data");
    let replica = workspace.path().join("replica");
    std::fs::create_dir_all(&data).unwrap();
    let database = data.join("cupid.db");
    let backup = backup_environment(&data, &replica);
    // Paced, so that the replica has caught up with part of the backfill
    // when the kill comes half way through it.
    let environment = daemon_environment(
        &mock.base_url(),
        &database,
        &[
            ("CUPID_PAGE_SIZE", page_size),
            ("CUPID_CHECKPOINT_MODE", "litestream"),
            ("CUPID_QUOTA_PER_MINUTE", "1200"),
        ],
    );
    let half_way = clean_progress.requests_sent / 2;
    let (killed_progress, kill_ms, replica_at_kill) = blocking({
        let (environment, backup, logs) = (
            environment.clone(),
            backup.clone(),
            workspace.path().to_path_buf(),
        );
        let database = database.clone();
        move || {
            let mut litestream = start_litestream(&backup, &logs);
            let mut daemon = Process::start(
                "sync-daemon",
                &binary("sync-daemon"),
                &["--once"],
                &environment,
                &logs,
            );
            let replicated = logs.join("replica").join("ltx").join("0");
            let reached = wait_until(Duration::from_secs(600), || {
                let files = std::fs::read_dir(&replicated).map_or(0, |entries| entries.count());
                (pages_committed(&database) >= half_way && files >= 2)
                    || daemon.try_exit().is_some()
            });
            // Everything dies at once, as in a power cut.
            daemon.kill_hard();
            litestream.kill_hard();
            let kill_ms = now_ms();
            assert!(reached, "the backfill reached half way within 10 minutes");
            let at_kill = progress(&database);
            let replica_at_kill = newest_replicated(&backup, &database);
            (at_kill, kill_ms, replica_at_kill)
        }
    })
    .await;
    assert!(
        killed_progress.requests_sent < clean_progress.requests_sent,
        "the kill landed mid-backfill ({} of {} pages)",
        killed_progress.requests_sent,
        clean_progress.requests_sent
    );

    // The disk is lost: the database goes, the replica stays.
    remove_database(&database);
    let _ = std::fs::remove_dir_all(data.join(".cupid.db-litestream"));
    let restore_started = Instant::now();
    let restore = Command::new("bash")
        .arg(workspace_root().join("scripts/restore.sh"))
        .envs(&backup)
        .output()
        .expect("scripts/restore.sh runs");
    let restore_ms = restore_started.elapsed().as_millis();
    assert!(
        restore.status.success(),
        "scripts/restore.sh restores: {}{}",
        String::from_utf8_lossy(&restore.stdout),
        String::from_utf8_lossy(&restore.stderr)
    );
    assert_eq!(integrity_check(&database), "ok");

    // The restored database is exactly the replica's last snapshot.
    let snapshot = workspace.path().join("snapshot.db");
    let (newest_txid, newest_written) = replica_at_kill.clone();
    let explicit = Command::new(litestream())
        .args([
            "restore",
            "-config",
            &litestream_config(),
            "-txid",
            &newest_txid,
            "-o",
        ])
        .arg(&snapshot)
        .arg(&database)
        .envs(&backup)
        .output()
        .expect("litestream restore -txid runs");
    assert!(
        explicit.status.success(),
        "{}",
        String::from_utf8_lossy(&explicit.stderr)
    );
    let restored = progress(&database);
    assert_eq!(
        restored,
        progress(&snapshot),
        "sync state of the last snapshot"
    );
    assert!(
        summarize(&database).unwrap() == summarize(&snapshot).unwrap(),
        "the restored rows differ from the replica's last snapshot"
    );
    assert!(
        restored.requests_sent > 0,
        "the replica held part of the backfill"
    );
    assert!(restored.data_version <= killed_progress.data_version);
    let behind_pages = killed_progress.requests_sent - restored.requests_sent;
    let behind_ms = killed_progress.updated_at_ms - restored.updated_at_ms;

    // Start again: Litestream and the daemon, from the restored cursors.
    mock.reset_stats();
    let resumed_code = blocking({
        let (environment, backup, logs) = (
            environment.clone(),
            backup.clone(),
            workspace.path().to_path_buf(),
        );
        move || {
            let mut litestream = start_litestream(&backup, &logs);
            let (code, output) = sync_once(&environment, &logs, Duration::from_secs(900));
            litestream.stop(Duration::from_secs(10));
            (code, output)
        }
    })
    .await;
    assert_eq!(
        resumed_code.0,
        Some(0),
        "the resumed sync succeeds: {}",
        resumed_code.1
    );
    let resumed_stats = mock.stats();
    // A clean sync's pages minus those the restored cursors say are done.
    let implied = clean_progress.requests_sent - restored.requests_sent + unrecorded_requests;
    let refetched = resumed_stats.total as i64 - implied;
    println!(
        "backup: observations={} pages_clean={} pages_at_kill={} pages_restored={} \
         replica_behind_pages={behind_pages} replica_behind_s={:.1} newest_ltx_written={newest_written} \
         kill_at_ms={kill_ms} restore_ms={restore_ms} resumed_requests={} implied_requests={implied} \
         refetched_pages={refetched} sources={sources} resumed_by_endpoint={:?}",
        truth.overall.observations,
        clean_progress.requests_sent,
        killed_progress.requests_sent,
        restored.requests_sent,
        behind_ms as f64 / 1000.0,
        resumed_stats.total,
        resumed_stats.by_endpoint,
    );
    assert!(
        refetched <= sources,
        "{refetched} pages re-fetched beyond the restored cursors (at most one per source, {sources})"
    );
    assert_eq!(integrity_check(&database), "ok");
    let differences = differences_from_ground_truth(&database, &truth).unwrap();
    assert!(differences.is_empty(), "{differences:#?}");
    assert!(
        summarize(&database).unwrap() == summarize(&clean.database()).unwrap(),
        "the resumed database differs from a clean sync"
    );
}
