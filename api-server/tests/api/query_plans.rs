//! The query-plan guard: every SQL statement the api-server runs while a
//! test walks every endpoint (filters, sorts, pages, ragged ranges) is put
//! through `EXPLAIN QUERY PLAN`, and none may read `observations`, `scores`
//! or `sessions` without an index. Plans do not depend on timing, so this
//! cannot flake on a busy machine, yet it fails the day a query loses its
//! index.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use serde_json::Value;

use crate::helpers::{SyncedWorld, synced_world};

/// The tables a million-row database makes too large to read whole.
const WATCHED: [&str; 3] = ["observations", "scores", "sessions"];

/// Statements allowed to read a watched table without an index: a fragment
/// of the statement's text, and why.
const ALLOWED: &[(&str, &str)] = &[
    (
        "json_each(s.users)",
        "the session list's user filter: a user is matched inside each session's JSON \
         list of users, which no index holds (a `session_users` table would); with a \
         range the range index drives, all time it reads every session",
    ),
    (
        "FROM sessions AS every_session",
        "the session list's kept index: every session's sort values and environments, \
         read once per data version and kept, so that a page is chosen without reading \
         the range's sessions on each request",
    ),
    (
        "LIKE ?",
        "the session list's text search: a substring of the id or user, which no index \
         can find; with a range the range index drives, all time it reads every session",
    ),
];

const RAGGED_FROM: &str = "2026-11-16T09:17:00Z";
const RAGGED_TO: &str = "2026-11-19T13:45:00Z";
/// Longer than the data (six days), ragged at both ends.
const WIDE_FROM: &str = "2026-10-22T07:41:00Z";
const WIDE_TO: &str = "2026-11-20T11:03:00Z";

/// SQL split into identifiers/words and single punctuation characters,
/// string literals dropped.
fn tokens(sql: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(&next) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                word.push(next);
                chars.next();
            }
            tokens.push(word);
        } else if c == '\'' {
            for inner in chars.by_ref() {
                if inner == '\'' {
                    break;
                }
            }
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// The names a plan may give each watched table in `sql`: its own and every
/// alias (`FROM sessions AS s`, `JOIN scores sc`), lower-case.
fn watched_names(sql: &str) -> HashMap<String, &'static str> {
    const NOT_AN_ALIAS: [&str; 16] = [
        "where",
        "join",
        "left",
        "inner",
        "cross",
        "on",
        "group",
        "order",
        "limit",
        "union",
        "using",
        "indexed",
        "natural",
        "having",
        "except",
        "intersect",
    ];
    let tokens: Vec<String> = tokens(sql).iter().map(|t| t.to_lowercase()).collect();
    let mut names = HashMap::new();
    for (index, token) in tokens.iter().enumerate() {
        let Some(table) = WATCHED.iter().find(|table| *table == token) else {
            continue;
        };
        if index == 0 || !matches!(tokens[index - 1].as_str(), "from" | "join") {
            continue;
        }
        names.insert(token.clone(), *table);
        let alias = match tokens.get(index + 1).map(String::as_str) {
            Some("as") => tokens.get(index + 2),
            Some(next) if !NOT_AN_ALIAS.contains(&next) => tokens.get(index + 1),
            _ => None,
        };
        if let Some(alias) = alias.filter(|a| a.chars().all(|c| c.is_alphanumeric() || c == '_')) {
            names.insert(alias.clone(), *table);
        }
    }
    names
}

/// The steps of `sql`'s `EXPLAIN QUERY PLAN`, one detail line each.
fn plan_steps(connection: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    // Plans do not depend on the values bound (no STAT4): NULL for each.
    let nulls = std::iter::repeat_n(rusqlite::types::Null, statement.parameter_count());
    statement
        .query_map(rusqlite::params_from_iter(nulls), |row| row.get(3))?
        .collect()
}

/// The steps of `sql`'s plan that read a watched table without an index: a
/// `SCAN` of it not `USING` an index, or an automatic index built on it
/// (which reads it whole first).
fn unindexed_reads(connection: &Connection, sql: &str) -> rusqlite::Result<Vec<String>> {
    let names = watched_names(sql);
    Ok(plan_steps(connection, sql)?
        .into_iter()
        .filter(|detail| {
            let mut words = detail.split_whitespace();
            let (verb, target) = (words.next(), words.next());
            let reads_watched = target.is_some_and(|t| names.contains_key(&t.to_lowercase()));
            reads_watched
                && ((verb == Some("SCAN") && !detail.contains(" USING "))
                    || detail.contains("AUTOMATIC"))
        })
        .collect())
}

/// Every recorded query that reads a watched table without an index and is
/// not allowed, with its plan steps.
fn violations(connection: &Connection, statements: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for sql in statements {
        let first = tokens(sql).first().map(|t| t.to_uppercase());
        if !matches!(first.as_deref(), Some("SELECT" | "WITH")) {
            continue;
        }
        if ALLOWED.iter().any(|(fragment, _)| sql.contains(fragment)) {
            continue;
        }
        let steps = unindexed_reads(connection, sql)
            .unwrap_or_else(|error| panic!("EXPLAIN QUERY PLAN failed ({error}) for:\n{sql}"));
        if !steps.is_empty() {
            found.push(format!("{steps:?} in:\n{sql}"));
        }
    }
    found
}

/// A database with the real schema and no rows.
fn empty_database() -> (tempfile::TempDir, Connection) {
    let directory = tempfile::tempdir().unwrap();
    let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
    (directory, connection)
}

#[test]
fn the_checker_reports_reads_without_an_index_and_passes_indexed_ones() {
    let (_directory, connection) = empty_database();
    let cases: [(&str, bool); 9] = [
        ("SELECT count(*) FROM observations WHERE name = ?1", true),
        ("SELECT id FROM scores AS sc WHERE sc.comment = ?1", true),
        ("SELECT s.id FROM sessions s WHERE s.users LIKE '%x%'", true),
        (
            "SELECT o.id FROM traces AS t JOIN observations AS o ON o.name = t.name",
            true,
        ),
        ("SELECT id FROM observations WHERE trace_key = ?1", false),
        (
            "SELECT id FROM scores WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2",
            false,
        ),
        (
            "SELECT s.id FROM sessions AS s ORDER BY s.cost_nanousd DESC LIMIT 5",
            false,
        ),
        // Unwatched tables may be scanned.
        ("SELECT name FROM environments", false),
        ("SELECT t.id FROM traces AS t WHERE t.tags LIKE ?1", false),
    ];
    for (sql, reported) in cases {
        assert_eq!(
            !unindexed_reads(&connection, sql).unwrap().is_empty(),
            reported,
            "{sql}"
        );
    }
    let statements = vec![
        "SELECT count(*) FROM observations WHERE name = ?1".to_string(),
        "BEGIN DEFERRED".to_string(),
    ];
    assert_eq!(violations(&connection, &statements).len(), 1);
}

#[test]
fn aliases_of_watched_tables_are_found_and_other_words_are_not() {
    let names = watched_names(
        "SELECT 1 FROM sessions AS s JOIN scores sc ON sc.session_id = s.id
         LEFT JOIN observations WHERE 'FROM sessions x' = ''",
    );
    assert_eq!(names.get("s"), Some(&"sessions"));
    assert_eq!(names.get("sc"), Some(&"scores"));
    assert_eq!(names.get("observations"), Some(&"observations"));
    assert_eq!(names.get("where"), None);
    assert_eq!(names.get("x"), None, "words inside literals are no aliases");
}

/// GETs every path, each one answering 200.
async fn walk(world: &SyncedWorld, paths: &[String]) {
    for path in paths {
        let response = world.app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
    }
}

fn first_string(body: &Value, list: &str, field: &str) -> String {
    body[list][0][field]
        .as_str()
        .unwrap_or_else(|| panic!("no {list}[0].{field} in {body}"))
        .to_string()
}

/// The documented path templates, `{id}` and all.
async fn documented_paths(world: &SyncedWorld) -> BTreeSet<String> {
    let document = world.app.ok_json("/api/openapi.json").await;
    document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, operations)| operations.get("get").is_some())
        .map(|(path, _)| path.clone())
        .collect()
}

#[tokio::test]
async fn every_statement_of_every_endpoint_reads_its_tables_through_an_index() {
    let world = synced_world(6_000).await;
    let app = &world.app;
    let sessions = app.ok_json("/api/sessions?limit=2").await;
    let session = first_string(&sessions, "items", "id");
    let trace = app.ok_json(&format!("/api/sessions/{session}")).await["traces"][0]["id"]
        .as_str()
        .expect("the session has a trace")
        .to_string();
    let agents = app.ok_json("/api/agents").await;
    let agent = first_string(&agents, "items", "agent");
    let other_agent = agents["items"][1]["agent"].as_str().unwrap().to_string();
    let model = first_string(&app.ok_json("/api/models").await, "items", "model");
    let user = sessions["items"][0]["userId"]
        .as_str()
        .unwrap_or("u")
        .to_string();

    let ranges = [
        String::new(),
        format!("from={RAGGED_FROM}&to={RAGGED_TO}"),
        format!("from={WIDE_FROM}&to={WIDE_TO}"),
        // A day long: series of a point per hour.
        "from=2026-11-18T09:17:00Z&to=2026-11-19T09:17:00Z".to_string(),
        format!("from={RAGGED_FROM}"),
        format!("to={RAGGED_TO}"),
    ];
    let environments = [
        "",
        "environment=production",
        "environment=production,staging",
    ];
    let mut paths: Vec<String> = vec![
        "/health".into(),
        "/api/environments".into(),
        "/api/sync/status".into(),
        "/api/alerts".into(),
        format!("/api/sessions/{session}"),
        format!("/api/traces/{trace}"),
    ];
    for range in &ranges {
        for environment in environments {
            let query = [range.as_str(), environment]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            let with = |path: &str| format!("{path}?{query}");
            paths.extend([
                with("/api/overview"),
                with("/api/metrics/daily"),
                format!("{}&agent={agent}", with("/api/metrics/daily")),
                format!("{}&model={model}", with("/api/metrics/daily")),
                format!("{}&agent={agent}&model={model}", with("/api/metrics/daily")),
                with("/api/agents"),
                format!("{}&format=csv", with("/api/agents")),
                with(&format!("/api/agents/{agent}")),
                format!(
                    "{}&agents={agent},{other_agent}",
                    with("/api/compare/agents")
                ),
                with("/api/models"),
                format!("{}&format=csv", with("/api/models")),
                with("/api/models/daily"),
                with("/api/scores"),
                format!("{}&agent={agent}", with("/api/scores")),
                with("/api/outcomes"),
                with("/api/errors"),
                format!("{}&level=all&agent={agent}", with("/api/errors")),
                format!(
                    "{}&groupBy=message&sort=lastSeen&order=asc&limit=5&offset=5&q=e",
                    with("/api/errors")
                ),
                with("/api/distributions/sessions"),
                format!("{}&agent={agent}", with("/api/versions")),
                format!("{}&agent={agent}&by=prompt", with("/api/versions")),
                format!("{}&agent={agent}&by=version", with("/api/versions")),
                format!("{}&format=csv", with("/api/sessions")),
                format!("{}&agent={agent}&hasErrors=true", with("/api/sessions")),
                format!("{}&user={user}", with("/api/sessions")),
                format!("{}&q=s&hasErrors=false", with("/api/sessions")),
            ]);
            for sort in ["startTime", "cost", "tokens", "duration", "errors"] {
                for order in ["asc", "desc"] {
                    paths.push(format!(
                        "{}&sort={sort}&order={order}&limit=5",
                        with("/api/sessions")
                    ));
                }
            }
        }
    }
    walk(&world, &paths).await;
    // The second page of each sort: the cursor's own clause.
    for sort in ["startTime", "cost", "tokens", "duration", "errors"] {
        let query = format!("from={WIDE_FROM}&to={WIDE_TO}&sort={sort}&limit=3");
        let first = app.ok_json(&format!("/api/sessions?{query}")).await;
        let cursor = first["nextCursor"].as_str().expect("more than 3 sessions");
        walk(&world, &[format!("/api/sessions?{query}&cursor={cursor}")]).await;
    }

    // Every documented read endpoint was walked.
    let walked: BTreeSet<&str> = paths
        .iter()
        .map(|path| path.split('?').next().unwrap())
        .collect();
    for template in documented_paths(&world).await {
        let prefix = template.split('{').next().unwrap();
        assert!(
            walked.iter().any(|path| if template.contains('{') {
                path.starts_with(prefix) && path.len() > prefix.len()
            } else {
                *path == template
            }) || template == "/api/openapi.json",
            "{template} is documented but the guard does not walk it"
        );
    }

    let statements = world.statements.statements();
    assert!(
        statements.len() >= 20,
        "only {} statements recorded",
        statements.len()
    );
    let connection = shared_schema::open_reader(&app.database_path).unwrap();
    let found = violations(&connection, &statements);
    assert!(
        found.is_empty(),
        "{} statements read a large table without an index:\n{}",
        found.len(),
        found.join("\n\n")
    );
    assert_roll_ups_are_searched_through_covering_indexes(&connection, &statements);
    assert_no_statement_is_prepared_again_for_new_values(&app.database_path, &statements);
}

/// Every statement, run twice on a connection set up like the server's,
/// keeps its first preparation. SQLite prepares a statement again after a
/// new binding when its plan compared a parameter with a literal; without
/// the pool's settings some of these would be, on every request.
fn assert_no_statement_is_prepared_again_for_new_values(
    database: &std::path::Path,
    statements: &[String],
) {
    let connection = shared_schema::open_reader(database).unwrap();
    api_server::db::database::configure_reader(&connection);
    let mut prepared_again = Vec::new();
    for sql in statements
        .iter()
        .filter(|sql| sql.trim_start().starts_with("SELECT"))
    {
        let mut statement = connection.prepare(sql).unwrap();
        let parameters = statement.parameter_count();
        // 0 then 1: SQLite prepares some statements again only when a
        // value changes from or to 0 or 1.
        for value in [0, 1] {
            for index in 1..=parameters {
                statement.raw_bind_parameter(index, value).unwrap();
            }
            // These values may not suit every statement: a statement is
            // prepared again before it runs, so its outcome does not
            // matter here.
            let mut rows = statement.raw_query();
            while let Ok(Some(_)) = rows.next() {}
        }
        if statement.get_status(rusqlite::StatementStatus::RePrepare) > 0 {
            prepared_again.push(sql.clone());
        }
    }
    assert!(
        prepared_again.is_empty(),
        "{} statements are prepared again for new values:\n{}",
        prepared_again.len(),
        prepared_again.join("\n\n")
    );
}

/// The figure and score endpoints read the roll-ups, each statement by a
/// search of the table's key or agent index, never a scan (the tables are
/// not watched: they are small, but a scan of one would read every hour of
/// history). A search by agent (or model) must find its rows in an index
/// that covers the read: without, every row found is looked up again in
/// the table by its text key. The agents' packed score cells
/// (`*_agent_scores`) and the outcome sums (`outcome_sums`) are searched by
/// their time key like the rest. Each statement's plan is read once.
fn assert_roll_ups_are_searched_through_covering_indexes(
    connection: &Connection,
    statements: &[String],
) {
    let grains = ["ten_minute", "hourly", "six_hourly", "daily"];
    let roll_ups: BTreeSet<String> = grains
        .iter()
        .flat_map(|grain| {
            ["metrics", "scores", "score_values"].map(|figures| format!("{grain}_{figures}"))
        })
        .collect();
    let packed = grains.map(|grain| format!("{grain}_agent_scores"));
    let searched: BTreeSet<String> = roll_ups
        .iter()
        .cloned()
        .chain(packed)
        .chain(["outcome_sums".to_string()])
        .collect();
    let mut read = BTreeSet::new();
    let mut searched_by_agent = BTreeSet::new();
    for sql in statements
        .iter()
        .filter(|sql| sql.trim_start().starts_with("SELECT"))
    {
        let tokens = tokens(sql);
        let readers: Vec<&String> = searched
            .iter()
            .filter(|table| tokens.iter().any(|token| token == *table))
            .collect();
        if readers.is_empty() {
            continue;
        }
        let plan = plan_steps(connection, sql).unwrap();
        for table in readers {
            read.insert(table.clone());
            let search = format!("SEARCH {table} USING ");
            assert!(
                plan.iter()
                    .any(|step| step.starts_with(&format!("SEARCH {table} ")))
                    && !plan
                        .iter()
                        .any(|step| step.starts_with(&format!("SCAN {table}"))),
                "{table} is not searched by an index in {plan:?}:\n{sql}"
            );
            for step in plan.iter().filter(|step| step.starts_with(&search)) {
                assert!(
                    !step.starts_with(&format!("{search}INDEX ")),
                    "{table} is searched by an index that does not cover the read in {plan:?}:\n{sql}"
                );
                if step.contains(&format!("COVERING INDEX {table}_by_agent ")) {
                    searched_by_agent.insert(table.clone());
                }
            }
        }
    }
    assert_eq!(read, searched, "not every roll-up was read");
    // Else the walk asked for no agent's figures and the check proved nothing.
    assert_eq!(
        searched_by_agent, roll_ups,
        "not every roll-up was read for one agent"
    );
}
