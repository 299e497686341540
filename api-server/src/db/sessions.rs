//! Sessions: the filtered, sorted, paged list, one session, its errors,
//! and an agent's latest sessions.

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use shared_schema::rows::ROLL_UP;

use crate::db::environments::{Environments, session_in_given};
use crate::db::figures::Source;
use crate::db::session_index::SessionIndex;
use crate::db::string_list;
use crate::error::ApiError;
use crate::params::TimeRange;
use crate::params::sessions::SessionListRequest;

/// A session as stored (times in ms, cost in nano-USD).
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<String>,
    pub users: Vec<String>,
    pub agents: Vec<String>,
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub traces: i64,
    pub observations: i64,
    pub generations: i64,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub errors: i64,
    pub warnings: i64,
    pub first_error_observation_id: Option<String>,
    pub environment: String,
}

const SESSION_COLUMNS: &str = "s.id, s.user_id, s.users, s.agents, s.start_time_ms, \
    s.end_time_ms, s.duration_ms, s.traces, s.observations, s.generations, s.cost_nanousd, \
    s.input_tokens, s.output_tokens, s.total_tokens, s.errors, s.warnings, \
    s.first_error_observation_id, s.environment";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        users: string_list(row.get(2)?),
        agents: string_list(row.get(3)?),
        start_time_ms: row.get(4)?,
        end_time_ms: row.get(5)?,
        duration_ms: row.get(6)?,
        traces: row.get(7)?,
        observations: row.get(8)?,
        generations: row.get(9)?,
        cost_nanousd: row.get(10)?,
        input_tokens: row.get(11)?,
        output_tokens: row.get(12)?,
        total_tokens: row.get(13)?,
        errors: row.get(14)?,
        warnings: row.get(15)?,
        first_error_observation_id: row.get(16)?,
        environment: row.get(17)?,
    })
}

/// One page of the list: its rows with their sort values, the matches over
/// all pages, and whether more follow.
pub struct SessionListRows {
    pub rows: Vec<(SessionRow, i64)>,
    pub total: i64,
    pub has_more: bool,
}

fn sort_expression(request: &SessionListRequest) -> &'static str {
    match request.sort {
        "cost" => "s.cost_nanousd",
        "tokens" => "s.total_tokens",
        "duration" => "coalesce(s.duration_ms, -1)",
        "errors" => "s.errors",
        _ => "s.start_time_ms",
    }
}

/// The column of the index (`sessions_by_<sort>`, which ends in `id`) that
/// orders sessions as `sort_expression` does. For duration the column
/// itself: NULL sorts below every duration as -1 does, durations being
/// never negative.
fn sort_column(request: &SessionListRequest) -> &'static str {
    match request.sort {
        "duration" => "s.duration_ms",
        _ => sort_expression(request),
    }
}

/// Whether to read a page by walking the sort's index from its end and
/// skipping sessions outside the range, instead of sorting every session
/// in the range: walking reads about `page × all / matches` rows, sorting
/// reads `matches` rows and sorts them. Which is cheaper depends on the
/// share of sessions that match, known from the count.
fn walk_sort_index(request: &SessionListRequest, matches: i64, all_sessions: i64) -> bool {
    let page = i64::from(request.row_limit()) + 1;
    request.sort != "startTime"
        && !request.csv
        && matches > 0
        && matches.saturating_mul(matches) > page.saturating_mul(all_sessions)
}

/// The WHERE clause (without the cursor) and its values.
/// With `range_by_index` false, the range terms are written `+column` so
/// that SQLite does not drive the query by `sessions_by_start`.
fn filters(
    request: &SessionListRequest,
    environments: &Environments,
    range_by_index: bool,
) -> (String, Vec<Box<dyn ToSql + Send>>) {
    let start = if range_by_index {
        "s.start_time_ms"
    } else {
        "+s.start_time_ms"
    };
    let mut clauses = vec!["1 = 1".to_string()];
    let mut values: Vec<Box<dyn ToSql + Send>> = Vec::new();
    values.push(Box::new(environments.json.clone()));
    let mut spanning_starts = Vec::new();
    if let Some(from) = request.range.from_ms {
        values.push(Box::new(from));
        clauses.push(format!("{start} >= ?{}", values.len()));
        spanning_starts.push(format!("start_time_ms >= ?{}", values.len()));
    }
    if let Some(to) = request.range.to_ms {
        values.push(Box::new(to));
        clauses.push(format!("{start} < ?{}", values.len()));
        spanning_starts.push(format!("start_time_ms < ?{}", values.len()));
    }
    clauses.push(session_in_given(
        "s.id",
        "s.environment",
        1,
        &spanning_starts,
    ));
    if let Some(agent) = &request.agent {
        values.push(Box::new(agent.clone()));
        clauses.push(format!(
                "EXISTS (SELECT 1 FROM session_agents AS sa WHERE sa.session_id = s.id AND sa.agent = ?{})",
                values.len()
            ));
    }
    if let Some(user) = &request.user {
        values.push(Box::new(user.clone()));
        let n = values.len();
        clauses.push(format!(
                "(s.user_id = ?{n} OR EXISTS (SELECT 1 FROM json_each(s.users) WHERE json_each.value = ?{n}))"
            ));
    }
    match request.has_errors {
        Some(true) => clauses.push("s.errors > 0".into()),
        Some(false) => clauses.push("s.errors = 0".into()),
        None => {}
    }
    if let Some(search) = &request.search {
        let escaped: String = search
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                other => vec![other],
            })
            .collect();
        values.push(Box::new(format!("%{escaped}%")));
        let n = values.len();
        clauses.push(format!(
            "(s.id LIKE ?{n} ESCAPE '\\' OR coalesce(s.user_id, '') LIKE ?{n} ESCAPE '\\')"
        ));
    }
    (clauses.join(" AND "), values)
}

/// The page `request` asks for (every row up to the CSV cap for an
/// export), in `environments`. A page filtered only by range and
/// environments is chosen from the kept `index` and only its rows are read.
pub fn list(
    source: &Source<'_>,
    index: &SessionIndex,
    request: &SessionListRequest,
    environments: &Environments,
) -> Result<SessionListRows, ApiError> {
    let connection = source.connection;
    if request.filters_only_by_range()
        && !request.csv
        && let Some(kept) = index.sessions(connection, source.snapshot)?
    {
        let found = kept.page(request, environments);
        let rows = rows_by_id(connection, request, &found.ids)?;
        // Every id is the snapshot's, as the index is of its data version;
        // were one missing the file was replaced, and SQL answers instead.
        if rows.len() == found.ids.len() {
            return Ok(SessionListRows {
                rows,
                total: found.total,
                has_more: found.has_more,
            });
        }
    }
    list_from_sql(connection, request, environments)
}

/// The sessions of `ids`, in that order, with their sort values; an id not
/// found is left out.
fn rows_by_id(
    connection: &Connection,
    request: &SessionListRequest,
    ids: &[&str],
) -> Result<Vec<(SessionRow, i64)>, ApiError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS}, {} FROM sessions AS s WHERE s.id = ?1",
        sort_expression(request)
    ))?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = statement
            .query_row([id], |row| Ok((session_from_row(row)?, row.get(18)?)))
            .optional()?
        {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `list` from SQL alone: the count of the range, then the page by walking
/// the sort's index or sorting the range.
fn list_from_sql(
    connection: &Connection,
    request: &SessionListRequest,
    environments: &Environments,
) -> Result<SessionListRows, ApiError> {
    let total = if request.filters_only_by_range() {
        count_in_range(connection, request.range, environments)?
    } else {
        let (where_clause, values) = filters(request, environments, true);
        let refs: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref() as &dyn ToSql).collect();
        connection
            .prepare_cached(&format!(
                "SELECT count(*) FROM sessions AS s WHERE {where_clause}"
            ))?
            .query_row(refs.as_slice(), |row| row.get(0))?
    };
    let walk = walk_sort_index(request, total, all_sessions(connection)?);
    let (rows, has_more) = page(connection, request, environments, walk)?;
    Ok(SessionListRows {
        rows,
        total,
        has_more,
    })
}

/// The sessions starting in `range` with observations in `environments`,
/// counted from the index of `session_environments` alone: its entries,
/// less the repeats of the sessions in more than one of the environments
/// (marked `spans_environments`, and rare).
fn count_in_range(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<i64, ApiError> {
    let (entries, spanning_entries, spanning_sessions): (i64, i64, i64) = connection
        .prepare_cached(
            "SELECT (SELECT count(*) FROM session_environments
                     WHERE environment IN (SELECT value FROM json_each(?1))
                       AND start_time_ms >= ?2 AND start_time_ms < ?3),
                    count(*), count(DISTINCT session_id)
             FROM session_environments
             WHERE spans_environments = 1 AND environment IN (SELECT value FROM json_each(?1))
               AND start_time_ms >= ?2 AND start_time_ms < ?3",
        )?
        .query_row(
            params![environments.json, range.lower(), range.upper()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    Ok(entries - (spanning_entries - spanning_sessions))
}

/// One page (up to `row_limit` rows) with its sort values, and whether more
/// follow; `walk` chooses the plan (`walk_sort_index`), never the rows.
fn page(
    connection: &Connection,
    request: &SessionListRequest,
    environments: &Environments,
    walk: bool,
) -> Result<(Vec<(SessionRow, i64)>, bool), ApiError> {
    let (where_clause, mut values) = filters(request, environments, !walk);
    let sort = sort_expression(request);
    let order_by = if walk { sort_column(request) } else { sort };
    let (comparison, direction) = if request.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut cursor_clause = String::new();
    if let Some((value, id)) = &request.after {
        values.push(Box::new(*value));
        values.push(Box::new(id.clone()));
        let n = values.len();
        cursor_clause = format!(" AND ({sort}, s.id) {comparison} (?{}, ?{n})", n - 1);
    }
    let limit = request.row_limit();
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, {sort} FROM sessions AS s
         WHERE {where_clause}{cursor_clause}
         ORDER BY {order_by} {direction}, s.id {direction}
         LIMIT {}",
        limit + 1
    );
    let refs: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref() as &dyn ToSql).collect();
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows: Vec<(SessionRow, i64)> = statement
        .query_map(refs.as_slice(), |row| {
            Ok((session_from_row(row)?, row.get(18)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, has_more))
}

/// How many sessions there are, about (a session in two environments
/// counts twice): the sum of `daily_metrics`' day totals.
fn all_sessions(connection: &Connection) -> Result<i64, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT coalesce(sum(sessions), 0) FROM daily_metrics WHERE agent = ?1 AND model = ?1",
        )?
        .query_row([ROLL_UP], |row| row.get(0))?)
}

pub fn load_session(connection: &Connection, id: &str) -> Result<Option<SessionRow>, ApiError> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions AS s WHERE s.id = ?1"
        ))?
        .query_row([id], session_from_row)
        .optional()?)
}

/// The session's ERROR-level observations, in start order, from their
/// partial index alone (migration 24).
pub fn error_observation_ids(
    connection: &Connection,
    session: &str,
) -> Result<Vec<String>, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT id FROM observations INDEXED BY observations_session_errors
             WHERE session_id = ?1 AND level = 'ERROR' AND session_id IS NOT NULL
             ORDER BY start_time_ms, id",
        )?
        .query_map([session], |row| row.get(0))?
        .collect::<Result<_, _>>()?)
}

/// The latest `limit` sessions `agent` took part in, starting in `range`
/// and in `environments`, newest first. The environments are looked up by
/// session id rather than settled by the session's own column
/// (`session_in_given`): that column needs the join to `sessions`, two
/// seeks for each of the agent's sessions the filter skips, against one.
pub fn recent_sessions_of_agent(
    connection: &Connection,
    agent: &str,
    range: TimeRange,
    limit: i64,
    environments: &Environments,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM session_agents AS sa
             JOIN sessions AS s ON s.id = sa.session_id
             WHERE sa.agent = ?1 AND sa.start_time_ms >= ?2 AND sa.start_time_ms < ?3
               AND EXISTS (SELECT 1 FROM session_environments AS se
                           WHERE se.session_id = sa.session_id
                             AND se.environment IN (SELECT value FROM json_each(?5)))
             ORDER BY sa.start_time_ms DESC, sa.session_id DESC
             LIMIT ?4"
        ))?
        .query_map(
            params![
                agent,
                range.lower(),
                range.upper(),
                limit,
                environments.json
            ],
            session_from_row,
        )?
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::database::SnapshotKey;

    /// Sessions with colliding costs, tokens and errors and some unknown
    /// durations, over 40 hours, all in `production`.
    fn sessions_database() -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        let writer = shared_schema::open_writer(&path).unwrap();
        for index in 0..80_i64 {
            // From 2026-11-01T00:00Z, every half hour.
            let start = 1_793_491_200_000 + index * 1_800_000;
            let duration = (index % 7 != 0).then_some((index * 37) % 11 * 1000);
            writer
                .execute(
                    "INSERT INTO sessions (id, start_time_ms, duration_ms, cost_nanousd,
                         total_tokens, errors, environment)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'production')",
                    params![
                        format!("s{index:03}"),
                        start,
                        duration,
                        (index * 13) % 5,
                        (index * 7) % 9,
                        index % 3
                    ],
                )
                .unwrap();
            writer
                .execute(
                    "INSERT INTO session_environments VALUES ('production', ?1, ?2, 0)",
                    params![format!("s{index:03}"), start],
                )
                .unwrap();
        }
        drop(writer);
        (directory, shared_schema::open_reader(&path).unwrap())
    }

    /// Walks every page of `query` through the cursors and counts them:
    /// `read` answers each request with its rows' (id, sort value) and
    /// whether more follow.
    fn walk_pages(
        query: &str,
        mut read: impl FnMut(&SessionListRequest) -> (Vec<(String, i64)>, bool),
    ) -> usize {
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let full = match &cursor {
                Some(cursor) => format!("{query}&cursor={cursor}"),
                None => query.to_string(),
            };
            let request = SessionListRequest::parse(&full).unwrap();
            let (rows, more) = read(&request);
            pages += 1;
            match (more, rows.last()) {
                (true, Some((id, key))) => cursor = Some(request.cursor_after(*key, id)),
                _ => return pages,
            }
        }
    }

    #[test]
    fn walking_the_sort_index_pages_exactly_as_sorting_the_range() {
        let (_directory, connection) = sessions_database();
        let production = Environments::new(vec!["production".into()]);
        for sort in ["cost", "tokens", "duration", "errors"] {
            for order in ["desc", "asc"] {
                for range in ["", "&from=2026-11-01T05:10:00Z&to=2026-11-02T09:50:00Z"] {
                    let query = format!("sort={sort}&order={order}&limit=6{range}");
                    let pages = walk_pages(&query, |request| {
                        let (walked, walked_more) =
                            page(&connection, request, &production, true).unwrap();
                        let (sorted, sorted_more) =
                            page(&connection, request, &production, false).unwrap();
                        let ids = |rows: &[(SessionRow, i64)]| -> Vec<(String, i64)> {
                            rows.iter()
                                .map(|(row, key)| (row.id.clone(), *key))
                                .collect()
                        };
                        assert_eq!(ids(&walked), ids(&sorted), "{query}");
                        assert_eq!(walked_more, sorted_more, "{query}");
                        (ids(&sorted), sorted_more)
                    });
                    assert!(pages > 3, "{query}: only {pages} pages");
                }
            }
        }
    }

    /// A page as compared: (id, sort value) of its rows, the total and
    /// whether more follow.
    fn page_summary(rows: &SessionListRows) -> (Vec<(String, i64)>, i64, bool) {
        let ids = rows
            .rows
            .iter()
            .map(|(row, key)| (row.id.clone(), *key))
            .collect();
        (ids, rows.total, rows.has_more)
    }

    /// `list` through a kept index read afresh, checked equal to
    /// `list_from_sql`.
    fn listed_both_ways(
        connection: &Connection,
        request: &SessionListRequest,
        environments: &Environments,
    ) -> SessionListRows {
        let source = Source {
            connection,
            snapshot: SnapshotKey::of_version(1),
        };
        let kept = list(&source, &SessionIndex::default(), request, environments).unwrap();
        let from_sql = list_from_sql(connection, request, environments).unwrap();
        assert_eq!(page_summary(&kept), page_summary(&from_sql));
        kept
    }

    /// Every session's distribution values, by id: (id, cost, duration,
    /// traces, errors).
    fn session_values(
        connection: &Connection,
        index: &SessionIndex,
        range: TimeRange,
        environments: &Environments,
    ) -> Vec<(String, i64, Option<i64>, i64, i64)> {
        let source = Source {
            connection,
            snapshot: SnapshotKey::of_version(1),
        };
        let mut values = Vec::new();
        crate::db::distributions::for_each_session_values(
            &source,
            index,
            range,
            environments,
            |session| {
                values.push((
                    session.id.to_string(),
                    session.cost_nanousd,
                    session.duration_ms,
                    session.traces,
                    session.errors,
                ))
            },
        )
        .unwrap();
        values.sort();
        values
    }

    #[test]
    fn pages_chosen_from_the_kept_index_equal_the_pages_sql_reads() {
        let (_first, colliding) = sessions_database();
        let (_second, spanning) = sessions_in_several_environments();
        let environment_choices: [&[&str]; 5] = [
            &["production"],
            &["staging"],
            &["production", "staging", "langfuse-llm-as-a-judge"],
            &["nowhere"],
            &[],
        ];
        let ranges = [
            "",
            "&from=2026-11-01T05:10:00Z&to=2026-11-02T09:50:00Z",
            "&from=2026-10-31T12:00:00Z&to=2026-11-01T03:00:00Z",
            "&from=2026-11-01T01:00:00Z&to=2026-11-01T01:00:00.001Z",
            "&from=2026-12-01T00:00:00Z",
        ];
        let mut longest_walk = 0;
        for connection in [&colliding, &spanning] {
            let index = SessionIndex::default();
            let source = Source {
                connection,
                snapshot: SnapshotKey::of_version(1),
            };
            for sort in ["startTime", "cost", "tokens", "duration", "errors"] {
                for order in ["desc", "asc"] {
                    for range in ranges {
                        for names in environment_choices {
                            for limit in [1, 6, 50] {
                                let environments = Environments::new(
                                    names.iter().map(|name| name.to_string()).collect(),
                                );
                                let query =
                                    format!("sort={sort}&order={order}&limit={limit}{range}");
                                let pages = walk_pages(&query, |request| {
                                    let kept =
                                        list(&source, &index, request, &environments).unwrap();
                                    let from_sql =
                                        list_from_sql(connection, request, &environments).unwrap();
                                    let (rows, total, more) = page_summary(&kept);
                                    assert_eq!(
                                        (rows.clone(), total, more),
                                        page_summary(&from_sql),
                                        "{names:?} {query}"
                                    );
                                    (rows, more)
                                });
                                longest_walk = longest_walk.max(pages);
                            }
                            let environments = Environments::new(
                                names.iter().map(|name| name.to_string()).collect(),
                            );
                            let range = SessionListRequest::parse(range).unwrap().range;
                            assert_eq!(
                                session_values(connection, &index, range, &environments),
                                session_values(
                                    connection,
                                    &SessionIndex::with_max_sessions(0),
                                    range,
                                    &environments
                                ),
                                "{names:?} {range:?} distributions"
                            );
                        }
                    }
                }
            }
            assert!(
                index.is_read_at(SnapshotKey::of_version(1)),
                "the pages came from the kept index"
            );
        }
        assert_eq!(longest_walk, 80, "every page of one session walked");
    }

    #[test]
    fn the_kept_index_is_of_one_data_version() {
        let (directory, reader) = sessions_database();
        let writer = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        let index = SessionIndex::default();
        let production = Environments::new(vec!["production".into()]);
        let request = SessionListRequest::parse("sort=cost&limit=3").unwrap();
        let at = |data_version| Source {
            connection: &reader,
            snapshot: SnapshotKey::of_version(data_version),
        };
        let before = list(&at(1), &index, &request, &production).unwrap();
        assert_eq!(before.total, 80);
        writer
            .execute_batch(
                "INSERT INTO sessions (id, start_time_ms, cost_nanousd, environment)
                     VALUES ('late', 1793491200000, 1000, 'production');
                 INSERT INTO session_environments VALUES ('production', 'late', 1793491200000, 0);",
            )
            .unwrap();
        let same_version = list(&at(1), &index, &request, &production).unwrap();
        assert_eq!(page_summary(&same_version), page_summary(&before));
        let next_version = list(&at(2), &index, &request, &production).unwrap();
        assert_eq!(next_version.total, 81);
        assert_eq!(next_version.rows[0].0.id, "late");
        assert_eq!(
            page_summary(&next_version),
            page_summary(&list_from_sql(&reader, &request, &production).unwrap())
        );
    }

    #[test]
    fn too_many_sessions_or_environments_to_keep_are_listed_from_sql() {
        let (directory, reader) = sessions_database();
        let request = SessionListRequest::parse("sort=cost&limit=3").unwrap();
        let production = Environments::new(vec!["production".into()]);
        let source = Source {
            connection: &reader,
            snapshot: SnapshotKey::of_version(1),
        };
        let kept_at_most = |max_sessions| {
            SessionIndex::with_max_sessions(max_sessions)
                .sessions(&reader, SnapshotKey::of_version(1))
                .unwrap()
                .is_some()
        };
        assert!(kept_at_most(80));
        assert!(!kept_at_most(79));
        let small = SessionIndex::with_max_sessions(79);
        assert_eq!(
            page_summary(&list(&source, &small, &request, &production).unwrap()),
            page_summary(&list_from_sql(&reader, &request, &production).unwrap())
        );

        // A 65th environment: more than the bits of a session's mask.
        let writer = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        for index in 0..64 {
            writer
                .execute(
                    "INSERT INTO session_environments VALUES (?1, 's000', 1793491200000, 1)",
                    [format!("environment-{index:02}")],
                )
                .unwrap();
        }
        assert!(!kept_at_most(80));
        assert_eq!(
            page_summary(&list(&source, &SessionIndex::default(), &request, &production).unwrap()),
            page_summary(&list_from_sql(&reader, &request, &production).unwrap())
        );
    }

    #[test]
    fn the_index_is_walked_only_when_the_range_holds_many_sessions() {
        let request = |query: &str| SessionListRequest::parse(query).unwrap();
        let cases = [
            ("sort=cost", 11_000, 11_000, true),
            ("sort=cost", 1_000, 11_000, true),
            ("sort=cost", 700, 11_000, false),
            ("sort=duration&limit=200", 1_000, 11_000, false),
            ("sort=cost", 0, 0, false),
            ("sort=startTime", 11_000, 11_000, false),
            ("sort=cost&format=csv", 11_000, 11_000, false),
        ];
        for (query, matches, all, walk) in cases {
            assert_eq!(
                walk_sort_index(&request(query), matches, all),
                walk,
                "{query}: {matches} of {all}"
            );
        }
    }

    /// One agent's sessions from 2026-11-01T00:00Z (their start's hour
    /// after it, and the environments they have observations in, their own
    /// first): in one environment, in two either way round, one in two
    /// before the range, one in the internal judge environment.
    fn sessions_in_several_environments() -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        let writer = shared_schema::open_writer(&path).unwrap();
        let sessions: [(&str, i64, &[&str]); 6] = [
            ("production", 1, &["production"]),
            ("staging", 2, &["staging"]),
            ("production-first", 3, &["production", "staging"]),
            ("staging-first", 4, &["staging", "production"]),
            ("before-the-range", -48, &["production", "staging"]),
            ("judge", 5, &["langfuse-llm-as-a-judge"]),
        ];
        for (id, hour, environments) in sessions {
            let start = 1_793_491_200_000 + hour * 3_600_000;
            writer
                .execute(
                    "INSERT INTO sessions (id, start_time_ms, environment) VALUES (?1, ?2, ?3)",
                    params![id, start, environments[0]],
                )
                .unwrap();
            writer
                .execute(
                    "INSERT INTO session_agents (session_id, agent, start_time_ms)
                     VALUES (?1, 'matchmaker', ?2)",
                    params![id, start],
                )
                .unwrap();
            for environment in environments {
                writer
                    .execute(
                        "INSERT INTO session_environments VALUES (?1, ?2, ?3, ?4)",
                        params![environment, id, start, environments.len() > 1],
                    )
                    .unwrap();
            }
        }
        drop(writer);
        (directory, shared_schema::open_reader(&path).unwrap())
    }

    #[test]
    fn a_session_in_several_environments_is_read_under_each_of_them_once() {
        let (_directory, connection) = sessions_in_several_environments();
        let range = "from=2026-10-31T12:00:00Z&to=2026-11-02T00:00:00Z";
        let cases: [(&[&str], &[&str]); 6] = [
            (
                &["production"],
                &["production", "production-first", "staging-first"],
            ),
            (
                &["staging"],
                &["staging", "production-first", "staging-first"],
            ),
            (
                &["production", "staging"],
                &["production", "staging", "production-first", "staging-first"],
            ),
            (&["langfuse-llm-as-a-judge"], &["judge"]),
            (&["nowhere"], &[]),
            (&[], &[]),
        ];
        for (names, expected) in cases {
            let environments =
                Environments::new(names.iter().map(|name| name.to_string()).collect());
            let mut expected: Vec<String> = expected.iter().map(|id| id.to_string()).collect();
            expected.sort();
            let sorted = |mut ids: Vec<String>| {
                ids.sort();
                ids
            };
            for query in [
                format!("{range}&limit=50"),
                format!("{range}&limit=50&sort=cost"),
                format!("{range}&limit=50&agent=matchmaker"),
            ] {
                let request = SessionListRequest::parse(&query).unwrap();
                let listed = listed_both_ways(&connection, &request, &environments);
                let ids = listed.rows.iter().map(|(row, _)| row.id.clone()).collect();
                assert_eq!(sorted(ids), expected, "{names:?} {query}");
                assert_eq!(listed.total, expected.len() as i64, "{names:?} {query}");
            }
            let request = SessionListRequest::parse(range).unwrap();
            // Kept, and from SQL (an index that keeps no session).
            for index in [SessionIndex::default(), SessionIndex::with_max_sessions(0)] {
                let ids = session_values(&connection, &index, request.range, &environments)
                    .into_iter()
                    .map(|values| values.0)
                    .collect();
                assert_eq!(sorted(ids), expected, "{names:?} distributions");
            }
            let recent = recent_sessions_of_agent(
                &connection,
                "matchmaker",
                request.range,
                20,
                &environments,
            )
            .unwrap();
            let ids = recent.into_iter().map(|row| row.id).collect();
            assert_eq!(sorted(ids), expected, "{names:?} recent sessions");
        }
    }
}
