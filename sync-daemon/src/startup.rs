//! Wiring: the database, the Langfuse client, the control endpoint, the
//! scheduler (one cycle at a time) and the signals.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::alerts::AlertRule;
use crate::alerts::notify::Notifier;
use crate::configuration::Settings;
use crate::langfuse::LangfuseClient;
use crate::routes::{ControlState, LastCycle, health::health, trigger::trigger};
use crate::shutdown::{self, Shutdown, ShutdownTrigger};
use crate::store::Store;
use crate::sync::engine::{CycleOutcome, SyncEngine};

pub struct Application {
    port: u16,
    server: Option<Server>,
    engine: SyncEngine,
    control: web::Data<ControlState>,
    interval: Duration,
    shutdown: Shutdown,
    shutdown_trigger: ShutdownTrigger,
    alert_rules: Arc<Vec<AlertRule>>,
    notifier: Notifier,
}

/// How long a stopping daemon waits for alert messages still queued.
const ALERT_FLUSH_WAIT: Duration = Duration::from_secs(10);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Application {
    /// Opens (and migrates) the database and binds the control port; syncs
    /// nothing yet.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let mut store = Store::open_with(&settings.database_path, settings.checkpoint_mode)?;
        store.rebuild_derived_if_asked(now_ms())?;
        store.record_schedule(
            settings.quota_per_minute.unwrap_or(0),
            settings.sync_interval.as_secs(),
        )?;
        store.record_langfuse_host(&settings.langfuse.ui_base_url())?;
        let client = LangfuseClient::new(&settings).context("building the HTTP client")?;
        let mut engine = SyncEngine::new(&settings, client, store);
        engine.recover_interrupted_cycle().await?;
        let address = (settings.control_host.as_str(), settings.control_port);
        let listener = TcpListener::bind(address).with_context(|| {
            format!(
                "binding the control endpoint to {}:{} (CUPID_CONTROL_HOST, CUPID_CONTROL_PORT)",
                settings.control_host, settings.control_port
            )
        })?;
        let port = listener.local_addr()?.port();
        let control = web::Data::new(ControlState::default());
        let shared = control.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .service(health)
                .service(trigger)
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(2)
        .listen(listener)?
        .run();
        let (shutdown_trigger, shutdown) = shutdown::channel();
        let notifier = Notifier::start(settings.alert_delivery)
            .context("building the HTTP client of the alert webhooks")?;
        for rule in &settings.alerts {
            tracing::info!(
                rule = %rule.name,
                condition = %rule.condition(),
                webhook = %rule.webhook.origin(),
                "alert rule loaded"
            );
        }
        tracing::info!(
            control_port = port,
            database = %settings.database_path.display(),
            host = %settings.langfuse.host,
            interval_secs = settings.sync_interval.as_secs(),
            quota_per_minute = settings.quota_per_minute.unwrap_or(0),
            "sync daemon ready"
        );
        Ok(Application {
            port,
            server: Some(server),
            engine,
            control,
            interval: settings.sync_interval,
            shutdown,
            shutdown_trigger,
            alert_rules: Arc::new(settings.alerts),
            notifier,
        })
    }

    /// The control endpoint's port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops `run_until_stopped` as SIGTERM would.
    pub fn shutdown_trigger(&self) -> ShutdownTrigger {
        self.shutdown_trigger.clone()
    }

    /// Runs one cycle now (tests, `--once`).
    pub async fn try_sync_once(&mut self) -> anyhow::Result<CycleOutcome> {
        let shutdown = self.shutdown.clone();
        self.cycle(&shutdown, false).await
    }

    async fn cycle(
        &mut self,
        shutdown: &Shutdown,
        scheduled: bool,
    ) -> anyhow::Result<CycleOutcome> {
        self.control.busy.store(true, Ordering::SeqCst);
        let interval_ms = self.interval.as_millis() as i64;
        let outcome = self
            .engine
            .run_cycle(shutdown, || scheduled.then(|| now_ms() + interval_ms))
            .await;
        if let Ok(last) = self.control.last.lock().as_deref_mut() {
            let (name, message) = match &outcome {
                Ok(CycleOutcome::Success { .. }) => ("success", None),
                Ok(CycleOutcome::Failed { message }) => ("error", Some(message.clone())),
                Ok(CycleOutcome::RateLimited { message, .. }) => {
                    ("rate_limited", Some(message.clone()))
                }
                Ok(CycleOutcome::Interrupted) => ("interrupted", None),
                Err(error) => ("error", Some(format!("{error:#}"))),
            };
            *last = LastCycle {
                outcome: Some(name.to_string()),
                finished_at_ms: Some(now_ms()),
                message,
            };
        }
        if let Ok(finished) = &outcome {
            self.evaluate_alerts(finished).await;
        }
        self.control.busy.store(false, Ordering::SeqCst);
        outcome
    }

    /// After a cycle: measure the rules (data rules only after a success, when
    /// the data moved; staleness after any cycle, so a failing sync fires it)
    /// and queue the messages. Delivery runs elsewhere: nothing here waits
    /// for a webhook, and an alert failure never fails the cycle.
    async fn evaluate_alerts(&mut self, outcome: &CycleOutcome) {
        if self.alert_rules.is_empty() || matches!(outcome, CycleOutcome::Interrupted) {
            return;
        }
        let started = std::time::Instant::now();
        match self
            .engine
            .evaluate_alerts(self.alert_rules.clone(), outcome.is_success())
            .await
        {
            Ok(notices) => {
                for notice in notices {
                    tracing::info!(
                        rule = %notice.rule,
                        status = notice.change.as_str(),
                        duration_ms = started.elapsed().as_millis() as u64,
                        "{}",
                        notice.text()
                    );
                    self.notifier.send(notice);
                }
            }
            Err(error) => {
                tracing::error!(error = %format!("{error:#}"), "could not evaluate the alert rules")
            }
        }
    }

    /// Waits (up to 10 s) for queued alert messages; `--once` calls it
    /// before exiting.
    pub async fn flush_alerts(&mut self) {
        self.notifier.finish(ALERT_FLUSH_WAIT).await;
    }

    /// Serves the control endpoint and runs a cycle at start and then every
    /// interval (or when triggered) until SIGTERM/SIGINT or the trigger.
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        let server = self.server.take().expect("run_until_stopped runs once");
        let server_handle = server.handle();
        let server_task = tokio::spawn(server);
        let signal_trigger = self.shutdown_trigger.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received; finishing the current page");
            signal_trigger.trigger();
        });
        let shutdown = self.shutdown.clone();
        loop {
            if shutdown.is_requested() {
                break;
            }
            match self.cycle(&shutdown, true).await {
                Ok(CycleOutcome::Interrupted) => break,
                Ok(_) => {}
                // Logged once here; the next cycle tries again.
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "could not record the cycle")
                }
            }
            let wait = tokio::time::sleep(self.interval);
            tokio::select! {
                _ = wait => {}
                _ = self.control.wake.notified() => {}
                _ = shutdown.requested() => break,
            }
        }
        server_handle.stop(true).await;
        let _ = server_task.await;
        self.notifier.finish(ALERT_FLUSH_WAIT).await;
        tracing::info!("sync daemon stopped");
        Ok(())
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
