//! Benchmark of the sync daemon (not a test): a backfill of N observations
//! (default 1,000,000) from the Langfuse double on loopback with no quota,
//! run by the real release binary under `/usr/bin/time -v`, then a full
//! rebuild of the derived tables, then an incremental cycle after ~1,000 new
//! observations. Prints every figure it measures.
//!
//! Run with `sync-daemon/benches/bench-sync.sh [N]` (it builds the release
//! binary this example starts).

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use langfuse_mock::{EnvironmentFilter, MockConfig, MockHandle};
use serde_json::Value;
use sync_daemon::store::Store;

#[derive(Debug, Default)]
struct SourceRun {
    rows: u64,
    pages: u64,
    duration_ms: u64,
    store_ms: u64,
}

#[derive(Debug)]
struct DaemonRun {
    wall: Duration,
    /// User + system CPU seconds of the daemon process.
    cpu_seconds: f64,
    max_rss_kb: u64,
    sources: HashMap<String, SourceRun>,
}

fn main() -> anyhow::Result<()> {
    let observations = support::observations_argument()?;
    support::block_on(run(observations))
}

async fn run(observations: usize) -> anyhow::Result<()> {
    let daemon = support::daemon_binary()?;
    let spec = support::dataset(observations)?;
    println!(
        "machine: {} CPUs, load average before: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let started = Instant::now();
    let mock = langfuse_mock::spawn(MockConfig {
        dataset: spec,
        ..MockConfig::default()
    })
    .await?;
    // The daemon stores every environment, Langfuse's internal ones too.
    let truth = mock.ground_truth_for(&EnvironmentFilter::All);
    println!(
        "dataset: {} observations ({} outside Langfuse's internal environments), {} traces, {} sessions, {} scores (generated in {:.1} s)",
        truth.overall.observations,
        mock.ground_truth().overall.observations,
        truth.overall.traces,
        truth.overall.sessions,
        truth.scores,
        started.elapsed().as_secs_f64()
    );
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("cupid.db");

    let backfill = run_daemon(&daemon, &mock, &database).await?;
    let source = backfill
        .sources
        .get("observations")
        .context("no observations source in the log")?;
    check_counts(&database, truth.overall.observations)?;
    println!(
        "backfill: {} observations in {} pages, {:.2} s -> {:.0} observations/s (store+derive {:.2} s of it)",
        source.rows,
        source.pages,
        source.duration_ms as f64 / 1000.0,
        source.rows as f64 / (source.duration_ms as f64 / 1000.0),
        source.store_ms as f64 / 1000.0
    );
    if let Some(scores) = backfill.sources.get("scores") {
        println!(
            "backfill: {} scores in {} pages, {:.2} s",
            scores.rows,
            scores.pages,
            scores.duration_ms as f64 / 1000.0
        );
    }
    println!(
        "backfill: whole run {:.2} s wall, {:.2} s daemon CPU (user+sys), daemon peak RSS (VmHWM) {:.1} MB",
        backfill.wall.as_secs_f64(),
        backfill.cpu_seconds,
        backfill.max_rss_kb as f64 / 1024.0
    );
    println!(
        "backfill: {:.0} observations per second of daemon CPU (scores included)",
        truth.overall.observations as f64 / backfill.cpu_seconds
    );
    println!("load average after the backfill: {}", load_average());
    let size = std::fs::metadata(&database)?.len()
        + std::fs::metadata(database.with_extension("db-wal")).map_or(0, |m| m.len());
    println!("database: {:.0} MB", size as f64 / 1_048_576.0);

    let mut store = Store::open(&database)?;
    let started = Instant::now();
    let cpu_before = own_cpu_seconds();
    let traces = store.rebuild_derived(chrono::Utc::now().timestamp_millis())?;
    println!(
        "full refresh of derived data: {} observations, {} traces in {:.2} s wall, {:.2} s CPU",
        truth.overall.observations,
        traces,
        started.elapsed().as_secs_f64(),
        own_cpu_seconds() - cpu_before
    );
    drop(store);

    // New data from the last half hour (inside the 1 h lookback): one new
    // trace moves the double's end to now, then traces before it until at
    // least 1,000 observations are new.
    let mut added = mock.add_new_traces(1);
    while added < 1_000 {
        added += mock.add_late_observations(10, Duration::from_secs(30 * 60));
    }
    let incremental = run_daemon(&daemon, &mock, &database).await?;
    let source = incremental
        .sources
        .get("observations")
        .context("no observations source in the log")?;
    check_counts(
        &database,
        mock.ground_truth_for(&EnvironmentFilter::All)
            .overall
            .observations,
    )?;
    println!(
        "incremental cycle after {added} new observations: {} rows read (new + 1 h lookback) in {} pages; observations {:.0} ms of which store+derive {} ms; whole run {:.2} s",
        source.rows,
        source.pages,
        source.duration_ms as f64,
        source.store_ms,
        incremental.wall.as_secs_f64()
    );
    Ok(())
}

/// User + system CPU seconds of this process so far (from /proc/self/stat,
/// in clock ticks of 1/100 s), covering the refresh's own threads.
fn own_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the ")" closing the command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The 1, 5 and 15 minute load averages (other work on the machine skews
/// wall-clock figures).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn check_counts(database: &Path, expected: u64) -> anyhow::Result<()> {
    let db = shared_schema::open_reader(database)?;
    let stored: i64 = db.query_row("SELECT COUNT(*) FROM observations", [], |r| r.get(0))?;
    let derived: i64 = db.query_row(
        "SELECT COALESCE(SUM(observations), 0) FROM daily_metrics WHERE agent = '*' AND model = '*'",
        [],
        |r| r.get(0),
    )?;
    if stored as u64 != expected || derived as u64 != expected {
        bail!("stored {stored} / derived {derived} observations, expected {expected}");
    }
    Ok(())
}

async fn run_daemon(
    daemon: &Path,
    mock: &MockHandle,
    database: &Path,
) -> anyhow::Result<DaemonRun> {
    let started = Instant::now();
    let output = tokio::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(daemon)
        .arg("--once")
        .env_clear()
        .env("LANGFUSE_PUBLIC_KEY", "pk-lf-demo")
        .env("LANGFUSE_SECRET_KEY", "sk-lf-demo")
        .env("LANGFUSE_HOST", mock.base_url())
        .env("CUPID_DATABASE_PATH", database)
        .env("CUPID_QUOTA_PER_MINUTE", "0")
        .env("CUPID_PAGE_SIZE", "1000")
        .env("CUPID_BACKFILL_SINCE", support::backfill_since()?)
        .env("CUPID_CONTROL_PORT", "0")
        .env("CUPID_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .context("running /usr/bin/time -v sync-daemon --once")?;
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("the daemon failed:\n{stderr}");
    }
    let mut sources = HashMap::new();
    let mut max_rss_kb = 0;
    let mut cpu_seconds = 0.0;
    for line in stderr.lines() {
        let text = line.trim();
        if let Some(kb) = text.strip_prefix("Maximum resident set size (kbytes):") {
            max_rss_kb = kb.trim().parse()?;
        }
        for prefix in ["User time (seconds):", "System time (seconds):"] {
            if let Some(seconds) = text.strip_prefix(prefix) {
                cpu_seconds += seconds.trim().parse::<f64>()?;
            }
        }
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if event["message"] == "source synced" {
            let number = |key: &str| event[key].as_u64().unwrap_or(0);
            sources.insert(
                event["source"].as_str().unwrap_or_default().to_string(),
                SourceRun {
                    rows: number("rows"),
                    pages: number("pages"),
                    duration_ms: number("duration_ms"),
                    store_ms: number("store_ms"),
                },
            );
        }
    }
    Ok(DaemonRun {
        wall,
        cpu_seconds,
        max_rss_kb,
        sources,
    })
}
