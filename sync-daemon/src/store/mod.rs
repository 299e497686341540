//! The database side of the daemon, and the only place with its SQL. Each
//! page (or run of score pages the engine hands over together) is one
//! `BEGIN IMMEDIATE` transaction (`Store::commit_page`) that upserts its rows, refreshes the derived rows they touch, saves the
//! source's cursor and window, adds the request counters and bumps
//! `data_version`. A crash rolls back the transaction being stored; its
//! pages, and those fetched meanwhile, wait on disk for the restart
//! (`crate::sync::kept_pages`).
//!
//! - `upsert`: the page's rows, the newest `updatedAt` winning;
//! - `refresh`: the derived tables, by difference, and the full rebuild;
//! - `score_rollup`: the score roll-ups, tallied again per touched hour;
//! - `session_outcomes`: each session's latest categorical scores, again
//!   per touched session;
//! - `bookkeeping`: cursors, counters, state transitions, `sync_metadata`;
//! - `checkpointer`: who checkpoints the WAL;
//! - `alerts`: the alert rules' values, states and history.

mod alerts;
mod bookkeeping;
mod checkpointer;
mod outcome_sums;
mod refresh;
mod score_rollup;
mod session_outcomes;
mod upsert;

#[cfg(test)]
mod tests;

use std::path::Path;

use anyhow::Context;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use shared_schema::rows::CursorSource;

pub use bookkeeping::{CursorState, Transition};

use crate::configuration::CheckpointMode;
use crate::langfuse::client::CounterDelta;
use crate::sync::records::{ObservationRecord, ScoreRecord, TraceHeader};

/// The tail of an `INSERT` that, on a row already stored under `key`,
/// takes the new `columns` only where they differ: an unchanged row is left
/// alone, so its page (and its indexes') stays clean and out of the WAL.
fn update_if_changed(key: &str, columns: &[&str]) -> String {
    let stored = columns.join(", ");
    let new = columns
        .iter()
        .map(|column| format!("excluded.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "ON CONFLICT ({key}) DO UPDATE SET ({stored}) = ({new}) WHERE ({stored}) IS NOT ({new})"
    )
}

/// What a page transaction records besides its rows.
#[derive(Debug, Clone)]
pub struct PageProgress {
    pub source: CursorSource,
    pub cursor: CursorState,
    pub counters: CounterDelta,
    pub now_ms: i64,
    /// The Langfuse project the page's rows name, if any.
    pub project_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageSummary {
    /// Rows of the page (for observations: before the refresh, which reads
    /// whole traces).
    pub rows: usize,
    pub traces: usize,
    pub sessions: usize,
}

/// What a page's writer hands back to `commit_page`.
struct PageWrite {
    summary: PageSummary,
    /// Rows readers see (observations, scores; not the legacy trace
    /// headers, which only feed later pages): they count in `rows_written`,
    /// and any bumps `data_version`.
    visible_rows: usize,
}

/// Prepared statements the writer keeps. A cycle of pages runs more
/// distinct statements than 64 (each roll-up grain and table has its own):
/// with 64 the least recently used were evicted on every page and prepared
/// again (docs/BENCHMARKS.md, twenty-eighth step). Kept statements cost
/// memory only.
pub const STATEMENT_CACHE_CAPACITY: usize = 256;

/// The writer's SQLite page cache, in KiB.
const CACHE_KIB: i64 = 32 * 1024;

pub struct Store {
    connection: Connection,
    _checkpointer: Option<checkpointer::Checkpointer>,
}

impl Store {
    /// A store that checkpoints its own WAL (no Litestream beside it).
    pub fn open(path: &Path) -> anyhow::Result<Store> {
        Self::open_with(path, CheckpointMode::Daemon)
    }

    /// Opens (and migrates) the database as its one writer, with the
    /// checkpointing of `checkpoint_mode` (`CUPID_CHECKPOINT_MODE`).
    pub fn open_with(path: &Path, checkpoint_mode: CheckpointMode) -> anyhow::Result<Store> {
        let connection = shared_schema::open_writer(path)
            .with_context(|| format!("opening the database {}", path.display()))?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        // Pages upsert into six observation indexes at scattered positions;
        // a larger page cache keeps their inner pages in memory.
        connection
            .pragma_update(None, "cache_size", -CACHE_KIB)
            .context("setting the page cache size")?;
        // Plans never depend on bound values, so that a statement is not
        // prepared again after every new binding (see the api-server's
        // `configure_reader`).
        connection
            .set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .context("fixing the query plans")?;
        let checkpointer = checkpointer::set_up(&connection, path, checkpoint_mode)?;
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

    /// The page transaction: `write` stores the page's rows (and whatever
    /// they derive), then the source's cursor, the request counters and
    /// `data_version` are written, and all of it commits together or not at
    /// all. So a stored cursor never runs ahead of its rows, and readers
    /// never see rows under an old `data_version`.
    fn commit_page(
        &mut self,
        progress: &PageProgress,
        write: impl FnOnce(&Transaction<'_>) -> anyhow::Result<PageWrite>,
    ) -> anyhow::Result<PageSummary> {
        let transaction = self.begin()?;
        let written = write(&transaction)?;
        bookkeeping::save_cursor(&transaction, progress)?;
        if let Some(project_id) = &progress.project_id {
            bookkeeping::save_project_id(&transaction, project_id)?;
        }
        bookkeeping::add_counters(
            &transaction,
            progress.counters,
            written.visible_rows as i64,
            progress.now_ms,
        )?;
        transaction.commit()?;
        Ok(written.summary)
    }

    /// One page of observations: upsert, refresh what they touch, save progress.
    pub fn apply_observations(
        &mut self,
        mut records: Vec<ObservationRecord>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        self.commit_page(progress, |transaction| {
            if progress.source == CursorSource::LegacyObservations {
                upsert::fill_from_trace_headers(transaction, &mut records)?;
            }
            let touched = upsert::observations(transaction, &mut records, progress.now_ms)
                .context("storing a page of observations")?;
            // Read before the refresh consumes `touched`; tallied after it,
            // once trace_agents and session_agents are up to date. Scores
            // are never deleted, so before the first is stored (a first
            // backfill stores every observation page before any score page)
            // a page re-attributes none and changes no session's outcome.
            let (score_slots, outcome_sessions) = if score_rollup::any_score_stored(transaction)
                .context("finding whether any score is stored")?
            {
                (
                    score_rollup::ScoreSlots::of_observation_page(transaction, &touched)
                        .context("finding the scores a page of observations re-attributes")?,
                    session_outcomes::OutcomeSessions::of_observation_page(&touched),
                )
            } else {
                Default::default()
            };
            let summary = refresh::refresh_derived(transaction, touched, progress.now_ms)
                .context("storing a page of observations")?;
            score_rollup::refresh(transaction, &score_slots)
                .context("storing a page of observations")?;
            session_outcomes::refresh(transaction, &outcome_sessions)
                .context("storing a page of observations")?;
            Ok(PageWrite {
                summary: PageSummary {
                    rows: records.len(),
                    ..summary
                },
                visible_rows: records.len(),
            })
        })
    }

    /// One or more pages of scores (the engine joins those fetched while
    /// the last store ran): upsert, tally the slots and sessions they
    /// touch again, save progress.
    pub fn apply_scores(
        &mut self,
        records: Vec<ScoreRecord>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        self.commit_page(progress, |transaction| {
            let score_slots = score_rollup::ScoreSlots::of_score_page(transaction, &records)
                .context("finding the ten-minute slots a page of scores touches")?;
            let outcome_sessions =
                session_outcomes::OutcomeSessions::of_score_page(transaction, &records)
                    .context("finding the sessions a page of scores touches")?;
            upsert::scores(transaction, &records, progress.now_ms)?;
            score_rollup::refresh(transaction, &score_slots).context("storing a page of scores")?;
            session_outcomes::refresh(transaction, &outcome_sessions)
                .context("storing a page of scores")?;
            Ok(PageWrite {
                summary: PageSummary {
                    rows: records.len(),
                    ..PageSummary::default()
                },
                visible_rows: records.len(),
            })
        })
    }

    /// Legacy mode: trace attributes that later observation pages join in.
    pub fn apply_trace_headers(
        &mut self,
        headers: Vec<TraceHeader>,
        progress: &PageProgress,
    ) -> anyhow::Result<PageSummary> {
        self.commit_page(progress, |transaction| {
            upsert::trace_headers(transaction, &headers)?;
            Ok(PageWrite {
                summary: PageSummary {
                    rows: headers.len(),
                    ..PageSummary::default()
                },
                visible_rows: 0,
            })
        })
    }
}
