//! Logging: human-readable by default, JSON lines with `CUPID_LOG_FORMAT=json`;
//! `RUST_LOG` filters (default `info`).

use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

pub fn init_subscriber(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
