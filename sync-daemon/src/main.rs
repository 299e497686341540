use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sync_daemon::configuration::{BackfillStart, Settings};
use sync_daemon::startup::Application;

/// Syncs Langfuse traces of the Cupid game into the dashboard's SQLite
/// database, within the Langfuse API quota. Settings come from the
/// environment (LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_HOST,
/// CUPID_*; see README.md) and an optional TOML file.
#[derive(Parser, Debug)]
#[command(name = "sync-daemon", version)]
struct Cli {
    /// A TOML file with settings (environment variables override it).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Run one cycle and exit: 0 if it succeeded, 1 if not.
    #[arg(long)]
    once: bool,
    /// Where the first backfill starts: a span back from now (30d, 12h) or a
    /// date (2026-11-01). Overrides CUPID_BACKFILL_SINCE.
    #[arg(long, value_name = "SPAN|DATE")]
    since: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("sync-daemon: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(since) = &cli.since {
        match BackfillStart::parse(since) {
            Ok(start) => settings.backfill_since = start,
            Err(reason) => {
                eprintln!("sync-daemon: invalid --since {since:?}: {reason}");
                return ExitCode::from(2);
            }
        }
    }
    cupid_telemetry::init(settings.log_format, cupid_telemetry::Output::Stderr);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sync-daemon: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mut application = match Application::build(settings).await {
            Ok(application) => application,
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "could not start");
                return ExitCode::FAILURE;
            }
        };
        if cli.once {
            let outcome = application.try_sync_once().await;
            application.flush_alerts().await;
            return match outcome {
                Ok(outcome) if outcome.is_success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "the cycle could not be recorded");
                    ExitCode::FAILURE
                }
            };
        }
        match application.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "stopped on an error");
                ExitCode::FAILURE
            }
        }
    })
}
