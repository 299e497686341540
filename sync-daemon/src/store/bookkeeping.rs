//! The daemon's own records: where each source stands (`sync_cursors`), the
//! request and row counters, the state machine's transitions and history
//! (`sync_metadata`, `sync_runs`), and the settings it runs with.

use anyhow::Context;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::rows::{ApiMode, CursorSource, SyncMetadata, SyncState};

use super::{PageProgress, Store};
use crate::langfuse::client::CounterDelta;

/// How long `sync_runs` keeps transitions (about 900 a day at the default
/// interval).
const SYNC_RUNS_KEPT_MS: i64 = 30 * 86_400_000;

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

impl Store {
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
        add_counters(&transaction, counters, 0, now_ms)?;
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

    /// Records the Langfuse base URL the daemon reads (already stripped of
    /// any credentials), so that readers can link to Langfuse's UI.
    pub fn record_langfuse_host(&mut self, host: &str) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET langfuse_host = ?1 WHERE id = 1",
                [host],
            )
            .context("recording the Langfuse host")?;
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
        add_counters(&transaction, counters, 0, now_ms)?;
        transaction.commit()?;
        Ok(())
    }

    /// Whether a migration asked for the derived tables to be rebuilt.
    pub(super) fn rebuild_asked(&self) -> anyhow::Result<bool> {
        self.connection
            .query_row(
                "SELECT rebuild_derived FROM sync_metadata WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .context("reading the rebuild flag")
    }

    pub(super) fn clear_rebuild_asked(&self) -> anyhow::Result<()> {
        self.connection
            .execute(
                "UPDATE sync_metadata SET rebuild_derived = 0 WHERE id = 1",
                [],
            )
            .context("clearing the rebuild flag")?;
        Ok(())
    }
}

/// Adds a request's counters and `rows` visible rows; any visible row bumps
/// `data_version`, the readers' cache key.
pub(super) fn add_counters(
    transaction: &Transaction<'_>,
    counters: CounterDelta,
    rows: i64,
    now_ms: i64,
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
            i64::from(rows > 0),
            now_ms
        ])?;
    Ok(())
}

/// Tells readers the data changed outside a page (a rebuild batch).
pub(super) fn bump_data_version(transaction: &Transaction<'_>) -> rusqlite::Result<()> {
    transaction.execute(
        "UPDATE sync_metadata SET data_version = data_version + 1 WHERE id = 1",
        [],
    )?;
    Ok(())
}

/// Records the Langfuse project the synced rows belong to (for links to
/// Langfuse's UI); written only when it changes.
pub(super) fn save_project_id(
    transaction: &Transaction<'_>,
    project_id: &str,
) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE sync_metadata SET langfuse_project_id = ?1
             WHERE id = 1 AND langfuse_project_id IS NOT ?1",
        )?
        .execute([project_id])?;
    Ok(())
}

pub(super) fn save_cursor(
    transaction: &Transaction<'_>,
    progress: &PageProgress,
) -> rusqlite::Result<()> {
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
