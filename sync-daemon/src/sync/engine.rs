//! One sync cycle: for each source, read the window `[from, to)` page by
//! page (resuming a saved cursor), commit every page with its cursor, and
//! move the watermark to `to` only after the window's last page.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use shared_schema::rows::{ApiMode, CursorSource, SyncMetadata};
use shared_schema::units::ms_to_iso;

use super::kept_pages::{KeptPages, PageRequest};
use super::records::{ObservationRecord, ScoreRecord, TraceHeader};
use crate::configuration::{BackfillStart, CheckpointMode, Settings};
use crate::langfuse::types::{CursorPage, LegacyTrace, NumberedPage, Observation, Score};
use crate::langfuse::{self, FetchError, LangfuseClient};
use crate::shutdown::Shutdown;
use crate::store::{CursorState, PageProgress, PageSummary, Store, Transition};

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CycleOutcome {
    Success { rows: u64 },
    Failed { message: String },
    RateLimited { until_ms: i64, message: String },
    Interrupted,
}

impl CycleOutcome {
    pub fn is_success(&self) -> bool {
        matches!(self, CycleOutcome::Success { .. })
    }
}

#[derive(Debug, thiserror::Error)]
enum SyncError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0:#}")]
    Storage(#[from] anyhow::Error),
    #[error(
        "neither {v2} nor the legacy {legacy} is available on this Langfuse (both answered HTTP 404); check LANGFUSE_HOST. The next cycle tries v2 first"
    )]
    NoReadApi { v2: String, legacy: String },
}

/// Why the daemon reads the observations endpoints it reads, as shown in
/// `/api/sync/status`.
const REASON_V2: &str = "v2 observations answered";
const REASON_V2_AGAIN: &str =
    "v2 observations answered the start-of-cycle probe again, so the legacy endpoints were left";
const REASON_LEGACY: &str =
    "v2 observations answered 404 and the legacy endpoints answered 200 in the same cycle";
const REASON_NONE: &str = "v2 observations and the legacy endpoints both answered 404";

/// The smallest page the daemon shrinks to after repeated failures.
const MIN_PAGE_SIZE: u32 = 50;
/// Timeouts or server errors in a row on one page before it is retried smaller.
const FAILURES_BEFORE_SHRINKING: u32 = 3;
/// Good pages in a row before the page size grows back.
const GOOD_PAGES_BEFORE_GROWING: u32 = 20;

pub struct SyncEngine {
    client: LangfuseClient,
    fetcher: Fetcher,
    storage: Storage,
    lookback: Duration,
    backfill_since: BackfillStart,
    /// Set when the daemon started after a cycle it did not finish (a kill,
    /// a crash): the last successful cycle's end. The first cycle then
    /// resumes that one, and does not read again a source whose window
    /// closed after it.
    resuming_after_success_at_ms: Option<i64>,
}

/// The database half of the engine: the writer's connection, reopened on
/// its next use after a storage fault. Apart from the fetcher so that the
/// next page can be fetched while this one is stored.
struct Storage {
    store: Option<Store>,
    database_path: PathBuf,
    checkpoint_mode: CheckpointMode,
}

impl Storage {
    /// Runs `work` on the store off the async threads. A panic there loses
    /// the connection; the next use reopens the database.
    async fn run<R, F>(&mut self, work: F) -> anyhow::Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> anyhow::Result<R> + Send + 'static,
    {
        let mut store = match self.store.take() {
            Some(store) => store,
            None => Store::open_with(&self.database_path, self.checkpoint_mode)?,
        };
        let (store, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut store);
            (store, result)
        })
        .await
        .context("the storage task failed")?;
        // A connection that hit a read-only or full volume stays broken after
        // the volume recovers; the next use reopens the database instead.
        let storage_fault = result.as_ref().err().is_some_and(is_storage_fault);
        self.store = (!storage_fault).then_some(store);
        result
    }
}

/// The HTTP half of the engine, apart from the store so that a fetch in
/// flight does not borrow the (single-threaded) database connection.
struct Fetcher {
    client: LangfuseClient,
    page_size: PageSizer,
    page_size_changed: bool,
    agent_metadata_key: String,
    kept: KeptPages,
}

/// The page size in use: halved (down to `MIN_PAGE_SIZE`) when a page keeps
/// failing, doubled back towards the configured size after good pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageSizer {
    configured: u32,
    current: u32,
    good_pages: u32,
}

impl PageSizer {
    fn new(configured: u32) -> PageSizer {
        PageSizer {
            configured,
            current: configured,
            good_pages: 0,
        }
    }

    /// Halves `limit` (the size the failing source asked for); returns the
    /// new size, or None when it cannot shrink.
    fn shrink(&mut self, limit: u32) -> Option<u32> {
        if limit <= MIN_PAGE_SIZE {
            return None;
        }
        self.current = (limit / 2).max(MIN_PAGE_SIZE);
        self.good_pages = 0;
        Some(self.current)
    }

    /// Counts a good page; returns the new size when it grows.
    fn good_page(&mut self) -> Option<u32> {
        if self.current >= self.configured {
            return None;
        }
        self.good_pages += 1;
        if self.good_pages < GOOD_PAGES_BEFORE_GROWING {
            return None;
        }
        self.good_pages = 0;
        self.current = (self.current * 2).min(self.configured);
        Some(self.current)
    }
}

/// Timestamps are set by the traced application, whose clock may run ahead
/// of ours (and scores are often stamped at a session's planned end): a
/// window reaches this far past now so that such rows are not left for a
/// later cycle.
const FUTURE_ALLOWANCE_MS: i64 = 5 * 60 * 1000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SyncEngine {
    pub fn new(settings: &Settings, client: LangfuseClient, store: Store) -> SyncEngine {
        SyncEngine {
            fetcher: Fetcher {
                client: client.clone(),
                page_size: PageSizer::new(settings.page_size),
                page_size_changed: false,
                agent_metadata_key: settings.agent_metadata_key.clone(),
                kept: KeptPages::beside(&settings.database_path),
            },
            client,
            storage: Storage {
                store: Some(store),
                database_path: settings.database_path.clone(),
                checkpoint_mode: settings.checkpoint_mode,
            },
            lookback: settings.lookback,
            backfill_since: settings.backfill_since,
            resuming_after_success_at_ms: None,
        }
    }

    async fn with_store<R, F>(&mut self, work: F) -> anyhow::Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> anyhow::Result<R> + Send + 'static,
    {
        self.storage.run(work).await
    }

    pub async fn transition(&mut self, transition: Transition) -> anyhow::Result<()> {
        let counters = self.client.counters().take();
        self.with_store(move |store| store.transition(&transition, counters, now_ms()))
            .await
    }

    /// Measures the alert rules and records their states (`Store::evaluate_alerts`).
    pub async fn evaluate_alerts(
        &mut self,
        rules: std::sync::Arc<Vec<crate::alerts::AlertRule>>,
        data_is_fresh: bool,
    ) -> anyhow::Result<Vec<crate::alerts::Notice>> {
        self.with_store(move |store| store.evaluate_alerts(&rules, data_is_fresh, now_ms()))
            .await
    }

    /// Called at start-up: a cycle a crash interrupted is no longer running.
    pub async fn recover_interrupted_cycle(&mut self) -> anyhow::Result<()> {
        let metadata = self.with_store(|store| store.metadata()).await?;
        if metadata.state == shared_schema::rows::SyncState::Running {
            tracing::warn!("the previous cycle was interrupted; it resumes from its saved cursor");
            self.resuming_after_success_at_ms = Some(metadata.last_success_at_ms.unwrap_or(0));
            self.transition(Transition::Idle {
                message: Some("previous cycle interrupted; resuming from the saved cursor".into()),
            })
            .await?;
        }
        Ok(())
    }

    /// One full cycle with its state transitions. `next_run_at_ms` is
    /// recorded with the outcome.
    pub async fn run_cycle(
        &mut self,
        shutdown: &Shutdown,
        next_run_at_ms: impl Fn() -> Option<i64>,
    ) -> anyhow::Result<CycleOutcome> {
        let started = std::time::Instant::now();
        self.transition(Transition::Idle { message: None }).await?;
        self.transition(Transition::Running).await?;
        tracing::info!("sync cycle started");
        let result = self.sync_sources(shutdown).await;
        self.resuming_after_success_at_ms = None;
        let duration_ms = started.elapsed().as_millis() as u64;
        let (transition, outcome) = match result {
            Ok(rows) => {
                tracing::info!(rows, duration_ms, "sync cycle succeeded");
                (
                    Transition::Success {
                        next_run_at_ms: next_run_at_ms(),
                    },
                    CycleOutcome::Success { rows },
                )
            }
            Err(SyncError::Fetch(FetchError::Cancelled)) => {
                tracing::info!(
                    duration_ms,
                    "sync cycle stopped by shutdown after its last commit"
                );
                (
                    Transition::Idle {
                        message: Some("stopped by shutdown; resumes from the saved cursor".into()),
                    },
                    CycleOutcome::Interrupted,
                )
            }
            Err(SyncError::Fetch(FetchError::RateLimited { endpoint, until_ms })) => {
                let message = format!(
                    "Langfuse rate limit on {endpoint}; asked to wait until {}",
                    ms_to_iso(until_ms)
                );
                tracing::warn!(until = %ms_to_iso(until_ms), duration_ms, "sync cycle rate limited: {message}");
                let next = next_run_at_ms().map(|next| next.max(until_ms));
                (
                    Transition::RateLimited {
                        until_ms,
                        message: message.clone(),
                        next_run_at_ms: next,
                    },
                    CycleOutcome::RateLimited { until_ms, message },
                )
            }
            Err(error) => {
                let message = error.to_string();
                tracing::error!(duration_ms, error = %message, "sync cycle failed");
                (
                    Transition::Error {
                        message: message.clone(),
                        next_run_at_ms: next_run_at_ms(),
                    },
                    CycleOutcome::Failed { message },
                )
            }
        };
        self.transition(transition).await?;
        Ok(outcome)
    }

    async fn sync_sources(&mut self, shutdown: &Shutdown) -> Result<u64, SyncError> {
        let metadata = self.with_store(|store| store.metadata()).await?;
        if metadata.page_size != Some(i64::from(self.fetcher.page_size.current)) {
            let size = self.fetcher.page_size.current;
            self.with_store(move |store| store.set_page_size(Some(size), now_ms()))
                .await?;
        }
        let mut rows = self.sync_observations(&metadata, shutdown).await?;
        rows += self
            .sync_scores(metadata.scores_mode.clone(), shutdown)
            .await?;
        Ok(rows)
    }

    async fn record_api_mode(
        &mut self,
        metadata: &SyncMetadata,
        mode: ApiMode,
        reason: &'static str,
    ) -> Result<(), SyncError> {
        if metadata.api_mode != Some(mode) || metadata.api_mode_reason.as_deref() != Some(reason) {
            tracing::info!(mode = mode.as_str(), reason, "observations API chosen");
            self.with_store(move |store| store.set_api_mode(mode, reason, now_ms()))
                .await?;
        }
        Ok(())
    }

    /// v2 first. A v2 404 never pins the legacy endpoints: they are used
    /// only when they answer in the same cycle, and while they are in use
    /// every cycle starts with a one-row probe of v2.
    async fn sync_observations(
        &mut self,
        metadata: &SyncMetadata,
        shutdown: &Shutdown,
    ) -> Result<u64, SyncError> {
        let mut reason = REASON_V2;
        if metadata.api_mode == Some(ApiMode::Legacy) {
            match self.fetcher.probe_v2(shutdown).await {
                Ok(()) => {
                    tracing::info!("v2 observations answer again; leaving the legacy endpoints");
                    reason = REASON_V2_AGAIN;
                }
                Err(FetchError::NotFound { .. }) => {
                    return self.sync_legacy(metadata, shutdown).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        match self.sync_source(CursorSource::Observations, shutdown).await {
            Ok(written) => {
                self.record_api_mode(metadata, ApiMode::V2, reason).await?;
                Ok(written)
            }
            Err(SyncError::Fetch(FetchError::NotFound { endpoint })) => {
                tracing::warn!(
                    endpoint,
                    "v2 observations answered 404; trying the legacy endpoints in this cycle"
                );
                self.sync_legacy(metadata, shutdown).await
            }
            Err(error) => Err(error),
        }
    }

    /// The legacy traces and v1 observations, once v2 answered 404 in this
    /// cycle. Both answering 404 fails the cycle (Langfuse Cloud removed
    /// them on 2026-11-16, so there it is a transient 404 or a wrong host).
    async fn sync_legacy(
        &mut self,
        metadata: &SyncMetadata,
        shutdown: &Shutdown,
    ) -> Result<u64, SyncError> {
        let no_read_api = || SyncError::NoReadApi {
            v2: langfuse::V2_OBSERVATIONS.to_string(),
            legacy: format!(
                "{} and {}",
                langfuse::LEGACY_TRACES,
                langfuse::LEGACY_OBSERVATIONS
            ),
        };
        let traces = match self.sync_source(CursorSource::LegacyTraces, shutdown).await {
            Ok(written) => written,
            Err(SyncError::Fetch(FetchError::NotFound { .. })) => {
                self.record_api_mode(metadata, ApiMode::V2, REASON_NONE)
                    .await?;
                return Err(no_read_api());
            }
            Err(error) => return Err(error),
        };
        self.record_api_mode(metadata, ApiMode::Legacy, REASON_LEGACY)
            .await?;
        match self
            .sync_source(CursorSource::LegacyObservations, shutdown)
            .await
        {
            Ok(written) => Ok(traces + written),
            Err(SyncError::Fetch(FetchError::NotFound { .. })) => {
                self.record_api_mode(metadata, ApiMode::V2, REASON_NONE)
                    .await?;
                Err(no_read_api())
            }
            Err(error) => Err(error),
        }
    }

    /// Scores v3, else (where it answers 404: self-hosted Langfuse before
    /// scores v3) the page-based v2 scores. v3 is asked first every cycle.
    async fn sync_scores(
        &mut self,
        stored: Option<String>,
        shutdown: &Shutdown,
    ) -> Result<u64, SyncError> {
        let (written, mode) = match self.sync_source(CursorSource::Scores, shutdown).await {
            Ok(written) => (written, Some("v3")),
            Err(SyncError::Fetch(FetchError::NotFound { endpoint })) => {
                tracing::info!(
                    endpoint,
                    "scores v3 answered 404; reading the v2 scores endpoint in this cycle"
                );
                match self.sync_source(CursorSource::ScoresV2, shutdown).await {
                    Ok(written) => (written, Some("v2")),
                    Err(SyncError::Fetch(FetchError::NotFound { endpoint })) => {
                        tracing::warn!(
                            endpoint,
                            "neither scores v3 nor scores v2 is available here; skipping scores"
                        );
                        (0, None)
                    }
                    Err(error) => return Err(error),
                }
            }
            Err(error) => return Err(error),
        };
        if stored.as_deref() != mode {
            tracing::info!(endpoint = mode.unwrap_or("none"), "scores endpoint chosen");
            self.with_store(move |store| store.set_scores_mode(mode, now_ms()))
                .await?;
        }
        Ok(written)
    }

    /// The saved unfinished window, else `[watermark - lookback, now +
    /// allowance)`, or from the backfill start on the first run.
    fn window(&self, state: &CursorState, now: i64) -> (i64, i64) {
        if let Some(window) = state.window {
            return window;
        }
        let from = match state.watermark_ms {
            Some(watermark) => watermark - self.lookback.as_millis() as i64,
            None => self.backfill_since.resolve(now),
        };
        (from.min(now), now + FUTURE_ALLOWANCE_MS)
    }

    async fn sync_source(
        &mut self,
        source: CursorSource,
        shutdown: &Shutdown,
    ) -> Result<u64, SyncError> {
        let mut state = self
            .with_store(move |store| store.load_cursor(source))
            .await?;
        // A window is closed at `now + FUTURE_ALLOWANCE_MS`: one that closed
        // after the last success was read by the interrupted cycle, and its
        // lookback is read again by the next one, not by this resumption.
        if let (Some(last_success_ms), None, Some(watermark_ms)) = (
            self.resuming_after_success_at_ms,
            state.window,
            state.watermark_ms,
        ) && watermark_ms - FUTURE_ALLOWANCE_MS > last_success_ms
        {
            tracing::info!(
                source = source.as_str(),
                "read to its end by the interrupted cycle; skipped until the next cycle"
            );
            return Ok(0);
        }
        let (from, to) = self.window(&state, now_ms());
        if state.window.is_none() && state.watermark_ms.is_none() {
            tracing::info!(source = source.as_str(), from = %ms_to_iso(from), to = %ms_to_iso(to), "first run: backfilling");
            self.with_store(move |store| store.set_backfill_from(from))
                .await?;
        } else if state.window.is_some() {
            tracing::info!(source = source.as_str(), from = %ms_to_iso(from), to = %ms_to_iso(to), "resuming an unfinished window");
        }
        let page_based = matches!(
            source,
            CursorSource::LegacyTraces | CursorSource::LegacyObservations | CursorSource::ScoresV2
        );
        let mut written = 0u64;
        let mut pages = 0u32;
        let mut store_ms_total = 0u64;
        let source_started = std::time::Instant::now();
        let window = (from, to);
        let first_page = state.page.unwrap_or(if page_based { 1 } else { 0 });
        let mut waiting = vec![
            self.fetcher
                .fetch_timed(source, window, &state, first_page, shutdown)
                .await?,
        ];
        // A fetch that failed after pages were fetched ahead: those pages
        // are stored first, then the cycle ends with it.
        let mut failed_fetch: Option<FetchError> = None;
        loop {
            self.save_page_size_if_changed().await?;
            let first_page_number = state.page.unwrap_or(if page_based { 1 } else { 0 });
            let page_count = waiting.len();
            let mut after = state.clone();
            let mut finished = false;
            let mut fetch_ms = 0;
            let mut project_id = None;
            let mut batch: Option<Batch> = None;
            let mut requests = Vec::with_capacity(waiting.len());
            for (page_fetch_ms, page) in waiting.drain(..) {
                let next = state_after(source, &after, &page, window, page_based);
                requests.push(page.request);
                (after, finished) = match next {
                    Ok(next) => next,
                    Err(error) => {
                        // Refused, the pages are not kept: a later cycle
                        // asks Langfuse again.
                        self.fetcher.kept.forget(&requests);
                        return Err(error.into());
                    }
                };
                fetch_ms += page_fetch_ms;
                project_id = project_id.or(page.project_id);
                match &mut batch {
                    Some(batch) => batch.append(page.batch),
                    None => batch = Some(page.batch),
                }
            }
            let batch = batch.expect("a store follows at least one fetched page");
            let progress = PageProgress {
                source,
                cursor: after.clone(),
                counters: self.client.counters().take(),
                now_ms: now_ms(),
                project_id,
            };
            // The waiting pages are stored (their rows and the cursor after
            // them in one transaction) while the next ones are fetched;
            // those wait in memory, and on disk, for their own transaction.
            let (storage, fetcher) = (&mut self.storage, &mut self.fetcher);
            let stored = std::sync::atomic::AtomicBool::new(false);
            let store_started = std::time::Instant::now();
            let store_pages = async {
                let summary = storage
                    .run(move |store| batch.store(store, &progress))
                    .await;
                stored.store(true, std::sync::atomic::Ordering::Release);
                (summary, store_started.elapsed().as_millis() as u64)
            };
            let fetch_next = async {
                if finished || failed_fetch.is_some() {
                    return (Vec::new(), None);
                }
                fetcher
                    .fetch_ahead(source, window, &after, page_based, &stored, shutdown)
                    .await
            };
            let ((summary, store_ms), (next, fetch_error)) = tokio::join!(store_pages, fetch_next);
            // A failed store drops the pages fetched ahead from memory; on
            // disk they wait for the cycle that asks for them again.
            let summary = summary?;
            self.fetcher.kept.forget(&requests);
            tracing::info!(
                source = source.as_str(),
                page = first_page_number,
                pages = page_count,
                rows = summary.rows,
                traces = summary.traces,
                sessions = summary.sessions,
                fetch_ms,
                store_ms,
                finished,
                "page stored"
            );
            written += summary.rows as u64;
            pages += page_count as u32;
            store_ms_total += store_ms;
            state = after;
            if finished {
                self.fetcher.kept.forget_all();
                tracing::info!(
                    source = source.as_str(),
                    rows = written,
                    pages,
                    duration_ms = source_started.elapsed().as_millis() as u64,
                    store_ms = store_ms_total,
                    "source synced"
                );
                return Ok(written);
            }
            if let Some(error) = failed_fetch.take() {
                return Err(error.into());
            }
            match fetch_error {
                Some(error @ FetchError::Cancelled) => return Err(error.into()),
                Some(error) if next.is_empty() => return Err(error.into()),
                error => failed_fetch = error,
            }
            waiting = next;
        }
    }

    /// Records the page size after the fetcher adapted it.
    async fn save_page_size_if_changed(&mut self) -> Result<(), SyncError> {
        if std::mem::take(&mut self.fetcher.page_size_changed) {
            let size = self.fetcher.page_size.current;
            self.with_store(move |store| store.set_page_size(Some(size), now_ms()))
                .await?;
        }
        Ok(())
    }
}

impl Fetcher {
    /// `fetch`, with how long it took in ms. A shutdown asked before it
    /// starts cancels it.
    async fn fetch_timed(
        &mut self,
        source: CursorSource,
        window: (i64, i64),
        state: &CursorState,
        page: u32,
        shutdown: &Shutdown,
    ) -> Result<(u64, Fetched), FetchError> {
        if shutdown.is_requested() {
            return Err(FetchError::Cancelled);
        }
        let started = std::time::Instant::now();
        let fetched = self.fetch(source, window, state, page, shutdown).await?;
        Ok((started.elapsed().as_millis() as u64, fetched))
    }

    /// The pages after the one `after` leads to, fetched while the store
    /// works: one at least, more (up to `pages_per_transaction`) only
    /// while the store has not finished, so that they share its next
    /// transaction. A fetch once started is finished: its request is spent.
    /// The pages fetched, and the error that stopped the fetching, if any.
    async fn fetch_ahead(
        &mut self,
        source: CursorSource,
        window: (i64, i64),
        after: &CursorState,
        page_based: bool,
        stored: &std::sync::atomic::AtomicBool,
        shutdown: &Shutdown,
    ) -> (Vec<(u64, Fetched)>, Option<FetchError>) {
        let mut fetched = Vec::new();
        let mut state = after.clone();
        loop {
            let page = state.page.unwrap_or(if page_based { 1 } else { 0 });
            match self
                .fetch_timed(source, window, &state, page, shutdown)
                .await
            {
                Ok(page) => {
                    // A page the store would refuse (its cursor repeats) or
                    // the last one ends the fetching; the store then says why.
                    let next = state_after(source, &state, &page.1, window, page_based);
                    fetched.push(page);
                    match next {
                        Ok((next, false)) => state = next,
                        _ => return (fetched, None),
                    }
                }
                Err(error) => return (fetched, Some(error)),
            }
            if fetched.len() >= pages_per_transaction(source)
                || stored.load(std::sync::atomic::Ordering::Acquire)
            {
                return (fetched, None);
            }
        }
    }

    /// One request for one v2 row: does v2 answer here (again)?
    async fn probe_v2(&self, shutdown: &Shutdown) -> Result<(), FetchError> {
        let query = [("fields", "core".to_string()), ("limit", "1".to_string())];
        self.client
            .get_json::<CursorPage<serde::de::IgnoredAny>>(
                langfuse::V2_OBSERVATIONS,
                &query,
                shutdown,
            )
            .await
            .map(|_| ())
    }

    /// A page, retried with half the `limit` (down to `MIN_PAGE_SIZE`) when
    /// it keeps timing out or failing on the server, and grown back after
    /// good pages. Only cursor sources adapt: a cursor stays valid across a
    /// limit change, a page number does not.
    async fn fetch(
        &mut self,
        source: CursorSource,
        window: (i64, i64),
        state: &CursorState,
        page: u32,
        shutdown: &Shutdown,
    ) -> Result<Fetched, FetchError> {
        let adapts = matches!(source, CursorSource::Observations | CursorSource::Scores);
        loop {
            let limit = self.limit_of(source);
            let give_up_after =
                (adapts && limit > MIN_PAGE_SIZE).then_some(FAILURES_BEFORE_SHRINKING);
            match self
                .fetch_page(source, window, state, page, shutdown, give_up_after)
                .await
            {
                Ok(fetched) => {
                    if adapts && let Some(to_rows) = self.page_size.good_page() {
                        self.page_size_changed = true;
                        tracing::info!(
                            source = source.as_str(),
                            to_rows,
                            good_pages = GOOD_PAGES_BEFORE_GROWING,
                            "pages succeed again; growing the page size back"
                        );
                    }
                    return Ok(fetched);
                }
                Err(FetchError::PageKeepsFailing {
                    endpoint,
                    attempts,
                    last_error,
                }) => {
                    let Some(to_rows) = self.page_size.shrink(limit) else {
                        unreachable!("only a shrinkable page gives up early");
                    };
                    self.page_size_changed = true;
                    tracing::warn!(
                        source = source.as_str(),
                        endpoint,
                        failures = attempts,
                        last_error = %last_error,
                        from_rows = limit,
                        to_rows,
                        "a page keeps failing; asking for smaller pages"
                    );
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The `limit` a source asks for: scores v3 allow at most 100 rows.
    fn limit_of(&self, source: CursorSource) -> u32 {
        if source == CursorSource::Scores {
            self.page_size.current.min(100)
        } else {
            self.page_size.current
        }
    }

    async fn fetch_page(
        &self,
        source: CursorSource,
        (from, to): (i64, i64),
        state: &CursorState,
        page: u32,
        shutdown: &Shutdown,
        give_up_after: Option<u32>,
    ) -> Result<Fetched, FetchError> {
        let (from, to) = (ms_to_iso(from), ms_to_iso(to));
        // Page-based endpoints keep the configured size: a page number
        // means nothing across a size change.
        let legacy_limit = self.page_size.configured.min(100).to_string();
        match source {
            CursorSource::Observations => {
                let mut query = vec![
                    ("fields", langfuse::V2_FIELDS.to_string()),
                    ("limit", self.page_size.current.to_string()),
                    ("fromStartTime", from),
                    ("toStartTime", to),
                ];
                if let Some(cursor) = &state.cursor {
                    query.push(("cursor", cursor.clone()));
                }
                let (page, request): (CursorPage<Observation>, _) = self
                    .get_page(langfuse::V2_OBSERVATIONS, &query, shutdown, give_up_after)
                    .await?;
                Ok(Fetched {
                    request,
                    next_cursor: page.meta.cursor.filter(|c| !c.is_empty()),
                    project_id: project_of(&page.data),
                    batch: self.observations(page.data),
                })
            }
            CursorSource::Scores => {
                let mut query = vec![
                    ("fields", "details,subject".to_string()),
                    ("limit", self.limit_of(CursorSource::Scores).to_string()),
                    ("fromTimestamp", from),
                    ("toTimestamp", to),
                ];
                if let Some(cursor) = &state.cursor {
                    query.push(("cursor", cursor.clone()));
                }
                let (page, request): (CursorPage<Score>, _) = self
                    .get_page(langfuse::V3_SCORES, &query, shutdown, give_up_after)
                    .await?;
                Ok(Fetched {
                    request,
                    next_cursor: page.meta.cursor.filter(|c| !c.is_empty()),
                    project_id: None,
                    batch: Batch::Scores(page.data.into_iter().map(ScoreRecord::from).collect()),
                })
            }
            CursorSource::ScoresV2 => {
                let query = vec![
                    ("page", page.to_string()),
                    ("limit", legacy_limit),
                    ("fromTimestamp", from),
                    ("toTimestamp", to),
                ];
                let (page_data, request): (NumberedPage<Score>, _) = self
                    .get_page(langfuse::V2_SCORES, &query, shutdown, None)
                    .await?;
                Ok(Fetched {
                    request,
                    next_cursor: next_page(page, &page_data),
                    project_id: None,
                    batch: Batch::Scores(
                        page_data
                            .data
                            .into_iter()
                            .map(ScoreRecord::from_v2)
                            .collect(),
                    ),
                })
            }
            CursorSource::LegacyTraces => {
                let query = vec![
                    ("page", page.to_string()),
                    ("limit", legacy_limit),
                    ("fromTimestamp", from),
                    ("toTimestamp", to),
                    ("orderBy", "timestamp.asc".to_string()),
                    ("fields", "core".to_string()),
                ];
                let (page_data, request): (NumberedPage<LegacyTrace>, _) = self
                    .get_page(langfuse::LEGACY_TRACES, &query, shutdown, None)
                    .await?;
                Ok(Fetched {
                    request,
                    next_cursor: next_page(page, &page_data),
                    project_id: page_data
                        .data
                        .iter()
                        .find_map(|trace| trace.project_id().map(str::to_string)),
                    batch: Batch::TraceHeaders(
                        page_data.data.into_iter().map(TraceHeader::from).collect(),
                    ),
                })
            }
            CursorSource::LegacyObservations => {
                let query = vec![
                    ("page", page.to_string()),
                    ("limit", legacy_limit),
                    ("fromStartTime", from),
                    ("toStartTime", to),
                ];
                let (page_data, request): (NumberedPage<Observation>, _) = self
                    .get_page(langfuse::LEGACY_OBSERVATIONS, &query, shutdown, None)
                    .await?;
                let next_cursor = next_page(page, &page_data);
                Ok(Fetched {
                    request,
                    next_cursor,
                    project_id: project_of(&page_data.data),
                    batch: self.observations(page_data.data),
                })
            }
        }
    }

    /// The answer to a page's request: the one kept on disk, if the page
    /// was fetched before a restart and not stored, else Langfuse's (then
    /// kept until it is stored).
    async fn get_page<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        shutdown: &Shutdown,
        give_up_after: Option<u32>,
    ) -> Result<(T, PageRequest), FetchError> {
        let request = PageRequest::new(path, query);
        if let Some(body) = self.kept.body_of(&request)
            && let Ok(page) = serde_json::from_slice(&body)
        {
            tracing::info!(
                endpoint = path,
                bytes = body.len(),
                "a page fetched earlier and not stored yet is read from disk, without asking Langfuse again"
            );
            return Ok((page, request));
        }
        let (page, body) = self
            .client
            .get_json_and_body_within(path, query, shutdown, give_up_after)
            .await?;
        self.kept.keep(&request, &body);
        Ok((page, request))
    }

    fn observations(&self, data: Vec<Observation>) -> Batch {
        Batch::Observations(
            data.into_iter()
                .map(|o| ObservationRecord::from_api(o, &self.agent_metadata_key))
                .collect(),
        )
    }
}

/// Score pages stored in one transaction at most. Scores come at most 100
/// to a page, and a page's own rows are the small part of its store: the
/// rest (the hours, six-hour blocks and days its slots fall in, the agents'
/// packed cells, the sessions' outcomes, the commit) is shared by the
/// pages of one transaction. Pages share one only when they were fetched
/// while the store was busy: under a quota a fetch outlasts a store, and
/// every page is stored alone, as it comes.
pub const SCORE_PAGES_PER_TRANSACTION: usize = 8;

/// Observation pages stored in one transaction at most. They hold up to
/// 1,000 rows each, and most of the database pages a page writes are its
/// own (the index leaves its rows' random trace ids land on), so joining
/// pages saves less than for scores; each page more held in memory also
/// raises the daemon's peak, which three pages took close to the 100-MB
/// aim (docs/BENCHMARKS.md, twenty-eighth step).
pub const OBSERVATION_PAGES_PER_TRANSACTION: usize = 2;

fn pages_per_transaction(source: CursorSource) -> usize {
    match source {
        CursorSource::Scores | CursorSource::ScoresV2 => SCORE_PAGES_PER_TRANSACTION,
        CursorSource::Observations => OBSERVATION_PAGES_PER_TRANSACTION,
        // Not measured: the legacy endpoints' pages are stored as they come.
        CursorSource::LegacyTraces | CursorSource::LegacyObservations => 1,
    }
}

/// The cursor state after `page`, fetched from `before`, and whether it
/// was the window's last page. A cursor that repeats the one asked with is
/// refused: following it would loop.
fn state_after(
    source: CursorSource,
    before: &CursorState,
    page: &Fetched,
    window: (i64, i64),
    page_based: bool,
) -> Result<(CursorState, bool), FetchError> {
    let page_number = before.page.unwrap_or(if page_based { 1 } else { 0 });
    match &page.next_cursor {
        Some(next) if !page_based && Some(next) == before.cursor.as_ref() => {
            Err(FetchError::Malformed {
                endpoint: source.to_string(),
                detail: "the next-page cursor repeats the current one".into(),
            })
        }
        Some(_) => Ok((
            CursorState {
                watermark_ms: before.watermark_ms,
                window: Some(window),
                cursor: page.next_cursor.clone().filter(|_| !page_based),
                page: Some(page_number + 1),
            },
            false,
        )),
        None => Ok((
            CursorState {
                watermark_ms: Some(window.1),
                window: None,
                cursor: None,
                page: None,
            },
            true,
        )),
    }
}

/// For page-based sources, "there is a next page" as a marker cursor.
fn next_page<T>(page: u32, data: &NumberedPage<T>) -> Option<String> {
    (!data.data.is_empty() && page < data.meta.total_pages).then(|| (page + 1).to_string())
}

/// The Langfuse project a page's rows name (the first that names one).
fn project_of(data: &[Observation]) -> Option<String> {
    data.iter()
        .find_map(|row| row.project_id.clone().filter(|p| !p.is_empty()))
}

struct Fetched {
    /// The request that fetched it, whose answer is kept on disk until it
    /// is stored.
    request: PageRequest,
    next_cursor: Option<String>,
    /// The project the page's rows belong to, recorded with them.
    project_id: Option<String>,
    batch: Batch,
}

enum Batch {
    Observations(Vec<ObservationRecord>),
    Scores(Vec<ScoreRecord>),
    TraceHeaders(Vec<TraceHeader>),
}

impl Batch {
    /// Adds the rows of the next page of the same source.
    fn append(&mut self, next: Batch) {
        match (self, next) {
            (Batch::Observations(rows), Batch::Observations(more)) => rows.extend(more),
            (Batch::Scores(rows), Batch::Scores(more)) => rows.extend(more),
            (Batch::TraceHeaders(rows), Batch::TraceHeaders(more)) => rows.extend(more),
            _ => unreachable!("the pages of one source hold one kind of row"),
        }
    }

    fn store(self, store: &mut Store, progress: &PageProgress) -> anyhow::Result<PageSummary> {
        match self {
            Batch::Observations(records) => store.apply_observations(records, progress),
            Batch::Scores(records) => store.apply_scores(records, progress),
            Batch::TraceHeaders(headers) => store.apply_trace_headers(headers, progress),
        }
    }
}

fn is_storage_fault(error: &anyhow::Error) -> bool {
    use rusqlite::ErrorCode;
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(failure, _))
                if matches!(
                    failure.code,
                    ErrorCode::ReadOnly
                        | ErrorCode::DiskFull
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::CannotOpen
                )
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_size_halves_down_to_the_minimum_and_grows_back_after_good_pages() {
        let mut sizer = PageSizer::new(1000);
        assert_eq!(sizer.good_page(), None, "at the configured size it stays");
        assert_eq!(sizer.shrink(1000), Some(500));
        assert_eq!(sizer.shrink(500), Some(250));
        assert_eq!(sizer.shrink(250), Some(125));
        assert_eq!(sizer.shrink(125), Some(62));
        assert_eq!(sizer.shrink(62), Some(MIN_PAGE_SIZE));
        assert_eq!(sizer.shrink(MIN_PAGE_SIZE), None);
        let mut grown = Vec::new();
        for _ in 0..200 {
            grown.extend(sizer.good_page());
        }
        assert_eq!(grown, [100, 200, 400, 800, 1000]);
        assert_eq!(sizer.current, 1000);
        sizer.shrink(1000);
        for _ in 0..19 {
            assert_eq!(sizer.good_page(), None);
        }
        sizer.shrink(500);
        assert_eq!(sizer.good_pages, 0, "a failure starts the count over");
        assert_eq!(sizer.current, 250);
    }
}
