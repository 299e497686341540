//! The `langfuse-mock` command line: `serve` the demo API, or print the
//! `ground-truth` of a dataset as JSON.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::configuration::MockConfig;
use crate::dataset::{DatasetSpec, generate};
use crate::startup::Application;

#[derive(Parser, Debug)]
#[command(
    name = "langfuse-mock",
    version,
    about = "A Langfuse public-API test double serving seeded Cupid game data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the mock API until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Print the ground truth of a generated dataset as JSON.
    GroundTruth(DataArgs),
}

#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Approximate number of observations to generate.
    #[arg(long, default_value_t = 20_000)]
    pub observations: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Days of history back from the end.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Newest start time, ms since the epoch (default: now).
    #[arg(long)]
    pub end_ms: Option<i64>,
    /// Share of GENERATIONs first served without end, output, usage and cost.
    #[arg(long, default_value_t = 0.0)]
    pub pending_share: f64,
}

impl DataArgs {
    fn spec(&self) -> DatasetSpec {
        DatasetSpec {
            seed: self.seed,
            observations: self.observations,
            days: self.days,
            end_ms: self
                .end_ms
                .unwrap_or_else(|| chrono::Utc::now().timestamp_millis()),
            pending_share: self.pending_share,
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 3100)]
    pub port: u16,
    #[arg(long, default_value = "pk-lf-demo")]
    pub public_key: String,
    /// The secret key clients must send (never printed).
    #[arg(long, default_value = "sk-lf-demo", hide_default_value = true)]
    pub secret_key: String,
    /// Requests per minute of the "public-api" bucket (default: unlimited).
    #[arg(long)]
    pub quota_per_minute: Option<u32>,
    /// Requests per minute of the "public-api-legacy" bucket (default: unlimited).
    #[arg(long)]
    pub legacy_quota_per_minute: Option<u32>,
    /// Answer v2 observations with 404, like a self-hosted Langfuse v3.
    #[arg(long)]
    pub no_v2: bool,
    /// Serve older versions of updated observations and scores beside the
    /// current ones, as Langfuse's unmerged storage does.
    #[arg(long)]
    pub stale_versions: bool,
    /// Answer the legacy read endpoints with 404, as Langfuse Cloud does
    /// since 2026-11-16.
    #[arg(long)]
    pub legacy_reads_removed: bool,
    /// Answer scores v3 with 404 and serve only v2 scores, like a
    /// self-hosted Langfuse older than scores v3.
    #[arg(long)]
    pub no_scores_v3: bool,
    /// Add a short new game every N seconds so a dashboard sees new data.
    #[arg(long)]
    pub live_every_secs: Option<u64>,
    /// Log as JSON lines.
    #[arg(long, env = "CUPID_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::GroundTruth(args) => {
            let truth = generate(&args.spec()).ground_truth();
            serde_json::to_writer_pretty(std::io::stdout().lock(), &truth)
                .context("writing the ground truth")?;
            println!();
            Ok(())
        }
        Command::Serve(args) => {
            let format = if args.log_format == "json" {
                cupid_telemetry::LogFormat::Json
            } else {
                cupid_telemetry::LogFormat::Pretty
            };
            cupid_telemetry::init(format, cupid_telemetry::Output::Stderr);
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("starting the tokio runtime")?
                .block_on(serve(args))
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = MockConfig {
        public_key: args.public_key.clone(),
        secret_key: args.secret_key.clone(),
        dataset: args.data.spec(),
        public_api_quota_per_minute: args.quota_per_minute,
        legacy_quota_per_minute: args.legacy_quota_per_minute,
        v2_enabled: !args.no_v2,
        stale_versions: args.stale_versions,
        legacy_reads_removed: args.legacy_reads_removed,
        scores_v3_enabled: !args.no_scores_v3,
        faults: Default::default(),
    };
    let started = std::time::Instant::now();
    let application = Application::build(config, &args.host, args.port)
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let handle = application.handle();
    let truth = handle.ground_truth();
    tracing::info!(
        observations = truth.overall.observations,
        traces = truth.overall.traces,
        sessions = truth.overall.sessions,
        duration_ms = started.elapsed().as_millis() as u64,
        "generated the dataset"
    );
    println!(
        "langfuse-mock listening on http://{}:{} (public key {})",
        args.host,
        application.port(),
        args.public_key
    );

    if let Some(every) = args.live_every_secs.filter(|s| *s > 0) {
        let live = handle.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(every));
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let added = live.add_new_traces(3);
                tracing::info!(observations = added, "added live data");
            }
        });
    }

    let server = tokio::spawn(application.run_until_stopped());
    shutdown_signal().await;
    tracing::info!("shutting down");
    handle.stop().await;
    server.await.context("joining the server")??;
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
