//! The page transaction, seen from outside: what a page stores, derives and
//! records, and that versions and environments come out right.

use std::collections::BTreeSet;

use rusqlite::Connection;
use shared_schema::histogram::{LatencyHistogram, exact_percentile, within_precision};
use shared_schema::rows::{CursorSource, SyncState};

use super::{CursorState, PageProgress, Store, Transition};
use crate::langfuse::client::CounterDelta;
use crate::sync::records::{ObservationRecord, ScoreRecord, TraceHeader, Usage, VersionTags};

const HOUR: i64 = 3_600_000;
const START: i64 = 1_793_491_200_000; // 2026-11-01T00:00:00Z

fn record(id: &str, parent: Option<&str>, kind: &str, name: &str) -> ObservationRecord {
    ObservationRecord {
        id: id.into(),
        trace_id: "trace-1".into(),
        parent_id: parent.map(Into::into),
        session_id: Some("game-1".into()),
        observation_type: kind.into(),
        name: Some(name.into()),
        level: "DEFAULT".into(),
        status_message: None,
        start_ms: START + HOUR,
        end_ms: Some(START + HOUR + 1_500),
        completion_start_ms: None,
        model: None,
        usage: Usage::default(),
        usage_details: None,
        cost_nanousd: None,
        cost_details: None,
        user_id: Some("player-1".into()),
        environment: None,
        trace_name: Some("turn".into()),
        trace_tags: None,
        metadata: None,
        input: None,
        output: None,
        agent_hint: None,
        updated_at_ms: None,
        version_tags: VersionTags::default(),
    }
}

fn generation(id: &str, parent: &str, cost: Option<i64>) -> ObservationRecord {
    ObservationRecord {
        model: Some("gpt-4o".into()),
        usage: Usage {
            input: Some(100),
            output: Some(10),
            total: Some(110),
        },
        cost_nanousd: cost,
        ..record(id, Some(parent), "GENERATION", "llm")
    }
}

fn progress(page: u32, requests: i64) -> PageProgress {
    PageProgress {
        source: CursorSource::Observations,
        cursor: CursorState {
            watermark_ms: None,
            window: Some((START, START + 24 * HOUR)),
            cursor: Some(format!("cursor-{page}")),
            page: Some(page),
        },
        counters: CounterDelta {
            requests_sent: requests,
            rate_limited: 0,
            rate_limited_until_ms: None,
        },
        now_ms: START + 2 * HOUR,
        project_id: None,
    }
}

/// Every row `sql` returns with `params`, each read by `read`.
fn all_rows<T>(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Vec<T> {
    connection
        .prepare(sql)
        .unwrap()
        .query_map(params, read)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(&directory.path().join("cupid.db")).unwrap();
    (directory, store)
}

fn agents(store: &Store) -> Vec<(String, i64, i64)> {
    all_rows(
        store.connection(),
        "SELECT agent, observations, generations FROM agent_stats_cache ORDER BY agent",
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
}

#[test]
fn a_parent_arriving_in_a_later_page_moves_its_children_to_its_agent() {
    let (_directory, mut store) = temp_store();
    store
        .apply_observations(
            vec![generation("llm-1", "root", Some(500))],
            &progress(1, 1),
        )
        .unwrap();
    assert_eq!(agents(&store), [("turn".to_string(), 1, 1)]);

    store
        .apply_observations(
            vec![record("root", None, "AGENT", "matchmaker")],
            &progress(2, 1),
        )
        .unwrap();

    assert_eq!(agents(&store), [("matchmaker".to_string(), 2, 1)]);
    let stale: i64 = store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM daily_metrics WHERE agent = 'turn'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stale, 0, "the old agent's daily rows are gone");
    let (sessions, traces, cost): (i64, i64, i64) = store
        .connection()
        .query_row(
            "SELECT sessions, traces, cost_nanousd FROM daily_metrics
             WHERE agent = 'matchmaker' AND model = 'gpt-4o'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((sessions, traces, cost), (1, 1, 500));
}

#[test]
fn an_updated_observation_replaces_its_old_contribution() {
    let (_directory, mut store) = temp_store();
    let root = record("root", None, "AGENT", "judge");
    let mut pending = generation("llm-1", "root", None);
    pending.end_ms = None;
    store
        .apply_observations(vec![root, pending], &progress(1, 1))
        .unwrap();
    store
        .apply_observations(
            vec![generation("llm-1", "root", Some(2_000))],
            &progress(2, 1),
        )
        .unwrap();

    let (observations, cost, histogram): (i64, i64, Vec<u8>) = store
        .connection()
        .query_row(
            "SELECT observations, cost_nanousd, latency_histogram FROM daily_metrics
             WHERE agent = '*' AND model = '*'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((observations, cost), (2, 2_000));
    let histogram = LatencyHistogram::from_blob(&histogram).unwrap();
    assert_eq!(
        histogram.count(),
        1,
        "one generation latency, recorded once"
    );
    let (trace_cost, session_cost): (i64, i64) = store
        .connection()
        .query_row(
            "SELECT t.cost_nanousd, s.cost_nanousd FROM traces t JOIN sessions s
             ON s.id = t.session_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((trace_cost, session_cost), (2_000, 2_000));
}

#[test]
fn errors_and_warnings_store_their_normalised_message_and_an_update_normalises_it_again() {
    let (_directory, mut store) = temp_store();
    let with = |id: &str, level: &str, message: Option<&str>| ObservationRecord {
        level: level.into(),
        status_message: message.map(Into::into),
        ..record(id, None, "SPAN", "tool")
    };
    store
        .apply_observations(
            vec![
                with("error", "ERROR", Some("Profile 12345 not found")),
                with("warning", "WARNING", None),
                with("default", "DEFAULT", Some("Profile 12345 not found")),
                with("becomes-default", "ERROR", Some("timeout after 30 s")),
            ],
            &progress(1, 1),
        )
        .unwrap();
    store
        .apply_observations(
            vec![
                with("becomes-default", "DEFAULT", Some("timeout after 30 s")),
                with("default", "ERROR", Some("Tool 77 failed")),
            ],
            &progress(2, 1),
        )
        .unwrap();

    let stored: Vec<(String, Option<String>)> = all_rows(
        store.connection(),
        "SELECT id, normalised_message FROM observations ORDER BY id",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    );
    let expected = [
        ("becomes-default", None),
        ("default", Some("Tool <n> failed")),
        ("error", Some("Profile <n> not found")),
        ("warning", Some("")),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(id, message)| (id.to_string(), message.map(str::to_string)))
        .collect();
    assert_eq!(stored, expected);
}

#[test]
fn of_two_versions_of_one_observation_the_newer_wins_in_any_order_and_page() {
    let version = |name: &str, cost: i64, updated: i64| ObservationRecord {
        name: Some(name.into()),
        updated_at_ms: Some(START + updated),
        ..generation("llm-1", "root", Some(cost))
    };
    let older = version("untitled", 100, 1);
    let newer = version("llm", 2_000, 2);
    let cases = [
        (
            "one page, older first",
            vec![vec![older.clone(), newer.clone()]],
        ),
        (
            "one page, newer first",
            vec![vec![newer.clone(), older.clone()]],
        ),
        (
            "across pages, older first",
            vec![vec![older.clone()], vec![newer.clone()]],
        ),
        (
            "across pages, newer first",
            vec![vec![newer.clone()], vec![older.clone()]],
        ),
    ];
    for (case, pages) in cases {
        let (_directory, mut store) = temp_store();
        store
            .apply_observations(
                vec![record("root", None, "AGENT", "judge")],
                &progress(1, 1),
            )
            .unwrap();
        for (number, page) in pages.into_iter().enumerate() {
            store
                .apply_observations(page, &progress(number as u32 + 2, 1))
                .unwrap();
        }
        let stored: (String, i64, i64) = store
            .connection()
            .query_row(
                "SELECT name, cost_nanousd, updated_at_ms FROM observations WHERE id = 'llm-1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(stored, ("llm".to_string(), 2_000, START + 2), "{case}");
        let derived: (i64, i64, i64) = store
            .connection()
            .query_row(
                "SELECT d.cost_nanousd, d.observations, t.cost_nanousd
                 FROM daily_metrics d, traces t WHERE d.agent = '*' AND d.model = '*'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            derived,
            (2_000, 2, 2_000),
            "{case}: derived rows count the winner once"
        );
    }
}

#[test]
fn an_older_score_version_never_replaces_a_newer_one() {
    let score = |value: f64, updated: i64| ScoreRecord {
        id: "s".into(),
        trace_id: Some("trace-1".into()),
        observation_id: None,
        session_id: None,
        name: "quality".into(),
        source: None,
        data_type: "NUMERIC".into(),
        value: Some(value),
        string_value: None,
        comment: None,
        timestamp_ms: START,
        environment: "default".into(),
        updated_at_ms: Some(START + updated),
    };
    for pages in [
        vec![vec![score(0.9, 2), score(0.1, 1)]],
        vec![vec![score(0.1, 1), score(0.9, 2)]],
        vec![vec![score(0.9, 2)], vec![score(0.1, 1)]],
    ] {
        let (_directory, mut store) = temp_store();
        for page in pages {
            store.apply_scores(page, &progress(1, 1)).unwrap();
        }
        let value: f64 = store
            .connection()
            .query_row("SELECT value FROM scores WHERE id = 's'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(value, 0.9);
    }
}

#[test]
fn an_upgraded_database_is_rebuilt_once_with_its_rows_in_the_default_environment() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    {
        let mut old = Connection::open(&path).unwrap();
        shared_schema::migrate_to(&mut old, &path, 1).unwrap();
        old.execute_batch(
            "INSERT INTO observations (id, trace_id, session_id, type, start_time_ms,
                 cost_nanousd, agent, synced_at_ms)
             VALUES ('o1', 't1', 's1', 'AGENT', 1793494800000, NULL, 'judge', 0),
                    ('o2', 't1', 's1', 'GENERATION', 1793494800500, 700, 'judge', 0);",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();

    assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), Some(1));
    assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), None);

    let day_total: (String, i64, i64, i64) = store
        .connection()
        .query_row(
            "SELECT environment, observations, sessions, cost_nanousd FROM daily_metrics
             WHERE agent = '*' AND model = '*'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(day_total, ("default".to_string(), 2, 1, 700));
    let environments: (String, i64) = store
        .connection()
        .query_row("SELECT name, observations FROM environments", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(environments, ("default".to_string(), 2));
}

#[test]
fn a_database_from_before_the_hourly_roll_up_fills_it_in_one_rebuild() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    {
        let mut old = Connection::open(&path).unwrap();
        shared_schema::migrate_to(&mut old, &path, 2).unwrap();
        // Two hours of one trace, as a daemon of schema 2 left them (its
        // own rebuild done).
        old.execute_batch(
            "INSERT INTO observations (id, trace_id, session_id, type, start_time_ms,
                 cost_nanousd, agent, environment, synced_at_ms)
             VALUES ('o1', 't1', 's1', 'AGENT', 1793494800000, NULL, 'judge', 'default', 0),
                    ('o2', 't1', 's1', 'GENERATION', 1793498400500, 700, 'judge', 'default', 0);
             UPDATE sync_metadata SET rebuild_derived = 0;",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();

    assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), Some(1));
    let hours: Vec<(i64, i64, i64, i64, i64)> = all_rows(
        store.connection(),
        "SELECT hour_ms, observations, traces, sessions, cost_nanousd FROM hourly_metrics
         WHERE agent = '*' AND model = '*' ORDER BY hour_ms",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    );
    assert_eq!(
        hours,
        [(START + HOUR, 1, 1, 1, 0), (START + 2 * HOUR, 1, 0, 0, 700)],
        "each observation in its hour, the trace and session in the first"
    );
}

/// The 10-byte `(u16 bucket, u64 count)` entries the released schema 3
/// stored (a bucket per 1/8 of a doubling), written here by hand.
fn schema_3_histogram(entries: &[(u16, u64)]) -> Vec<u8> {
    let mut blob = Vec::new();
    for (bucket, count) in entries {
        blob.extend_from_slice(&bucket.to_le_bytes());
        blob.extend_from_slice(&count.to_le_bytes());
    }
    blob
}

#[test]
fn a_database_of_coarse_histograms_is_rebuilt_into_sketches_within_one_percent() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("cupid.db");
    let latencies: Vec<i64> = (0..200).map(|i| 300 + i * i * 7).collect();
    {
        let mut old = Connection::open(&path).unwrap();
        // The last released schema before the sketches.
        shared_schema::migrate_to(&mut old, &path, 3).unwrap();
        let mut insert = old
            .prepare(
                "INSERT INTO observations (id, trace_id, session_id, type, start_time_ms,
                     end_time_ms, latency_ms, agent_hint, agent, environment, synced_at_ms)
                 VALUES (?1, 't1', 's1', 'GENERATION', ?2, ?3, ?4, 'judge', 'judge', 'default', 0)",
            )
            .unwrap();
        for (index, latency) in latencies.iter().enumerate() {
            let start = START + index as i64;
            insert
                .execute(rusqlite::params![
                    format!("o{index}"),
                    start,
                    start + latency,
                    latency
                ])
                .unwrap();
        }
        drop(insert);
        // What a schema-3 daemon had derived: old-format blobs everywhere.
        let coarse = schema_3_histogram(&[(66, 100), (120, 100)]);
        old.execute(
            "INSERT INTO daily_metrics (day, environment, agent, model, observations,
                 generations, latency_histogram)
             VALUES ('2026-11-01', 'default', '*', '*', 200, 200, ?1)",
            [&coarse],
        )
        .unwrap();
        old.execute(
            "INSERT INTO hourly_metrics (hour_ms, environment, agent, model, observations,
                 generations, latency_histogram)
             VALUES (?1, 'default', '*', '*', 200, 200, ?2)",
            rusqlite::params![START, coarse],
        )
        .unwrap();
        old.execute(
            "INSERT INTO agent_stats_cache (agent, environment, observations, latency_p50_ms,
                 latency_histogram)
             VALUES ('judge', 'default', 200, 8554, ?1)",
            [&coarse],
        )
        .unwrap();
        old.execute_batch("UPDATE sync_metadata SET rebuild_derived = 0")
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let undecodable: i64 = store
        .connection()
        .query_row(
            "SELECT (SELECT count(*) FROM daily_metrics WHERE latency_histogram IS NOT NULL)
                  + (SELECT count(*) FROM hourly_metrics WHERE latency_histogram IS NOT NULL)
                  + (SELECT count(*) FROM agent_stats_cache
                     WHERE latency_histogram IS NOT NULL OR latency_p50_ms IS NOT NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(undecodable, 0, "the migration drops every old-format blob");

    assert_eq!(store.rebuild_derived_if_asked(START).unwrap(), Some(1));

    let mut sorted = latencies.clone();
    sorted.sort_unstable();
    for (table, key_clause) in [
        ("daily_metrics", "agent = '*' AND model = '*'"),
        ("hourly_metrics", "agent = '*' AND model = '*'"),
        ("agent_stats_cache", "agent = 'judge'"),
    ] {
        let blob: Vec<u8> = store
            .connection()
            .query_row(
                &format!("SELECT latency_histogram FROM {table} WHERE {key_clause}"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        let sketch =
            LatencyHistogram::from_blob(&blob).unwrap_or_else(|error| panic!("{table}: {error}"));
        for quantile in [0.5, 0.95, 0.99] {
            let exact = exact_percentile(&sorted, quantile).unwrap();
            let estimate = sketch.percentile(quantile).unwrap();
            assert!(
                within_precision(estimate, exact),
                "{table} p{quantile}: {estimate} vs exact {exact}"
            );
        }
    }
    let stored_p95: i64 = store
        .connection()
        .query_row(
            "SELECT latency_p95_ms FROM agent_stats_cache WHERE agent = 'judge'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let exact_p95 = exact_percentile(&sorted, 0.95).unwrap();
    assert!(
        within_precision(stored_p95, exact_p95),
        "{stored_p95} vs {exact_p95}"
    );
}

#[test]
fn a_game_spanning_two_environments_counts_each_observation_in_its_own() {
    let (_directory, mut store) = temp_store();
    let mut root = record("root", None, "AGENT", "judge");
    root.environment = Some("production".into());
    let mut llm = generation("llm-1", "root", Some(900));
    llm.environment = Some("staging".into());
    llm.start_ms += 100;
    store
        .apply_observations(vec![root, llm], &progress(1, 1))
        .unwrap();

    let per_environment: Vec<(String, i64, i64, i64)> = all_rows(
        store.connection(),
        "SELECT environment, observations, sessions, cost_nanousd FROM daily_metrics
         WHERE agent = '*' AND model = '*' ORDER BY environment",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    );
    assert_eq!(
        per_environment,
        [
            ("production".to_string(), 1, 1, 0),
            ("staging".to_string(), 1, 1, 900)
        ]
    );
    let session: (String, i64) = store
        .connection()
        .query_row(
            "SELECT environment, (SELECT count(*) FROM session_environments) FROM sessions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(session, ("production".to_string(), 2));
}

#[test]
fn a_page_commits_its_cursor_counters_and_data_version_with_its_rows() {
    let (_directory, mut store) = temp_store();
    let before = store.metadata().unwrap();

    store
        .apply_observations(
            vec![record("root", None, "AGENT", "judge")],
            &progress(3, 2),
        )
        .unwrap();

    let cursor = store.load_cursor(CursorSource::Observations).unwrap();
    assert_eq!(cursor, progress(3, 2).cursor);
    let after = store.metadata().unwrap();
    assert_eq!(after.requests_sent, before.requests_sent + 2);
    assert_eq!(after.rows_written, before.rows_written + 1);
    assert_eq!(after.data_version, before.data_version + 1);
}

fn score(id: &str) -> ScoreRecord {
    ScoreRecord {
        id: id.into(),
        trace_id: Some("trace-1".into()),
        observation_id: None,
        session_id: None,
        name: "quality".into(),
        source: None,
        data_type: "NUMERIC".into(),
        value: Some(0.5),
        string_value: None,
        comment: None,
        timestamp_ms: START,
        environment: "default".into(),
        updated_at_ms: None,
    }
}

/// A numeric score of the generation `llm-1`.
fn llm_1_rating() -> ScoreRecord {
    ScoreRecord {
        observation_id: Some("llm-1".into()),
        name: "rating".into(),
        value: Some(4.0),
        ..score("rating")
    }
}

/// A categorical score of the session `game-1`.
fn game_1_outcome() -> ScoreRecord {
    ScoreRecord {
        trace_id: None,
        session_id: Some("game-1".into()),
        name: "outcome".into(),
        data_type: "CATEGORICAL".into(),
        value: None,
        string_value: Some("match".into()),
        ..score("outcome")
    }
}

fn trace_header(id: &str) -> TraceHeader {
    TraceHeader {
        id: id.into(),
        name: Some("turn".into()),
        session_id: Some("game-1".into()),
        user_id: None,
        tags: None,
        environment: None,
        timestamp_ms: START,
        release: None,
    }
}

/// One page of each kind, stored through the store's public entry point.
type PageKind = (
    &'static str,
    &'static str,
    fn(&mut Store, &PageProgress) -> anyhow::Result<()>,
);

const PAGE_KINDS: [PageKind; 3] = [
    ("observations", "observations", |store, progress| {
        store
            .apply_observations(vec![record("root", None, "AGENT", "judge")], progress)
            .map(drop)
    }),
    ("scores", "scores", |store, progress| {
        store.apply_scores(vec![score("s")], progress).map(drop)
    }),
    ("trace headers", "trace_headers", |store, progress| {
        store
            .apply_trace_headers(vec![trace_header("trace-1")], progress)
            .map(drop)
    }),
];

#[test]
fn a_page_that_fails_to_store_leaves_no_cursor_counter_or_row_behind() {
    for (kind, table, store_page) in PAGE_KINDS {
        let (_directory, mut store) = temp_store();
        let before = store.metadata().unwrap();
        // Fails the page's row write, after the transaction began.
        store
            .connection()
            .execute_batch(&format!(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.{table}
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ))
            .unwrap();

        let error = store_page(&mut store, &progress(3, 2)).unwrap_err();

        assert!(
            format!("{error:#}").contains("refused by the test"),
            "{kind}: {error:#}"
        );
        assert_eq!(
            store.load_cursor(CursorSource::Observations).unwrap(),
            CursorState::default(),
            "{kind}: no cursor"
        );
        assert_eq!(store.metadata().unwrap(), before, "{kind}: no counter");
        let rows: i64 = store
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0, "{kind}: no row");
    }
}

#[test]
fn only_pages_readers_see_bump_the_data_version_and_every_page_saves_its_cursor() {
    for ((kind, _, store_page), visible) in PAGE_KINDS.into_iter().zip([true, true, false]) {
        let (_directory, mut store) = temp_store();
        let before = store.metadata().unwrap();

        store_page(&mut store, &progress(3, 2)).unwrap();

        let after = store.metadata().unwrap();
        assert_eq!(
            store.load_cursor(CursorSource::Observations).unwrap(),
            progress(3, 2).cursor,
            "{kind}"
        );
        assert_eq!(after.requests_sent, before.requests_sent + 2, "{kind}");
        let (rows, versions) = if visible { (1, 1) } else { (0, 0) };
        assert_eq!(after.rows_written, before.rows_written + rows, "{kind}");
        assert_eq!(after.data_version, before.data_version + versions, "{kind}");
    }
}

#[test]
fn transitions_are_recorded_with_their_history() {
    let (_directory, mut store) = temp_store();
    let quiet = CounterDelta::default();
    store
        .transition(&Transition::Running, quiet, START)
        .unwrap();
    store
        .transition(
            &Transition::Error {
                message: "HTTP 401".into(),
                next_run_at_ms: Some(START + HOUR),
            },
            quiet,
            START + 10,
        )
        .unwrap();

    let metadata = store.metadata().unwrap();
    assert_eq!(metadata.state, SyncState::Error);
    assert_eq!(metadata.last_error.as_deref(), Some("HTTP 401"));
    assert_eq!(metadata.next_run_at_ms, Some(START + HOUR));
    assert_eq!(metadata.cycle_started_at_ms, Some(START));
    let history: Vec<(String, Option<String>)> = all_rows(
        store.connection(),
        "SELECT state, message FROM sync_runs ORDER BY id",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(
        history,
        [
            ("running".to_string(), None),
            ("error".to_string(), Some("HTTP 401".to_string()))
        ]
    );
}

/// `hourly_scores` as (hour, agent, name, category, scores, numeric sum),
/// after checking that each day's row sums its hours.
fn score_hours(store: &Store) -> Vec<(i64, String, String, String, i64, f64)> {
    let connection = store.connection();
    let rows =
        |sql: &str| -> Vec<String> { all_rows(connection, sql, [], |row| row.get::<_, String>(0)) };
    assert_eq!(
        rows(
            "SELECT strftime('%Y-%m-%d', hour_ms / 1000, 'unixepoch') || environment || agent
                 || name || data_type || category || sum(scores) || sum(numeric_count)
                 || sum(numeric_sum) || quote(min(numeric_min)) || quote(max(numeric_max))
                 || max(latest_ms)
             FROM hourly_scores
             GROUP BY strftime('%Y-%m-%d', hour_ms / 1000, 'unixepoch'), environment, agent,
                 name, data_type, category
             ORDER BY 1"
        ),
        rows(
            "SELECT day || environment || agent || name || data_type || category || scores
                 || numeric_count || numeric_sum || quote(numeric_min) || quote(numeric_max)
                 || latest_ms
             FROM daily_scores ORDER BY 1"
        ),
        "each day's score row sums its hours"
    );
    all_rows(
        connection,
        "SELECT hour_ms, agent, name, category, scores, numeric_sum FROM hourly_scores
         ORDER BY hour_ms, agent, name, category",
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )
}

#[test]
fn score_roll_ups_follow_late_attribution_new_versions_and_moved_hours() {
    let (_directory, mut store) = temp_store();
    let rating = ScoreRecord {
        updated_at_ms: Some(START),
        ..llm_1_rating()
    };
    let outcome = game_1_outcome();
    let row = |hour: i64, agent: &str, name: &str, category: &str, sum: f64| {
        (
            hour,
            agent.to_string(),
            name.to_string(),
            category.to_string(),
            1,
            sum,
        )
    };
    store
        .apply_scores(vec![rating.clone(), outcome], &progress(1, 1))
        .unwrap();
    assert_eq!(
        score_hours(&store),
        [
            row(START, "*", "outcome", "match", 0.0),
            row(START, "*", "rating", "", 4.0)
        ],
        "before their observations, scores count only among all scores"
    );

    // The observation and session arrive: the trace name is the agent.
    store
        .apply_observations(vec![generation("llm-1", "root", None)], &progress(2, 1))
        .unwrap();
    assert_eq!(
        score_hours(&store),
        [
            row(START, "*", "outcome", "match", 0.0),
            row(START, "*", "rating", "", 4.0),
            row(START, "turn", "outcome", "match", 0.0),
            row(START, "turn", "rating", "", 4.0),
        ]
    );

    // Its AGENT parent arrives later and takes the scores with it.
    store
        .apply_observations(
            vec![record("root", None, "AGENT", "matchmaker")],
            &progress(3, 1),
        )
        .unwrap();
    let attributed = [
        row(START, "*", "outcome", "match", 0.0),
        row(START, "*", "rating", "", 4.0),
        row(START, "matchmaker", "outcome", "match", 0.0),
        row(START, "matchmaker", "rating", "", 4.0),
    ];
    assert_eq!(score_hours(&store), attributed);

    // A newer version of the rating, three hours later, replaces it.
    store
        .apply_scores(
            vec![ScoreRecord {
                value: Some(2.0),
                timestamp_ms: START + 3 * HOUR,
                updated_at_ms: Some(START + 5),
                ..rating.clone()
            }],
            &progress(4, 1),
        )
        .unwrap();
    let moved = [
        row(START, "*", "outcome", "match", 0.0),
        row(START, "matchmaker", "outcome", "match", 0.0),
        row(START + 3 * HOUR, "*", "rating", "", 2.0),
        row(START + 3 * HOUR, "matchmaker", "rating", "", 2.0),
    ];
    assert_eq!(score_hours(&store), moved);
    // The older version, sent again, changes nothing.
    store.apply_scores(vec![rating], &progress(5, 1)).unwrap();
    assert_eq!(score_hours(&store), moved);
    let values: Vec<(i64, String, f64, i64)> = all_rows(
        store.connection(),
        "SELECT hour_ms, agent, value, scores FROM hourly_score_values ORDER BY 1, 2",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    );
    assert_eq!(
        values,
        [
            (START + 3 * HOUR, "*".to_string(), 2.0, 1),
            (START + 3 * HOUR, "matchmaker".to_string(), 2.0, 1)
        ]
    );

    let kept = score_roll_ups(&store);
    store.rebuild_derived(START).unwrap();
    assert_eq!(score_hours(&store), moved, "a full rebuild agrees");
    assert_eq!(
        score_roll_ups(&store),
        kept,
        "the rows kept page by page (changed rows only) are those a rebuild writes"
    );
}

/// Every row of the eight score roll-up tables, in key order.
fn score_roll_ups(store: &Store) -> Vec<String> {
    let mut rows = Vec::new();
    for grain in ["ten_minute", "hourly", "six_hourly", "daily"] {
        for table in [format!("{grain}_scores"), format!("{grain}_score_values")] {
            let mut statement = store
                .connection()
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5, 6"))
                .unwrap();
            let columns = statement.column_count();
            let mut result = statement.query([]).unwrap();
            while let Some(row) = result.next().unwrap() {
                let values: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                rows.push(format!("{table}: {}", values.join("|")));
            }
        }
    }
    assert!(!rows.is_empty());
    rows
}

#[test]
fn an_observation_keeps_its_release_version_and_prompt_and_a_legacy_one_its_traces_release() {
    let (_directory, mut store) = temp_store();
    let tagged = ObservationRecord {
        version_tags: VersionTags {
            release: Some("cupid@1.8.1".into()),
            version: Some("2.4.0".into()),
            prompt_name: Some("matchmaker-opening".into()),
            prompt_version: Some(3),
        },
        ..generation("llm-1", "root", Some(500))
    };
    store
        .apply_observations(vec![tagged], &progress(1, 1))
        .unwrap();
    let mut legacy_progress = progress(2, 1);
    legacy_progress.source = CursorSource::LegacyTraces;
    store
        .apply_trace_headers(
            vec![TraceHeader {
                release: Some("cupid@1.7.2".into()),
                ..trace_header("trace-2")
            }],
            &legacy_progress,
        )
        .unwrap();
    let mut legacy_progress = progress(3, 1);
    legacy_progress.source = CursorSource::LegacyObservations;
    let legacy = ObservationRecord {
        trace_id: "trace-2".into(),
        ..record("legacy-1", None, "GENERATION", "llm")
    };
    store
        .apply_observations(vec![legacy], &legacy_progress)
        .unwrap();

    let stored = |id: &str| -> (Option<String>, Option<String>, Option<String>, Option<i64>) {
        store
            .connection()
            .query_row(
                "SELECT release, version, prompt_name, prompt_version FROM observations
                 WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    };
    assert_eq!(
        stored("llm-1"),
        (
            Some("cupid@1.8.1".into()),
            Some("2.4.0".into()),
            Some("matchmaker-opening".into()),
            Some(3)
        )
    );
    assert_eq!(
        stored("legacy-1"),
        (Some("cupid@1.7.2".into()), None, None, None)
    );
}

#[test]
fn score_roll_ups_write_nothing_for_a_page_they_already_hold_and_only_what_a_change_moves() {
    use super::score_rollup::{ScoreSlots, refresh};
    let (_directory, mut store) = temp_store();
    let rating = llm_1_rating();
    store
        .apply_observations(vec![generation("llm-1", "root", None)], &progress(1, 1))
        .unwrap();
    store
        .apply_scores(vec![rating.clone()], &progress(2, 1))
        .unwrap();
    let before = score_roll_ups(&store);

    let transaction = rusqlite::Transaction::new_unchecked(
        store.connection(),
        rusqlite::TransactionBehavior::Immediate,
    )
    .unwrap();
    let slots = ScoreSlots::of_score_page(&transaction, std::slice::from_ref(&rating)).unwrap();
    assert_eq!(refresh(&transaction, &slots).unwrap(), 0, "the page again");

    transaction
        .execute("UPDATE scores SET value = 5.0 WHERE id = 'rating'", [])
        .unwrap();
    // Per grain (ten minutes, hour, six hours, day), for `*` and `turn`:
    // the score row updated, the value 5 inserted, the value 4's count
    // taken to zero and its row deleted.
    assert_eq!(refresh(&transaction, &slots).unwrap(), 4 * 2 * 4);
    drop(transaction);
    assert_eq!(score_roll_ups(&store), before, "rolled back");
}

/// The hourly outcome sums (session start's hour, environment, name,
/// category, sessions, cost), after checking that every span holds the
/// same totals.
fn hourly_outcome_sums(store: &Store) -> Vec<(i64, String, String, String, i64, i64)> {
    let spans: Vec<(i64, i64, i64)> = all_rows(
        store.connection(),
        "SELECT span_ms, sum(sessions), sum(cost_nanousd) FROM outcome_sums
         GROUP BY span_ms ORDER BY span_ms",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    assert!(
        spans.is_empty()
            || (spans.len() == 4 && spans.iter().all(|s| (s.1, s.2) == (spans[0].1, spans[0].2))),
        "every span sums the same rows: {spans:?}"
    );
    all_rows(
        store.connection(),
        "SELECT start_ms, environment, name, category, sessions, cost_nanousd
         FROM outcome_sums WHERE span_ms = ?1 ORDER BY 1, 2, 3, 4",
        [HOUR],
        |r| r.try_into(),
    )
}

#[test]
fn outcome_sums_hold_a_sessions_single_row_names_and_follow_its_environments_start_and_cost() {
    let (_directory, mut store) = temp_store();
    let mut root = record("root", None, "AGENT", "judge");
    root.environment = Some("production".into());
    let mut llm = generation("llm-1", "root", Some(900));
    llm.environment = Some("production".into());
    store
        .apply_observations(vec![root.clone(), llm], &progress(1, 1))
        .unwrap();
    let outcome = |id: &str, name: &str, category: &str, environment: &str, at: i64| ScoreRecord {
        trace_id: None,
        session_id: Some("game-1".into()),
        name: name.into(),
        data_type: "CATEGORICAL".into(),
        value: None,
        string_value: Some(category.into()),
        environment: environment.into(),
        timestamp_ms: at,
        ..score(id)
    };
    let sum = |name: &str, category: &str, cost: i64| {
        (
            START + HOUR,
            "production".to_string(),
            name.to_string(),
            category.to_string(),
            1,
            cost,
        )
    };

    // One row of its name, in the session's environment: summed.
    store
        .apply_scores(
            vec![outcome("win-1", "win", "yes", "production", START)],
            &progress(2, 1),
        )
        .unwrap();
    assert_eq!(hourly_outcome_sums(&store), [sum("win", "yes", 900)]);

    // A second environment's row of the same name: the name is read raw,
    // another name of the session stays summed.
    store
        .apply_scores(
            vec![
                outcome("win-2", "win", "no", "staging", START + 1),
                outcome("match-1", "match_outcome", "match", "production", START),
            ],
            &progress(3, 1),
        )
        .unwrap();
    assert_eq!(
        hourly_outcome_sums(&store),
        [sum("match_outcome", "match", 900)]
    );

    // The session's cost grows, and an earlier observation moves its start
    // into the hour before: the sum follows both.
    let mut early = generation("llm-0", "root", Some(100));
    early.environment = Some("production".into());
    early.start_ms = START + HOUR - 1;
    store
        .apply_observations(vec![early], &progress(4, 1))
        .unwrap();
    let mut moved = sum("match_outcome", "match", 1_000);
    moved.0 = START;
    assert_eq!(hourly_outcome_sums(&store), [moved]);

    // The session reaches a second environment: nothing of it is summed.
    let mut staged = generation("llm-2", "root", Some(50));
    staged.environment = Some("staging".into());
    store
        .apply_observations(vec![staged], &progress(5, 1))
        .unwrap();
    assert_eq!(hourly_outcome_sums(&store), []);
    let flagged: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM session_outcomes WHERE rolled_up = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(flagged, 0);
}

#[test]
fn a_cycle_of_pages_runs_no_more_distinct_statements_than_the_writer_keeps_prepared() {
    let (_directory, mut store) = temp_store();
    let statements = record_statements(&mut store);
    let failed = ObservationRecord {
        level: "ERROR".into(),
        status_message: Some("timeout after 30 s".into()),
        ..generation("llm-2", "root", Some(2_000))
    };
    let rating = llm_1_rating();
    let outcome = game_1_outcome();
    let later = llm_1_moved_three_hours_on();

    // What an incremental cycle stores: a page of observations, the scores
    // on them, and a later page that moves and updates one of them.
    store
        .apply_observations(
            vec![generation("llm-1", "root", Some(1_000)), failed],
            &progress(1, 1),
        )
        .unwrap();
    store
        .apply_observations(
            vec![record("root", None, "AGENT", "judge")],
            &progress(2, 1),
        )
        .unwrap();
    store
        .apply_scores(vec![rating, outcome], &progress(3, 1))
        .unwrap();
    store
        .apply_observations(vec![later], &progress(4, 1))
        .unwrap();

    let distinct = statements.lock().unwrap().len();
    assert!(
        distinct <= super::STATEMENT_CACHE_CAPACITY,
        "the pages ran {distinct} distinct statements; the writer keeps {} prepared, so \
         some are evicted and prepared again on every page",
        super::STATEMENT_CACHE_CAPACITY
    );
}

/// A newer version of `llm-1` that starts three hours later.
fn llm_1_moved_three_hours_on() -> ObservationRecord {
    ObservationRecord {
        start_ms: START + 3 * HOUR,
        end_ms: Some(START + 3 * HOUR + 800),
        updated_at_ms: Some(START + 3 * HOUR),
        ..generation("llm-1", "root", Some(1_000))
    }
}

/// The distinct SQL the store's writer runs from now on, as it runs it.
fn record_statements(store: &mut Store) -> std::sync::Arc<std::sync::Mutex<BTreeSet<String>>> {
    use rusqlite::trace::{TraceEvent, TraceEventCodes};
    use std::sync::{Arc, Mutex};

    let statements = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = Arc::clone(&statements);
    store
        .connection
        .trace_v2(
            TraceEventCodes::SQLITE_TRACE_STMT,
            Some(move |event: TraceEvent<'_>| {
                if let TraceEvent::Stmt(statement, _) = event {
                    seen.lock().unwrap().insert(statement.sql().into_owned());
                }
            }),
        )
        .unwrap();
    statements
}

#[test]
fn an_observation_page_reads_scores_and_outcomes_only_once_a_score_is_stored() {
    let (_directory, mut store) = temp_store();
    let statements = record_statements(&mut store);
    let reads_scores_or_outcomes = |statements: &BTreeSet<String>| -> Vec<String> {
        statements
            .iter()
            .filter(|sql| sql.contains("scores") || sql.contains("session_outcomes"))
            .filter(|sql| !sql.contains("SELECT EXISTS (SELECT 1 FROM scores)"))
            .cloned()
            .collect()
    };

    store
        .apply_observations(
            vec![
                generation("llm-1", "root", Some(1_000)),
                record("root", None, "AGENT", "judge"),
            ],
            &progress(1, 1),
        )
        .unwrap();
    let before_any_score = reads_scores_or_outcomes(&statements.lock().unwrap());
    assert!(
        before_any_score.is_empty(),
        "with no score stored, a page of observations still ran {before_any_score:#?}"
    );

    store
        .apply_scores(vec![llm_1_rating(), game_1_outcome()], &progress(2, 1))
        .unwrap();
    statements.lock().unwrap().clear();
    store
        .apply_observations(vec![llm_1_moved_three_hours_on()], &progress(3, 1))
        .unwrap();
    let after_a_score = reads_scores_or_outcomes(&statements.lock().unwrap());
    assert!(
        after_a_score
            .iter()
            .any(|sql| sql.contains("FROM scores WHERE trace_id"))
            && after_a_score
                .iter()
                .any(|sql| sql.contains("session_outcomes")),
        "once scores are stored, a page that moves an observation must re-attribute them \
         and recompute its session's outcomes; it ran {after_a_score:#?}"
    );
}

fn of_trace(trace_id: &str, record: ObservationRecord) -> ObservationRecord {
    ObservationRecord {
        trace_id: trace_id.into(),
        ..record
    }
}

/// A trace id, its key, and the keys its observations, its `traces` row and
/// its `trace_agents` rows are stored under.
type TraceKeys = (String, i64, Vec<i64>, i64, Vec<i64>);

/// Every trace id stored, in key order, with the keys its rows name.
fn trace_keys_everywhere(store: &Store) -> Vec<TraceKeys> {
    let connection = store.connection();
    let keys: Vec<(String, i64)> = all_rows(
        connection,
        "SELECT id, key FROM trace_keys ORDER BY key",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    );
    keys.into_iter()
        .map(|(id, key)| {
            let listed =
                |sql: &str| -> Vec<i64> { all_rows(connection, sql, [&id], |row| row.get(0)) };
            let observations =
                listed("SELECT DISTINCT trace_key FROM observations WHERE trace_id = ?1");
            let trace: i64 = connection
                .query_row("SELECT key FROM traces WHERE id = ?1", [&id], |row| {
                    row.get(0)
                })
                .unwrap();
            let agents = listed(
                "SELECT DISTINCT ta.trace_key FROM trace_agents AS ta
                 JOIN traces AS t ON t.key = ta.trace_key WHERE t.id = ?1",
            );
            (id, key, observations, trace, agents)
        })
        .collect()
}

#[test]
fn each_trace_keeps_the_key_it_was_first_stored_under_across_pages_and_a_full_rebuild() {
    let (_directory, mut store) = temp_store();
    store
        .apply_observations(
            vec![
                of_trace("trace-b", record("b-root", None, "AGENT", "matchmaker")),
                of_trace("trace-a", record("a-root", None, "AGENT", "judge")),
                of_trace("trace-b", generation("b-llm", "b-root", Some(100))),
            ],
            &progress(1, 1),
        )
        .unwrap();
    // A later page: a new observation of a stored trace, and a new trace.
    store
        .apply_observations(
            vec![
                of_trace("trace-c", record("c-root", None, "AGENT", "host")),
                of_trace("trace-a", generation("a-llm", "a-root", Some(200))),
            ],
            &progress(2, 1),
        )
        .unwrap();
    let expected = |id: &str, key: i64| (id.to_string(), key, vec![key], key, vec![key]);
    let in_arrival_order = vec![
        expected("trace-b", 1),
        expected("trace-a", 2),
        expected("trace-c", 3),
    ];
    assert_eq!(trace_keys_everywhere(&store), in_arrival_order);
    let trace_a_observations: i64 = store
        .connection()
        .query_row("SELECT observations FROM traces WHERE key = 2", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(
        trace_a_observations, 2,
        "both pages' observations of trace-a"
    );

    store.rebuild_derived(START + 3 * HOUR).unwrap();

    assert_eq!(trace_keys_everywhere(&store), in_arrival_order);
}

#[test]
fn a_score_of_an_observation_outside_its_traces_session_is_among_both_sessions_latest() {
    let (_directory, mut store) = temp_store();
    // The trace belongs to game-1 (its earliest observation's session); a
    // later observation of it carries game-2, a session of another trace.
    let elsewhere = ObservationRecord {
        session_id: Some("game-2".into()),
        start_ms: START + HOUR + 10,
        ..generation("llm-1", "root", Some(100))
    };
    let game_2 = ObservationRecord {
        session_id: Some("game-2".into()),
        ..of_trace("trace-2", record("root-2", None, "AGENT", "judge"))
    };
    store
        .apply_observations(
            vec![record("root", None, "AGENT", "judge"), elsewhere, game_2],
            &progress(1, 1),
        )
        .unwrap();

    store
        .apply_scores(vec![llm_1_rating()], &progress(2, 1))
        .unwrap();

    let latest: Vec<(String, String)> = all_rows(
        store.connection(),
        "SELECT session_id, name FROM session_latest_scores ORDER BY session_id",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    );
    assert_eq!(
        latest,
        [
            ("game-1".to_string(), "rating".to_string()),
            ("game-2".to_string(), "rating".to_string()),
        ],
        "the trace's session and the observation's own"
    );
}

/// `turn`'s all-time row in `agent_stats_cache`: observations, generations,
/// models and latency sketch.
type AgentStats = (i64, i64, String, Option<Vec<u8>>);

fn turn_stats(store: &Store) -> AgentStats {
    store
        .connection()
        .query_row(
            "SELECT observations, generations, models, latency_histogram FROM agent_stats_cache
             WHERE agent = 'turn' AND environment = 'default'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap()
}

/// The same figures merged from all of `turn`'s daily rows.
fn turn_stats_from_days(store: &Store) -> AgentStats {
    let connection = store.connection();
    let (observations, generations) = connection
        .query_row(
            "SELECT sum(observations), sum(generations) FROM daily_metrics
             WHERE agent = 'turn' AND model = '*' AND environment = 'default'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let models: Vec<String> = all_rows(
        connection,
        "SELECT DISTINCT model FROM daily_metrics
         WHERE agent = 'turn' AND environment = 'default' AND model NOT IN ('*', '')
         ORDER BY model",
        [],
        |row| row.get(0),
    );
    let mut sketch = LatencyHistogram::new();
    let blobs: Vec<Vec<u8>> = all_rows(
        connection,
        "SELECT latency_histogram FROM daily_metrics
         WHERE agent = 'turn' AND model = '*' AND environment = 'default'
           AND latency_histogram IS NOT NULL",
        [],
        |row| row.get(0),
    );
    for blob in blobs {
        sketch.merge_blob(&blob).unwrap();
    }
    (
        observations,
        generations,
        serde_json::to_string(&models).unwrap(),
        (!sketch.is_empty()).then(|| sketch.to_blob()),
    )
}

/// A generation of `turn` (its trace's name) on the given day, own trace.
fn turn_generation(id: &str, day: i64, model: Option<&str>, latency_ms: i64) -> ObservationRecord {
    let start_ms = START + day * 24 * HOUR + HOUR;
    ObservationRecord {
        model: model.map(Into::into),
        start_ms,
        end_ms: Some(start_ms + latency_ms),
        ..of_trace(&format!("trace-{id}"), generation(id, "none", None))
    }
}

#[test]
fn an_agents_all_time_figures_equal_its_days_merged_after_every_page() {
    // (what the page brings, the models `turn` has after it)
    let pages: [(Vec<ObservationRecord>, &str); 5] = [
        (
            vec![turn_generation("a", 0, Some("gpt-4o"), 900)],
            r#"["gpt-4o"]"#,
        ),
        // A second day and a model new to the agent.
        (
            vec![turn_generation("b", 1, Some("claude"), 2_400)],
            r#"["claude","gpt-4o"]"#,
        ),
        // More of a model it has: the list stays.
        (
            vec![turn_generation("c", 1, Some("gpt-4o"), 300)],
            r#"["claude","gpt-4o"]"#,
        ),
        // Its one claude generation moves to a model it has: claude's row
        // goes, and no model comes.
        (
            vec![turn_generation("b", 1, Some("gpt-4o"), 2_400)],
            r#"["gpt-4o"]"#,
        ),
        // A latency changes on an older day.
        (
            vec![turn_generation("a", 0, Some("gpt-4o"), 5_000)],
            r#"["gpt-4o"]"#,
        ),
    ];
    let (_directory, mut store) = temp_store();
    for (page, (records, models)) in pages.into_iter().enumerate() {
        store
            .apply_observations(records, &progress(page as u32 + 1, 1))
            .unwrap();
        let stats = turn_stats(&store);
        assert_eq!(
            stats,
            turn_stats_from_days(&store),
            "after page {}",
            page + 1
        );
        assert_eq!(stats.2, models, "after page {}", page + 1);
    }
}

#[test]
fn a_page_adds_to_an_agents_stored_all_time_figures_without_reading_its_older_days() {
    let (_directory, mut store) = temp_store();
    store
        .apply_observations(
            vec![turn_generation("a", 0, Some("gpt-4o"), 900)],
            &progress(1, 1),
        )
        .unwrap();
    // Marks the first day's row: read again, it would show in the total.
    store
        .connection()
        .execute(
            "UPDATE daily_metrics SET observations = observations + 1000
             WHERE agent = 'turn' AND model = '*'",
            [],
        )
        .unwrap();

    store
        .apply_observations(
            vec![turn_generation("b", 1, Some("gpt-4o"), 900)],
            &progress(2, 1),
        )
        .unwrap();

    assert_eq!(turn_stats(&store).0, 2, "the stored 1 plus the page's 1");
}
