//! The score roll-ups (`ten_minute_scores`, `hourly_scores`,
//! `six_hourly_scores`, `daily_scores` and their numeric values
//! `*_score_values`). Unlike the metric roll-ups, the score rows are not
//! kept by deltas: a score's figures depend on its attribution, which
//! observations arriving later change, and a minimum or latest timestamp
//! cannot be subtracted. So every (ten-minute slot, environment) a page
//! touches is recomputed from its raw scores, and then, where its rows
//! changed, its hour from its slots, its six-hour block from its hours, and
//! its day from its blocks. A slot holds a few dozen scores, and a page
//! touches few slots (scores come newest first, observations near their
//! scores' times). The value counts are sums, so a slot's change in them
//! (new counts less stored ones) is added to its hour, block and day as is.
//!
//! Rows are written only where they change: an unchanged row's page stays
//! out of the WAL (and a page re-read by the lookback costs reads only).
//!
//! A slot is touched by a score page through the score's new and stored
//! time and environment (a new version replaces the old one's
//! contribution), and by an observation page through the scores of every
//! trace it changed and of those traces' sessions (whose agents may have
//! changed). Scores of an observation carry its trace id in Langfuse, so
//! the trace finds them.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::agent_scores::{self, PackedRollUp};
use shared_schema::scores::{
    EVERY_SCORE, NumericValue, RAW_SCORE_COLUMNS, RawScore, ScoreKey, ScoreTally, ScoreTotals,
    attributed_scores,
};
use shared_schema::units::{
    MS_PER_DAY, MS_PER_HOUR, MS_PER_SIX_HOURS, MS_PER_TEN_MINUTES, ms_to_day,
};

use super::refresh::TouchedTrace;
use super::update_if_changed;
use crate::sync::records::ScoreRecord;

/// (slot start in ms, environment) pairs whose scores must be tallied
/// again.
#[derive(Debug, Default)]
pub(super) struct ScoreSlots(BTreeSet<(i64, String)>);

impl ScoreSlots {
    fn add(&mut self, timestamp_ms: i64, environment: String) {
        self.0.insert((
            timestamp_ms.div_euclid(MS_PER_TEN_MINUTES) * MS_PER_TEN_MINUTES,
            environment,
        ));
    }

    /// The slots of a score page: each score's new slot and, for one stored
    /// already, its stored slot (its old version's contribution goes).
    pub(super) fn of_score_page(
        transaction: &Transaction<'_>,
        records: &[ScoreRecord],
    ) -> rusqlite::Result<ScoreSlots> {
        let mut slots = ScoreSlots::default();
        let mut stored = transaction
            .prepare_cached("SELECT timestamp_ms, environment FROM scores WHERE id = ?1")?;
        for record in records {
            slots.add(record.timestamp_ms, record.environment.clone());
            let old: Option<(i64, Option<String>)> = stored
                .query_row([&record.id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some((timestamp_ms, environment)) = old {
                slots.add(timestamp_ms, environment.unwrap_or_default());
            }
        }
        Ok(slots)
    }

    /// The slots of the scores whose attribution an observation page may
    /// have changed: those of each changed trace and of its sessions.
    pub(super) fn of_observation_page(
        transaction: &Transaction<'_>,
        touched: &[TouchedTrace],
    ) -> rusqlite::Result<ScoreSlots> {
        let mut slots = ScoreSlots::default();
        let mut sessions: BTreeSet<&str> = BTreeSet::new();
        let mut by_trace = transaction
            .prepare_cached("SELECT timestamp_ms, environment FROM scores WHERE trace_id = ?1")?;
        for trace in touched.iter().filter(|trace| trace.old != trace.new) {
            for row in
                by_trace.query_map([&trace.trace_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            {
                let (timestamp_ms, environment): (i64, Option<String>) = row?;
                slots.add(timestamp_ms, environment.unwrap_or_default());
            }
            sessions.extend(
                trace
                    .old
                    .iter()
                    .chain(&trace.new)
                    .filter_map(|member| member.session_id.as_deref()),
            );
        }
        let mut by_session = transaction
            .prepare_cached("SELECT timestamp_ms, environment FROM scores WHERE session_id = ?1")?;
        for session in sessions {
            for row in by_session.query_map([session], |row| Ok((row.get(0)?, row.get(1)?)))? {
                let (timestamp_ms, environment): (i64, Option<String>) = row?;
                slots.add(timestamp_ms, environment.unwrap_or_default());
            }
        }
        Ok(slots)
    }

    /// Every slot with a stored score (the full rebuild).
    fn all(transaction: &Transaction<'_>) -> rusqlite::Result<ScoreSlots> {
        let mut slots = ScoreSlots::default();
        let step = MS_PER_TEN_MINUTES;
        let mut statement = transaction.prepare(&format!(
            "SELECT DISTINCT timestamp_ms - ((timestamp_ms % {step}) + {step}) % {step}, environment
             FROM scores"
        ))?;
        for row in statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
            let (slot_ms, environment): (i64, Option<String>) = row?;
            slots.add(slot_ms, environment.unwrap_or_default());
        }
        Ok(slots)
    }
}

/// Change in the count of each numeric value: (agent, name, value) ->
/// new count less stored count, of one slot, hour, block or day.
type ValueDeltas = BTreeMap<(String, String, NumericValue), i64>;

/// Whether any score is stored at all.
pub(super) fn any_score_stored(transaction: &Transaction<'_>) -> rusqlite::Result<bool> {
    transaction
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM scores)")?
        .query_row([], |row| row.get(0))
}

/// Recomputes the touched slots from their raw scores, then the hours of
/// the slots whose rows changed from their slots, the blocks of six hours
/// of the changed hours from their hours, and the days of the changed
/// blocks from their blocks (a quarter of the rows of their hours); and
/// adds each slot's change in value counts to its hour, block and day. The
/// number of roll-up rows written.
pub(super) fn refresh(transaction: &Transaction<'_>, slots: &ScoreSlots) -> anyhow::Result<usize> {
    let mut written = 0;
    let mut changed: BTreeSet<(i64, &str)> = BTreeSet::new();
    let mut slot_deltas: Vec<(i64, &str, ValueDeltas)> = Vec::new();
    for (slot_ms, environment) in &slots.0 {
        let (cells_written, deltas) = recompute_slot(transaction, *slot_ms, environment)
            .with_context(|| {
                format!("tallying the scores of the ten minutes from {slot_ms} in {environment}")
            })?;
        written += cells_written;
        if cells_written > 0 {
            TEN_MINUTE.repack(transaction, *slot_ms, environment)?;
            changed.insert((*slot_ms, environment.as_str()));
        }
        if !deltas.is_empty() {
            slot_deltas.push((*slot_ms, environment.as_str(), deltas));
        }
    }
    written += add_value_deltas(transaction, TEN_MINUTE, &slot_deltas)
        .context("storing the value counts of ten-minute slots")?;
    for (target, source) in [
        (HOURLY, TEN_MINUTE),
        (SIX_HOURLY, HOURLY),
        (DAILY, SIX_HOURLY),
    ] {
        let touched: BTreeSet<(i64, &str)> = changed
            .iter()
            .map(|(start_ms, environment)| (target.start_of(*start_ms), *environment))
            .collect();
        changed = BTreeSet::new();
        for (start_ms, environment) in touched {
            let span = (start_ms, start_ms + target.span_ms);
            let summed =
                sum_into(transaction, target, source, environment, span).with_context(|| {
                    format!(
                        "summing {} into {} from {start_ms} in {environment}",
                        source.scores, target.scores
                    )
                })?;
            written += summed;
            if summed > 0 {
                target.repack(transaction, start_ms, environment)?;
                changed.insert((start_ms, environment));
            }
        }
        written += add_value_deltas(transaction, target, &slot_deltas)
            .with_context(|| format!("adding the changes in value counts to {}", target.values))?;
    }
    Ok(written)
}

/// Adds the slots' changes in value counts to the rows of `target` that
/// hold them, deleting a row whose count falls to zero. The number of rows
/// written.
fn add_value_deltas(
    transaction: &Transaction<'_>,
    target: Grain,
    slot_deltas: &[(i64, &str, ValueDeltas)],
) -> rusqlite::Result<usize> {
    let mut written = 0;
    let mut by_row: BTreeMap<(i64, &str), ValueDeltas> = BTreeMap::new();
    for (slot_ms, environment, deltas) in slot_deltas {
        let row = by_row
            .entry((target.start_of(*slot_ms), environment))
            .or_default();
        for (key, delta) in deltas {
            *row.entry(key.clone()).or_default() += delta;
        }
    }
    let Grain {
        values, key_column, ..
    } = target;
    let mut add = transaction.prepare_cached(&format!(
        "INSERT INTO {values} ({key_column}, environment, agent, name, value, scores)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT ({key_column}, environment, agent, name, value)
         DO UPDATE SET scores = scores + excluded.scores"
    ))?;
    let mut delete_emptied = transaction.prepare_cached(&format!(
        "DELETE FROM {values} WHERE {key_column} = ?1 AND environment = ?2 AND agent = ?3
             AND name = ?4 AND value = ?5 AND scores = 0"
    ))?;
    for ((start_ms, environment), deltas) in by_row {
        let key = target.key(start_ms);
        for ((agent, name, value), delta) in deltas {
            if delta == 0 {
                continue;
            }
            let row = params![key, environment, agent, name, value.get()];
            written += add.execute(params![key, environment, agent, name, value.get(), delta])?;
            if delta < 0 {
                written += delete_emptied.execute(row)?;
            }
        }
    }
    Ok(written)
}

/// Empties the score roll-ups and tallies every slot with scores again.
pub(super) fn rebuild(transaction: &Transaction<'_>) -> anyhow::Result<()> {
    transaction.execute_batch(
        "DELETE FROM ten_minute_scores; DELETE FROM hourly_scores;
         DELETE FROM six_hourly_scores; DELETE FROM daily_scores;
         DELETE FROM ten_minute_score_values; DELETE FROM hourly_score_values;
         DELETE FROM six_hourly_score_values; DELETE FROM daily_score_values;
         DELETE FROM ten_minute_agent_scores; DELETE FROM hourly_agent_scores;
         DELETE FROM six_hourly_agent_scores; DELETE FROM daily_agent_scores;",
    )?;
    let slots = ScoreSlots::all(transaction)?;
    refresh(transaction, &slots)?;
    Ok(())
}

/// Tallies the raw scores of one slot into `ten_minute_scores`: how many
/// of its rows were written; and its change in value counts, which the
/// caller adds to `ten_minute_score_values` and the coarser grains.
fn recompute_slot(
    transaction: &Transaction<'_>,
    slot_ms: i64,
    environment: &str,
) -> anyhow::Result<(usize, ValueDeltas)> {
    let bounds = params![slot_ms, slot_ms + MS_PER_TEN_MINUTES, environment];
    let mut tally = ScoreTally::default();
    {
        let mut every = transaction.prepare_cached(&format!(
            "SELECT {RAW_SCORE_COLUMNS} FROM scores AS sc
             WHERE sc.environment = ?3 AND sc.timestamp_ms >= ?1 AND sc.timestamp_ms < ?2"
        ))?;
        let mut rows = every.query(bounds)?;
        while let Some(row) = rows.next()? {
            tally.record(EVERY_SCORE, &RawScore::from_row(row, 0)?);
        }
    }
    {
        let mut attributed = transaction.prepare_cached(&attributed_scores(
            RAW_SCORE_COLUMNS,
            "sc.environment = ?3 AND sc.timestamp_ms >= ?1 AND sc.timestamp_ms < ?2",
            None,
        ))?;
        let mut rows = attributed.query(bounds)?;
        while let Some(row) = rows.next()? {
            let agent: String = row.get(0)?;
            tally.record(&agent, &RawScore::from_row(row, 1)?);
        }
    }
    let Grain {
        scores,
        values,
        key_column,
        ..
    } = TEN_MINUTE;
    let slot = (slot_ms, environment);
    let stored_cells: Vec<(String, String, String, String)> = slot_rows(
        transaction,
        scores,
        "agent, name, data_type, category",
        slot,
    )?;
    let mut delete_cell = transaction.prepare_cached(&format!(
        "DELETE FROM {scores} WHERE {key_column} = ?1 AND environment = ?2
             AND agent = ?3 AND name = ?4 AND data_type = ?5 AND category = ?6"
    ))?;
    let mut changed_rows = 0;
    for (agent, name, data_type, category) in stored_cells {
        let key = ScoreKey {
            agent,
            name,
            data_type,
            category,
        };
        if !tally.cells.contains_key(&key) {
            changed_rows += delete_cell.execute(params![
                slot_ms,
                environment,
                key.agent,
                key.name,
                key.data_type,
                key.category
            ])?;
        }
    }
    let mut upsert = transaction.prepare_cached(&format!(
        "INSERT INTO {scores} ({key_column}, environment, agent, name, data_type, category,
             {})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         {}",
        ScoreTotals::COLUMNS,
        TEN_MINUTE.scores_upsert_clause()
    ))?;
    for (key, totals) in &tally.cells {
        changed_rows += upsert.execute(params![
            slot_ms,
            environment,
            key.agent,
            key.name,
            key.data_type,
            key.category,
            totals.scores,
            totals.numeric_count,
            totals.numeric_sum,
            totals.numeric_min,
            totals.numeric_max,
            totals.latest_ms
        ])?;
    }
    let mut deltas: ValueDeltas = tally.values;
    let stored_values: Vec<(String, String, f64, i64)> =
        slot_rows(transaction, values, "agent, name, value, scores", slot)?;
    for (agent, name, value, scores) in stored_values {
        *deltas
            .entry((agent, name, NumericValue::new(value)))
            .or_default() -= scores;
    }
    deltas.retain(|_, delta| *delta != 0);
    Ok((changed_rows, deltas))
}

/// Four `columns` of each row of one (slot, environment) of a ten-minute
/// table.
fn slot_rows<A, B, C, D>(
    transaction: &Transaction<'_>,
    table: &str,
    columns: &str,
    (slot_ms, environment): (i64, &str),
) -> rusqlite::Result<Vec<(A, B, C, D)>>
where
    A: rusqlite::types::FromSql,
    B: rusqlite::types::FromSql,
    C: rusqlite::types::FromSql,
    D: rusqlite::types::FromSql,
{
    let key_column = TEN_MINUTE.key_column;
    transaction
        .prepare_cached(&format!(
            "SELECT {columns} FROM {table} WHERE {key_column} = ?1 AND environment = ?2"
        ))?
        .query_map(params![slot_ms, environment], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect()
}

/// A score roll-up grain: its two tables, the column of its time key
/// (a start in ms, or the day's date), what one row spans, and the table
/// of its agents' packed cells.
#[derive(Clone, Copy)]
struct Grain {
    scores: &'static str,
    values: &'static str,
    packed: PackedRollUp,
    key_column: &'static str,
    keyed_by_day: bool,
    span_ms: i64,
}

impl Grain {
    /// What an insert into the scores table does with a row already
    /// stored (`update_if_changed`).
    fn scores_upsert_clause(self) -> String {
        let columns: Vec<&str> = ScoreTotals::COLUMNS.split(", ").collect();
        update_if_changed(
            &format!(
                "{}, environment, agent, name, data_type, category",
                self.key_column
            ),
            &columns,
        )
    }

    /// The start of the row holding the time `ms`.
    fn start_of(self, ms: i64) -> i64 {
        ms.div_euclid(self.span_ms) * self.span_ms
    }

    /// Packs the agents' cells of the span starting at `start_ms` in
    /// `environment` again, after its score rows changed (derived rows,
    /// not counted among the roll-up rows written).
    fn repack(
        self,
        transaction: &Transaction<'_>,
        start_ms: i64,
        environment: &str,
    ) -> anyhow::Result<()> {
        agent_scores::repack(
            transaction,
            self.packed,
            Some((&self.key(start_ms), environment)),
        )
        .with_context(|| {
            format!(
                "packing the agents' cells of {} from {start_ms} in {environment}",
                self.scores
            )
        })?;
        Ok(())
    }

    /// The key of the row starting at `start_ms`.
    fn key(self, start_ms: i64) -> Value {
        if self.keyed_by_day {
            Value::Text(ms_to_day(start_ms))
        } else {
            Value::Integer(start_ms)
        }
    }
}

const TEN_MINUTE: Grain = Grain {
    scores: "ten_minute_scores",
    values: "ten_minute_score_values",
    packed: agent_scores::TEN_MINUTE_AGENT_SCORES,
    key_column: "start_ms",
    keyed_by_day: false,
    span_ms: MS_PER_TEN_MINUTES,
};

const HOURLY: Grain = Grain {
    scores: "hourly_scores",
    values: "hourly_score_values",
    packed: agent_scores::HOURLY_AGENT_SCORES,
    key_column: "hour_ms",
    keyed_by_day: false,
    span_ms: MS_PER_HOUR,
};

const SIX_HOURLY: Grain = Grain {
    scores: "six_hourly_scores",
    values: "six_hourly_score_values",
    packed: agent_scores::SIX_HOURLY_AGENT_SCORES,
    key_column: "hour_ms",
    keyed_by_day: false,
    span_ms: MS_PER_SIX_HOURS,
};

const DAILY: Grain = Grain {
    scores: "daily_scores",
    values: "daily_score_values",
    packed: agent_scores::DAILY_AGENT_SCORES,
    key_column: "day",
    keyed_by_day: true,
    span_ms: MS_PER_DAY,
};

/// Makes `target`'s score rows of the span `[from_ms, to_ms)` in
/// `environment` the sums of the finer `source` rows (keyed by a start in
/// ms) in it: rows whose key is gone from the span are deleted, changed
/// rows updated, new rows inserted, and unchanged rows left alone. The
/// number of rows written.
fn sum_into(
    transaction: &Transaction<'_>,
    target: Grain,
    source: Grain,
    environment: &str,
    (from_ms, to_ms): (i64, i64),
) -> rusqlite::Result<usize> {
    let Grain {
        scores, key_column, ..
    } = target;
    let bounds = params![target.key(from_ms), environment, from_ms, to_ms];
    let in_span = format!(
        "{source_key} >= ?3 AND {source_key} < ?4 AND environment = ?2",
        source_key = source.key_column
    );
    let deleted = transaction
        .prepare_cached(&format!(
            "DELETE FROM {scores} WHERE {key_column} = ?1 AND environment = ?2
                 AND (agent, name, data_type, category) NOT IN (
                     SELECT agent, name, data_type, category FROM {source_scores}
                     WHERE {in_span})",
            source_scores = source.scores,
        ))?
        .execute(bounds)?;
    let upserted = transaction
        .prepare_cached(&format!(
            "INSERT INTO {scores} ({key_column}, environment, agent, name, data_type, category,
                 {})
             SELECT ?1, ?2, agent, name, data_type, category, sum(scores), sum(numeric_count),
                 sum(numeric_sum), min(numeric_min), max(numeric_max), max(latest_ms)
             FROM {source_scores}
             WHERE {in_span}
             GROUP BY agent, name, data_type, category
             {}",
            ScoreTotals::COLUMNS,
            target.scores_upsert_clause(),
            source_scores = source.scores,
        ))?
        .execute(bounds)?;
    Ok(deleted + upserted)
}
