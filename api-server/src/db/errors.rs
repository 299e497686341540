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

use crate::db::database::SnapshotKey;
use crate::db::environments::Environments;
use crate::db::{optional_text, text};
use crate::error::ApiError;
use crate::params::{TimeRange, day_floor};

/// Bytes of kept days before the store starts over, so that the data's
/// size cannot grow the server's memory without bound. A day holds each
/// ERROR or WARNING observation's raw message, session and id, and shares
/// the environments, agents, names and messages that repeat.
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

/// Where a string lies in a day's `text`; `ABSENT` for a NULL.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    const ABSENT: Span = Span {
        start: 0,
        len: u32::MAX,
    };
}

/// An observation of a kept day: 60 bytes besides its strings.
const _: () = assert!(size_of::<KeptRow>() == 60);
struct KeptRow {
    /// Since the day's start.
    start_offset_ms: u32,
    environment: Span,
    agent: Span,
    name: Span,
    status_message: Span,
    message: Span,
    session_id: Span,
    id: Span,
}

/// One level's observations starting in one UTC day, in the order of the
/// index `observations_problems` (start time first), their strings in one
/// buffer.
pub struct ErrorDay {
    level: &'static str,
    day_start_ms: i64,
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

    fn optional_str(&self, span: Span) -> Option<&str> {
        (span.len != Span::ABSENT.len).then(|| self.str(span))
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
        let start_of = |row: &KeptRow| self.day_start_ms + i64::from(row.start_offset_ms);
        let first = self
            .rows
            .partition_point(|row| start_of(row) < range.lower());
        let end = self
            .rows
            .partition_point(|row| start_of(row) < range.upper());
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
                name: self.optional_str(row.name),
                level: self.level,
                status_message: self.optional_str(row.status_message),
                message: self.str(row.message),
                start_time_ms: start_of(row),
                session_id: self.optional_str(row.session_id),
            });
        }
    }
}

/// The days read so far of one snapshot (file and `data_version`), by
/// (day start, level).
#[derive(Default)]
pub struct ErrorDays {
    kept: Mutex<KeptDays>,
}

#[derive(Default)]
struct KeptDays {
    snapshot: SnapshotKey,
    days: HashMap<(i64, &'static str), Arc<DaySlot>>,
    bytes: usize,
}

/// A day being read or read: the first request to lock it reads it, and
/// requests asking for it meanwhile wait for that read instead of reading
/// the same rows again (after each commit every request misses at once).
#[derive(Default)]
struct DaySlot(Mutex<Option<Arc<ErrorDay>>>);

impl ErrorDays {
    /// Every day with observations at `level` that `range` touches, in
    /// order: kept ones as they are, the others read from `connection`
    /// (whose snapshot is `snapshot`) and kept.
    pub fn days_of(
        &self,
        connection: &Connection,
        snapshot: SnapshotKey,
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
        let slots: Vec<Arc<DaySlot>> = {
            let mut kept = self.kept.lock().expect("error days lock");
            if kept.snapshot != snapshot {
                kept.days.clear();
                kept.bytes = 0;
                kept.snapshot = snapshot;
            }
            wanted
                .iter()
                .map(|day| kept.days.entry((*day, level)).or_default().clone())
                .collect()
        };
        let mut days = Vec::with_capacity(slots.len());
        for (day, slot) in wanted.into_iter().zip(slots) {
            let mut held = slot.0.lock().expect("error day lock");
            let rows = match &*held {
                Some(rows) => rows.clone(),
                None => {
                    let rows = Arc::new(read_day(connection, day, level)?);
                    *held = Some(rows.clone());
                    self.count(snapshot, (day, level), &slot, rows.bytes());
                    rows
                }
            };
            days.push(rows);
        }
        Ok(days)
    }

    /// Counts a day just read, if its slot is still kept; past the budget
    /// the store starts over (the requests holding days keep them).
    fn count(
        &self,
        snapshot: SnapshotKey,
        key: (i64, &'static str),
        slot: &Arc<DaySlot>,
        size: usize,
    ) {
        let mut kept = self.kept.lock().expect("error days lock");
        let still_kept = kept.snapshot == snapshot
            && kept
                .days
                .get(&key)
                .is_some_and(|kept| Arc::ptr_eq(kept, slot));
        if !still_kept {
            return;
        }
        kept.bytes += size;
        if kept.bytes > DAYS_BYTE_BUDGET {
            kept.days.clear();
            kept.bytes = 0;
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
        day_start_ms: day,
        text: String::new(),
        rows: Vec::new(),
    };
    let mut normalised = String::new();
    let mut seen = HashMap::new();
    while let Some(row) = rows.next()? {
        let optional = |index: usize| optional_text(row, index);
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
        let start_time_ms: i64 = row.get(0)?;
        let kept_row = KeptRow {
            // The query keeps starts within the day, under 2^32 ms after it.
            start_offset_ms: (start_time_ms - day) as u32,
            environment: kept.shared_span(text(row, 1)?, &mut seen),
            agent: kept.shared_span(text(row, 2)?, &mut seen),
            name: optional(3)?.map_or(Span::ABSENT, |name| kept.shared_span(name, &mut seen)),
            status_message: status_message.map_or(Span::ABSENT, |status| kept.span(status)),
            message: kept.shared_span(message, &mut seen),
            // A session's errors often share a day.
            session_id: optional(6)?
                .map_or(Span::ABSENT, |session| kept.shared_span(session, &mut seen)),
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

    #[test]
    fn requests_asking_for_the_same_day_at_once_share_one_read() {
        let day = 20_000 * MS_PER_DAY;
        let rows: Vec<(String, i64)> = (0..2_000)
            .map(|index| (format!("o-{index}"), day + index * 40_000))
            .collect();
        let rows: Vec<(&str, &str, i64, Option<&str>)> = rows
            .iter()
            .map(|(id, start)| (id.as_str(), "ERROR", *start, Some("m")))
            .collect();
        let (directory, _writer) = database_with(&rows);
        let days = ErrorDays::default();
        let read: Vec<Vec<Arc<ErrorDay>>> = std::thread::scope(|scope| {
            let requests: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let connection =
                            shared_schema::open_reader(&directory.path().join("cupid.db")).unwrap();
                        days.days_of(
                            &connection,
                            SnapshotKey::of_version(7),
                            TimeRange::default(),
                            "ERROR",
                        )
                        .unwrap()
                    })
                })
                .collect();
            requests
                .into_iter()
                .map(|request| request.join().unwrap())
                .collect()
        });
        assert_eq!(read[0].len(), 1);
        assert_eq!(read[0][0].rows.len(), 2_000);
        for other in &read[1..] {
            assert!(Arc::ptr_eq(&read[0][0], &other[0]), "read twice");
        }
        assert_eq!(days.kept_bytes(), read[0][0].bytes());
    }

    #[test]
    fn kept_days_never_exceed_their_byte_budget() {
        let days = ErrorDays::default();
        for day in 0..10 {
            let key = (day * MS_PER_DAY, "ERROR");
            let slot = days
                .kept
                .lock()
                .unwrap()
                .days
                .entry(key)
                .or_default()
                .clone();
            days.count(SnapshotKey::of_version(0), key, &slot, DAYS_BYTE_BUDGET / 3);
            assert!(days.kept_bytes() <= DAYS_BYTE_BUDGET, "day {day}");
        }
        assert!(days.kept_bytes() > DAYS_BYTE_BUDGET / 2);
    }

    fn database_with(rows: &[(&str, &str, i64, Option<&str>)]) -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        for (id, level, start_ms, normalised) in rows {
            connection
                .execute(
                    "INSERT INTO observations (id, trace_key, trace_id, type, agent, environment,
                         level, status_message, normalised_message, start_time_ms, session_id,
                         synced_at_ms)
                     VALUES (?1, 1, 't', 'GENERATION', 'judge', 'production', ?2,
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
        let read = days
            .days_of(&connection, SnapshotKey::of_version(1), ragged, "ERROR")
            .unwrap();
        // Only day 1: the range's first and last ERROR both start in it.
        assert_eq!(read.len(), 1);
        assert_eq!(ids(&read, ragged), ["b:timeout after <n> s"]);
        let kept = days.kept_bytes();
        assert!(kept > 0);

        // A row the daemon adds shows only at the next data_version.
        connection
            .execute(
                "INSERT INTO observations (id, trace_key, trace_id, type, agent, environment,
                     level, normalised_message, start_time_ms, synced_at_ms) VALUES
                     ('e', 1, 't', 'SPAN', 'judge', 'production', 'ERROR', 'new', ?1, 0)",
                [day + MS_PER_DAY + 6],
            )
            .unwrap();
        let same_version = days
            .days_of(&connection, SnapshotKey::of_version(1), ragged, "ERROR")
            .unwrap();
        assert_eq!(ids(&same_version, ragged), ["b:timeout after <n> s"]);
        assert_eq!(days.kept_bytes(), kept);
        let next_version = days
            .days_of(&connection, SnapshotKey::of_version(2), ragged, "ERROR")
            .unwrap();
        assert_eq!(
            ids(&next_version, ragged),
            ["b:timeout after <n> s", "e:new"]
        );

        let all_time = days
            .days_of(
                &connection,
                SnapshotKey::of_version(2),
                TimeRange::default(),
                "WARNING",
            )
            .unwrap();
        assert_eq!(ids(&all_time, TimeRange::default()), ["c:w"]);
        let none = TimeRange {
            from_ms: Some(day + 4 * MS_PER_DAY),
            to_ms: None,
        };
        assert!(
            days.days_of(&connection, SnapshotKey::of_version(2), none, "ERROR")
                .unwrap()
                .is_empty()
        );
    }
}
