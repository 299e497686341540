//! The database side of a sync: each page is one `BEGIN IMMEDIATE`
//! transaction that upserts the page's rows, refreshes the derived rows they
//! touch, saves the source's cursor and window, adds the request counters and
//! bumps `data_version`. A crash loses at most the page in flight.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use shared_schema::histogram::LatencyHistogram;
use shared_schema::rows::{ApiMode, CursorSource, SyncMetadata, SyncState};

use super::derive::EnvironmentDelta;
use super::derive::{
    DailyDeltas, Member, NO_MODEL, Pair, ROLL_UP, TraceRow, pairs_of, resolve_agents,
};
use super::records::{ObservationRecord, ScoreRecord, TraceHeader, environment_or_default};
use crate::configuration::CheckpointMode;
use crate::langfuse::client::CounterDelta;

/// Where one source's incremental sync stands (a `sync_cursors` row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorState {
    /// Everything starting before this has been read completely once.
    pub watermark_ms: Option<i64>,
    /// The window being read, `[from, to)`, while it is unfinished.
    pub window: Option<(i64, i64)>,
    /// v2 cursor of the next page (cursor-based sources).
    pub cursor: Option<String>,
    /// Next page number (page-based legacy sources), or pages read so far.
    pub page: Option<u32>,
}

/// What a page transaction records besides its rows.
#[derive(Debug, Clone)]
pub struct PageProgress {
    pub source: CursorSource,
    pub cursor: CursorState,
    pub counters: CounterDelta,
    pub now_ms: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageSummary {
    /// Rows of the page (for observations: before the refresh, which reads
    /// whole traces).
    pub rows: usize,
    pub traces: usize,
    pub sessions: usize,
}

/// A state-machine transition, recorded in `sync_metadata` and `sync_runs`.
#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Idle {
        message: Option<String>,
    },
    Running,
    Success {
        next_run_at_ms: Option<i64>,
    },
    Error {
        message: String,
        next_run_at_ms: Option<i64>,
    },
    RateLimited {
        until_ms: i64,
        message: String,
        next_run_at_ms: Option<i64>,
    },
}

impl Transition {
    pub fn state(&self) -> SyncState {
        match self {
            Transition::Idle { .. } => SyncState::Idle,
            Transition::Running => SyncState::Running,
            Transition::Success { .. } => SyncState::Success,
            Transition::Error { .. } => SyncState::Error,
            Transition::RateLimited { .. } => SyncState::RateLimited,
        }
    }
}

pub struct Store {
    connection: Connection,
    _checkpointer: Option<Checkpointer>,
}

/// Copies committed WAL frames into the database file from a thread of its
/// own, so that the writer does not pay for checkpoints (and their fsync)
/// between pages. The writer's own automatic checkpoint stays as a backstop.
/// Only in `CheckpointMode::Daemon`: under Litestream nobody but Litestream
/// checkpoints (see `Store::open_with`).
struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn spawn(path: &Path) -> anyhow::Result<Checkpointer> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(shared_schema::BUSY_TIMEOUT)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::park_timeout(CHECKPOINT_EVERY);
                    if let Err(error) =
                        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::debug!(%error, "background checkpoint skipped");
                    }
                }
            })?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

#[cfg(test)]
mod checkpoint_mode_tests {
    use super::*;

    fn pragma(store: &Store, name: &str) -> i64 {
        store
            .connection()
            .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn under_litestream_the_writer_never_checkpoints_but_still_waits_out_locks() {
        let cases = [
            (CheckpointMode::Daemon, WAL_CHECKPOINT_PAGES, true),
            (CheckpointMode::Litestream, 0, false),
        ];
        for (mode, autocheckpoint_pages, background_thread) in cases {
            let directory = tempfile::tempdir().unwrap();
            let store = Store::open_with(&directory.path().join("cupid.db"), mode).unwrap();
            assert_eq!(
                pragma(&store, "wal_autocheckpoint"),
                autocheckpoint_pages,
                "{mode:?}"
            );
            assert_eq!(
                pragma(&store, "busy_timeout"),
                shared_schema::BUSY_TIMEOUT.as_millis() as i64,
                "{mode:?}"
            );
            assert_eq!(store._checkpointer.is_some(), background_thread, "{mode:?}");
        }
    }
}

/// The writer's SQLite page cache, in KiB.
const CACHE_KIB: i64 = 32 * 1024;

/// WAL pages (4 KiB) after which the writer checkpoints itself: 64 MiB.
const WAL_CHECKPOINT_PAGES: i64 = 16_384;

/// Traces per transaction of a full rebuild.
const REBUILD_BATCH_TRACES: usize = 2_000;

/// How long `sync_runs` keeps transitions (about 900 a day at the default
/// interval).
const SYNC_RUNS_KEPT_MS: i64 = 30 * 86_400_000;

const MEMBER_COLUMNS: &str = "id, parent_observation_id, type, name, level, start_time_ms, \
    end_time_ms, model, input_tokens, output_tokens, total_tokens, cost_nanousd, session_id, \
    user_id, trace_name, trace_tags, environment, agent_hint, agent, updated_at_ms";

fn member_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        observation_type: row.get(2)?,
        name: row.get(3)?,
        level: row.get(4)?,
        start_ms: row.get(5)?,
        end_ms: row.get(6)?,
        model: row.get(7)?,
        input_tokens: row.get(8)?,
        output_tokens: row.get(9)?,
        total_tokens: row.get(10)?,
        cost_nanousd: row.get(11)?,
        session_id: row.get(12)?,
        user_id: row.get(13)?,
        trace_name: row.get(14)?,
        trace_tags: row.get(15)?,
        environment: row.get(16)?,
        agent_hint: row.get(17)?,
        agent: row.get(18)?,
        updated_at_ms: row.get(19)?,
    })
}

fn member_of(record: &ObservationRecord) -> Member {
    Member {
        id: record.id.clone(),
        parent_id: record.parent_id.clone(),
        observation_type: record.observation_type.clone(),
        name: record.name.clone(),
        level: record.level.clone(),
        start_ms: record.start_ms,
        end_ms: record.end_ms,
        model: record.model.clone(),
        input_tokens: record.usage.input,
        output_tokens: record.usage.output,
        total_tokens: record.usage.total,
        cost_nanousd: record.cost_nanousd,
        session_id: record.session_id.clone(),
        user_id: record.user_id.clone(),
        trace_name: record.trace_name.clone(),
        trace_tags: record.trace_tags.clone(),
        environment: record.environment.clone(),
        agent_hint: record.agent_hint.clone(),
        agent: String::new(),
        updated_at_ms: record.updated_at_ms,
    }
}

impl Store {
    /// Opens the writer in the process's checkpoint mode
    /// (`CUPID_CHECKPOINT_MODE`).
    /// A store that checkpoints its own WAL (no Litestream beside it).
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        Self::open_with(path, CheckpointMode::Daemon)
    }

    pub fn open_with(path: &Path, checkpoint_mode: CheckpointMode) -> anyhow::Result<Store> {
        let connection = shared_schema::open_writer(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        // More distinct statements than the default cache of 16 run per page.
        connection.set_prepared_statement_cache_capacity(64);
        // Pages upsert into six observation indexes at scattered positions;
        // a larger page cache keeps their inner pages in memory.
        connection
            .pragma_update(None, "cache_size", -CACHE_KIB)
            .context("setting the page cache size")?;
        let checkpointer = match checkpoint_mode {
            // A backfill writes megabytes per page; checkpoints run in the
            // background, the writer only checkpoints (and truncates the WAL)
            // when the background falls behind.
            CheckpointMode::Daemon => {
                connection
                    .pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
                    .and_then(|()| {
                        connection.pragma_update(
                            None,
                            "journal_size_limit",
                            WAL_CHECKPOINT_PAGES * 4096,
                        )
                    })
                    .context("setting the WAL checkpoint interval")?;
                Some(
                    Checkpointer::spawn(path)
                        .context("starting the background checkpoint thread")?,
                )
            }
            // Litestream copies each WAL frame to the replica before it
            // checkpoints; a checkpoint of ours could move frames into the
            // database file (and restart the WAL) before Litestream has read
            // them, costing it a fresh snapshot. So no automatic checkpoint
            // and no background thread; the busy timeout of open_writer
            // waits out Litestream's short checkpoint locks.
            CheckpointMode::Litestream => {
                connection
                    .pragma_update(None, "wal_autocheckpoint", 0)
                    .context("turning the automatic WAL checkpoint off for Litestream")?;
                None
            }
        };
        Ok(Store {
            connection,
            _checkpointer: checkpointer,
        })
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    fn begin(&mut self) -> rusqlite::Result<Transaction<'_>> {
        self.connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
    }

    pub fn metadata(&self) -> anyhow::Result<SyncMetadata> {
        SyncMetadata::load(&self.connection).context("reading sync_metadata")
    }

    pub fn load_cursor(&self, source: CursorSource) -> anyhow::Result<CursorState> {
        let state = self
            .connection
            .query_row(
                "SELECT watermark_ms, window_from_ms, window_to_ms, cursor, page
                 FROM sync_cursors WHERE source = ?1",
                [source],
                |row| {
                    let from: Option<i64> = row.get(1)?;
                    let to: Option<i64> = row.get(2)?;
                    Ok(CursorState {
                        watermark_ms: row.get(0)?,
                        window: from.zip(to),
                        cursor: row.get(3)?,
                        page: row.get(4)?,
                    })
                },
            )
            .optional()
            .with_context(|| format!("reading the cursor of {source}"))?;
        Ok(state.unwrap_or_default())
    }

    /// Records a state transition and appends it to the history.
    pub fn transition(
        &mut self,
        transition: &Transition,
        counters: CounterDelta,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        let transaction = self.begin()?;
        add_counters(&transaction, counters, 0, now_ms, false)?;
        let state = transition.state().as_str();
        let message: Option<String> = match transition {
            Transition::Idle { message } => {
                transaction.execute(
                    "UPDATE sync_metadata SET state = ?1, updated_at_ms = ?2 WHERE id = 1",
                    params![state, now_ms],
                )?;
                message.clone()
            }
            Transition::Running => {
                // The history is for recent diagnosis; keep it bounded.
                transaction.execute(
                    "DELETE FROM sync_runs WHERE at_ms < ?1",
                    [now_ms - SYNC_RUNS_KEPT_MS],
                )?;
                transaction.execute(
                    "UPDATE sync_metadata SET state = ?1, cycle_started_at_ms = ?2,
                         cycle_finished_at_ms = NULL, cycle_requests_sent = 0,
                         cycle_rows_written = 0, next_run_at_ms = NULL, updated_at_ms = ?2
                     WHERE id = 1",
                    params![state, now_ms],
                )?;
                None
            }
            Transition::Success { next_run_at_ms } => {
                transaction.execute(
                    "UPDATE sync_metadata SET state = ?1, cycle_finished_at_ms = ?2,
                         last_success_at_ms = ?2, next_run_at_ms = ?3, updated_at_ms = ?2
                     WHERE id = 1",
                    params![state, now_ms, next_run_at_ms],
                )?;
                None
            }
            Transition::Error {
                message,
                next_run_at_ms,
            } => {
                transaction.execute(
                    "UPDATE sync_metadata SET state = ?1, cycle_finished_at_ms = ?2,
                         last_error = ?3, last_error_at_ms = ?2, next_run_at_ms = ?4,
                         updated_at_ms = ?2
                     WHERE id = 1",
                    params![state, now_ms, message, next_run_at_ms],
                )?;
                Some(message.clone())
            }
            Transition::RateLimited {
                until_ms,
                message,
                next_run_at_ms,
            } => {
                transaction.execute(
                    "UPDATE sync_metadata SET state = ?1, cycle_finished_at_ms = ?2,
                         last_error = ?3, last_error_at_ms = ?2, rate_limited_until_ms = ?4,
                         next_run_at_ms = ?5, updated_at_ms = ?2
                     WHERE id = 1",
                    params![state, now_ms, message, until_ms, next_run_at_ms],
                )?;
                Some(message.clone())
            }
        };
        transaction.execute(
            "INSERT INTO sync_runs (at_ms, state, requests_sent, rate_limited_responses,
                 rows_written, message)
             SELECT ?1, ?2, cycle_requests_sent, rate_limited_responses, cycle_rows_written, ?3
             FROM sync_metadata WHERE id = 1",
            params![now_ms, state, message],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Records which observations API the daemon reads and why.
    pub fn set_api_mode(&mut self, mode: ApiMode, reason: &str, now_ms: i64) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET api_mode = ?1, api_mode_reason = ?2, updated_at_ms = ?3
                 WHERE id = 1",
                params![mode.as_str(), reason, now_ms],
            )
            .context("recording the API mode")?;
        Ok(())
    }

    /// Records which scores endpoint answered: "v3", "v2", or None (neither).
    pub fn set_scores_mode(&mut self, mode: Option<&str>, now_ms: i64) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET scores_mode = ?1, updated_at_ms = ?2 WHERE id = 1",
                params![mode, now_ms],
            )
            .context("recording the scores endpoint")?;
        Ok(())
    }

    /// Records the page size in use (None: the configured one).
    pub fn set_page_size(&mut self, page_size: Option<u32>, now_ms: i64) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET page_size = ?1, updated_at_ms = ?2 WHERE id = 1",
                params![page_size, now_ms],
            )
            .context("recording the page size")?;
        Ok(())
    }

    /// Records the quota (0: unlimited) and interval the daemon runs with,
    /// so that readers can judge freshness and quota use.
    pub fn record_schedule(
        &mut self,
        quota_per_minute: u32,
        sync_interval_secs: u64,
    ) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET quota_per_minute = ?1, sync_interval_secs = ?2 WHERE id = 1",
                params![quota_per_minute, sync_interval_secs as i64],
            )
            .context("recording the sync schedule")?;
        Ok(())
    }

    pub fn set_backfill_from(&mut self, from_ms: i64) -> anyhow::Result<()> {
        self.connection.execute(
            "UPDATE sync_metadata SET backfill_from_ms = COALESCE(backfill_from_ms, ?1) WHERE id = 1",
            [from_ms],
        )?;
        Ok(())
    }

    /// Records counters and rate-limit waits between pages (no data).
    pub fn record_counters(&mut self, counters: CounterDelta, now_ms: i64) -> anyhow::Result<()> {
        let transaction = self.begin()?;
        add_counters(&transaction, counters, 0, now_ms, false)?;
        transaction.commit()?;
        Ok(())
    }

    /// One page of observations: upsert, refresh what they touch, save progress.
    pub fn apply_observations(
        &mut self,
        records: Vec<ObservationRecord>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        let transaction = self.begin()?;
        let mut records = records;
        if progress.source == CursorSource::LegacyObservations {
            fill_from_trace_headers(&transaction, &mut records)?;
        }
        // Stored normalised, so that readers filter raw rows by equality.
        for record in &mut records {
            let environment = environment_or_default(record.environment.as_deref()).to_string();
            record.environment = Some(environment);
        }
        let mut summary = apply_observation_rows(&transaction, &records, progress.now_ms)
            .context("storing a page of observations")?;
        summary.rows = records.len();
        let changed = !records.is_empty();
        save_cursor(&transaction, progress)?;
        add_counters(
            &transaction,
            progress.counters,
            records.len() as i64,
            progress.now_ms,
            changed,
        )?;
        transaction.commit()?;
        Ok(summary)
    }

    pub fn apply_scores(
        &mut self,
        records: Vec<ScoreRecord>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        let transaction = self.begin()?;
        {
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO scores (id, trace_id, observation_id, session_id, name, source,
                     data_type, value, string_value, comment, timestamp_ms, synced_at_ms,
                     environment, updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT(id) DO UPDATE SET trace_id = excluded.trace_id,
                     observation_id = excluded.observation_id, session_id = excluded.session_id,
                     name = excluded.name, source = excluded.source,
                     data_type = excluded.data_type, value = excluded.value,
                     string_value = excluded.string_value, comment = excluded.comment,
                     timestamp_ms = excluded.timestamp_ms, synced_at_ms = excluded.synced_at_ms,
                     environment = excluded.environment, updated_at_ms = excluded.updated_at_ms
                 -- An older version (several can come back) never replaces a newer one.
                 WHERE excluded.updated_at_ms IS NULL OR scores.updated_at_ms IS NULL
                     OR excluded.updated_at_ms >= scores.updated_at_ms",
            )?;
            for score in &records {
                upsert.execute(params![
                    score.id,
                    score.trace_id,
                    score.observation_id,
                    score.session_id,
                    score.name,
                    score.source,
                    score.data_type,
                    score.value,
                    score.string_value,
                    score.comment,
                    score.timestamp_ms,
                    progress.now_ms,
                    score.environment,
                    score.updated_at_ms
                ])?;
            }
        }
        save_cursor(&transaction, progress)?;
        add_counters(
            &transaction,
            progress.counters,
            records.len() as i64,
            progress.now_ms,
            !records.is_empty(),
        )?;
        transaction.commit()?;
        Ok(PageSummary {
            rows: records.len(),
            ..PageSummary::default()
        })
    }

    /// Legacy mode: trace attributes that later observation pages join in.
    pub fn apply_trace_headers(
        &mut self,
        headers: Vec<TraceHeader>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        let transaction = self.begin()?;
        {
            let mut upsert = transaction.prepare_cached(
                "INSERT INTO trace_headers (id, name, session_id, user_id, tags, environment,
                     timestamp_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                     session_id = excluded.session_id, user_id = excluded.user_id,
                     tags = excluded.tags, environment = excluded.environment,
                     timestamp_ms = excluded.timestamp_ms",
            )?;
            for header in &headers {
                upsert.execute(params![
                    header.id,
                    header.name,
                    header.session_id,
                    header.user_id,
                    header.tags,
                    header.environment,
                    header.timestamp_ms
                ])?;
            }
        }
        save_cursor(&transaction, progress)?;
        add_counters(&transaction, progress.counters, 0, progress.now_ms, false)?;
        transaction.commit()?;
        Ok(PageSummary {
            rows: headers.len(),
            ..PageSummary::default()
        })
    }

    /// Recomputes every derived table from the stored observations, in
    /// batches of traces through the same incremental path as a sync. Each
    /// batch is its own transaction: readers see the tables fill up again,
    /// so this is a maintenance (and benchmark) operation.
    pub fn rebuild_derived(&mut self, now_ms: i64) -> anyhow::Result<usize> {
        // Batches hold whole sessions, so that each session is aggregated
        // once rather than once per batch that holds one of its traces.
        let mut traces: Vec<(Option<String>, String)> = {
            let mut statement = self
                .connection
                .prepare("SELECT MAX(session_id), trace_id FROM observations GROUP BY trace_id")?;
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        traces.sort_unstable();
        let mut batches: Vec<Vec<String>> = vec![Vec::new()];
        for (index, (session, trace_id)) in traces.iter().enumerate() {
            let current = batches.last_mut().expect("never empty");
            let session_changes = index == 0 || traces[index - 1].0 != *session;
            if current.len() >= REBUILD_BATCH_TRACES && (session_changes || session.is_none()) {
                batches.push(Vec::new());
            }
            batches
                .last_mut()
                .expect("never empty")
                .push(trace_id.clone());
        }
        let trace_count = traces.len();
        let transaction = self.begin()?;
        transaction.execute_batch(
            "DELETE FROM traces; DELETE FROM trace_agents; DELETE FROM sessions;
             DELETE FROM session_agents; DELETE FROM session_pairs;
             DELETE FROM session_environments; DELETE FROM environments;
             DELETE FROM daily_metrics; DELETE FROM agent_stats_cache;",
        )?;
        transaction.commit()?;
        for batch in &batches {
            let transaction = self.begin()?;
            let mut touched = Vec::with_capacity(batch.len());
            for trace_id in batch {
                let mut members = load_members(&transaction, trace_id)?;
                let stored: Vec<String> = members.iter().map(|m| m.agent.clone()).collect();
                resolve_agents(&mut members);
                for (member, before) in members.iter().zip(stored) {
                    if member.agent != before {
                        transaction
                            .prepare_cached("UPDATE observations SET agent = ?2 WHERE id = ?1")?
                            .execute(params![member.id, member.agent])?;
                    }
                }
                touched.push(TouchedTrace {
                    trace_id: trace_id.clone(),
                    old: Vec::new(),
                    new: members,
                });
            }
            refresh_derived(&transaction, touched, now_ms)?;
            transaction.execute(
                "UPDATE sync_metadata SET data_version = data_version + 1 WHERE id = 1",
                [],
            )?;
            transaction.commit()?;
        }
        self.connection
            .execute(
                "UPDATE sync_metadata SET rebuild_derived = 0 WHERE id = 1",
                [],
            )
            .context("clearing the rebuild flag")?;
        Ok(trace_count)
    }

    /// Rebuilds the derived tables if a migration asked for it (an upgraded
    /// database whose derived tables gained a dimension); returns the traces
    /// rebuilt, or None when nothing was asked.
    pub fn rebuild_derived_if_asked(&mut self, now_ms: i64) -> anyhow::Result<Option<usize>> {
        let asked: bool = self
            .connection
            .query_row(
                "SELECT rebuild_derived FROM sync_metadata WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .context("reading the rebuild flag")?;
        if !asked {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        let traces = self
            .rebuild_derived(now_ms)
            .context("rebuilding the derived tables after an upgrade")?;
        tracing::info!(
            traces,
            duration_ms = started.elapsed().as_millis() as u64,
            "rebuilt the derived tables after a schema upgrade"
        );
        Ok(Some(traces))
    }
}

fn add_counters(
    transaction: &Transaction<'_>,
    counters: CounterDelta,
    rows: i64,
    now_ms: i64,
    data_changed: bool,
) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE sync_metadata SET
                 requests_sent = requests_sent + ?1,
                 cycle_requests_sent = cycle_requests_sent + ?1,
                 rate_limited_responses = rate_limited_responses + ?2,
                 rows_written = rows_written + ?3,
                 cycle_rows_written = cycle_rows_written + ?3,
                 rate_limited_until_ms = COALESCE(?4, rate_limited_until_ms),
                 data_version = data_version + ?5,
                 updated_at_ms = ?6
             WHERE id = 1",
        )?
        .execute(params![
            counters.requests_sent,
            counters.rate_limited,
            rows,
            counters.rate_limited_until_ms,
            i64::from(data_changed),
            now_ms
        ])?;
    Ok(())
}

fn save_cursor(transaction: &Transaction<'_>, progress: &PageProgress) -> rusqlite::Result<()> {
    let cursor = &progress.cursor;
    transaction
        .prepare_cached(
            "INSERT INTO sync_cursors (source, watermark_ms, window_from_ms, window_to_ms,
                 cursor, page, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(source) DO UPDATE SET watermark_ms = excluded.watermark_ms,
                 window_from_ms = excluded.window_from_ms, window_to_ms = excluded.window_to_ms,
                 cursor = excluded.cursor, page = excluded.page,
                 updated_at_ms = excluded.updated_at_ms",
        )?
        .execute(params![
            progress.source,
            cursor.watermark_ms,
            cursor.window.map(|w| w.0),
            cursor.window.map(|w| w.1),
            cursor.cursor,
            cursor.page,
            progress.now_ms
        ])?;
    Ok(())
}

/// v1 observations lack the trace's name, session, user and tags: join them
/// from the trace headers read before.
fn fill_from_trace_headers(
    transaction: &Transaction<'_>,
    records: &mut [ObservationRecord],
) -> rusqlite::Result<()> {
    let mut lookup = transaction.prepare_cached(
        "SELECT name, session_id, user_id, tags, environment FROM trace_headers WHERE id = ?1",
    )?;
    let mut cache: HashMap<String, Option<TraceHeaderFields>> = HashMap::new();
    for record in records.iter_mut() {
        let fields = match cache.get(&record.trace_id) {
            Some(fields) => fields.clone(),
            None => {
                let fields = lookup
                    .query_row([&record.trace_id], |row| {
                        Ok(TraceHeaderFields {
                            name: row.get(0)?,
                            session_id: row.get(1)?,
                            user_id: row.get(2)?,
                            tags: row.get(3)?,
                            environment: row.get(4)?,
                        })
                    })
                    .optional()?;
                cache.insert(record.trace_id.clone(), fields.clone());
                fields
            }
        };
        if let Some(fields) = fields {
            record.trace_name = record.trace_name.take().or(fields.name);
            record.session_id = record.session_id.take().or(fields.session_id);
            record.user_id = record.user_id.take().or(fields.user_id);
            record.trace_tags = record.trace_tags.take().or(fields.tags);
            record.environment = record.environment.take().or(fields.environment);
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct TraceHeaderFields {
    name: Option<String>,
    session_id: Option<String>,
    user_id: Option<String>,
    tags: Option<String>,
    environment: Option<String>,
}

fn load_members(transaction: &Transaction<'_>, trace_id: &str) -> rusqlite::Result<Vec<Member>> {
    let mut statement = transaction.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM observations WHERE trace_id = ?1"
    ))?;
    statement.query_map([trace_id], member_from_row)?.collect()
}

struct TouchedTrace {
    trace_id: String,
    old: Vec<Member>,
    new: Vec<Member>,
}

fn apply_observation_rows(
    transaction: &Transaction<'_>,
    records: &[ObservationRecord],
    now_ms: i64,
) -> anyhow::Result<PageSummary> {
    // Of several versions of an id, the latest `updatedAt` wins (below).
    let mut by_trace: HashMap<&str, Vec<&ObservationRecord>> = HashMap::new();
    for record in records {
        by_trace
            .entry(record.trace_id.as_str())
            .or_default()
            .push(record);
    }
    let mut touched = Vec::with_capacity(by_trace.len());
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO observations (id, trace_id, parent_observation_id, session_id, type, name,
             level, status_message, start_time_ms, end_time_ms, completion_start_time_ms,
             latency_ms, model, input_tokens, output_tokens, total_tokens, usage_details,
             cost_nanousd, cost_details, user_id, environment, trace_name, trace_tags, metadata,
             input, output, agent_hint, agent, synced_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)
         ON CONFLICT(id) DO UPDATE SET trace_id = excluded.trace_id,
             parent_observation_id = excluded.parent_observation_id,
             session_id = excluded.session_id, type = excluded.type, name = excluded.name,
             level = excluded.level, status_message = excluded.status_message,
             start_time_ms = excluded.start_time_ms, end_time_ms = excluded.end_time_ms,
             completion_start_time_ms = excluded.completion_start_time_ms,
             latency_ms = excluded.latency_ms, model = excluded.model,
             input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
             total_tokens = excluded.total_tokens, usage_details = excluded.usage_details,
             cost_nanousd = excluded.cost_nanousd, cost_details = excluded.cost_details,
             user_id = excluded.user_id, environment = excluded.environment,
             trace_name = excluded.trace_name, trace_tags = excluded.trace_tags,
             metadata = excluded.metadata, input = excluded.input, output = excluded.output,
             agent_hint = excluded.agent_hint, agent = excluded.agent,
             synced_at_ms = excluded.synced_at_ms, updated_at_ms = excluded.updated_at_ms
         -- An older version never replaces a newer one (the page loop below
         -- already skips them; this guards the row itself).
         WHERE excluded.updated_at_ms IS NULL OR observations.updated_at_ms IS NULL
             OR excluded.updated_at_ms >= observations.updated_at_ms",
    )?;
    let mut set_agent =
        transaction.prepare_cached("UPDATE observations SET agent = ?2 WHERE id = ?1")?;
    for (trace_id, page_rows) in by_trace {
        let old = load_members(transaction, trace_id)?;
        let mut new = old.clone();
        let mut position: HashMap<String, usize> = new
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        let mut from_page: HashMap<&str, &ObservationRecord> = HashMap::new();
        for record in page_rows {
            // Several versions of a row can come back, in one page or
            // across pages, in any order: the latest `updatedAt` wins,
            // whether it is stored already or earlier in this page.
            if let Some(&i) = position.get(&record.id)
                && is_older(record.updated_at_ms, new[i].updated_at_ms)
            {
                continue;
            }
            let member = member_of(record);
            match position.get(&record.id) {
                Some(&i) => new[i] = member,
                None => {
                    position.insert(record.id.clone(), new.len());
                    new.push(member);
                }
            }
            from_page.insert(record.id.as_str(), record);
        }
        resolve_agents(&mut new);
        let old_agents: HashMap<&str, &str> = old
            .iter()
            .map(|m| (m.id.as_str(), m.agent.as_str()))
            .collect();
        for member in &new {
            match from_page.get(member.id.as_str()) {
                Some(record) => {
                    upsert.execute(params![
                        record.id,
                        record.trace_id,
                        record.parent_id,
                        record.session_id,
                        record.observation_type,
                        record.name,
                        record.level,
                        record.status_message,
                        record.start_ms,
                        record.end_ms,
                        record.completion_start_ms,
                        record.latency_ms(),
                        record.model,
                        record.usage.input,
                        record.usage.output,
                        record.usage.total,
                        record.usage_details,
                        record.cost_nanousd,
                        record.cost_details,
                        record.user_id,
                        record.environment,
                        record.trace_name,
                        record.trace_tags,
                        record.metadata,
                        record.input,
                        record.output,
                        record.agent_hint,
                        member.agent,
                        now_ms,
                        record.updated_at_ms
                    ])?;
                }
                None => {
                    if old_agents.get(member.id.as_str()) != Some(&member.agent.as_str()) {
                        set_agent.execute(params![member.id, member.agent])?;
                    }
                }
            }
        }
        touched.push(TouchedTrace {
            trace_id: trace_id.to_string(),
            old,
            new,
        });
    }
    refresh_derived(transaction, touched, now_ms)
}

/// Whether a version written at `candidate` is older than one written at
/// `than`; a version without the time is never older.
fn is_older(candidate: Option<i64>, than: Option<i64>) -> bool {
    matches!((candidate, than), (Some(candidate), Some(than)) if candidate < than)
}

/// Brings traces, sessions, daily_metrics and agent_stats_cache up to date
/// with the touched traces' new observations, by the difference from old.
fn refresh_derived(
    transaction: &Transaction<'_>,
    touched: Vec<TouchedTrace>,
    now_ms: i64,
) -> anyhow::Result<PageSummary> {
    let mut deltas = DailyDeltas::default();
    let mut pair_changes: HashMap<String, HashMap<Pair, i64>> = HashMap::new();
    let mut sessions: BTreeSet<String> = BTreeSet::new();
    let traces = touched.len();
    let mut rows = 0;
    for trace in &touched {
        rows += trace.new.len();
        // A re-read (lookback) of an unchanged trace changes nothing derived.
        if trace.old == trace.new {
            continue;
        }
        deltas.add_trace(&trace.old, -1);
        deltas.add_trace(&trace.new, 1);
        let old_row = TraceRow::of(&trace.trace_id, &trace.old);
        let new_row = TraceRow::of(&trace.trace_id, &trace.new);
        for (row, members, sign) in [(&old_row, &trace.old, -1), (&new_row, &trace.new, 1)] {
            if let Some(session) = row.as_ref().and_then(|r| r.session_id.clone()) {
                let changes = pair_changes.entry(session.clone()).or_default();
                for pair in pairs_of(members) {
                    *changes.entry(pair).or_default() += sign;
                }
                sessions.insert(session);
            }
        }
        write_trace(
            transaction,
            &trace.trace_id,
            old_row.as_ref(),
            new_row.as_ref(),
        )?;
    }
    for session in &sessions {
        refresh_session(
            transaction,
            session,
            pair_changes.remove(session).unwrap_or_default(),
            &mut deltas,
        )?;
    }
    apply_daily_deltas(transaction, &deltas)?;
    apply_environment_deltas(transaction, &deltas.environments)?;
    for (agent, environment) in deltas.touched_agents() {
        refresh_agent_stats(transaction, &agent, &environment, now_ms)?;
    }
    Ok(PageSummary {
        rows,
        traces,
        sessions: sessions.len(),
    })
}

fn apply_environment_deltas(
    transaction: &Transaction<'_>,
    deltas: &HashMap<String, EnvironmentDelta>,
) -> rusqlite::Result<()> {
    let mut change = transaction.prepare_cached(
        "INSERT INTO environments (name, observations, newest_start_time_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET observations = observations + excluded.observations,
             newest_start_time_ms = max(coalesce(newest_start_time_ms, excluded.newest_start_time_ms),
                                        coalesce(excluded.newest_start_time_ms, newest_start_time_ms))",
    )?;
    for (name, delta) in deltas {
        if *delta != EnvironmentDelta::default() {
            change.execute(params![name, delta.observations, delta.newest_start_ms])?;
        }
    }
    transaction
        .prepare_cached("DELETE FROM environments WHERE observations <= 0")?
        .execute([])?;
    Ok(())
}

fn write_trace(
    transaction: &Transaction<'_>,
    trace_id: &str,
    old: Option<&TraceRow>,
    new: Option<&TraceRow>,
) -> rusqlite::Result<()> {
    let same_agents = match (old, new) {
        (Some(old), Some(new)) => old.agents == new.agents && old.start_ms == new.start_ms,
        _ => false,
    };
    if !same_agents {
        transaction
            .prepare_cached("DELETE FROM trace_agents WHERE trace_id = ?1")?
            .execute([trace_id])?;
    }
    let Some(row) = new else {
        transaction
            .prepare_cached("DELETE FROM traces WHERE id = ?1")?
            .execute([trace_id])?;
        return Ok(());
    };
    let agents = serde_json::to_string(&row.agents).expect("strings serialise");
    // An upsert, not REPLACE: indexes whose columns did not change stay untouched.
    transaction
        .prepare_cached(
            "INSERT INTO traces (id, name, session_id, user_id, tags, environment,
                 start_time_ms, end_time_ms, latency_ms, cost_nanousd, input_tokens,
                 output_tokens, total_tokens, observations, generations, errors, warnings, agents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                 session_id = excluded.session_id, user_id = excluded.user_id,
                 tags = excluded.tags, environment = excluded.environment,
                 start_time_ms = excluded.start_time_ms, end_time_ms = excluded.end_time_ms,
                 latency_ms = excluded.latency_ms, cost_nanousd = excluded.cost_nanousd,
                 input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
                 total_tokens = excluded.total_tokens, observations = excluded.observations,
                 generations = excluded.generations, errors = excluded.errors,
                 warnings = excluded.warnings, agents = excluded.agents",
        )?
        .execute(params![
            row.id,
            row.name,
            row.session_id,
            row.user_id,
            row.tags,
            row.environment,
            row.start_ms,
            row.end_ms,
            row.latency_ms(),
            row.cost_nanousd,
            row.input_tokens,
            row.output_tokens,
            row.total_tokens,
            row.observations,
            row.generations,
            row.errors,
            row.warnings,
            agents
        ])?;
    if same_agents {
        return Ok(());
    }
    let mut insert_agent = transaction.prepare_cached(
        "INSERT INTO trace_agents (agent, trace_id, start_time_ms) VALUES (?1, ?2, ?3)",
    )?;
    for agent in &row.agents {
        insert_agent.execute(params![agent, row.id, row.start_ms])?;
    }
    Ok(())
}

fn session_pairs(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<Vec<Pair>> {
    transaction
        .prepare_cached(
            "SELECT environment, agent, model FROM session_pairs WHERE session_id = ?1",
        )?
        .query_map([session], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect()
}

struct SessionTrace {
    user_id: Option<String>,
    environment: Option<String>,
    start_ms: i64,
    end_ms: Option<i64>,
    sums: [i64; 8],
    agents: Vec<String>,
}

fn refresh_session(
    transaction: &Transaction<'_>,
    session: &str,
    pair_changes: HashMap<Pair, i64>,
    deltas: &mut DailyDeltas,
) -> anyhow::Result<()> {
    let old: Option<(i64, String)> = transaction
        .prepare_cached("SELECT start_time_ms, agents FROM sessions WHERE id = ?1")?
        .query_row([session], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let old_start = old.as_ref().map(|(start, _)| *start);
    let old_pairs = session_pairs(transaction, session)?;
    {
        let mut change = transaction.prepare_cached(
            "INSERT INTO session_pairs (session_id, environment, agent, model, traces)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(session_id, environment, agent, model)
             DO UPDATE SET traces = traces + excluded.traces",
        )?;
        for ((environment, agent, model), count) in &pair_changes {
            if *count != 0 {
                change.execute(params![session, environment, agent, model, count])?;
            }
        }
        transaction
            .prepare_cached("DELETE FROM session_pairs WHERE session_id = ?1 AND traces <= 0")?
            .execute([session])?;
    }
    let traces: Vec<SessionTrace> = transaction
        .prepare_cached(
            "SELECT user_id, start_time_ms, end_time_ms, observations, generations,
                 cost_nanousd, input_tokens, output_tokens, total_tokens, errors, warnings, agents,
                 environment
             FROM traces WHERE session_id = ?1 ORDER BY start_time_ms, id",
        )?
        .query_map([session], |row| {
            let agents: String = row.get(11)?;
            let mut sums = [0i64; 8];
            for (i, sum) in sums.iter_mut().enumerate() {
                *sum = row.get(3 + i)?;
            }
            Ok(SessionTrace {
                user_id: row.get(0)?,
                environment: row.get(12)?,
                start_ms: row.get(1)?,
                end_ms: row.get(2)?,
                sums,
                agents: serde_json::from_str(&agents).unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(start) = old_start {
        deltas.add_session(start, &old_pairs, -1);
    }
    let Some(first) = traces.first() else {
        transaction
            .prepare_cached("DELETE FROM sessions WHERE id = ?1")?
            .execute([session])?;
        transaction
            .prepare_cached("DELETE FROM session_agents WHERE session_id = ?1")?
            .execute([session])?;
        transaction
            .prepare_cached("DELETE FROM session_environments WHERE session_id = ?1")?
            .execute([session])?;
        return Ok(());
    };
    let environment = first
        .environment
        .clone()
        .unwrap_or_else(|| environment_or_default(None).to_string());
    let start_ms = first.start_ms;
    let end_ms = traces.iter().filter_map(|t| t.end_ms).max();
    let mut sums = [0i64; 8];
    for trace in &traces {
        for (total, value) in sums.iter_mut().zip(trace.sums) {
            *total += value;
        }
    }
    let users: BTreeSet<&str> = traces.iter().filter_map(|t| t.user_id.as_deref()).collect();
    let agents: BTreeSet<&str> = traces
        .iter()
        .flat_map(|t| t.agents.iter().map(String::as_str))
        .collect();
    let user_id = traces.iter().find_map(|t| t.user_id.clone());
    let first_error: Option<String> = if sums[6] > 0 {
        transaction
            .prepare_cached(
                "SELECT id FROM observations WHERE session_id = ?1 AND level = 'ERROR'
                 ORDER BY start_time_ms, id LIMIT 1",
            )?
            .query_row([session], |row| row.get(0))
            .optional()?
    } else {
        None
    };
    transaction
        .prepare_cached(
            "INSERT INTO sessions (id, user_id, users, agents, start_time_ms,
                 end_time_ms, duration_ms, traces, observations, generations, cost_nanousd,
                 input_tokens, output_tokens, total_tokens, errors, warnings,
                 first_error_observation_id, environment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18)
             ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, users = excluded.users,
                 agents = excluded.agents, start_time_ms = excluded.start_time_ms,
                 end_time_ms = excluded.end_time_ms, duration_ms = excluded.duration_ms,
                 traces = excluded.traces, observations = excluded.observations,
                 generations = excluded.generations, cost_nanousd = excluded.cost_nanousd,
                 input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
                 total_tokens = excluded.total_tokens, errors = excluded.errors,
                 warnings = excluded.warnings,
                 first_error_observation_id = excluded.first_error_observation_id,
                 environment = excluded.environment",
        )?
        .execute(params![
            session,
            user_id,
            serde_json::to_string(&users).expect("strings serialise"),
            serde_json::to_string(&agents).expect("strings serialise"),
            start_ms,
            end_ms,
            end_ms.map(|end| (end - start_ms).max(0)),
            traces.len() as i64,
            sums[0],
            sums[1],
            sums[2],
            sums[3],
            sums[4],
            sums[5],
            sums[6],
            sums[7],
            first_error,
            environment
        ])?;
    let agents_json = serde_json::to_string(&agents).expect("strings serialise");
    if old != Some((start_ms, agents_json)) {
        transaction
            .prepare_cached("DELETE FROM session_agents WHERE session_id = ?1")?
            .execute([session])?;
        let mut insert_agent = transaction.prepare_cached(
            "INSERT INTO session_agents (agent, session_id, start_time_ms) VALUES (?1, ?2, ?3)",
        )?;
        for agent in &agents {
            insert_agent.execute(params![agent, session, start_ms])?;
        }
    }
    let new_pairs = session_pairs(transaction, session)?;
    deltas.add_session(start_ms, &new_pairs, 1);
    // Every environment the session has observations in: the day-total
    // triples of its traces.
    let environments: BTreeSet<&str> = new_pairs
        .iter()
        .filter(|(_, agent, model)| agent == ROLL_UP && model == ROLL_UP)
        .map(|(environment, _, _)| environment.as_str())
        .collect();
    let old_environments: Vec<(String, i64)> = transaction
        .prepare_cached(
            "SELECT environment, start_time_ms FROM session_environments WHERE session_id = ?1",
        )?
        .query_map([session], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let unchanged = old_environments.len() == environments.len()
        && old_environments
            .iter()
            .all(|(name, start)| *start == start_ms && environments.contains(name.as_str()));
    if !unchanged {
        transaction
            .prepare_cached("DELETE FROM session_environments WHERE session_id = ?1")?
            .execute([session])?;
        let mut insert = transaction.prepare_cached(
            "INSERT INTO session_environments (environment, session_id, start_time_ms)
             VALUES (?1, ?2, ?3)",
        )?;
        for environment in environments {
            insert.execute(params![environment, session, start_ms])?;
        }
    }
    Ok(())
}

fn apply_daily_deltas(transaction: &Transaction<'_>, deltas: &DailyDeltas) -> anyhow::Result<()> {
    let mut read = transaction.prepare_cached(
        "SELECT sessions, traces, observations, generations, errors, warnings, cost_nanousd,
             input_tokens, output_tokens, total_tokens, latency_histogram
         FROM daily_metrics WHERE day = ?1 AND environment = ?2 AND agent = ?3 AND model = ?4",
    )?;
    let mut write = transaction.prepare_cached(
        "INSERT OR REPLACE INTO daily_metrics (day, environment, agent, model, sessions, traces,
             observations, generations, errors, warnings, cost_nanousd, input_tokens,
             output_tokens, total_tokens, latency_histogram)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    let mut delete = transaction.prepare_cached(
        "DELETE FROM daily_metrics
         WHERE day = ?1 AND environment = ?2 AND agent = ?3 AND model = ?4",
    )?;
    for ((day, environment, agent, model), delta) in &deltas.by_key {
        if delta.is_noop() {
            continue;
        }
        let stored = read
            .query_row(params![day, environment, agent, model], |row| {
                let mut values = [0i64; 10];
                for (i, value) in values.iter_mut().enumerate() {
                    *value = row.get(i)?;
                }
                let blob: Option<Vec<u8>> = row.get(10)?;
                Ok((values, blob))
            })
            .optional()?;
        let (mut values, blob) = stored.unwrap_or(([0; 10], None));
        let mut histogram = match blob {
            Some(blob) => LatencyHistogram::from_blob(&blob).with_context(|| {
                format!(
                    "daily_metrics ({day}, {environment}, {agent}, {model}) holds a torn histogram"
                )
            })?,
            None => LatencyHistogram::new(),
        };
        let changes = delta.totals.values();
        for (value, change) in values.iter_mut().zip(changes) {
            *value += change;
        }
        histogram.merge(&delta.latencies_added);
        histogram.subtract(&delta.latencies_removed);
        if values[0] <= 0 && values[1] <= 0 && values[2] <= 0 {
            delete.execute(params![day, environment, agent, model])?;
            continue;
        }
        let blob = (!histogram.is_empty()).then(|| histogram.to_blob());
        write.execute(params![
            day,
            environment,
            agent,
            model,
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5],
            values[6],
            values[7],
            values[8],
            values[9],
            blob
        ])?;
    }
    Ok(())
}

/// All-time figures of an agent in one environment, merged from its daily
/// roll-up rows.
fn refresh_agent_stats(
    transaction: &Transaction<'_>,
    agent: &str,
    environment: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let mut totals = [0i64; 10];
    let mut histogram = LatencyHistogram::new();
    let mut days = 0;
    {
        let mut rows = transaction.prepare_cached(
            "SELECT sessions, traces, observations, generations, errors, warnings, cost_nanousd,
                 input_tokens, output_tokens, total_tokens, latency_histogram
             FROM daily_metrics WHERE agent = ?1 AND model = ?2 AND environment = ?3",
        )?;
        let mut query = rows.query(params![agent, ROLL_UP, environment])?;
        while let Some(row) = query.next()? {
            days += 1;
            for (i, total) in totals.iter_mut().enumerate() {
                *total += row.get::<_, i64>(i)?;
            }
            if let Some(blob) = row.get::<_, Option<Vec<u8>>>(10)? {
                histogram.merge(&LatencyHistogram::from_blob(&blob).with_context(|| {
                    format!("a daily_metrics row of agent {agent} holds a torn histogram")
                })?);
            }
        }
    }
    if days == 0 || totals[2] == 0 {
        transaction
            .prepare_cached("DELETE FROM agent_stats_cache WHERE agent = ?1 AND environment = ?2")?
            .execute([agent, environment])?;
        return Ok(());
    }
    let models: Vec<String> = transaction
        .prepare_cached(
            "SELECT DISTINCT model FROM daily_metrics
             WHERE agent = ?1 AND environment = ?4 AND model <> ?2 AND model <> ?3
             ORDER BY model",
        )?
        .query_map(params![agent, ROLL_UP, NO_MODEL, environment], |row| {
            row.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    let first_seen: Option<i64> = transaction
        .prepare_cached(
            "SELECT MIN(start_time_ms) FROM observations WHERE agent = ?1 AND environment = ?2",
        )?
        .query_row([agent, environment], |row| row.get(0))?;
    let last_seen: Option<i64> = transaction
        .prepare_cached(
            "SELECT MAX(start_time_ms) FROM observations WHERE agent = ?1 AND environment = ?2",
        )?
        .query_row([agent, environment], |row| row.get(0))?;
    let error_rate = totals[4] as f64 / totals[2] as f64;
    transaction
        .prepare_cached(
            "INSERT OR REPLACE INTO agent_stats_cache (agent, sessions, traces, observations,
                 generations, errors, warnings, cost_nanousd, input_tokens, output_tokens,
                 total_tokens, error_rate, latency_p50_ms, latency_p95_ms, latency_p99_ms,
                 models, first_seen_ms, last_seen_ms, updated_at_ms, environment,
                 latency_histogram)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)",
        )?
        .execute(params![
            agent,
            totals[0],
            totals[1],
            totals[2],
            totals[3],
            totals[4],
            totals[5],
            totals[6],
            totals[7],
            totals[8],
            totals[9],
            error_rate,
            histogram.percentile(0.50),
            histogram.percentile(0.95),
            histogram.percentile(0.99),
            serde_json::to_string(&models).expect("strings serialise"),
            first_seen,
            last_seen,
            now_ms,
            environment,
            (!histogram.is_empty()).then(|| histogram.to_blob())
        ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::records::Usage;

    const HOUR: i64 = 3_600_000;
    const START: i64 = 1_793_491_200_000; // 2026-11-01T00:00:00Z

    fn record(id: &str, parent: Option<&str>, kind: &str, name: &str) -> ObservationRecord {
        ObservationRecord {
            id: id.into(),
            trace_id: "trace-1".into(),
            parent_id: parent.map(Into::into),
            session_id: Some("game-1".into()),
            observation_type: kind.into(),
            name: Some(name.into()),
            level: "DEFAULT".into(),
            status_message: None,
            start_ms: START + HOUR,
            end_ms: Some(START + HOUR + 1_500),
            completion_start_ms: None,
            model: None,
            usage: Usage::default(),
            usage_details: None,
            cost_nanousd: None,
            cost_details: None,
            user_id: Some("player-1".into()),
            environment: None,
            trace_name: Some("turn".into()),
            trace_tags: None,
            metadata: None,
            input: None,
            output: None,
            agent_hint: None,
            updated_at_ms: None,
        }
    }

    fn generation(id: &str, parent: &str, cost: Option<i64>) -> ObservationRecord {
        ObservationRecord {
            model: Some("gpt-4o".into()),
            usage: Usage {
                input: Some(100),
                output: Some(10),
                total: Some(110),
            },
            cost_nanousd: cost,
            ..record(id, Some(parent), "GENERATION", "llm")
        }
    }

    fn progress(page: u32, requests: i64) -> PageProgress {
        PageProgress {
            source: CursorSource::Observations,
            cursor: CursorState {
                watermark_ms: None,
                window: Some((START, START + 24 * HOUR)),
                cursor: Some(format!("cursor-{page}")),
                page: Some(page),
            },
            counters: CounterDelta {
                requests_sent: requests,
                rate_limited: 0,
                rate_limited_until_ms: None,
            },
            now_ms: START + 2 * HOUR,
        }
    }

    fn temp_store() -> (tempfile::TempDir, Store) {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(&directory.path().join("cupid.db")).unwrap();
        (directory, store)
    }

    fn agents(store: &Store) -> Vec<(String, i64, i64)> {
        store
            .connection()
            .prepare(
                "SELECT agent, observations, generations FROM agent_stats_cache ORDER BY agent",
            )
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_parent_arriving_in_a_later_page_moves_its_children_to_its_agent() {
        let (_directory, mut store) = temp_store();
        store
            .apply_observations(
                vec![generation("llm-1", "root", Some(500))],
                &progress(1, 1),
            )
            .unwrap();
        assert_eq!(agents(&store), [("turn".to_string(), 1, 1)]);

        store
            .apply_observations(
                vec![record("root", None, "AGENT", "matchmaker")],
                &progress(2, 1),
            )
            .unwrap();

        assert_eq!(agents(&store), [("matchmaker".to_string(), 2, 1)]);
        let stale: i64 = store
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM daily_metrics WHERE agent = 'turn'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stale, 0, "the old agent's daily rows are gone");
        let (sessions, traces, cost): (i64, i64, i64) = store
            .connection()
            .query_row(
                "SELECT sessions, traces, cost_nanousd FROM daily_metrics
                 WHERE agent = 'matchmaker' AND model = 'gpt-4o'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((sessions, traces, cost), (1, 1, 500));
    }

    #[test]
    fn an_updated_observation_replaces_its_old_contribution() {
        let (_directory, mut store) = temp_store();
        let root = record("root", None, "AGENT", "judge");
        let mut pending = generation("llm-1", "root", None);
        pending.end_ms = None;
        store
            .apply_observations(vec![root, pending], &progress(1, 1))
            .unwrap();
        store
            .apply_observations(
                vec![generation("llm-1", "root", Some(2_000))],
                &progress(2, 1),
            )
            .unwrap();

        let (observations, cost, histogram): (i64, i64, Vec<u8>) = store
            .connection()
            .query_row(
                "SELECT observations, cost_nanousd, latency_histogram FROM daily_metrics
                 WHERE agent = '*' AND model = '*'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!((observations, cost), (2, 2_000));
        let histogram = LatencyHistogram::from_blob(&histogram).unwrap();
        assert_eq!(
            histogram.count(),
            1,
            "one generation latency, recorded once"
        );
        let (trace_cost, session_cost): (i64, i64) = store
            .connection()
            .query_row(
                "SELECT t.cost_nanousd, s.cost_nanousd FROM traces t JOIN sessions s
                 ON s.id = t.session_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((trace_cost, session_cost), (2_000, 2_000));
    }

    #[test]
    fn of_two_versions_of_one_observation_the_newer_wins_in_any_order_and_page() {
        let version = |name: &str, cost: i64, updated: i64| ObservationRecord {
            name: Some(name.into()),
            updated_at_ms: Some(START + updated),
            ..generation("llm-1", "root", Some(cost))
        };
        let older = version("untitled", 100, 1);
        let newer = version("llm", 2_000, 2);
        let cases = [
            (
                "one page, older first",
                vec![vec![older.clone(), newer.clone()]],
            ),
            (
                "one page, newer first",
                vec![vec![newer.clone(), older.clone()]],
            ),
            (
                "across pages, older first",
                vec![vec![older.clone()], vec![newer.clone()]],
            ),
            (
                "across pages, newer first",
                vec![vec![newer.clone()], vec![older.clone()]],
            ),
        ];
        for (case, pages) in cases {
            let (_directory, mut store) = temp_store();
            store
                .apply_observations(
                    vec![record("root", None, "AGENT", "judge")],
                    &progress(1, 1),
                )
                .unwrap();
            for (number, page) in pages.into_iter().enumerate() {
                store
                    .apply_observations(page, &progress(number as u32 + 2, 1))
                    .unwrap();
            }
            let stored: (String, i64, i64) = store
                .connection()
                .query_row(
                    "SELECT name, cost_nanousd, updated_at_ms FROM observations WHERE id = 'llm-1'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(stored, ("llm".to_string(), 2_000, START + 2), "{case}");
            let derived: (i64, i64, i64) = store
                .connection()
                .query_row(
                    "SELECT d.cost_nanousd, d.observations, t.cost_nanousd
                     FROM daily_metrics d, traces t WHERE d.agent = '*' AND d.model = '*'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!(
                derived,
                (2_000, 2, 2_000),
                "{case}: derived rows count the winner once"
            );
        }
    }

    #[test]
    fn an_older_score_version_never_replaces_a_newer_one() {
        let score = |value: f64, updated: i64| ScoreRecord {
            id: "s".into(),
            trace_id: Some("trace-1".into()),
            observation_id: None,
            session_id: None,
            name: "quality".into(),
            source: None,
            data_type: "NUMERIC".into(),
            value: Some(value),
            string_value: None,
            comment: None,
            timestamp_ms: START,
            environment: "default".into(),
            updated_at_ms: Some(START + updated),
        };
        for pages in [
            vec![vec![score(0.9, 2), score(0.1, 1)]],
            vec![vec![score(0.1, 1), score(0.9, 2)]],
            vec![vec![score(0.9, 2)], vec![score(0.1, 1)]],
        ] {
            let (_directory, mut store) = temp_store();
            for page in pages {
                store.apply_scores(page, &progress(1, 1)).unwrap();
            }
            let value: f64 = store
                .connection()
                .query_row("SELECT value FROM scores WHERE id = 's'", [], |r| r.get(0))
                .unwrap();
            assert_eq!(value, 0.9);
        }
    }

    #[test]
    fn an_upgraded_database_is_rebuilt_once_with_its_rows_in_the_default_environment() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        {
            let mut old = Connection::open(&path).unwrap();
            shared_schema::migrate_to(&mut old, &path, 1).unwrap();
            old.execute_batch(
                "INSERT INTO observations (id, trace_id, session_id, type, start_time_ms,
                     cost_nanousd, agent, synced_at_ms)
                 VALUES ('o1', 't1', 's1', 'AGENT', 1793494800000, NULL, 'judge', 0),
                        ('o2', 't1', 's1', 'GENERATION', 1793494800500, 700, 'judge', 0);",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();

        assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), Some(1));
        assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), None);

        let day_total: (String, i64, i64, i64) = store
            .connection()
            .query_row(
                "SELECT environment, observations, sessions, cost_nanousd FROM daily_metrics
                 WHERE agent = '*' AND model = '*'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(day_total, ("default".to_string(), 2, 1, 700));
        let environments: (String, i64) = store
            .connection()
            .query_row("SELECT name, observations FROM environments", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(environments, ("default".to_string(), 2));
    }

    #[test]
    fn a_game_spanning_two_environments_counts_each_observation_in_its_own() {
        let (_directory, mut store) = temp_store();
        let mut root = record("root", None, "AGENT", "judge");
        root.environment = Some("production".into());
        let mut llm = generation("llm-1", "root", Some(900));
        llm.environment = Some("staging".into());
        llm.start_ms += 100;
        store
            .apply_observations(vec![root, llm], &progress(1, 1))
            .unwrap();

        let per_environment: Vec<(String, i64, i64, i64)> = store
            .connection()
            .prepare(
                "SELECT environment, observations, sessions, cost_nanousd FROM daily_metrics
                 WHERE agent = '*' AND model = '*' ORDER BY environment",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            per_environment,
            [
                ("production".to_string(), 1, 1, 0),
                ("staging".to_string(), 1, 1, 900)
            ]
        );
        let session: (String, i64) = store
            .connection()
            .query_row(
                "SELECT environment, (SELECT count(*) FROM session_environments) FROM sessions",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(session, ("production".to_string(), 2));
    }

    #[test]
    fn a_page_commits_its_cursor_counters_and_data_version_with_its_rows() {
        let (_directory, mut store) = temp_store();
        let before = store.metadata().unwrap();

        store
            .apply_observations(
                vec![record("root", None, "AGENT", "judge")],
                &progress(3, 2),
            )
            .unwrap();

        let cursor = store.load_cursor(CursorSource::Observations).unwrap();
        assert_eq!(cursor, progress(3, 2).cursor);
        let after = store.metadata().unwrap();
        assert_eq!(after.requests_sent, before.requests_sent + 2);
        assert_eq!(after.rows_written, before.rows_written + 1);
        assert_eq!(after.data_version, before.data_version + 1);
    }

    #[test]
    fn transitions_are_recorded_with_their_history() {
        let (_directory, mut store) = temp_store();
        let quiet = CounterDelta::default();
        store
            .transition(&Transition::Running, quiet, START)
            .unwrap();
        store
            .transition(
                &Transition::Error {
                    message: "HTTP 401".into(),
                    next_run_at_ms: Some(START + HOUR),
                },
                quiet,
                START + 10,
            )
            .unwrap();

        let metadata = store.metadata().unwrap();
        assert_eq!(metadata.state, SyncState::Error);
        assert_eq!(metadata.last_error.as_deref(), Some("HTTP 401"));
        assert_eq!(metadata.next_run_at_ms, Some(START + HOUR));
        assert_eq!(metadata.cycle_started_at_ms, Some(START));
        let history: Vec<(String, Option<String>)> = store
            .connection()
            .prepare("SELECT state, message FROM sync_runs ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            history,
            [
                ("running".to_string(), None),
                ("error".to_string(), Some("HTTP 401".to_string()))
            ]
        );
    }
}
