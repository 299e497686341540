//! Small glue shared by the test modules.

/// Runs blocking work (processes, SQLite, plain sockets) off the runtime
/// threads, so the in-process Langfuse double keeps answering.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("the blocking task finishes")
}

/// The seed of the random choices: `CUPID_RELIABILITY_SEED` to replay a
/// run, else the clock (printed by each test that uses it).
pub fn seed() -> u64 {
    std::env::var("CUPID_RELIABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| reliability::now_ms() as u64)
}
