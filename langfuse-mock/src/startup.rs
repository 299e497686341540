//! Building and running the mock server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};

use crate::configuration::{Faults, MockConfig};
use crate::dataset::{Dataset, generate};
use crate::ground_truth::{EnvironmentFilter, GroundTruth};
use crate::routes::{
    control, health, langfuse_error, observations_v1, observations_v2, scores, sessions, traces,
};
use crate::state::{RequestStats, SharedState};

/// A built, not yet running, mock server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<SharedState>,
}

impl Application {
    /// Generates the data and binds `host:port` (port 0 picks a free one).
    pub fn build(config: MockConfig, host: &str, port: u16) -> std::io::Result<Self> {
        let dataset = generate(&config.dataset);
        Self::build_with_dataset(config, dataset, host, port)
    }

    pub fn build_with_dataset(
        config: MockConfig,
        dataset: Dataset,
        host: &str,
        port: u16,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind((host, port))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(SharedState::new(&config, dataset));
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap_fn(crate::gatekeeper::gate)
                .route("/api/public/health", web::get().to(health::health))
                .route("/_mock/spike", web::post().to(control::spike))
                .route(
                    "/api/public/v2/observations",
                    web::get().to(observations_v2::list),
                )
                .route("/api/public/v3/scores", web::get().to(scores::list))
                .route("/api/public/v2/scores", web::get().to(scores::list_v2))
                .route("/api/public/traces", web::get().to(traces::list))
                .route("/api/public/sessions", web::get().to(sessions::list))
                .route(
                    "/api/public/observations",
                    web::get().to(observations_v1::list),
                )
                .default_service(web::to(not_found))
        })
        .workers(2)
        .disable_signals()
        .on_connect(crate::gatekeeper::note_socket)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> MockHandle {
        MockHandle {
            port: self.port,
            server: self.server.handle(),
            state: self.state.clone().into_inner(),
        }
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn not_found(request: actix_web::HttpRequest) -> actix_web::HttpResponse {
    langfuse_error(
        actix_web::http::StatusCode::NOT_FOUND,
        "NotFoundError",
        &format!("No route for {} {}", request.method(), request.path()),
    )
}

/// Starts a mock on 127.0.0.1 at a free port, in the current tokio runtime.
pub async fn spawn(config: MockConfig) -> std::io::Result<MockHandle> {
    // A million observations take seconds in a debug build: generate them
    // off the runtime's threads.
    let spec = config.dataset.clone();
    let dataset = tokio::task::spawn_blocking(move || generate(&spec))
        .await
        .map_err(std::io::Error::other)?;
    let application = Application::build_with_dataset(config, dataset, "127.0.0.1", 0)?;
    let handle = application.handle();
    tokio::spawn(async move {
        if let Err(error) = application.run_until_stopped().await {
            tracing::error!(%error, "langfuse-mock server stopped with an error");
        }
    });
    Ok(handle)
}

/// Controls a running mock: its address, statistics, switches and data.
#[derive(Clone)]
pub struct MockHandle {
    port: u16,
    server: ServerHandle,
    state: Arc<SharedState>,
}

impl MockHandle {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn stats(&self) -> RequestStats {
        self.state.stats.lock().expect("stats lock").snapshot()
    }

    pub fn reset_stats(&self) {
        self.state.stats.lock().expect("stats lock").reset();
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.switches.write().expect("switches lock").faults = faults;
    }

    pub fn set_v2_enabled(&self, enabled: bool) {
        self.state
            .switches
            .write()
            .expect("switches lock")
            .v2_enabled = enabled;
    }

    /// Serve older versions (older `updatedAt`, other values, an older
    /// name) of some observations and scores beside the current ones, in the
    /// same page and across pages, as Langfuse's unmerged storage does.
    pub fn set_stale_versions(&self, on: bool) {
        self.state
            .switches
            .write()
            .expect("switches lock")
            .stale_versions = on;
    }

    /// The next `requests` v2 observation requests answer 404 with the
    /// message of a server not in v4 mode.
    pub fn set_transient_v2_404(&self, requests: u32) {
        self.state
            .switches
            .write()
            .expect("switches lock")
            .transient_v2_404 = requests;
    }

    /// `/traces`, `/sessions` and v1 `/observations` answer 404, as Langfuse
    /// Cloud's do since 2026-11-16.
    pub fn set_legacy_reads_removed(&self, removed: bool) {
        self.state
            .switches
            .write()
            .expect("switches lock")
            .legacy_reads_removed = removed;
    }

    /// `false`: `/api/public/v3/scores` answers 404 and only
    /// `/api/public/v2/scores` serves scores (self-hosted Langfuse older
    /// than scores v3).
    pub fn set_scores_v3_enabled(&self, enabled: bool) {
        self.state
            .switches
            .write()
            .expect("switches lock")
            .scores_v3_enabled = enabled;
    }

    /// New limits per minute; the current windows start over.
    pub fn set_quotas(&self, public_api: Option<u32>, legacy: Option<u32>) {
        {
            let mut switches = self.state.switches.write().expect("switches lock");
            switches.public_api_quota = public_api;
            switches.legacy_quota = legacy;
        }
        self.state.quotas.lock().expect("quota lock").clear();
    }

    /// The expected aggregates of the data as it is now, in the default
    /// view: every environment but Langfuse's internal ones.
    pub fn ground_truth(&self) -> GroundTruth {
        self.ground_truth_for(&EnvironmentFilter::AllButInternal)
    }

    /// The expected aggregates over the given environments.
    pub fn ground_truth_for(&self, environments: &EnvironmentFilter) -> GroundTruth {
        self.state
            .dataset
            .read()
            .expect("dataset lock")
            .ground_truth_for(environments)
    }

    /// Adds `traces` traces (in existing or new sessions) whose start times
    /// lie up to `max_age` before the end; returns the observations added.
    pub fn add_late_observations(&self, traces: usize, max_age: std::time::Duration) -> usize {
        self.state
            .dataset
            .write()
            .expect("dataset lock")
            .add_late_traces(traces, max_age.as_millis() as i64)
    }

    /// Fills in endTime/output/usage/cost of pending observations (their
    /// updatedAt moves); returns how many.
    pub fn complete_pending(&self) -> usize {
        self.state
            .dataset
            .write()
            .expect("dataset lock")
            .complete_pending(chrono::Utc::now().timestamp_millis())
    }

    /// Adds a new game of `traces` turns played between the current end and
    /// now (its clock compressed if it would otherwise reach into the
    /// future); moves the end forward. Returns the observations added.
    pub fn add_new_traces(&self, traces: usize) -> usize {
        self.state
            .dataset
            .write()
            .expect("dataset lock")
            .add_new_traces(traces, chrono::Utc::now().timestamp_millis())
    }

    /// Adds a game played "now" whose LLM calls all fail (`Errors`) or all
    /// run away in length and cost (`Cost`); `POST /_mock/spike` does the
    /// same over HTTP. Returns the observations added.
    pub fn add_spike(&self, kind: crate::dataset::SpikeKind, traces: usize) -> usize {
        self.state.dataset.write().expect("dataset lock").add_spike(
            kind,
            traces,
            chrono::Utc::now().timestamp_millis(),
        )
    }

    /// The newest start time the data may contain, ms since the epoch.
    pub fn end_ms(&self) -> i64 {
        self.state.dataset.read().expect("dataset lock").end_ms()
    }

    /// Runs `f` on the current data (for tests that need to look inside).
    pub fn with_dataset<T>(&self, f: impl FnOnce(&Dataset) -> T) -> T {
        f(&self.state.dataset.read().expect("dataset lock"))
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}
