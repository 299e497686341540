use std::path::Path;

use rusqlite::Connection;
use shared_schema::rows::{SyncMetadata, SyncState, Totals};
use shared_schema::{
    LATEST_VERSION, SchemaError, migrate, migrate_to, open_reader, open_writer, schema_version,
};

/// Everything that makes up a schema, in a stable order.
fn schema_of(connection: &Connection) -> Vec<(String, String, String)> {
    let mut statement = connection
        .prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_database_upgraded_from_every_earlier_version_equals_a_fresh_one() {
    let directory = tempfile::tempdir().unwrap();
    let fresh = open_writer(&directory.path().join("fresh.db")).unwrap();
    for start in 0..LATEST_VERSION {
        let path = directory.path().join(format!("from-{start}.db"));
        let mut old = Connection::open(&path).unwrap();
        migrate_to(&mut old, &path, start).unwrap();
        assert_eq!(schema_version(&old).unwrap(), start);
        drop(old);
        let upgraded = open_writer(&path).unwrap();
        assert_eq!(schema_version(&upgraded).unwrap(), LATEST_VERSION);
        assert_eq!(
            schema_of(&upgraded),
            schema_of(&fresh),
            "upgraded from version {start}"
        );
    }
}

/// Every column of every observation, in key order.
fn observation_rows(connection: &Connection) -> Vec<Vec<rusqlite::types::Value>> {
    let columns = columns_of(connection, "observations");
    rows_of(connection, "observations", &columns, "trace_id, id")
}

#[test]
fn observations_keep_every_column_when_rekeyed_under_their_trace() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut connection = Connection::open(&path).unwrap();
    // Version 14 keyed observations by id alone.
    migrate_to(&mut connection, &path, 14).unwrap();
    connection
        .execute_batch(
            "INSERT INTO observations (id, trace_id, parent_observation_id, session_id, type,
                 name, level, status_message, start_time_ms, end_time_ms, latency_ms, model,
                 input_tokens, output_tokens, total_tokens, usage_details, cost_nanousd,
                 environment, input, output, agent, synced_at_ms, updated_at_ms, release,
                 prompt_name, prompt_version)
             VALUES
                 ('o1', 't1', NULL, 's1', 'GENERATION', 'reply', 'DEFAULT', NULL, 1000, 1500,
                  500, 'gpt-4o', 10, 20, 30, '{\"input\":10}', 1234, 'production', 'hi',
                  'hello', 'cupid', 2000, 1900, 'v1', 'flirt', 3),
                 ('o2', 't1', 'o1', 's1', 'SPAN', NULL, 'ERROR', 'boom', 1100, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'cupid', 2000, NULL,
                  NULL, NULL, NULL),
                 ('o3', 't2', NULL, NULL, 'EVENT', 'tick', 'DEFAULT', NULL, 1200, NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, 'staging', NULL, NULL, 'unknown', 2000,
                  NULL, NULL, NULL, NULL);",
        )
        .unwrap();
    let before = observation_rows(&connection);

    // Version 15 rekeys them (a later one adds a column).
    migrate_to(&mut connection, &path, 15).unwrap();

    assert_eq!(observation_rows(&connection), before);
    // The key is now (trace_id, id): the same id may stand under another
    // trace, but not twice under one.
    let insert = |trace: &str| {
        connection.execute(
            "INSERT INTO observations (id, trace_id, type, start_time_ms, synced_at_ms)
             VALUES ('o1', ?1, 'SPAN', 1, 1)",
            [trace],
        )
    };
    assert!(insert("t1").is_err(), "a second o1 under t1");
    assert_eq!(insert("t9").unwrap(), 1);
}

#[test]
fn migrating_twice_changes_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut connection = open_writer(&path).unwrap();
    let before = schema_of(&connection);
    migrate(&mut connection, &path).unwrap();
    assert_eq!(schema_of(&connection), before);
    assert_eq!(schema_version(&connection).unwrap(), LATEST_VERSION);
}

#[test]
fn the_writer_runs_in_wal_mode_with_normal_sync() {
    let directory = tempfile::tempdir().unwrap();
    let connection = open_writer(&directory.path().join("nested/dir/cupid.db")).unwrap();
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let synchronous: i64 = connection
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(synchronous, 1, "synchronous=NORMAL");
}

#[test]
fn the_bundled_sqlite_is_past_the_wal_reset_bug() {
    // SQLite before 3.51.3 can corrupt a WAL database on reset.
    assert!(
        rusqlite::version_number() >= 3_051_003,
        "{}",
        rusqlite::version()
    );
}

#[test]
fn a_fresh_database_starts_idle() {
    let directory = tempfile::tempdir().unwrap();
    let connection = open_writer(&directory.path().join("cupid.db")).unwrap();
    let metadata = SyncMetadata::load(&connection).unwrap();
    assert_eq!(metadata.state, SyncState::Idle);
    assert_eq!(metadata.last_success_at_ms, None);
}

#[test]
fn a_write_through_the_reader_fails_and_stores_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let writer = open_writer(&path).unwrap();
    let reader = open_reader(&path).unwrap();
    let attempts = [
        "UPDATE sync_metadata SET state = 'error'",
        "INSERT INTO scores (id, name, data_type, timestamp_ms, synced_at_ms) VALUES ('x', 'n', 'NUMERIC', 0, 0)",
        "DELETE FROM sync_metadata",
        "CREATE TABLE intruder (x)",
        "PRAGMA user_version = 99",
    ];
    for statement in attempts {
        assert!(
            reader.execute_batch(statement).is_err(),
            "{statement} went through the reader"
        );
    }
    // query_only can be switched off by SQL, the read-only open flag cannot.
    reader.execute_batch("PRAGMA query_only = 0").unwrap();
    assert!(
        reader
            .execute_batch("UPDATE sync_metadata SET state = 'error'")
            .is_err()
    );
    assert_eq!(SyncMetadata::load(&writer).unwrap().state, SyncState::Idle);
    assert_eq!(schema_version(&writer).unwrap(), LATEST_VERSION);
}

#[test]
fn the_reader_explains_a_missing_database() {
    let directory = tempfile::tempdir().unwrap();
    let error = open_reader(&directory.path().join("absent.db")).unwrap_err();
    assert!(matches!(error, SchemaError::Missing { .. }));
    assert!(error.to_string().contains("does not exist yet"), "{error}");
}

#[test]
fn the_reader_refuses_a_database_at_another_schema_version() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("old.db");
    let mut old = Connection::open(&path).unwrap();
    migrate_to(&mut old, &path, 0).unwrap();
    let error = open_reader(&path).unwrap_err();
    assert!(
        matches!(error, SchemaError::WrongVersion { found: 0, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("start the sync daemon"),
        "{error}"
    );

    let newer = directory.path().join("newer.db");
    let connection = open_writer(&newer).unwrap();
    connection
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    drop(connection);
    let error = open_reader(&newer).unwrap_err();
    assert!(error.to_string().contains("newer"), "{error}");
    assert!(open_writer(Path::new(&newer)).is_err());
}

#[test]
fn the_totals_columns_are_those_of_both_tables_that_sum_figures() {
    let directory = tempfile::tempdir().unwrap();
    let connection = open_writer(&directory.path().join("cupid.db")).unwrap();
    for table in ["daily_metrics", "hourly_metrics", "agent_stats_cache"] {
        connection
            .prepare(&format!("SELECT {} FROM {table}", Totals::COLUMNS))
            .unwrap_or_else(|error| panic!("{table} lacks a Totals column: {error}"));
    }
}

#[test]
fn the_schedule_the_daemon_records_is_read_back() {
    let directory = tempfile::tempdir().unwrap();
    let connection = open_writer(&directory.path().join("cupid.db")).unwrap();
    let fresh = SyncMetadata::load(&connection).unwrap();
    assert_eq!(
        (fresh.quota_per_minute, fresh.sync_interval_secs),
        (None, None)
    );
    connection
        .execute(
            "UPDATE sync_metadata SET quota_per_minute = 1000, sync_interval_secs = 60",
            [],
        )
        .unwrap();
    let recorded = SyncMetadata::load(&connection).unwrap();
    assert_eq!(
        (recorded.quota_per_minute, recorded.sync_interval_secs),
        (Some(1000), Some(60))
    );
}

#[test]
fn the_checkpointer_connection_needs_an_existing_database_and_waits_out_locks() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    assert!(matches!(
        shared_schema::open_checkpointer(&path),
        Err(SchemaError::Missing { .. })
    ));
    let _writer = open_writer(&path).unwrap();
    let checkpointer = shared_schema::open_checkpointer(&path).unwrap();
    let busy_ms: i64 = checkpointer
        .query_row("PRAGMA busy_timeout", [], |row| row.get(0))
        .unwrap();
    assert_eq!(busy_ms, shared_schema::BUSY_TIMEOUT.as_millis() as i64);
    checkpointer
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .unwrap();
}

#[test]
fn an_upgrade_to_packed_agent_scores_packs_the_agents_score_rows_it_finds() {
    use shared_schema::agent_scores::{PACKED_ROLL_UPS, packed_rows_are_current, unpack_cells};
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut old = Connection::open(&path).unwrap();
    // The last released schema before the packed cells.
    migrate_to(&mut old, &path, 18).unwrap();
    old.execute_batch(
        "INSERT INTO daily_scores (day, environment, agent, name, data_type, category, scores,
             numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms)
         VALUES ('2026-12-01', 'production', 'judge', 'win', 'BOOLEAN', 'true', 3, 3, 3.0, 1.0, 1.0, 100),
                ('2026-12-01', 'production', 'judge', 'win', 'BOOLEAN', 'false', 1, 1, 0.0, 0.0, 0.0, 90),
                ('2026-12-01', 'production', 'judge', 'judge_notes', 'TEXT', '', 2, 0, 0.0, NULL, NULL, 80),
                ('2026-12-01', 'production', 'matchmaker', 'win', 'BOOLEAN', 'true', 1, 1, 1.0, 1.0, 1.0, 70),
                ('2026-12-01', 'production', '*', 'win', 'BOOLEAN', 'true', 4, 4, 4.0, 1.0, 1.0, 100),
                ('2026-12-01', 'staging', 'judge', 'win', 'BOOLEAN', 'true', 1, 1, 1.0, 1.0, 1.0, 60);",
    )
    .unwrap();
    drop(old);

    let upgraded = open_writer(&path).unwrap();

    for roll_up in PACKED_ROLL_UPS {
        assert!(
            packed_rows_are_current(&upgraded, roll_up).unwrap(),
            "{}",
            roll_up.packed
        );
    }
    let owners: Vec<(String, String)> = upgraded
        .prepare("SELECT environment, agent FROM daily_agent_scores ORDER BY 1, 2")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let owner = |environment: &str, agent: &str| (environment.to_string(), agent.to_string());
    assert_eq!(
        owners,
        [
            owner("production", "judge"),
            owner("production", "matchmaker"),
            owner("staging", "judge")
        ],
        "one row per environment and agent, none for every score ('*')"
    );
    let blob: Vec<u8> = upgraded
        .query_row(
            "SELECT cells FROM daily_agent_scores WHERE environment = 'production' AND agent = 'judge'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let mut cells = Vec::new();
    unpack_cells(&blob, |texts, totals| {
        cells.push((texts.map(str::to_string), totals.scores, totals.numeric_min))
    })
    .unwrap();
    let cell =
        |texts: [&str; 3], scores: i64, min: Option<f64>| (texts.map(str::to_string), scores, min);
    assert_eq!(
        cells,
        [
            cell(["judge_notes", "TEXT", ""], 2, None),
            cell(["win", "BOOLEAN", "false"], 1, Some(0.0)),
            cell(["win", "BOOLEAN", "true"], 3, Some(1.0)),
        ]
    );
}

#[test]
fn an_upgrade_to_normalised_messages_normalises_every_stored_error_and_warning() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut old = Connection::open(&path).unwrap();
    // The last released schema before the normalised messages.
    migrate_to(&mut old, &path, 19).unwrap();
    old.execute_batch(
        "INSERT INTO observations (id, trace_id, type, level, status_message, start_time_ms,
             synced_at_ms)
         VALUES ('o1', 't1', 'SPAN', 'ERROR', 'Profile 12345 not found', 1, 1),
                ('o2', 't1', 'SPAN', 'WARNING', NULL, 2, 1),
                ('o3', 't1', 'SPAN', 'DEFAULT', 'Profile 12345 not found', 3, 1),
                ('o4', 't2', 'SPAN', 'ERROR', 'trace 3f2a9c1e-0b7d-4e2a-9c3b-1a2b3c4d5e6f failed', 4, 1);",
    )
    .unwrap();
    drop(old);

    let upgraded = open_writer(&path).unwrap();

    let stored: Vec<(String, Option<String>)> = upgraded
        .prepare("SELECT id, normalised_message FROM observations ORDER BY id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |id: &str, message: Option<&str>| (id.to_string(), message.map(str::to_string));
    assert_eq!(
        stored,
        [
            row("o1", Some("Profile <n> not found")),
            row("o2", Some("")),
            row("o3", None),
            row("o4", Some("trace <id> failed")),
        ]
    );
}

#[test]
fn an_upgrade_to_listed_models_lists_each_agents_models_on_its_own_rows() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut old = Connection::open(&path).unwrap();
    // The last released schema before the lists.
    migrate_to(&mut old, &path, 20).unwrap();
    old.execute_batch(
        "INSERT INTO hourly_metrics (hour_ms, environment, agent, model, observations)
         VALUES (0, 'production', 'judge', '*', 4),
                (0, 'production', 'judge', 'gpt-4o', 1),
                (0, 'production', 'judge', 'claude-3', 2),
                (0, 'production', 'judge', '', 1),
                (0, 'production', 'tools', '*', 1),
                (0, 'production', 'tools', '', 1),
                (0, 'staging', 'judge', '*', 1),
                (0, 'staging', 'judge', 'o1', 1),
                (0, 'production', '*', '*', 5),
                (0, 'production', '*', 'gpt-4o', 1);",
    )
    .unwrap();
    drop(old);

    let upgraded = open_writer(&path).unwrap();

    let lists: Vec<(String, String, String, Option<String>)> = upgraded
        .prepare(
            "SELECT environment, agent, model, models FROM hourly_metrics
             ORDER BY environment, agent, model",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |environment: &str, agent: &str, model: &str, models: Option<&str>| {
        (
            environment.to_string(),
            agent.to_string(),
            model.to_string(),
            models.map(str::to_string),
        )
    };
    assert_eq!(
        lists,
        [
            row("production", "*", "*", None),
            row("production", "*", "gpt-4o", None),
            row("production", "judge", "", None),
            row("production", "judge", "*", Some(r#"["claude-3","gpt-4o"]"#)),
            row("production", "judge", "claude-3", None),
            row("production", "judge", "gpt-4o", None),
            row("production", "tools", "", None),
            row("production", "tools", "*", Some("[]")),
            row("staging", "judge", "*", Some(r#"["o1"]"#)),
            row("staging", "judge", "o1", None),
        ],
        "the agents' own rows list their models in order; no other row lists any"
    );
}

#[test]
fn an_upgrade_to_listed_agents_lists_each_models_agents_on_its_own_rows() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut old = Connection::open(&path).unwrap();
    // The last schema before the lists.
    migrate_to(&mut old, &path, 22).unwrap();
    old.execute_batch(
        "INSERT INTO daily_metrics (day, environment, agent, model, observations)
         VALUES ('2026-12-01', 'production', '*', '*', 9),
                ('2026-12-01', 'production', '*', 'gpt-4o', 3),
                ('2026-12-01', 'production', '*', '', 2),
                ('2026-12-01', 'production', 'tools', 'gpt-4o', 1),
                ('2026-12-01', 'production', 'judge', 'gpt-4o', 2),
                ('2026-12-01', 'production', 'judge', '*', 2),
                ('2026-12-01', 'production', 'judge', '', 2),
                ('2026-12-01', 'staging', '*', 'gpt-4o', 1),
                ('2026-12-01', 'staging', 'judge', 'gpt-4o', 1),
                ('2026-12-02', 'production', '*', 'o1', 1);",
    )
    .unwrap();
    drop(old);

    let upgraded = open_writer(&path).unwrap();

    let lists: Vec<(String, String, String, String, Option<String>)> = upgraded
        .prepare(
            "SELECT day, environment, agent, model, agents FROM daily_metrics
             ORDER BY day, environment, agent, model",
        )
        .unwrap()
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |day: &str, environment: &str, agent: &str, model: &str, agents: Option<&str>| {
        (
            day.to_string(),
            environment.to_string(),
            agent.to_string(),
            model.to_string(),
            agents.map(str::to_string),
        )
    };
    assert_eq!(
        lists,
        [
            row("2026-12-01", "production", "*", "", None),
            row("2026-12-01", "production", "*", "*", None),
            row(
                "2026-12-01",
                "production",
                "*",
                "gpt-4o",
                Some(r#"["judge","tools"]"#)
            ),
            row("2026-12-01", "production", "judge", "", None),
            row("2026-12-01", "production", "judge", "*", None),
            row("2026-12-01", "production", "judge", "gpt-4o", None),
            row("2026-12-01", "production", "tools", "gpt-4o", None),
            row("2026-12-01", "staging", "*", "gpt-4o", Some(r#"["judge"]"#)),
            row("2026-12-01", "staging", "judge", "gpt-4o", None),
            row("2026-12-02", "production", "*", "o1", Some("[]")),
        ],
        "the models' own rows list their agents in order; no other row lists any"
    );
}

/// Every row of `table`, in the named columns, ordered by `order`.
fn rows_of(
    connection: &Connection,
    table: &str,
    columns: &[String],
    order: &str,
) -> Vec<Vec<rusqlite::types::Value>> {
    let mut statement = connection
        .prepare(&format!(
            "SELECT {} FROM {table} ORDER BY {order}",
            columns.join(", ")
        ))
        .unwrap();
    statement
        .query_map([], |row| {
            (0..columns.len())
                .map(|i| row.get(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn columns_of(connection: &Connection, table: &str) -> Vec<String> {
    connection
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn an_upgrade_to_trace_keys_keys_each_trace_once_in_start_order_and_keeps_every_row() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let mut connection = Connection::open(&path).unwrap();
    // The last released schema keyed by the trace id's text.
    migrate_to(&mut connection, &path, 24).unwrap();
    connection
        .execute_batch(
            "INSERT INTO observations (id, trace_id, parent_observation_id, session_id, type,
                 name, level, status_message, start_time_ms, end_time_ms, model, cost_nanousd,
                 environment, input, agent, synced_at_ms, updated_at_ms, normalised_message)
             VALUES
                 ('o1', 't2', NULL, 's1', 'AGENT', 'host', 'DEFAULT', NULL, 5, 50, NULL, NULL,
                  'production', 'hi', 'host', 2000, 1900, NULL),
                 ('o2', 't1', NULL, 's1', 'GENERATION', 'reply', 'ERROR', 'boom 42', 10, 15,
                  'gpt-4o', 1234, 'production', NULL, 'judge', 2000, NULL, 'boom <n>'),
                 ('o3', 't2', 'o1', 's1', 'SPAN', NULL, 'DEFAULT', NULL, 20, NULL, NULL, NULL,
                  'production', NULL, 'host', 2000, NULL, NULL),
                 ('o1', 't1', NULL, NULL, 'EVENT', 'tick', 'DEFAULT', NULL, 12, NULL, NULL,
                  NULL, 'staging', NULL, 'judge', 2000, NULL, NULL);
             INSERT INTO traces (id, session_id, start_time_ms, observations, cost_nanousd, agents)
             VALUES ('t1', 's1', 10, 2, 1234, '[\"judge\"]'),
                    ('t2', 's1', 5, 2, 0, '[\"host\",\"judge\"]');
             INSERT INTO trace_agents (agent, trace_id, start_time_ms)
             VALUES ('judge', 't1', 10), ('host', 't2', 5), ('judge', 't2', 5);",
        )
        .unwrap();
    let observation_columns = columns_of(&connection, "observations");
    let trace_columns = columns_of(&connection, "traces");
    let observations_before = rows_of(
        &connection,
        "observations",
        &observation_columns,
        "trace_id, id",
    );
    let traces_before = rows_of(&connection, "traces", &trace_columns, "id");

    migrate_to(&mut connection, &path, 25).unwrap();

    let keys: Vec<(i64, String)> = connection
        .prepare("SELECT key, id FROM trace_keys ORDER BY key")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        keys,
        [(1, "t2".to_string()), (2, "t1".to_string())],
        "keys in start order"
    );
    assert_eq!(
        rows_of(
            &connection,
            "observations",
            &observation_columns,
            "trace_id, id"
        ),
        observations_before
    );
    assert_eq!(
        rows_of(&connection, "traces", &trace_columns, "id"),
        traces_before
    );
    let misplaced: i64 = connection
        .query_row(
            "SELECT (SELECT count(*) FROM observations AS o JOIN trace_keys AS k
                     ON k.id = o.trace_id AND k.key <> o.trace_key)
                  + (SELECT count(*) FROM traces AS t JOIN trace_keys AS k
                     ON k.id = t.id AND k.key <> t.key)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(misplaced, 0, "every row under its trace's key");
    let trace_agents: Vec<(String, String, i64)> = connection
        .prepare(
            "SELECT k.id, ta.agent, ta.start_time_ms FROM trace_agents AS ta
             JOIN trace_keys AS k ON k.key = ta.trace_key ORDER BY k.id, ta.agent",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        trace_agents,
        [
            ("t1".to_string(), "judge".to_string(), 10),
            ("t2".to_string(), "host".to_string(), 5),
            ("t2".to_string(), "judge".to_string(), 5),
        ]
    );
    // One id once under a trace's key, again under another trace's.
    let insert = |key: i64, trace: &str| {
        connection.execute(
            "INSERT INTO observations (id, trace_key, trace_id, type, start_time_ms, synced_at_ms)
             VALUES ('o2', ?1, ?2, 'SPAN', 1, 1)",
            rusqlite::params![key, trace],
        )
    };
    assert!(insert(2, "t1").is_err(), "a second o2 under t1's key");
    assert_eq!(insert(1, "t2").unwrap(), 1);
}
