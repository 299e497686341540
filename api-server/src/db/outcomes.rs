//! Cost per outcome: the sessions whose latest categorical (or boolean)
//! score of a name has a value, and their summed cost.

use std::collections::BTreeMap;

use rusqlite::{Connection, Statement, params};
use shared_schema::units::MS_PER_DAY;

use crate::db::environments::{Environments, session_in};
use crate::db::plan::plan;
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
/// asked for.
///
/// A session's names count independently, and most are a single outcome
/// row in the session's own environment, which the daemon marks
/// `rolled_up` and sums in `outcome_sums` by the span the session starts
/// in. So the range's whole days and the runs of whole finer spans at its
/// edges (`plan`) come from those sums, and only the rolled-up rows of its
/// two partial ten-minute slots, and the rows that are not rolled up
/// (a name scored in several environments, a session in several), are read
/// one by one from `session_outcomes`.
pub fn outcomes(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<Vec<OutcomeRow>, ApiError> {
    let mut groups = Groups::default();
    let split = plan(range);
    let whole_days = split.whole_days.map(|days| {
        (
            MS_PER_DAY,
            days.from.unwrap_or(i64::MIN),
            days.to.unwrap_or(i64::MAX),
        )
    });
    let runs = split
        .runs
        .iter()
        .map(|&(grain, start, end)| (grain.step_ms(), start, end));
    let mut sums = connection.prepare_cached(SUMS_SQL)?;
    for (span_ms, start, end) in whole_days.into_iter().chain(runs) {
        let mut rows = sums.query(params![span_ms, start, end, environments.json])?;
        while let Some(row) = rows.next()? {
            count(
                &mut groups,
                text(row, 0)?,
                text(row, 1)?,
                row.get(2)?,
                row.get(3)?,
            );
        }
    }
    let mut partial_slots = connection.prepare_cached(&outcome_rows_sql(true))?;
    for (start, end) in split.raw {
        read_outcome_rows(&mut partial_slots, start, end, environments, &mut groups)?;
    }
    let mut not_rolled_up = connection.prepare_cached(&outcome_rows_sql(false))?;
    read_outcome_rows(
        &mut not_rolled_up,
        range.lower(),
        range.upper(),
        environments,
        &mut groups,
    )?;
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

/// The sums of spans of ?1 ms starting in [?2, ?3), in the environments ?4.
const SUMS_SQL: &str = "SELECT name, category, sessions, cost_nanousd
     FROM outcome_sums
     WHERE span_ms = ?1 AND start_ms >= ?2 AND start_ms < ?3
       AND environment IN (SELECT value FROM json_each(?4))";

/// Reads the outcome rows of `statement` (`outcome_rows_sql`) for the
/// sessions starting in [start, end). The rows come ordered by session, so
/// each session's latest scores are settled in a small buffer before the
/// next session's rows, without a map keyed by every (session, name).
fn read_outcome_rows(
    statement: &mut Statement<'_>,
    start: i64,
    end: i64,
    environments: &Environments,
    groups: &mut Groups,
) -> Result<(), ApiError> {
    let mut session = SessionOutcomes::default();
    let mut rows = statement.query(params![start, end, environments.json])?;
    while let Some(row) = rows.next()? {
        let id = text(row, 0)?;
        if session.id.as_deref() != Some(id) {
            session.settle_into(groups);
            session.id = Some(id.to_string());
            session.cost_nanousd = row.get(1)?;
        }
        session.offer(text(row, 2)?, text(row, 3)?, row.get(4)?, text(row, 5)?);
    }
    session.settle_into(groups);
    Ok(())
}

/// name -> value -> (sessions, summed cost).
type Groups = BTreeMap<String, BTreeMap<String, (i64, i64)>>;

fn count(groups: &mut Groups, name: &str, category: &str, sessions: i64, cost_nanousd: i64) {
    let values = match groups.get_mut(name) {
        Some(values) => values,
        None => groups.entry(name.to_string()).or_default(),
    };
    let entry = match values.get_mut(category) {
        Some(entry) => entry,
        None => values.entry(category.to_string()).or_default(),
    };
    entry.0 += sessions;
    entry.1 += cost_nanousd;
}

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
            count(groups, &name, &category, 1, self.cost_nanousd);
        }
    }
}

/// The outcome rows (rolled up or not) of the sessions starting in [?1, ?2)
/// that are in the environments ?3, among those environments' scores, in
/// session order from one range of a covering partial index:
/// `session_outcomes_rolled_up` or `session_outcomes_not_rolled_up`. A
/// session's own environment is on its rows; only a session in several
/// environments (NULL there) has its environments looked up.
fn outcome_rows_sql(rolled_up: bool) -> String {
    format!(
        "SELECT so.session_id, so.session_cost_nanousd, so.name, so.category, so.timestamp_ms,
             so.score_id
         FROM session_outcomes AS so
         WHERE so.session_start_ms >= ?1 AND so.session_start_ms < ?2
           AND so.rolled_up = {}
           AND so.environment IN (SELECT value FROM json_each(?3))
           AND (so.session_environment IN (SELECT value FROM json_each(?3))
                OR (so.session_environment IS NULL AND {}))
         ORDER BY so.session_start_ms, so.session_id",
        i64::from(rolled_up),
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
        for (rolled_up, index) in [
            (true, "session_outcomes_rolled_up"),
            (false, "session_outcomes_not_rolled_up"),
        ] {
            let plan = query_plan_on_a_fresh_database(&outcome_rows_sql(rolled_up));
            assert!(
                plan.contains(&format!(
                    "USING COVERING INDEX {index} (session_start_ms>? AND session_start_ms<?)"
                )),
                "{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    #[test]
    fn outcome_sums_are_one_range_of_their_key() {
        let plan = query_plan_on_a_fresh_database(SUMS_SQL);
        assert!(
            plan.contains(
                "SEARCH outcome_sums USING PRIMARY KEY (span_ms=? AND start_ms>? AND start_ms<?)"
            ),
            "{plan}"
        );
    }
}
