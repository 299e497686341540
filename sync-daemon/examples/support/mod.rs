//! What the daemon's benchmark examples share: their argument, their
//! dataset and the release daemon they start.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use langfuse_mock::DatasetSpec;

/// The number of observations the first argument asks for (default
/// 1,000,000).
pub fn observations_argument() -> anyhow::Result<usize> {
    match std::env::args().nth(1) {
        Some(text) => text
            .parse()
            .context("the argument is a number of observations"),
        None => Ok(1_000_000),
    }
}

/// The days of history the dataset spans: `BENCH_DAYS`, else 30.
pub fn days() -> anyhow::Result<u32> {
    match std::env::var("BENCH_DAYS") {
        Ok(text) => text
            .parse()
            .ok()
            .filter(|days| *days > 0)
            .with_context(|| format!("BENCH_DAYS is a number of days above 0, not {text:?}")),
        Err(_) => Ok(30),
    }
}

/// The daemon's `CUPID_BACKFILL_SINCE` that reaches the dataset's start.
pub fn backfill_since() -> anyhow::Result<String> {
    Ok(format!("{}d", days()? + 1))
}

/// The benchmark dataset: `days()` of games ending two hours ago.
pub fn dataset(observations: usize) -> anyhow::Result<DatasetSpec> {
    Ok(DatasetSpec {
        seed: 7,
        observations,
        days: days()?,
        end_ms: chrono::Utc::now().timestamp_millis() - 2 * 3_600_000,
        pending_share: 0.0,
    })
}

/// The release daemon beside the example:
/// target/<profile>/examples/<example> -> target/<profile>/sync-daemon.
pub fn daemon_binary() -> anyhow::Result<PathBuf> {
    let example = std::env::current_exe()?;
    let binary = example
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("sync-daemon"))
        .context("locating the target directory")?;
    if !binary.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release -p sync-daemon)",
            binary.display()
        );
    }
    Ok(binary)
}

/// Runs `benchmark` on two worker threads, one per core of the benchmark
/// machine.
pub fn block_on(benchmark: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(benchmark)
}
