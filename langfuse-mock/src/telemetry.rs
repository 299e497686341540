//! Logging setup for the binary.

use tracing_subscriber::EnvFilter;

/// Installs a `tracing` subscriber: `RUST_LOG` filters (default `info`),
/// `json` selects JSON lines instead of readable text.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}
