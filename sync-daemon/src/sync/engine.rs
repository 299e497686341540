//! One sync cycle: for each source, read the window `[from, to)` page by
//! page (resuming a saved cursor), commit every page with its cursor, and
//! move the watermark to `to` only after the window's last page.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use shared_schema::rows::ApiMode;
use shared_schema::units::ms_to_iso;

use super::records::{ObservationRecord, ScoreRecord, TraceHeader};
use super::store::{CursorState, PageProgress, PageSummary, Store, Transition};
use super::{LEGACY_OBSERVATIONS, LEGACY_TRACES, OBSERVATIONS, SCORES};
use crate::configuration::{BackfillStart, Settings};
use crate::langfuse::types::{CursorPage, LegacyTrace, NumberedPage, Observation, Score};
use crate::langfuse::{self, FetchError, LangfuseClient};
use crate::shutdown::Shutdown;

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
}

pub struct SyncEngine {
    client: LangfuseClient,
    fetcher: Fetcher,
    store: Option<Store>,
    database_path: PathBuf,
    lookback: Duration,
    backfill_since: BackfillStart,
}

/// The HTTP half of the engine, apart from the store so that a fetch in
/// flight does not borrow the (single-threaded) database connection.
struct Fetcher {
    client: LangfuseClient,
    page_size: u32,
    agent_metadata_key: String,
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
                page_size: settings.page_size,
                agent_metadata_key: settings.agent_metadata_key.clone(),
            },
            client,
            store: Some(store),
            database_path: settings.database_path.clone(),
            lookback: settings.lookback,
            backfill_since: settings.backfill_since,
        }
    }

    /// Runs `work` on the store off the async threads. A panic there loses
    /// the connection; the next use reopens the database.
    async fn with_store<R, F>(&mut self, work: F) -> anyhow::Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> anyhow::Result<R> + Send + 'static,
    {
        let mut store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.database_path)?,
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

    pub async fn transition(&mut self, transition: Transition) -> anyhow::Result<()> {
        let counters = self.client.counters().take();
        self.with_store(move |store| store.transition(&transition, counters, now_ms()))
            .await
    }

    /// Called at start-up: a cycle a crash interrupted is no longer running.
    pub async fn recover_interrupted_cycle(&mut self) -> anyhow::Result<()> {
        let metadata = self.with_store(|store| store.metadata()).await?;
        if metadata.state == shared_schema::rows::SyncState::Running {
            tracing::warn!("the previous cycle was interrupted; it resumes from its saved cursor");
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
        let mut rows = 0;
        let mut mode = metadata.api_mode.unwrap_or(ApiMode::V2);
        if mode == ApiMode::V2 {
            match self.sync_source(OBSERVATIONS, shutdown).await {
                Ok(written) => {
                    rows += written;
                    if metadata.api_mode.is_none() {
                        self.with_store(|store| store.set_api_mode(ApiMode::V2, now_ms()))
                            .await?;
                    }
                }
                Err(SyncError::Fetch(FetchError::NotFound { endpoint })) => {
                    tracing::warn!(
                        endpoint,
                        "v2 observations are not available (self-hosted Langfuse v3); switching to the legacy endpoints"
                    );
                    mode = ApiMode::Legacy;
                    self.with_store(|store| store.set_api_mode(ApiMode::Legacy, now_ms()))
                        .await?;
                }
                Err(error) => return Err(error),
            }
        }
        if mode == ApiMode::Legacy {
            rows += self.sync_source(LEGACY_TRACES, shutdown).await?;
            rows += self.sync_source(LEGACY_OBSERVATIONS, shutdown).await?;
        }
        match self.sync_source(SCORES, shutdown).await {
            Ok(written) => rows += written,
            Err(SyncError::Fetch(FetchError::NotFound { endpoint })) => {
                tracing::warn!(
                    endpoint,
                    "scores v3 are not available here; skipping scores"
                );
            }
            Err(error) => return Err(error),
        }
        Ok(rows)
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
        source: &'static str,
        shutdown: &Shutdown,
    ) -> Result<u64, SyncError> {
        let mut state = self
            .with_store(move |store| store.load_cursor(source))
            .await?;
        let (from, to) = self.window(&state, now_ms());
        if state.window.is_none() && state.watermark_ms.is_none() {
            tracing::info!(source, from = %ms_to_iso(from), to = %ms_to_iso(to), "first run: backfilling");
            self.with_store(move |store| store.set_backfill_from(from))
                .await?;
        } else if state.window.is_some() {
            tracing::info!(source, from = %ms_to_iso(from), to = %ms_to_iso(to), "resuming an unfinished window");
        }
        let page_based = matches!(source, LEGACY_TRACES | LEGACY_OBSERVATIONS);
        let mut written = 0u64;
        let mut pages = 0u32;
        let mut store_ms_total = 0u64;
        let source_started = std::time::Instant::now();
        loop {
            if shutdown.is_requested() {
                return Err(FetchError::Cancelled.into());
            }
            let page_number = state.page.unwrap_or(if page_based { 1 } else { 0 });
            let started = std::time::Instant::now();
            let fetched = self
                .fetcher
                .fetch(source, (from, to), &state, page_number, shutdown)
                .await?;
            let fetch_ms = started.elapsed().as_millis() as u64;
            let finished = match &fetched.next_cursor {
                Some(next) if !page_based && Some(next) == state.cursor.as_ref() => {
                    return Err(FetchError::Malformed {
                        endpoint: source.to_string(),
                        detail: "the next-page cursor repeats the current one".into(),
                    }
                    .into());
                }
                Some(_) => false,
                None => true,
            };
            let next_state = if finished {
                CursorState {
                    watermark_ms: Some(to),
                    window: None,
                    cursor: None,
                    page: None,
                }
            } else {
                CursorState {
                    watermark_ms: state.watermark_ms,
                    window: Some((from, to)),
                    cursor: fetched.next_cursor.clone().filter(|_| !page_based),
                    page: Some(page_number + 1),
                }
            };
            let progress = PageProgress {
                source,
                cursor: next_state.clone(),
                counters: self.client.counters().take(),
                now_ms: now_ms(),
            };
            let store_started = std::time::Instant::now();
            let summary = self
                .with_store(move |store| fetched.batch.store(store, &progress))
                .await?;
            tracing::info!(
                source,
                page = page_number,
                rows = summary.rows,
                traces = summary.traces,
                sessions = summary.sessions,
                fetch_ms,
                store_ms = store_started.elapsed().as_millis() as u64,
                finished,
                "page stored"
            );
            written += summary.rows as u64;
            pages += 1;
            store_ms_total += store_started.elapsed().as_millis() as u64;
            state = next_state;
            if finished {
                tracing::info!(
                    source,
                    rows = written,
                    pages,
                    duration_ms = source_started.elapsed().as_millis() as u64,
                    store_ms = store_ms_total,
                    "source synced"
                );
                return Ok(written);
            }
        }
    }
}

impl Fetcher {
    async fn fetch(
        &self,
        source: &'static str,
        (from, to): (i64, i64),
        state: &CursorState,
        page: u32,
        shutdown: &Shutdown,
    ) -> Result<Fetched, FetchError> {
        let (from, to) = (ms_to_iso(from), ms_to_iso(to));
        let legacy_limit = self.page_size.min(100).to_string();
        match source {
            OBSERVATIONS => {
                let mut query = vec![
                    ("fields", langfuse::V2_FIELDS.to_string()),
                    ("limit", self.page_size.to_string()),
                    ("fromStartTime", from),
                    ("toStartTime", to),
                ];
                if let Some(cursor) = &state.cursor {
                    query.push(("cursor", cursor.clone()));
                }
                let page: CursorPage<Observation> = self
                    .client
                    .get_json(langfuse::V2_OBSERVATIONS, &query, shutdown)
                    .await?;
                Ok(Fetched {
                    next_cursor: page.meta.cursor.filter(|c| !c.is_empty()),
                    batch: self.observations(page.data),
                })
            }
            SCORES => {
                let mut query = vec![
                    ("fields", "details,subject".to_string()),
                    ("limit", self.page_size.min(100).to_string()),
                    ("fromTimestamp", from),
                    ("toTimestamp", to),
                ];
                if let Some(cursor) = &state.cursor {
                    query.push(("cursor", cursor.clone()));
                }
                let page: CursorPage<Score> = self
                    .client
                    .get_json(langfuse::V3_SCORES, &query, shutdown)
                    .await?;
                Ok(Fetched {
                    next_cursor: page.meta.cursor.filter(|c| !c.is_empty()),
                    batch: Batch::Scores(page.data.into_iter().map(ScoreRecord::from).collect()),
                })
            }
            LEGACY_TRACES => {
                let query = vec![
                    ("page", page.to_string()),
                    ("limit", legacy_limit),
                    ("fromTimestamp", from),
                    ("toTimestamp", to),
                    ("orderBy", "timestamp.asc".to_string()),
                    ("fields", "core".to_string()),
                ];
                let page_data: NumberedPage<LegacyTrace> = self
                    .client
                    .get_json(langfuse::LEGACY_TRACES, &query, shutdown)
                    .await?;
                Ok(Fetched {
                    next_cursor: next_page(page, &page_data),
                    batch: Batch::TraceHeaders(
                        page_data.data.into_iter().map(TraceHeader::from).collect(),
                    ),
                })
            }
            LEGACY_OBSERVATIONS => {
                let query = vec![
                    ("page", page.to_string()),
                    ("limit", legacy_limit),
                    ("fromStartTime", from),
                    ("toStartTime", to),
                ];
                let page_data: NumberedPage<Observation> = self
                    .client
                    .get_json(langfuse::LEGACY_OBSERVATIONS, &query, shutdown)
                    .await?;
                let next_cursor = next_page(page, &page_data);
                Ok(Fetched {
                    next_cursor,
                    batch: self.observations(page_data.data),
                })
            }
            other => unreachable!("sources are the constants above, not {other}"),
        }
    }

    fn observations(&self, data: Vec<Observation>) -> Batch {
        Batch::Observations(
            data.into_iter()
                .map(|o| ObservationRecord::from_api(o, &self.agent_metadata_key))
                .collect(),
        )
    }
}

/// For page-based sources, "there is a next page" as a marker cursor.
fn next_page<T>(page: u32, data: &NumberedPage<T>) -> Option<String> {
    (!data.data.is_empty() && page < data.meta.total_pages).then(|| (page + 1).to_string())
}

struct Fetched {
    next_cursor: Option<String>,
    batch: Batch,
}

enum Batch {
    Observations(Vec<ObservationRecord>),
    Scores(Vec<ScoreRecord>),
    TraceHeaders(Vec<TraceHeader>),
}

impl Batch {
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
