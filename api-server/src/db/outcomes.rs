//! Cost per outcome: the sessions whose latest categorical (or boolean)
//! score of a name has a value, and their summed cost.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::db::environments::{Environments, session_in};
use crate::db::text;
use crate::error::ApiError;
use crate::params::TimeRange;

/// One (score name, value) and the sessions starting in the range whose
/// latest score of that name has it.
pub struct OutcomeRow {
    pub name: String,
    pub value: String,
    pub sessions: i64,
    pub cost_nanousd: i64,
}

/// Every (name, value) of the sessions starting in `range`, by name and
/// value: each session's latest score of a name among the environments
/// asked for, from `session_outcomes` (the daemon's latest score per
/// session, environment and name, with the session's start, cost and
/// environment copied in).
///
/// The rows come ordered by session, so each session's latest scores are
/// settled in a small buffer before the next session's rows, without a
/// map keyed by every (session, name) of the range.
pub fn outcomes(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<OutcomeRow>, ApiError> {
    let mut groups = Groups::default();
    let mut session = SessionOutcomes::default();
    let mut statement = connection.prepare_cached(&outcomes_sql())?;
    let mut rows = statement.query(params![range.lower(), range.upper(), environments.json])?;
    while let Some(row) = rows.next()? {
        let id = text(row, 0)?;
        if session.id.as_deref() != Some(id) {
            session.settle_into(&mut groups);
            session.id = Some(id.to_string());
            session.cost_nanousd = row.get(1)?;
        }
        session.offer(text(row, 2)?, text(row, 3)?, row.get(4)?, text(row, 5)?);
    }
    session.settle_into(&mut groups);
    Ok(groups
        .into_iter()
        .flat_map(|(name, values)| {
            values
                .into_iter()
                .map(move |(value, (sessions, cost_nanousd))| OutcomeRow {
                    name: name.clone(),
                    value,
                    sessions,
                    cost_nanousd,
                })
        })
        .collect())
}

/// name -> value -> (sessions, summed cost).
type Groups = BTreeMap<String, BTreeMap<String, (i64, i64)>>;

/// One session's rows while they are read: per score name the latest
/// (timestamp, score id) and its category.
#[derive(Default)]
struct SessionOutcomes {
    /// None before the first row (an empty string is a valid session id).
    id: Option<String>,
    cost_nanousd: i64,
    /// (name, timestamp, score id, category); a session has a few names.
    latest: Vec<(String, i64, String, String)>,
}

impl SessionOutcomes {
    fn offer(&mut self, name: &str, category: &str, timestamp_ms: i64, score_id: &str) {
        match self.latest.iter_mut().find(|entry| entry.0 == name) {
            Some(entry) if (timestamp_ms, score_id) > (entry.1, entry.2.as_str()) => {
                entry.1 = timestamp_ms;
                entry.2.replace_range(.., score_id);
                entry.3.replace_range(.., category);
            }
            Some(_) => {}
            None => self.latest.push((
                name.to_string(),
                timestamp_ms,
                score_id.to_string(),
                category.to_string(),
            )),
        }
    }

    /// Counts the session once under each of its names' latest value.
    fn settle_into(&mut self, groups: &mut Groups) {
        for (name, _, _, category) in self.latest.drain(..) {
            let values = match groups.get_mut(&name) {
                Some(values) => values,
                None => groups.entry(name).or_default(),
            };
            let entry = match values.get_mut(&category) {
                Some(entry) => entry,
                None => values.entry(category).or_default(),
            };
            entry.0 += 1;
            entry.1 += self.cost_nanousd;
        }
    }
}

/// The outcome rows of the sessions starting in [?1, ?2) that are in the
/// environments ?3, among those environments' scores: one range of the
/// covering index `session_outcomes_by_start`, already in session order.
/// A session's own environment is on its rows; only a session in several
/// environments (NULL there) has its environments looked up.
fn outcomes_sql() -> String {
    format!(
        "SELECT so.session_id, so.session_cost_nanousd, so.name, so.category, so.timestamp_ms,
             so.score_id
         FROM session_outcomes AS so
         WHERE so.session_start_ms >= ?1 AND so.session_start_ms < ?2
           AND so.environment IN (SELECT value FROM json_each(?3))
           AND (so.session_environment IN (SELECT value FROM json_each(?3))
                OR (so.session_environment IS NULL AND {}))
         ORDER BY so.session_start_ms, so.session_id",
        session_in("so.session_id", 3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::query_plan_on_a_fresh_database;

    #[test]
    fn each_session_counts_once_with_its_own_cost_even_one_named_by_the_empty_string() {
        let directory = tempfile::tempdir().unwrap();
        let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        // (session, start, cost, score name, category, timestamp)
        let rows = [
            ("", 10, 5, "win", "yes", 1),
            ("a", 20, 7, "win", "no", 1),
            ("a", 20, 7, "win", "yes", 2),
            ("b", 30, 11, "win", "yes", 1),
            ("b", 30, 11, "match_outcome", "match", 1),
        ];
        for (session, start, cost, name, category, timestamp) in rows {
            connection
                .execute(
                    "INSERT INTO session_outcomes (session_id, environment, name, category,
                         timestamp_ms, score_id, session_start_ms, session_cost_nanousd,
                         session_environment)
                     VALUES (?1, 'production', ?2, ?3, ?4, ?5, ?6, ?7, 'production')
                     ON CONFLICT (session_id, environment, name) DO UPDATE SET
                         category = excluded.category, timestamp_ms = excluded.timestamp_ms",
                    params![
                        session,
                        name,
                        category,
                        timestamp,
                        format!("{session}-{name}"),
                        start,
                        cost
                    ],
                )
                .unwrap();
        }
        let served = outcomes(
            &connection,
            TimeRange::default(),
            &Environments::new(vec!["production".to_string()]),
        )
        .unwrap();
        let served: Vec<(&str, &str, i64, i64)> = served
            .iter()
            .map(|row| {
                (
                    row.name.as_str(),
                    row.value.as_str(),
                    row.sessions,
                    row.cost_nanousd,
                )
            })
            .collect();
        assert_eq!(
            served,
            [
                ("match_outcome", "match", 1, 11),
                ("win", "yes", 3, 5 + 7 + 11)
            ]
        );
    }

    #[test]
    fn outcome_rows_come_in_session_order_from_one_covering_index_without_a_sort() {
        let plan = query_plan_on_a_fresh_database(&outcomes_sql());
        assert!(
            plan.contains("USING COVERING INDEX session_outcomes_by_start"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
