//! `session_outcomes`: per session, environment and score name, the latest
//! categorical (or boolean) score, which `/api/outcomes` sums by the
//! sessions' start and cost; and `session_latest_scores`: per session and
//! name the latest score of any type, which session lists show. Both are
//! recomputed per touched session from its scores, and written only where
//! a row changes (an unchanged row's page stays out of the WAL). A session
//! is touched by a score page through the score's session, trace or
//! observation (new version and stored one), and by an observation page
//! through the sessions of every trace it changed (a trace or observation
//! arriving can give a score its session).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use rusqlite::{OptionalExtension, Transaction, params};
use shared_schema::scores::{OF_SESSION, RAW_SCORE_COLUMNS, RawScore};

use super::outcome_sums;
use super::refresh::TouchedTrace;
use super::update_if_changed;
use crate::sync::records::ScoreRecord;

/// Sessions whose outcomes must be computed again.
#[derive(Debug, Default)]
pub(super) struct OutcomeSessions(BTreeSet<String>);

impl OutcomeSessions {
    /// The sessions a score page's scores belong to (or may: every one of
    /// their own, trace and observation sessions), before and after.
    pub(super) fn of_score_page(
        transaction: &Transaction<'_>,
        records: &[ScoreRecord],
    ) -> rusqlite::Result<OutcomeSessions> {
        let mut sessions = OutcomeSessions::default();
        let mut stored = transaction.prepare_cached(
            "SELECT session_id, trace_id, observation_id FROM scores WHERE id = ?1",
        )?;
        for record in records {
            let mut links = vec![(
                record.session_id.clone(),
                record.trace_id.clone(),
                record.observation_id.clone(),
            )];
            if let Some(old) = stored
                .query_row([&record.id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?
            {
                links.push(old);
            }
            for (session, trace, observation) in links {
                sessions.0.extend(session);
                sessions.add_trace_and_observation_sessions(
                    transaction,
                    trace.as_deref(),
                    observation.as_deref(),
                )?;
            }
        }
        Ok(sessions)
    }

    /// The sessions of a score's trace and of its observation, both found
    /// from the trace's key: an observation is stored under its trace, and
    /// a score that names an observation names its trace too (Langfuse
    /// requires it).
    fn add_trace_and_observation_sessions(
        &mut self,
        transaction: &Transaction<'_>,
        trace_id: Option<&str>,
        observation_id: Option<&str>,
    ) -> rusqlite::Result<()> {
        let Some(trace_id) = trace_id else {
            return Ok(());
        };
        let sessions: Option<(Option<String>, Option<String>)> = transaction
            .prepare_cached(
                "SELECT t.session_id, o.session_id FROM trace_keys AS k
                 LEFT JOIN traces AS t ON t.key = k.key
                 LEFT JOIN observations AS o ON o.trace_key = k.key AND o.id = ?2
                 WHERE k.id = ?1",
            )?
            .query_row(params![trace_id, observation_id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        if let Some((trace_session, observation_session)) = sessions {
            self.0.extend(trace_session);
            self.0.extend(observation_session);
        }
        Ok(())
    }

    /// The sessions of every trace an observation page changed.
    pub(super) fn of_observation_page(touched: &[TouchedTrace]) -> OutcomeSessions {
        OutcomeSessions(
            touched
                .iter()
                .filter(|trace| trace.old != trace.new)
                .flat_map(|trace| trace.old.iter().chain(&trace.new))
                .filter_map(|member| member.session_id.clone())
                .collect(),
        )
    }
}

/// Recomputes the outcomes of every touched session.
pub(super) fn refresh(
    transaction: &Transaction<'_>,
    sessions: &OutcomeSessions,
) -> anyhow::Result<()> {
    for session in &sessions.0 {
        recompute(transaction, session)
            .with_context(|| format!("finding the outcomes of session {session}"))?;
    }
    Ok(())
}

/// Empties `session_outcomes` and computes every stored session's again.
pub(super) fn rebuild(transaction: &Transaction<'_>) -> anyhow::Result<()> {
    transaction.execute("DELETE FROM session_outcomes", [])?;
    transaction.execute("DELETE FROM outcome_sums", [])?;
    transaction.execute("DELETE FROM session_latest_scores", [])?;
    let sessions: BTreeSet<String> = transaction
        .prepare("SELECT id FROM sessions")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    refresh(transaction, &OutcomeSessions(sessions))
}

/// A score that may be the session's: linked to it through its own session,
/// its trace's or its observation's, with the session that owns it (its own,
/// else its trace's, else its observation's).
struct LinkedScore {
    owner: Option<String>,
    environment: Option<String>,
    id: String,
    score: RawScore,
}

/// Both tables from one read of the session's scores.
fn recompute(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<()> {
    let linked = linked_scores(transaction, session)?;
    write_outcomes(transaction, session, &linked)?;
    write_latest_scores(transaction, session, &linked)
}

fn linked_scores(
    transaction: &Transaction<'_>,
    session: &str,
) -> rusqlite::Result<Vec<LinkedScore>> {
    let mut statement = transaction.prepare_cached(&format!(
        "SELECT coalesce(sc.session_id, t.session_id, o.session_id), sc.environment, sc.id,
             {RAW_SCORE_COLUMNS}
         FROM scores AS sc
         LEFT JOIN trace_keys AS k ON k.id = sc.trace_id
         LEFT JOIN traces AS t ON t.key = k.key
         LEFT JOIN observations AS o ON o.trace_key = k.key AND o.id = sc.observation_id
         WHERE {OF_SESSION}"
    ))?;
    let rows = statement.query_map([session], |row| {
        Ok(LinkedScore {
            owner: row.get(0)?,
            environment: row.get(1)?,
            id: row.get(2)?,
            score: RawScore::from_row(row, 3)?,
        })
    })?;
    rows.collect()
}

/// (environment, name) -> (timestamp, score id, category) of the latest.
type Latest = BTreeMap<(String, String), (i64, String, String)>;

/// Per environment and name, the latest categorical or boolean score the
/// session owns.
fn write_outcomes(
    transaction: &Transaction<'_>,
    session: &str,
    linked: &[LinkedScore],
) -> rusqlite::Result<()> {
    let contributions_before = outcome_sums::contributions(transaction, session)?;
    let mut latest: Latest = BTreeMap::new();
    for linked in linked {
        if linked.owner.as_deref() != Some(session)
            || !matches!(linked.score.data_type.as_str(), "CATEGORICAL" | "BOOLEAN")
        {
            continue;
        }
        let Some(category) = linked.score.category() else {
            continue;
        };
        let candidate = (linked.score.timestamp_ms, linked.id.clone(), category);
        let key = (
            linked.environment.clone().unwrap_or_default(),
            linked.score.name.clone(),
        );
        match latest.get(&key) {
            Some(current) if (current.0, &current.1) >= (candidate.0, &candidate.1) => {}
            _ => {
                latest.insert(key, candidate);
            }
        }
    }
    let stored: Vec<(String, String)> = transaction
        .prepare_cached("SELECT environment, name FROM session_outcomes WHERE session_id = ?1")?
        .query_map([session], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut delete = transaction.prepare_cached(
        "DELETE FROM session_outcomes WHERE session_id = ?1 AND environment = ?2 AND name = ?3",
    )?;
    for key in stored {
        if !latest.contains_key(&key) {
            delete.execute(params![session, key.0, key.1])?;
        }
    }
    let mut upsert = transaction.prepare_cached(&format!(
        "INSERT INTO session_outcomes (session_id, environment, name, category, timestamp_ms,
             score_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         {}",
        update_if_changed(
            "session_id, environment, name",
            &["category", "timestamp_ms", "score_id"]
        )
    ))?;
    let has_rows = !latest.is_empty();
    for ((environment, name), (timestamp_ms, score_id, category)) in latest {
        upsert.execute(params![
            session,
            environment,
            name,
            category,
            timestamp_ms,
            score_id
        ])?;
    }
    copy_session_fields(transaction, session)?;
    outcome_sums::settle(transaction, session, &contributions_before, has_rows)
}

/// Copies the session's start, cost and single environment into its
/// outcome rows, which `/api/outcomes` reads without the session's own
/// rows. A session changes only when one of its traces does, and a page
/// that changes a trace recomputes its sessions' outcomes
/// (`of_observation_page`), so the copy is renewed with them.
fn copy_session_fields(transaction: &Transaction<'_>, session: &str) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "UPDATE session_outcomes
             SET (session_start_ms, session_cost_nanousd, session_environment)
                 = (new.start_ms, new.cost_nanousd, new.environment)
             FROM (SELECT (SELECT start_time_ms FROM sessions WHERE id = ?1) AS start_ms,
                          coalesce((SELECT cost_nanousd FROM sessions WHERE id = ?1), 0)
                              AS cost_nanousd,
                          (SELECT CASE WHEN count(*) = 1 THEN min(environment) END
                           FROM session_environments WHERE session_id = ?1) AS environment)
                 AS new
             WHERE session_id = ?1
               AND (session_start_ms, session_cost_nanousd, session_environment)
                   IS NOT (new.start_ms, new.cost_nanousd, new.environment)",
        )?
        .execute([session])?;
    Ok(())
}

/// Per name, the latest of every linked score (the session page's rule: any
/// link counts), by (time, id) as the page's time order breaks ties. Only
/// for a stored session, as a rebuild (which walks `sessions`) does; the
/// page that stores the session touches it again.
fn write_latest_scores(
    transaction: &Transaction<'_>,
    session: &str,
    linked: &[LinkedScore],
) -> rusqlite::Result<()> {
    let stored: bool = transaction
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1)")?
        .query_row([session], |row| row.get(0))?;
    if !stored {
        transaction
            .prepare_cached("DELETE FROM session_latest_scores WHERE session_id = ?1")?
            .execute([session])?;
        return Ok(());
    }
    let mut latest: BTreeMap<&str, &LinkedScore> = BTreeMap::new();
    for candidate in linked {
        let newer = |current: &&LinkedScore| {
            (candidate.score.timestamp_ms, &candidate.id)
                > (current.score.timestamp_ms, &current.id)
        };
        if latest.get(candidate.score.name.as_str()).is_none_or(newer) {
            latest.insert(&candidate.score.name, candidate);
        }
    }
    let names: Vec<String> = transaction
        .prepare_cached("SELECT name FROM session_latest_scores WHERE session_id = ?1")?
        .query_map([session], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut delete = transaction
        .prepare_cached("DELETE FROM session_latest_scores WHERE session_id = ?1 AND name = ?2")?;
    for name in names {
        if !latest.contains_key(name.as_str()) {
            delete.execute(params![session, name])?;
        }
    }
    let mut upsert = transaction.prepare_cached(&format!(
        "INSERT INTO session_latest_scores (session_id, name, data_type, value, string_value,
             timestamp_ms, score_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         {}",
        update_if_changed(
            "session_id, name",
            &[
                "data_type",
                "value",
                "string_value",
                "timestamp_ms",
                "score_id"
            ]
        )
    ))?;
    for (name, linked) in latest {
        let score = &linked.score;
        upsert.execute(params![
            session,
            name,
            score.data_type,
            score.value,
            score.string_value,
            score.timestamp_ms,
            linked.id
        ])?;
    }
    Ok(())
}
