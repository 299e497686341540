//! The derived tables (traces, trace_agents, sessions, session_agents,
//! session_pairs, session_environments, environments, the metrics roll-ups
//! of every grain, agent_stats_cache), brought up to date with the traces a page touched by
//! the difference between their old and new observations, so that a page
//! costs what changed, not what exists.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use anyhow::Context;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::histogram::LatencyHistogram;
use shared_schema::rows::{NO_MODEL, ROLL_UP, Totals};

use super::{PageSummary, Store, bookkeeping, score_rollup, session_outcomes, upsert};
use crate::sync::derive::resolve_agents;
use crate::sync::derive::{
    DailyKey, EnvironmentDelta, Member, MetricDelta, MetricDeltas, Pair, TraceRow, pairs_of,
};
use crate::sync::records::environment_or_default;

/// Traces per transaction of a full rebuild.
const REBUILD_BATCH_TRACES: usize = 2_000;

/// A trace a page changed: its observations before and after.
pub(super) struct TouchedTrace {
    pub(super) trace_key: i64,
    pub(super) trace_id: String,
    pub(super) old: Vec<Member>,
    pub(super) new: Vec<Member>,
}

impl Store {
    /// Recomputes every derived table from the stored observations, in
    /// batches of traces through the same incremental path as a sync. Each
    /// batch is its own transaction: readers see the tables fill up again,
    /// so this is a maintenance (and benchmark) operation.
    pub fn rebuild_derived(&mut self, now_ms: i64) -> anyhow::Result<usize> {
        // Batches hold whole sessions, so that each session is aggregated
        // once rather than once per batch that holds one of its traces.
        // Each trace keeps its key: `trace_keys` is never emptied.
        let mut traces: Vec<(Option<String>, i64, String)> = {
            let mut statement = self.connection.prepare(
                "SELECT MAX(session_id), trace_key, MAX(trace_id) FROM observations
                 GROUP BY trace_key",
            )?;
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        traces.sort_unstable();
        let mut batches: Vec<Vec<(i64, String)>> = vec![Vec::new()];
        for (index, (session, trace_key, trace_id)) in traces.iter().enumerate() {
            let current = batches.last_mut().expect("never empty");
            let session_changes = index == 0 || traces[index - 1].0 != *session;
            if current.len() >= REBUILD_BATCH_TRACES && (session_changes || session.is_none()) {
                batches.push(Vec::new());
            }
            batches
                .last_mut()
                .expect("never empty")
                .push((*trace_key, trace_id.clone()));
        }
        let trace_count = traces.len();
        let transaction = self.begin()?;
        transaction.execute_batch(
            "DELETE FROM traces; DELETE FROM trace_agents; DELETE FROM sessions;
             DELETE FROM session_agents; DELETE FROM session_pairs;
             DELETE FROM session_environments; DELETE FROM environments;
             DELETE FROM daily_metrics; DELETE FROM hourly_metrics;
             DELETE FROM six_hourly_metrics; DELETE FROM ten_minute_metrics;
             DELETE FROM agent_stats_cache;",
        )?;
        transaction.commit()?;
        for batch in &batches {
            let transaction = self.begin()?;
            let mut touched = Vec::with_capacity(batch.len());
            for (trace_key, trace_id) in batch {
                let mut members = upsert::load_members(&transaction, *trace_key)?;
                let stored: Vec<String> = members.iter().map(|m| m.agent.clone()).collect();
                resolve_agents(&mut members);
                for (member, before) in members.iter().zip(stored) {
                    if member.agent != before {
                        upsert::set_agent(&transaction, *trace_key, &member.id, &member.agent)?;
                    }
                }
                touched.push(TouchedTrace {
                    trace_key: *trace_key,
                    trace_id: trace_id.clone(),
                    old: Vec::new(),
                    new: members,
                });
            }
            refresh_derived(&transaction, touched, now_ms)?;
            bookkeeping::bump_data_version(&transaction)?;
            transaction.commit()?;
        }
        // Once every trace's and session's agents are known again.
        let transaction = self.begin()?;
        score_rollup::rebuild(&transaction).context("rebuilding the score roll-ups")?;
        session_outcomes::rebuild(&transaction).context("rebuilding the session outcomes")?;
        bookkeeping::bump_data_version(&transaction)?;
        transaction.commit()?;
        self.clear_rebuild_asked()?;
        Ok(trace_count)
    }

    /// Rebuilds the derived tables if a migration asked for it (an upgraded
    /// database whose derived tables gained a dimension); returns the traces
    /// rebuilt, or None when nothing was asked.
    pub fn rebuild_derived_if_asked(&mut self, now_ms: i64) -> anyhow::Result<Option<usize>> {
        if !self.rebuild_asked()? {
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

/// Brings every derived table up to date with the touched traces' new
/// observations, by the difference from their old ones.
pub(super) fn refresh_derived(
    transaction: &Transaction<'_>,
    touched: Vec<TouchedTrace>,
    now_ms: i64,
) -> anyhow::Result<PageSummary> {
    let mut deltas = MetricDeltas::default();
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
            trace.trace_key,
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
    let (by_hour, by_six_hours) = deltas.by_hours_and_six_hours();
    apply_metric_deltas(transaction, DAILY, &deltas.by_day)?;
    apply_metric_deltas(transaction, SIX_HOURLY, &by_six_hours)?;
    apply_metric_deltas(transaction, HOURLY, &by_hour)?;
    apply_metric_deltas(transaction, TEN_MINUTE, &deltas.by_ten_minutes)?;
    apply_environment_deltas(transaction, &deltas.environments)?;
    for ((agent, environment), change) in agent_stats_changes(&deltas.by_day) {
        refresh_agent_stats(transaction, agent, environment, &change, now_ms)?;
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
    trace_key: i64,
    old: Option<&TraceRow>,
    new: Option<&TraceRow>,
) -> rusqlite::Result<()> {
    let same_agents = match (old, new) {
        (Some(old), Some(new)) => old.agents == new.agents && old.start_ms == new.start_ms,
        _ => false,
    };
    if !same_agents {
        transaction
            .prepare_cached("DELETE FROM trace_agents WHERE trace_key = ?1")?
            .execute([trace_key])?;
    }
    let Some(row) = new else {
        transaction
            .prepare_cached("DELETE FROM traces WHERE key = ?1")?
            .execute([trace_key])?;
        return Ok(());
    };
    let agents = serde_json::to_string(&row.agents).expect("strings serialise");
    // An upsert, not REPLACE: indexes whose columns did not change stay untouched.
    transaction
        .prepare_cached(
            "INSERT INTO traces (key, id, name, session_id, user_id, tags, environment,
                 start_time_ms, end_time_ms, latency_ms, cost_nanousd, input_tokens,
                 output_tokens, total_tokens, observations, generations, errors, warnings, agents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19)
             ON CONFLICT(key) DO UPDATE SET name = excluded.name,
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
            trace_key,
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
        "INSERT INTO trace_agents (trace_key, agent, start_time_ms) VALUES (?1, ?2, ?3)",
    )?;
    for agent in &row.agents {
        insert_agent.execute(params![trace_key, agent, row.start_ms])?;
    }
    Ok(())
}

/// A session's row as stored before the page: what decides whether its
/// agent list must be written again.
type StoredSession = (i64, String);

/// One `traces` row of a session, the columns a session sums.
struct SessionTrace {
    user_id: Option<String>,
    environment: Option<String>,
    start_ms: i64,
    end_ms: Option<i64>,
    /// `sessions` is 0 and `traces` 1: a trace row counts as one trace.
    totals: Totals,
    agents: Vec<String>,
}

/// A session's `sessions` row, computed from its traces.
struct SessionRow {
    user_id: Option<String>,
    users: BTreeSet<String>,
    agents: BTreeSet<String>,
    environment: String,
    start_ms: i64,
    end_ms: Option<i64>,
    totals: Totals,
}

impl SessionRow {
    /// None for a session without traces. `traces` is in start order.
    fn of(traces: &[SessionTrace]) -> Option<SessionRow> {
        let first = traces.first()?;
        let mut totals = Totals::default();
        for trace in traces {
            totals.add(&trace.totals);
        }
        Some(SessionRow {
            user_id: traces.iter().find_map(|t| t.user_id.clone()),
            users: traces.iter().filter_map(|t| t.user_id.clone()).collect(),
            agents: traces.iter().flat_map(|t| t.agents.clone()).collect(),
            environment: first
                .environment
                .clone()
                .unwrap_or_else(|| environment_or_default(None).to_string()),
            start_ms: first.start_ms,
            end_ms: traces.iter().filter_map(|t| t.end_ms).max(),
            totals,
        })
    }
}

/// Brings one session's rows up to date after its traces changed, and
/// moves its count in `deltas` from its old pairs and day to its new ones.
fn refresh_session(
    transaction: &Transaction<'_>,
    session: &str,
    pair_changes: HashMap<Pair, i64>,
    deltas: &mut MetricDeltas,
) -> anyhow::Result<()> {
    let old = stored_session(transaction, session)?;
    let old_pairs = session_pairs(transaction, session)?;
    if let Some((start, _)) = &old {
        deltas.add_session(*start, &old_pairs, -1);
    }
    apply_pair_changes(transaction, session, &pair_changes)?;
    let traces = session_traces(transaction, session)?;
    let Some(row) = SessionRow::of(&traces) else {
        delete_session(transaction, session)?;
        return Ok(());
    };
    let first_error = if row.totals.errors > 0 {
        first_error_observation(transaction, session)?
    } else {
        None
    };
    write_session(transaction, session, &row, first_error)?;
    write_session_agents(transaction, session, old, &row)?;
    let new_pairs = session_pairs(transaction, session)?;
    deltas.add_session(row.start_ms, &new_pairs, 1);
    write_session_environments(transaction, session, row.start_ms, &new_pairs)?;
    Ok(())
}

fn stored_session(
    transaction: &Transaction<'_>,
    session: &str,
) -> rusqlite::Result<Option<StoredSession>> {
    transaction
        .prepare_cached("SELECT start_time_ms, agents FROM sessions WHERE id = ?1")?
        .query_row([session], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
}

fn session_pairs(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<Vec<Pair>> {
    transaction
        .prepare_cached(
            "SELECT environment, agent, model FROM session_pairs WHERE session_id = ?1",
        )?
        .query_map([session], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect()
}

/// Adds the page's change to the session's trace count per pair; a pair
/// no trace involves any more goes.
fn apply_pair_changes(
    transaction: &Transaction<'_>,
    session: &str,
    pair_changes: &HashMap<Pair, i64>,
) -> rusqlite::Result<()> {
    let mut change = transaction.prepare_cached(
        "INSERT INTO session_pairs (session_id, environment, agent, model, traces)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(session_id, environment, agent, model)
         DO UPDATE SET traces = traces + excluded.traces",
    )?;
    for ((environment, agent, model), count) in pair_changes {
        if *count != 0 {
            change.execute(params![session, environment, agent, model, count])?;
        }
    }
    transaction
        .prepare_cached("DELETE FROM session_pairs WHERE session_id = ?1 AND traces <= 0")?
        .execute([session])?;
    Ok(())
}

/// The session's traces in start order (ties by id).
fn session_traces(
    transaction: &Transaction<'_>,
    session: &str,
) -> rusqlite::Result<Vec<SessionTrace>> {
    transaction
        .prepare_cached(
            "SELECT user_id, environment, start_time_ms, end_time_ms, agents,
                 0 AS sessions, 1 AS traces, observations, generations, errors, warnings,
                 cost_nanousd, input_tokens, output_tokens, total_tokens
             FROM traces WHERE session_id = ?1 ORDER BY start_time_ms, id",
        )?
        .query_map([session], |row| {
            let agents: String = row.get(4)?;
            Ok(SessionTrace {
                user_id: row.get(0)?,
                environment: row.get(1)?,
                start_ms: row.get(2)?,
                end_ms: row.get(3)?,
                agents: serde_json::from_str(&agents).unwrap_or_default(),
                totals: Totals::from_row(row, 5)?,
            })
        })?
        .collect()
}

fn delete_session(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<()> {
    for statement in [
        "DELETE FROM sessions WHERE id = ?1",
        "DELETE FROM session_agents WHERE session_id = ?1",
        "DELETE FROM session_environments WHERE session_id = ?1",
    ] {
        transaction.prepare_cached(statement)?.execute([session])?;
    }
    Ok(())
}

fn first_error_observation(
    transaction: &Transaction<'_>,
    session: &str,
) -> rusqlite::Result<Option<String>> {
    transaction
        .prepare_cached(
            "SELECT id FROM observations WHERE session_id = ?1 AND level = 'ERROR'
             ORDER BY start_time_ms, id LIMIT 1",
        )?
        .query_row([session], |row| row.get(0))
        .optional()
}

fn write_session(
    transaction: &Transaction<'_>,
    session: &str,
    row: &SessionRow,
    first_error: Option<String>,
) -> rusqlite::Result<()> {
    let totals = &row.totals;
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
            row.user_id,
            serde_json::to_string(&row.users).expect("strings serialise"),
            serde_json::to_string(&row.agents).expect("strings serialise"),
            row.start_ms,
            row.end_ms,
            row.end_ms.map(|end| (end - row.start_ms).max(0)),
            totals.traces,
            totals.observations,
            totals.generations,
            totals.cost_nanousd,
            totals.input_tokens,
            totals.output_tokens,
            totals.total_tokens,
            totals.errors,
            totals.warnings,
            first_error,
            row.environment
        ])?;
    Ok(())
}

/// Rewrites the session's `session_agents` rows when its agents or start
/// moved.
fn write_session_agents(
    transaction: &Transaction<'_>,
    session: &str,
    old: Option<StoredSession>,
    row: &SessionRow,
) -> rusqlite::Result<()> {
    let agents_json = serde_json::to_string(&row.agents).expect("strings serialise");
    if old == Some((row.start_ms, agents_json)) {
        return Ok(());
    }
    transaction
        .prepare_cached("DELETE FROM session_agents WHERE session_id = ?1")?
        .execute([session])?;
    let mut insert_agent = transaction.prepare_cached(
        "INSERT INTO session_agents (agent, session_id, start_time_ms) VALUES (?1, ?2, ?3)",
    )?;
    for agent in &row.agents {
        insert_agent.execute(params![agent, session, row.start_ms])?;
    }
    Ok(())
}

/// Lists the session under every environment it has observations in (the
/// day-total pairs of its traces), at its start time, marked when there
/// are several (`spans_environments`).
fn write_session_environments(
    transaction: &Transaction<'_>,
    session: &str,
    start_ms: i64,
    pairs: &[Pair],
) -> rusqlite::Result<()> {
    let environments: BTreeSet<&str> = pairs
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
    if unchanged {
        return Ok(());
    }
    transaction
        .prepare_cached("DELETE FROM session_environments WHERE session_id = ?1")?
        .execute([session])?;
    let mut insert = transaction.prepare_cached(
        "INSERT INTO session_environments (environment, session_id, start_time_ms,
             spans_environments)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let spans_environments = environments.len() > 1;
    for environment in environments {
        insert.execute(params![environment, session, start_ms, spans_environments])?;
    }
    Ok(())
}

/// A roll-up table kept by deltas: its name and the column of its time key.
struct RollUp {
    table: &'static str,
    time_column: &'static str,
}

const DAILY: RollUp = RollUp {
    table: "daily_metrics",
    time_column: "day",
};

const HOURLY: RollUp = RollUp {
    table: "hourly_metrics",
    time_column: "hour_ms",
};

const SIX_HOURLY: RollUp = RollUp {
    table: "six_hourly_metrics",
    time_column: "hour_ms",
};

const TEN_MINUTE: RollUp = RollUp {
    table: "ten_minute_metrics",
    time_column: "start_ms",
};

/// Adds a page's deltas to the roll-up's rows; a row left with no session,
/// trace or observation goes.
fn apply_metric_deltas<T: rusqlite::ToSql + std::fmt::Display + std::hash::Hash + Eq>(
    transaction: &Transaction<'_>,
    roll_up: RollUp,
    deltas: &HashMap<(T, String, String, String), MetricDelta>,
) -> anyhow::Result<()> {
    let RollUp { table, time_column } = roll_up;
    let key_clause =
        format!("{time_column} = ?1 AND environment = ?2 AND agent = ?3 AND model = ?4");
    let mut read = transaction.prepare_cached(&format!(
        "SELECT {}, latency_histogram FROM {table} WHERE {key_clause}",
        Totals::COLUMNS
    ))?;
    // An upsert updates a stored row in place, where REPLACE would delete
    // and insert it again, its `by_agent` index entry included.
    let updates = Totals::COLUMNS
        .split(", ")
        .chain(["latency_histogram"])
        .map(|column| format!("{column} = excluded.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut write = transaction.prepare_cached(&format!(
        "INSERT INTO {table} ({time_column}, environment, agent, model, {},
             latency_histogram)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT ({time_column}, environment, agent, model) DO UPDATE SET {updates}",
        Totals::COLUMNS
    ))?;
    let mut delete =
        transaction.prepare_cached(&format!("DELETE FROM {table} WHERE {key_clause}"))?;
    // The agents' own rows whose list of models may have changed: a new
    // own row, or an (agent, model) row come or gone. Likewise the models'
    // own rows (agent '*') and their lists of agents.
    let mut models_changed: HashSet<(&T, &str, &str)> = HashSet::new();
    let mut agents_changed: HashSet<(&T, &str, &str)> = HashSet::new();
    for ((time, environment, agent, model), delta) in deltas {
        if delta.is_noop() {
            continue;
        }
        let stored = read
            .query_row(params![time, environment, agent, model], |row| {
                let blob: Option<Vec<u8>> = row.get(Totals::WIDTH)?;
                Ok((Totals::from_row(row, 0)?, blob))
            })
            .optional()?;
        let is_new = stored.is_none();
        let (mut totals, blob) = stored.unwrap_or_default();
        let mut histogram = match blob {
            Some(blob) => LatencyHistogram::from_blob(&blob).with_context(|| {
                format!("{table} ({time}, {environment}, {agent}, {model}) holds a torn histogram")
            })?,
            None => LatencyHistogram::new(),
        };
        totals.add(&delta.totals);
        histogram.merge(&delta.latencies_added);
        histogram.subtract(&delta.latencies_removed);
        let gone = totals.sessions <= 0 && totals.traces <= 0 && totals.observations <= 0;
        if (is_new || gone) && agent != ROLL_UP {
            models_changed.insert((time, environment, agent));
        }
        if (is_new || gone) && model != ROLL_UP && model != NO_MODEL {
            agents_changed.insert((time, environment, model));
        }
        if gone {
            delete.execute(params![time, environment, agent, model])?;
            continue;
        }
        let blob = (!histogram.is_empty()).then(|| histogram.to_blob());
        let [
            sessions,
            traces,
            observations,
            generations,
            errors,
            warnings,
            cost,
            input,
            output,
            total,
        ] = totals.values();
        write.execute(params![
            time,
            environment,
            agent,
            model,
            sessions,
            traces,
            observations,
            generations,
            errors,
            warnings,
            cost,
            input,
            output,
            total,
            blob
        ])?;
    }
    let mut list_models = transaction.prepare_cached(&format!(
        "UPDATE {table} SET models = (
             SELECT json_group_array(model ORDER BY model) FROM {table}
             WHERE {time_column} = ?1 AND environment = ?2 AND agent = ?3
               AND model NOT IN ('{ROLL_UP}', '{NO_MODEL}'))
         WHERE {key_clause}"
    ))?;
    for (time, environment, agent) in models_changed {
        list_models.execute(params![time, environment, agent, ROLL_UP])?;
    }
    let mut list_agents = transaction.prepare_cached(&format!(
        "UPDATE {table} SET agents = (
             SELECT json_group_array(agent ORDER BY agent) FROM {table}
             WHERE {time_column} = ?1 AND environment = ?2 AND model = ?4
               AND agent <> '{ROLL_UP}')
         WHERE {key_clause}"
    ))?;
    for (time, environment, model) in agents_changed {
        list_agents.execute(params![time, environment, ROLL_UP, model])?;
    }
    Ok(())
}

/// What a page changed of one agent's all-time figures in one environment.
#[derive(Default)]
struct AgentStatsChange<'a> {
    /// The sum of the page's deltas to the agent's own daily rows (model `*`).
    delta: MetricDelta,
    /// The models whose daily rows of the agent the page changed.
    models: BTreeSet<&'a str>,
    /// Whether one of those rows may have gone (a count went down).
    models_may_have_gone: bool,
}

/// The page's changes per (agent, environment), from its daily deltas:
/// every pair with a daily row changed, in order.
fn agent_stats_changes(
    by_day: &HashMap<DailyKey, MetricDelta>,
) -> BTreeMap<(&str, &str), AgentStatsChange<'_>> {
    let mut changes: BTreeMap<(&str, &str), AgentStatsChange<'_>> = BTreeMap::new();
    for ((_, environment, agent, model), delta) in by_day {
        if agent == ROLL_UP || delta.is_noop() {
            continue;
        }
        let change = changes
            .entry((agent.as_str(), environment.as_str()))
            .or_default();
        if model == ROLL_UP {
            change.delta.absorb(delta);
        } else if model != NO_MODEL {
            change.models.insert(model);
            let counts = &delta.totals;
            change.models_may_have_gone |=
                counts.sessions < 0 || counts.traces < 0 || counts.observations < 0;
        }
    }
    changes
}

/// All-time figures of an agent in one environment: the stored ones plus
/// the page's change, so that a page costs the same whatever the length of
/// the history. The figures are read again from every daily row only
/// where nothing is stored yet, or where the agent's observations are
/// gone. `first_seen_ms` and `last_seen_ms` stay NULL: no reader reads
/// them, and they cost two index searches per agent and page.
fn refresh_agent_stats(
    transaction: &Transaction<'_>,
    agent: &str,
    environment: &str,
    change: &AgentStatsChange<'_>,
    now_ms: i64,
) -> anyhow::Result<()> {
    let stored = transaction
        .prepare_cached(&format!(
            "SELECT {}, latency_histogram, models FROM agent_stats_cache
             WHERE agent = ?1 AND environment = ?2",
            Totals::COLUMNS
        ))?
        .query_row(params![agent, environment], |row| {
            Ok((
                Totals::from_row(row, 0)?,
                row.get::<_, Option<Vec<u8>>>(Totals::WIDTH)?,
                row.get::<_, Option<String>>(Totals::WIDTH + 1)?,
            ))
        })
        .optional()?;
    let Some((mut totals, blob, stored_models)) = stored else {
        return recompute_agent_stats(transaction, agent, environment, now_ms);
    };
    totals.add(&change.delta.totals);
    if totals.observations <= 0 {
        return recompute_agent_stats(transaction, agent, environment, now_ms);
    }
    let mut histogram = match blob {
        Some(blob) => LatencyHistogram::from_blob(&blob).with_context(|| {
            format!("the agent_stats_cache row of agent {agent} holds a torn histogram")
        })?,
        None => LatencyHistogram::new(),
    };
    histogram.merge(&change.delta.latencies_added);
    histogram.subtract(&change.delta.latencies_removed);
    // The list changes only when a daily row of a model comes or goes.
    let models =
        match stored_models.and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok()) {
            Some(models)
                if !change.models_may_have_gone
                    && change
                        .models
                        .iter()
                        .all(|model| models.iter().any(|m| m == model)) =>
            {
                models
            }
            _ => agent_models(transaction, agent, environment)?,
        };
    AgentStats {
        totals,
        histogram,
        models,
    }
    .write(transaction, agent, environment, now_ms)
}

/// An agent's all-time figures in one environment merged from all its
/// daily rows, or its row deleted when it has no observations left.
fn recompute_agent_stats(
    transaction: &Transaction<'_>,
    agent: &str,
    environment: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let mut totals = Totals::default();
    let mut histogram = LatencyHistogram::new();
    let mut days = 0;
    {
        let mut rows = transaction.prepare_cached(&format!(
            "SELECT {}, latency_histogram
             FROM daily_metrics WHERE agent = ?1 AND model = ?2 AND environment = ?3",
            Totals::COLUMNS
        ))?;
        let mut query = rows.query(params![agent, ROLL_UP, environment])?;
        while let Some(row) = query.next()? {
            days += 1;
            totals.add(&Totals::from_row(row, 0)?);
            if let Some(blob) = row.get_ref(Totals::WIDTH)?.as_blob_or_null()? {
                histogram.merge_blob(blob).with_context(|| {
                    format!("a daily_metrics row of agent {agent} holds a torn histogram")
                })?;
            }
        }
    }
    if days == 0 || totals.observations == 0 {
        transaction
            .prepare_cached("DELETE FROM agent_stats_cache WHERE agent = ?1 AND environment = ?2")?
            .execute([agent, environment])?;
        return Ok(());
    }
    let models = agent_models(transaction, agent, environment)?;
    AgentStats {
        totals,
        histogram,
        models,
    }
    .write(transaction, agent, environment, now_ms)
}

/// The agent's models in the environment, from its daily rows, in order.
fn agent_models(
    transaction: &Transaction<'_>,
    agent: &str,
    environment: &str,
) -> rusqlite::Result<Vec<String>> {
    transaction
        .prepare_cached(
            "SELECT DISTINCT model FROM daily_metrics
             WHERE agent = ?1 AND environment = ?4 AND model <> ?2 AND model <> ?3
             ORDER BY model",
        )?
        .query_map(params![agent, ROLL_UP, NO_MODEL, environment], |row| {
            row.get(0)
        })?
        .collect()
}

/// An agent's all-time row in one environment.
struct AgentStats {
    totals: Totals,
    histogram: LatencyHistogram,
    models: Vec<String>,
}

impl AgentStats {
    fn write(
        &self,
        transaction: &Transaction<'_>,
        agent: &str,
        environment: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        let error_rate = self.totals.errors as f64 / self.totals.observations as f64;
        transaction
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO agent_stats_cache (agent, {}, error_rate, latency_p50_ms,
                     latency_p95_ms, latency_p99_ms, models, updated_at_ms, environment,
                     latency_histogram)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19)",
                Totals::COLUMNS
            ))?
            .execute(params![
                agent,
                self.totals.sessions,
                self.totals.traces,
                self.totals.observations,
                self.totals.generations,
                self.totals.errors,
                self.totals.warnings,
                self.totals.cost_nanousd,
                self.totals.input_tokens,
                self.totals.output_tokens,
                self.totals.total_tokens,
                error_rate,
                self.histogram.percentile(0.50),
                self.histogram.percentile(0.95),
                self.histogram.percentile(0.99),
                serde_json::to_string(&self.models).expect("strings serialise"),
                now_ms,
                environment,
                (!self.histogram.is_empty()).then(|| self.histogram.to_blob())
            ])?;
        Ok(())
    }
}
