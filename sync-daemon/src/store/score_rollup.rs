//! The score roll-ups (`ten_minute_scores`, `hourly_scores`,
//! `six_hourly_scores`, `daily_scores` and their numeric values
//! `*_score_values`). Unlike the metric roll-ups they are not kept by
//! deltas: a score's figures depend on its attribution, which observations
//! arriving later change, and a minimum or latest timestamp cannot be
//! subtracted. So every (ten-minute slot, environment) a page touches is
//! recomputed from its raw scores, its hour from its slots, its six-hour
//! block from its hours, and its day from its blocks. A slot holds a few
//! dozen scores, and a page touches few slots (scores come newest first,
//! observations near their scores' times).
//!
//! A slot is touched by a score page through the score's new and stored
//! time and environment (a new version replaces the old one's
//! contribution), and by an observation page through the scores of every
//! trace it changed and of those traces' sessions (whose agents may have
//! changed). Scores of an observation carry its trace id in Langfuse, so
//! the trace finds them.

use std::collections::BTreeSet;

use anyhow::Context;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::scores::{
    EVERY_SCORE, RAW_SCORE_COLUMNS, RawScore, ScoreTally, ScoreTotals, attributed_scores,
};
use shared_schema::units::{
    MS_PER_DAY, MS_PER_HOUR, MS_PER_SIX_HOURS, MS_PER_TEN_MINUTES, ms_to_day,
};

use super::refresh::TouchedTrace;
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

/// Recomputes the touched slots from their raw scores, then their hours
/// from their slots, their blocks of six hours from their hours, and their
/// days from their blocks (a quarter of the rows of their hours).
pub(super) fn refresh(transaction: &Transaction<'_>, slots: &ScoreSlots) -> anyhow::Result<()> {
    for (slot_ms, environment) in &slots.0 {
        recompute_slot(transaction, *slot_ms, environment).with_context(|| {
            format!("tallying the scores of the ten minutes from {slot_ms} in {environment}")
        })?;
    }
    for (target, source) in [
        (HOURLY, TEN_MINUTE),
        (SIX_HOURLY, HOURLY),
        (DAILY, SIX_HOURLY),
    ] {
        let touched: BTreeSet<(i64, &str)> = slots
            .0
            .iter()
            .map(|(slot_ms, environment)| {
                let start_ms = slot_ms.div_euclid(target.span_ms) * target.span_ms;
                (start_ms, environment.as_str())
            })
            .collect();
        for (start_ms, environment) in touched {
            let span = (start_ms, start_ms + target.span_ms);
            sum_into(transaction, target, source, environment, span).with_context(|| {
                format!(
                    "summing {} into {} from {start_ms} in {environment}",
                    source.scores, target.scores
                )
            })?;
        }
    }
    Ok(())
}

/// Empties the score roll-ups and tallies every slot with scores again.
pub(super) fn rebuild(transaction: &Transaction<'_>) -> anyhow::Result<()> {
    transaction.execute_batch(
        "DELETE FROM ten_minute_scores; DELETE FROM hourly_scores;
         DELETE FROM six_hourly_scores; DELETE FROM daily_scores;
         DELETE FROM ten_minute_score_values; DELETE FROM hourly_score_values;
         DELETE FROM six_hourly_score_values; DELETE FROM daily_score_values;",
    )?;
    let slots = ScoreSlots::all(transaction)?;
    refresh(transaction, &slots)
}

/// Tallies the raw scores of one slot into the `TEN_MINUTE` tables.
fn recompute_slot(
    transaction: &Transaction<'_>,
    slot_ms: i64,
    environment: &str,
) -> anyhow::Result<()> {
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
    for table in [scores, values] {
        transaction
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE {key_column} = ?1 AND environment = ?2"
            ))?
            .execute(params![slot_ms, environment])?;
    }
    let mut insert = transaction.prepare_cached(&format!(
        "INSERT INTO {scores} ({key_column}, environment, agent, name, data_type, category,
             {})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        ScoreTotals::COLUMNS
    ))?;
    for (key, totals) in &tally.cells {
        insert.execute(params![
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
    let mut insert_value = transaction.prepare_cached(&format!(
        "INSERT INTO {values} ({key_column}, environment, agent, name, value, scores)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))?;
    for ((agent, name, value), scores) in &tally.values {
        insert_value.execute(params![
            slot_ms,
            environment,
            agent,
            name,
            value.get(),
            scores
        ])?;
    }
    Ok(())
}

/// A score roll-up grain: its two tables, the column of its time key
/// (a start in ms, or the day's date), and what one row spans.
#[derive(Clone, Copy)]
struct Grain {
    scores: &'static str,
    values: &'static str,
    key_column: &'static str,
    keyed_by_day: bool,
    span_ms: i64,
}

impl Grain {
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
    key_column: "start_ms",
    keyed_by_day: false,
    span_ms: MS_PER_TEN_MINUTES,
};

const HOURLY: Grain = Grain {
    scores: "hourly_scores",
    values: "hourly_score_values",
    key_column: "hour_ms",
    keyed_by_day: false,
    span_ms: MS_PER_HOUR,
};

const SIX_HOURLY: Grain = Grain {
    scores: "six_hourly_scores",
    values: "six_hourly_score_values",
    key_column: "hour_ms",
    keyed_by_day: false,
    span_ms: MS_PER_SIX_HOURS,
};

const DAILY: Grain = Grain {
    scores: "daily_scores",
    values: "daily_score_values",
    key_column: "day",
    keyed_by_day: true,
    span_ms: MS_PER_DAY,
};

/// Replaces `target`'s row of the span `[from_ms, to_ms)` in `environment`
/// by the sum of the finer `source` rows (keyed by a start in ms) in it.
fn sum_into(
    transaction: &Transaction<'_>,
    target: Grain,
    source: Grain,
    environment: &str,
    (from_ms, to_ms): (i64, i64),
) -> rusqlite::Result<()> {
    let Grain {
        scores,
        values,
        key_column,
        ..
    } = target;
    let key = target.key(from_ms);
    for table in [scores, values] {
        transaction
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE {key_column} = ?1 AND environment = ?2"
            ))?
            .execute(params![key, environment])?;
    }
    let bounds = params![key, environment, from_ms, to_ms];
    transaction
        .prepare_cached(&format!(
            "INSERT INTO {scores} ({key_column}, environment, agent, name, data_type, category,
                 {})
             SELECT ?1, ?2, agent, name, data_type, category, sum(scores), sum(numeric_count),
                 sum(numeric_sum), min(numeric_min), max(numeric_max), max(latest_ms)
             FROM {source_scores}
             WHERE {source_key} >= ?3 AND {source_key} < ?4 AND environment = ?2
             GROUP BY agent, name, data_type, category",
            ScoreTotals::COLUMNS,
            source_scores = source.scores,
            source_key = source.key_column,
        ))?
        .execute(bounds)?;
    transaction
        .prepare_cached(&format!(
            "INSERT INTO {values} ({key_column}, environment, agent, name, value, scores)
             SELECT ?1, ?2, agent, name, value, sum(scores)
             FROM {source_values}
             WHERE {source_key} >= ?3 AND {source_key} < ?4 AND environment = ?2
             GROUP BY agent, name, value",
            source_values = source.values,
            source_key = source.key_column,
        ))?
        .execute(bounds)?;
    Ok(())
}
