//! The observations the error groups are made of, kept in memory a UTC day
//! at a time for as long as the daemon commits nothing.
//!
//! An error group counts its distinct sessions, and there is about one
//! error observation per (group, session): no roll-up shortens the read of
//! a range's error observations. Reading them from SQLite on every request
//! cost more than the grouping itself; a day read once per `data_version`
//! is then only walked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, params};
use shared_schema::messages::normalise_message_into;
use shared_schema::units::MS_PER_DAY;

use crate::db::environments::Environments;
use crate::db::text;
use crate::error::ApiError;
use crate::params::{TimeRange, day_floor};

/// Bytes of kept days before the store starts over, so that the variety of
/// ranges asked for cannot grow the server's memory: a million
/// observations' ERROR and WARNING days take about 4 MiB.
const DAYS_BYTE_BUDGET: usize = 24 * 1024 * 1024;

/// An observation at one of the asked levels, borrowed from a kept day.
pub struct ErrorObservation<'day> {
    pub id: &'day str,
    pub agent: &'day str,
    pub name: Option<&'day str>,
    pub level: &'day str,
    pub status_message: Option<&'day str>,
    /// The status message normalised (by the daemon, or when the day was
    /// read if the row was written without it).
    pub message: &'day str,
    pub start_time_ms: i64,
    pub session_id: Option<&'day str>,
}

/// Where a string lies in a day's `text`.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

struct KeptRow {
    start_time_ms: i64,
    environment: Span,
    agent: Span,
    name: Option<Span>,
    status_message: Option<Span>,
    message: Span,
    session_id: Option<Span>,
    id: Span,
}

/// One level's observations starting in one UTC day, in the order of the
/// index `observations_problems` (start time first), their strings in one
/// buffer.
pub struct ErrorDay {
    level: &'static str,
    text: String,
    rows: Vec<KeptRow>,
}

impl ErrorDay {
    fn span(&mut self, value: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(value);
        Span {
            start,
            len: value.len() as u32,
        }
    }

    /// `value`'s span, shared with every earlier row of the day that had
    /// the same value: environments, agents, names and normalised messages
    /// repeat on most rows.
    fn shared_span(&mut self, value: &str, seen: &mut HashMap<String, Span>) -> Span {
        if let Some(span) = seen.get(value) {
            return *span;
        }
        let span = self.span(value);
        seen.insert(value.to_string(), span);
        span
    }

    fn str(&self, span: Span) -> &str {
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn bytes(&self) -> usize {
        self.text.capacity() + self.rows.capacity() * size_of::<KeptRow>()
    }

    /// Hands each of the day's observations starting in `range`, of `agent`
    /// if given, in `environments`, to `visit`, in the index's order.
    pub fn for_each<'day>(
        &'day self,
        range: TimeRange,
        agent: Option<&str>,
        environments: &Environments,
        mut visit: impl FnMut(ErrorObservation<'day>),
    ) {
        let first = self
            .rows
            .partition_point(|row| row.start_time_ms < range.lower());
        let end = self
            .rows
            .partition_point(|row| row.start_time_ms < range.upper());
        for row in &self.rows[first..end] {
            let row_agent = self.str(row.agent);
            if agent.is_some_and(|agent| agent != row_agent) {
                continue;
            }
            let environment = self.str(row.environment);
            if environments
                .names
                .binary_search_by(|name| name.as_str().cmp(environment))
                .is_err()
            {
                continue;
            }
            visit(ErrorObservation {
                id: self.str(row.id),
                agent: row_agent,
                name: row.name.map(|span| self.str(span)),
                level: self.level,
                status_message: row.status_message.map(|span| self.str(span)),
                message: self.str(row.message),
                start_time_ms: row.start_time_ms,
                session_id: row.session_id.map(|span| self.str(span)),
            });
        }
    }
}

/// The days read so far at one `data_version`, by (day start, level).
#[derive(Default)]
pub struct ErrorDays {
    kept: Mutex<KeptDays>,
}

#[derive(Default)]
struct KeptDays {
    data_version: i64,
    days: HashMap<(i64, &'static str), Arc<ErrorDay>>,
    bytes: usize,
}

impl ErrorDays {
    /// Every day with observations at `level` that `range` touches, in
    /// order: kept ones as they are, the others read from `connection`
    /// (whose snapshot is at `data_version`) and kept.
    pub fn days_of(
        &self,
        connection: &Connection,
        data_version: i64,
        range: TimeRange,
        level: &'static str,
    ) -> Result<Vec<Arc<ErrorDay>>, ApiError> {
        let Some((first_day, last_day)) = day_span(connection, range, level)? else {
            return Ok(Vec::new());
        };
        let wanted: Vec<i64> = (0..)
            .map(|index| first_day + index * MS_PER_DAY)
            .take_while(|day| *day <= last_day)
            .collect();
        let mut found: Vec<Option<Arc<ErrorDay>>> = {
            let kept = self.kept.lock().expect("error days lock");
            wanted
                .iter()
                .map(|day| {
                    (kept.data_version == data_version)
                        .then(|| kept.days.get(&(*day, level)).cloned())
                        .flatten()
                })
                .collect()
        };
        let mut read = Vec::new();
        for (day, slot) in wanted.iter().zip(&mut found) {
            if slot.is_none() {
                let day_rows = Arc::new(read_day(connection, *day, level)?);
                read.push((*day, day_rows.clone()));
                *slot = Some(day_rows);
            }
        }
        if !read.is_empty() {
            self.keep(data_version, level, read);
        }
        Ok(found.into_iter().flatten().collect())
    }

    fn keep(&self, data_version: i64, level: &'static str, read: Vec<(i64, Arc<ErrorDay>)>) {
        let mut kept = self.kept.lock().expect("error days lock");
        if kept.data_version != data_version {
            kept.days.clear();
            kept.bytes = 0;
            kept.data_version = data_version;
        }
        for (day, rows) in read {
            let size = rows.bytes();
            if kept.bytes + size > DAYS_BYTE_BUDGET {
                kept.days.clear();
                kept.bytes = 0;
            }
            if let Some(replaced) = kept.days.insert((day, level), rows) {
                kept.bytes -= replaced.bytes();
            }
            kept.bytes += size;
        }
    }

    #[cfg(test)]
    fn kept_bytes(&self) -> usize {
        self.kept.lock().unwrap().bytes
    }
}

/// The first and last day of `range` holding an observation at `level`
/// (none if no day does): an open range runs from the first observation to
/// the last, not from the epoch.
fn day_span(
    connection: &Connection,
    range: TimeRange,
    level: &str,
) -> Result<Option<(i64, i64)>, ApiError> {
    let (first, last): (Option<i64>, Option<i64>) = connection
        .prepare_cached(&format!("SELECT ({BOUND_SQL_MIN}), ({BOUND_SQL_MAX})"))?
        .query_row(params![level, range.lower(), range.upper()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok(first
        .zip(last)
        .map(|(first, last)| (day_floor(first), day_floor(last))))
}

/// The earliest start at level ?1 in [?2, ?3): one step down the partial
/// index (its condition repeated word for word, as SQLite uses a partial
/// index only for a query that states it).
const BOUND_SQL_MIN: &str = "SELECT min(start_time_ms) FROM observations
     WHERE level = ?1 AND level IN ('ERROR', 'WARNING')
       AND start_time_ms >= ?2 AND start_time_ms < ?3";
const BOUND_SQL_MAX: &str = "SELECT max(start_time_ms) FROM observations
     WHERE level = ?1 AND level IN ('ERROR', 'WARNING')
       AND start_time_ms >= ?2 AND start_time_ms < ?3";

/// A day's observations at level ?1 starting in [?2, ?3), every
/// environment and agent, from the covering index alone and in its order.
const DAY_SQL: &str = "SELECT start_time_ms, environment, agent, name, status_message,
            normalised_message, session_id, id
     FROM observations
     WHERE level = ?1 AND level IN ('ERROR', 'WARNING')
       AND start_time_ms >= ?2 AND start_time_ms < ?3
     ORDER BY start_time_ms, environment, agent, name, session_id, status_message,
              normalised_message, id";

fn read_day(connection: &Connection, day: i64, level: &'static str) -> Result<ErrorDay, ApiError> {
    let mut statement = connection.prepare_cached(DAY_SQL)?;
    let mut rows = statement.query(params![level, day, day + MS_PER_DAY])?;
    let mut kept = ErrorDay {
        level,
        text: String::new(),
        rows: Vec::new(),
    };
    let mut normalised = String::new();
    let mut seen = HashMap::new();
    while let Some(row) = rows.next()? {
        let optional = |index: usize| -> rusqlite::Result<Option<&str>> {
            match row.get_ref(index)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                _ => text(row, index).map(Some),
            }
        };
        let status_message = optional(4)?;
        // The daemon stores every ERROR and WARNING observation's
        // normalised message; a row written without one is normalised here.
        let message = match optional(5)? {
            Some(message) => message,
            None => {
                normalise_message_into(status_message.unwrap_or(""), &mut normalised);
                normalised.as_str()
            }
        };
        let kept_row = KeptRow {
            start_time_ms: row.get(0)?,
            environment: kept.shared_span(text(row, 1)?, &mut seen),
            agent: kept.shared_span(text(row, 2)?, &mut seen),
            name: optional(3)?.map(|name| kept.shared_span(name, &mut seen)),
            status_message: status_message.map(|status| kept.span(status)),
            message: kept.shared_span(message, &mut seen),
            session_id: optional(6)?.map(|session| kept.span(session)),
            id: kept.span(text(row, 7)?),
        };
        kept.rows.push(kept_row);
    }
    kept.text.shrink_to_fit();
    kept.rows.shrink_to_fit();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::query_plan_on_a_fresh_database;

    #[test]
    fn a_day_is_read_from_the_covering_index_in_its_order_without_sorting() {
        let plan = query_plan_on_a_fresh_database(DAY_SQL);
        assert!(
            plan.contains("USING COVERING INDEX observations_problems"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn the_span_of_days_is_found_in_the_covering_index() {
        for sql in [BOUND_SQL_MIN, BOUND_SQL_MAX] {
            let plan = query_plan_on_a_fresh_database(sql);
            assert!(
                plan.contains("USING COVERING INDEX observations_problems"),
                "{plan}"
            );
        }
    }

    fn database_with(rows: &[(&str, &str, i64, Option<&str>)]) -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        for (id, level, start_ms, normalised) in rows {
            connection
                .execute(
                    "INSERT INTO observations (id, trace_id, type, agent, environment, level,
                         status_message, normalised_message, start_time_ms, session_id, synced_at_ms)
                     VALUES (?1, 't', 'GENERATION', 'judge', 'production', ?2,
                         'timeout after 30 s', ?3, ?4, 's', 0)",
                    params![id, level, normalised, start_ms],
                )
                .unwrap();
        }
        (directory, connection)
    }

    fn ids(days: &[Arc<ErrorDay>], range: TimeRange) -> Vec<String> {
        let environments = Environments::new(vec!["production".into()]);
        let mut ids = Vec::new();
        for day in days {
            day.for_each(range, None, &environments, |observation| {
                ids.push(format!("{}:{}", observation.id, observation.message));
            });
        }
        ids
    }

    #[test]
    fn days_are_kept_for_one_data_version_and_cut_to_the_range() {
        let day = 20_000 * MS_PER_DAY;
        let (_directory, connection) = database_with(&[
            ("a", "ERROR", day + 10, Some("timeout after <n> s")),
            ("b", "ERROR", day + MS_PER_DAY + 5, None),
            ("c", "WARNING", day + 20, Some("w")),
            ("d", "ERROR", day + 3 * MS_PER_DAY, Some("late")),
        ]);
        let days = ErrorDays::default();
        let ragged = TimeRange {
            from_ms: Some(day + 11),
            to_ms: Some(day + 3 * MS_PER_DAY),
        };
        let read = days.days_of(&connection, 1, ragged, "ERROR").unwrap();
        // Only day 1: the range's first and last ERROR both start in it.
        assert_eq!(read.len(), 1);
        assert_eq!(ids(&read, ragged), ["b:timeout after <n> s"]);
        let kept = days.kept_bytes();
        assert!(kept > 0);

        // A row the daemon adds shows only at the next data_version.
        connection
            .execute(
                "INSERT INTO observations (id, trace_id, type, agent, environment, level,
                     normalised_message, start_time_ms, synced_at_ms) VALUES
                     ('e', 't', 'SPAN', 'judge', 'production', 'ERROR', 'new', ?1, 0)",
                [day + MS_PER_DAY + 6],
            )
            .unwrap();
        let same_version = days.days_of(&connection, 1, ragged, "ERROR").unwrap();
        assert_eq!(ids(&same_version, ragged), ["b:timeout after <n> s"]);
        assert_eq!(days.kept_bytes(), kept);
        let next_version = days.days_of(&connection, 2, ragged, "ERROR").unwrap();
        assert_eq!(
            ids(&next_version, ragged),
            ["b:timeout after <n> s", "e:new"]
        );

        let all_time = days
            .days_of(&connection, 2, TimeRange::default(), "WARNING")
            .unwrap();
        assert_eq!(ids(&all_time, TimeRange::default()), ["c:w"]);
        let none = TimeRange {
            from_ms: Some(day + 4 * MS_PER_DAY),
            to_ms: None,
        };
        assert!(
            days.days_of(&connection, 2, none, "ERROR")
                .unwrap()
                .is_empty()
        );
    }
}
