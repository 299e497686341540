//! A page's rows into `observations` (by trace and id), `scores` and
//! `trace_headers` (by id). Of several versions of one row (in one page or
//! across pages, in any order) the latest `updatedAt` wins, in SQL too: an
//! upsert never replaces a stored newer version.
//!
//! Observations are keyed under their trace's integer key (`trace_keys`,
//! given in arrival order) because a page's random ids, or random trace
//! ids, spread over every leaf of an index keyed by them, and each leaf
//! touched is a page the commit writes (`benches/wal-frames.sh`,
//! docs/BENCHMARKS.md). An observation keeps its trace in Langfuse (an
//! OpenTelemetry span belongs to one trace); one that came back under
//! another trace would be stored under both.

use foldhash::{HashMap, HashMapExt};

use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::messages::normalised_message_of;

use super::refresh::TouchedTrace;
use crate::sync::derive::{Member, resolve_agents};
use crate::sync::records::{ObservationRecord, ScoreRecord, TraceHeader, environment_or_default};

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

/// The key of a trace id, given (the next integer) when the id is first
/// stored: a backfill meets traces in time order, so a page's new traces
/// take the last keys, and every B-tree keyed by them grows at its end.
pub(super) fn trace_key(transaction: &Transaction<'_>, trace_id: &str) -> rusqlite::Result<i64> {
    let stored = transaction
        .prepare_cached("SELECT key FROM trace_keys WHERE id = ?1")?
        .query_row([trace_id], |row| row.get(0))
        .optional()?;
    match stored {
        Some(key) => Ok(key),
        None => {
            transaction
                .prepare_cached("INSERT INTO trace_keys (id) VALUES (?1)")?
                .execute([trace_id])?;
            Ok(transaction.last_insert_rowid())
        }
    }
}

/// The stored observations of a trace.
pub(super) fn load_members(
    transaction: &Transaction<'_>,
    trace_key: i64,
) -> rusqlite::Result<Vec<Member>> {
    let mut statement = transaction.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM observations WHERE trace_key = ?1"
    ))?;
    statement.query_map([trace_key], member_from_row)?.collect()
}

/// Stores an observation's agent where the agent rule moved it.
pub(super) fn set_agent(
    transaction: &Transaction<'_>,
    trace_key: i64,
    observation_id: &str,
    agent: &str,
) -> rusqlite::Result<()> {
    transaction
        .prepare_cached("UPDATE observations SET agent = ?3 WHERE trace_key = ?1 AND id = ?2")?
        .execute(params![trace_key, observation_id, agent])?;
    Ok(())
}

/// Upserts a page of observations with their environment normalised (so
/// that readers filter raw rows by equality) and every agent of their traces
/// resolved again; returns each touched trace's members before and after.
pub(super) fn observations(
    transaction: &Transaction<'_>,
    records: &mut [ObservationRecord],
    now_ms: i64,
) -> rusqlite::Result<Vec<TouchedTrace>> {
    for record in records.iter_mut() {
        let environment = environment_or_default(record.environment.as_deref()).to_string();
        record.environment = Some(environment);
    }
    // In the page's order, so that its new traces take their keys in the
    // order they were met.
    let mut trace_positions: HashMap<&str, usize> = HashMap::new();
    let mut by_trace: Vec<(&str, Vec<&ObservationRecord>)> = Vec::new();
    for record in records.iter() {
        let position = *trace_positions
            .entry(record.trace_id.as_str())
            .or_insert_with(|| {
                by_trace.push((record.trace_id.as_str(), Vec::new()));
                by_trace.len() - 1
            });
        by_trace[position].1.push(record);
    }
    let mut touched = Vec::with_capacity(by_trace.len());
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO observations (id, trace_key, trace_id, parent_observation_id, session_id,
             type, name, level, status_message, start_time_ms, end_time_ms, completion_start_time_ms,
             latency_ms, model, input_tokens, output_tokens, total_tokens, usage_details,
             cost_nanousd, cost_details, user_id, environment, trace_name, trace_tags, metadata,
             input, output, agent_hint, agent, synced_at_ms, updated_at_ms, release, version,
             prompt_name, prompt_version, normalised_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34,
             ?35, ?36)
         ON CONFLICT(trace_key, id) DO UPDATE SET
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
             synced_at_ms = excluded.synced_at_ms, updated_at_ms = excluded.updated_at_ms,
             release = excluded.release, version = excluded.version,
             prompt_name = excluded.prompt_name, prompt_version = excluded.prompt_version,
             normalised_message = excluded.normalised_message
         -- An older version never replaces a newer one (the page loop below
         -- already skips them; this guards the row itself).
         WHERE excluded.updated_at_ms IS NULL OR observations.updated_at_ms IS NULL
             OR excluded.updated_at_ms >= observations.updated_at_ms",
    )?;
    for (trace_id, page_rows) in by_trace {
        let trace_key = trace_key(transaction, trace_id)?;
        let old = load_members(transaction, trace_key)?;
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
                        trace_key,
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
                        record.updated_at_ms,
                        record.version_tags.release,
                        record.version_tags.version,
                        record.version_tags.prompt_name,
                        record.version_tags.prompt_version,
                        normalised_message_of(&record.level, record.status_message.as_deref())
                    ])?;
                }
                None => {
                    if old_agents.get(member.id.as_str()) != Some(&member.agent.as_str()) {
                        set_agent(transaction, trace_key, &member.id, &member.agent)?;
                    }
                }
            }
        }
        touched.push(TouchedTrace {
            trace_key,
            trace_id: trace_id.to_string(),
            old,
            new,
        });
    }
    Ok(touched)
}

/// Whether a version written at `candidate` is older than one written at
/// `than`; a version without the time is never older.
fn is_older(candidate: Option<i64>, than: Option<i64>) -> bool {
    matches!((candidate, than), (Some(candidate), Some(than)) if candidate < than)
}

pub(super) fn scores(
    transaction: &Transaction<'_>,
    records: &[ScoreRecord],
    now_ms: i64,
) -> rusqlite::Result<()> {
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
    for score in records {
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
            now_ms,
            score.environment,
            score.updated_at_ms
        ])?;
    }
    Ok(())
}

/// Legacy mode: trace attributes that later observation pages join in.
pub(super) fn trace_headers(
    transaction: &Transaction<'_>,
    headers: &[TraceHeader],
) -> rusqlite::Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO trace_headers (id, name, session_id, user_id, tags, environment,
             timestamp_ms, release)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name,
             session_id = excluded.session_id, user_id = excluded.user_id,
             tags = excluded.tags, environment = excluded.environment,
             timestamp_ms = excluded.timestamp_ms, release = excluded.release",
    )?;
    for header in headers {
        upsert.execute(params![
            header.id,
            header.name,
            header.session_id,
            header.user_id,
            header.tags,
            header.environment,
            header.timestamp_ms,
            header.release
        ])?;
    }
    Ok(())
}

/// v1 observations lack the trace's name, session, user, tags and release:
/// join them from the trace headers read before.
pub(super) fn fill_from_trace_headers(
    transaction: &Transaction<'_>,
    records: &mut [ObservationRecord],
) -> rusqlite::Result<()> {
    let mut lookup = transaction.prepare_cached(
        "SELECT name, session_id, user_id, tags, environment, release FROM trace_headers
         WHERE id = ?1",
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
                            release: row.get(5)?,
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
            record.version_tags.release = record.version_tags.release.take().or(fields.release);
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
    release: Option<String>,
}
