//! Shared set-up: a Langfuse double, a daemon on a temp database, and the
//! comparison of what the daemon stored with the double's ground truth.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use langfuse_mock::{DatasetSpec, EnvironmentFilter, GroundTruth, MockConfig, MockHandle, Totals};
use rusqlite::Connection;
use shared_schema::histogram::LatencyHistogram;
use sync_daemon::configuration::{RetryPolicy, Settings};
use sync_daemon::startup::Application;
use tempfile::TempDir;

pub struct TestApp {
    pub app: Application,
    pub mock: MockHandle,
    pub database: PathBuf,
    pub directory: TempDir,
}

/// Data spread over 3 days, ending two hours ago, so a 5-day backfill sees
/// it all and traces the double adds "now" (which may span a while) do not
/// start in the future.
pub fn dataset(observations: usize, seed: u64) -> DatasetSpec {
    DatasetSpec {
        seed,
        observations,
        days: 3,
        end_ms: chrono::Utc::now().timestamp_millis() - 2 * 3_600_000,
        pending_share: 0.0,
    }
}

pub fn mock_config(observations: usize) -> MockConfig {
    MockConfig {
        dataset: dataset(observations, 11),
        ..MockConfig::default()
    }
}

/// The environment a daemon needs to sync from `mock` into `database`.
pub fn environment(
    mock: &MockHandle,
    database: &Path,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut pairs: BTreeMap<String, String> = [
        ("LANGFUSE_PUBLIC_KEY", "pk-lf-demo".to_string()),
        ("LANGFUSE_SECRET_KEY", "sk-lf-demo".to_string()),
        ("LANGFUSE_HOST", mock.base_url()),
        ("CUPID_DATABASE_PATH", database.display().to_string()),
        ("CUPID_CONTROL_PORT", "0".to_string()),
        ("CUPID_QUOTA_PER_MINUTE", "0".to_string()),
        ("CUPID_PAGE_SIZE", "100".to_string()),
        ("CUPID_BACKFILL_SINCE", "5d".to_string()),
        ("CUPID_REQUEST_TIMEOUT_SECS", "5".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (key, value) in extra {
        pairs.insert(key.to_string(), value.to_string());
    }
    pairs.into_iter().collect()
}

/// Retries quickly so that fault tests stay short.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(200),
        max_elapsed: Duration::from_secs(30),
        max_rate_limit_wait: Duration::from_secs(90),
    }
}

pub fn settings(mock: &MockHandle, database: &Path, extra: &[(&str, &str)]) -> Settings {
    let mut settings = Settings::load_from(None, environment(mock, database, extra))
        .expect("test settings are valid");
    settings.retry = fast_retry();
    settings
}

pub async fn spawn_app(config: MockConfig) -> TestApp {
    spawn_app_with(config, &[]).await
}

pub async fn spawn_app_with(config: MockConfig, extra: &[(&str, &str)]) -> TestApp {
    let mock = langfuse_mock::spawn(config)
        .await
        .expect("the double starts");
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("cupid.db");
    let app = Application::build(settings(&mock, &database, extra))
        .await
        .expect("the daemon builds");
    TestApp {
        app,
        mock,
        database,
        directory,
    }
}

pub fn reader(database: &Path) -> Connection {
    shared_schema::open_reader(database).expect("the daemon created the database")
}

fn totals_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<Totals> {
    let count = |i: usize| row.get::<_, i64>(i).map(|v| v as u64);
    Ok(Totals {
        observations: count(0)?,
        generations: count(1)?,
        errors: count(2)?,
        warnings: count(3)?,
        cost_nanousd: row.get(4)?,
        input_tokens: row.get(5)?,
        output_tokens: row.get(6)?,
        total_tokens: row.get(7)?,
        traces: count(8)?,
        sessions: count(9)?,
    })
}

/// Rows of `sql` (whose ?1 is the environments as a JSON array) keyed by
/// their 11th column.
fn keyed_totals(
    connection: &Connection,
    sql: &str,
    environments: &str,
) -> BTreeMap<String, Totals> {
    let mut statement = connection.prepare(sql).unwrap();
    statement
        .query_map([environments], |row| {
            Ok((row.get::<_, String>(10)?, totals_of(row)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const SUMS: &str = "SUM(observations), SUM(generations), SUM(errors), SUM(warnings), \
    SUM(cost_nanousd), SUM(input_tokens), SUM(output_tokens), SUM(total_tokens)";

/// Everything the dashboard reads, compared with the double's ground truth:
/// over all environments, all but Langfuse's internal ones, and each one
/// alone.
pub fn assert_matches_ground_truth(database: &Path, mock: &MockHandle) {
    let db = reader(database);
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let sessions_outside_their_environments: i64 = db
        .query_row(
            "SELECT count(*) FROM sessions AS s
             WHERE NOT EXISTS (SELECT 1 FROM session_environments AS se
                               WHERE se.session_id = s.id AND se.environment = s.environment)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(
        sessions_outside_their_environments, 0,
        "a session's environment is one of its environments: the api-server's \
         environment filters settle most sessions by it"
    );
    let everything = mock.ground_truth_for(&EnvironmentFilter::All);
    let mut views = vec![
        ("all environments".to_string(), EnvironmentFilter::All),
        (
            "all but internal".to_string(),
            EnvironmentFilter::AllButInternal,
        ),
    ];
    for name in everything.by_environment.keys() {
        views.push((name.clone(), EnvironmentFilter::only([name.as_str()])));
    }
    let stored: BTreeMap<String, u64> = db
        .prepare("SELECT name, observations FROM environments")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: BTreeMap<String, u64> = everything
        .by_environment
        .iter()
        .map(|(name, totals)| (name.clone(), totals.observations))
        .collect();
    assert_eq!(stored, expected, "environments table vs ground truth");
    assert_roll_ups_match_observations(&db);
    assert_score_roll_ups_match_scores(&db);
    for (view, filter) in views {
        let names: Vec<&String> = everything
            .by_environment
            .keys()
            .filter(|name| filter.includes(name))
            .collect();
        let environments = serde_json::to_string(&names).unwrap();
        assert_view_matches(&db, &mock.ground_truth_for(&filter), &environments, &view);
    }
}

fn assert_view_matches(db: &Connection, truth: &GroundTruth, environments: &str, view: &str) {
    const IN: &str = "environment IN (SELECT value FROM json_each(?1))";

    // Raw observations.
    let raw = db
        .query_row(
            &format!(
                "SELECT COUNT(*), COALESCE(SUM(type = 'GENERATION'), 0),
                 COALESCE(SUM(level = 'ERROR'), 0), COALESCE(SUM(level = 'WARNING'), 0),
                 COALESCE(SUM(cost_nanousd), 0), COALESCE(SUM(input_tokens), 0),
                 COALESCE(SUM(output_tokens), 0), COALESCE(SUM(total_tokens), 0),
                 COUNT(DISTINCT trace_id), COUNT(DISTINCT session_id)
             FROM observations WHERE {IN}"
            ),
            [environments],
            totals_of,
        )
        .unwrap();
    assert_eq!(
        raw, truth.overall,
        "{view}: observations table vs ground truth"
    );

    // Traces and sessions tables, row by row.
    let traces = keyed_totals(
        db,
        &format!(
            "SELECT observations, generations, errors, warnings, cost_nanousd, input_tokens,
                 output_tokens, total_tokens, 1, CASE WHEN session_id IS NULL THEN 0 ELSE 1 END, id
             FROM traces WHERE {IN}"
        ),
        environments,
    );
    assert_eq!(
        traces.len(),
        truth.by_trace.len(),
        "{view}: number of traces"
    );
    for (id, expected) in &truth.by_trace {
        assert_eq!(traces.get(id), Some(expected), "{view}: trace {id}");
    }
    let sessions = keyed_totals(
        db,
        &format!(
            "SELECT observations, generations, errors, warnings, cost_nanousd, input_tokens,
                 output_tokens, total_tokens, traces, 1, id FROM sessions AS s
             WHERE EXISTS (SELECT 1 FROM session_environments AS se
                           WHERE se.session_id = s.id AND se.{IN})"
        ),
        environments,
    );
    assert_eq!(
        sessions, truth.by_session,
        "{view}: sessions table vs ground truth"
    );

    // daily_metrics: the day totals; traces and sessions count on their
    // start day, so only their sums over all days are comparable.
    let days = keyed_totals(
        db,
        &format!(
            "SELECT {SUMS}, 0, 0, day FROM daily_metrics
             WHERE agent = '*' AND model = '*' AND {IN} GROUP BY day"
        ),
        environments,
    );
    let expected_days: BTreeMap<String, Totals> = truth
        .by_day
        .iter()
        .map(|(day, t)| {
            let mut t = t.clone();
            (t.traces, t.sessions) = (0, 0);
            (day.clone(), t)
        })
        .collect();
    assert_eq!(
        days, expected_days,
        "{view}: daily_metrics per day vs ground truth"
    );
    let (day_traces, day_sessions): (i64, i64) = db
        .query_row(
            &format!(
                "SELECT COALESCE(SUM(traces), 0), COALESCE(SUM(sessions), 0) FROM daily_metrics
                 WHERE agent = '*' AND model = '*' AND {IN}"
            ),
            [environments],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let (day_traces, day_sessions) = (day_traces as u64, day_sessions as u64);
    assert_eq!(
        (day_traces, day_sessions),
        (truth.overall.traces, truth.overall.sessions),
        "{view}: traces and sessions counted once each over the days"
    );

    // Per agent: the all-time cache.
    let agents = keyed_totals(
        db,
        &format!(
            "SELECT {SUMS}, SUM(traces), SUM(sessions), agent FROM agent_stats_cache
             WHERE {IN} GROUP BY agent"
        ),
        environments,
    );
    assert_eq!(
        agents, truth.by_agent,
        "{view}: agent_stats_cache vs ground truth"
    );

    // Per model: the daily roll-ups over all agents, summed over days.
    let models = keyed_totals(
        db,
        &format!(
            "SELECT {SUMS}, SUM(traces), SUM(sessions), model FROM daily_metrics
             WHERE agent = '*' AND model NOT IN ('*', '') AND {IN} GROUP BY model"
        ),
        environments,
    );
    assert_eq!(
        models, truth.by_model,
        "{view}: daily_metrics per model vs ground truth"
    );

    let scores: i64 = db
        .query_row(
            &format!("SELECT COUNT(*) FROM scores WHERE {IN}"),
            [environments],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(scores as u64, truth.scores, "{view}: scores");
}

/// Requests the double received on one path.
pub fn requests_to(mock: &MockHandle, path: &str) -> u64 {
    mock.stats().by_endpoint.get(path).copied().unwrap_or(0)
}

pub const V2: &str = "/api/public/v2/observations";
pub const SCORES: &str = "/api/public/v3/scores";

/// The 14 columns compared per roll-up row: its key (time, environment,
/// agent, model) and its figures in `Totals::COLUMNS` order.
const ROLL_UP_FIGURES: &str = "sessions, traces, observations, generations, errors, warnings, \
    cost_nanousd, input_tokens, output_tokens, total_tokens";

/// `ten_minute_metrics` as a GROUP BY over the raw observations would
/// compute it: each observation in its start slot under its (agent, model)
/// and the roll-ups '*', a trace in the slot of its earliest observation
/// for every pair among its observations, a session (that of the trace's
/// earliest observation carrying one) in the slot of its earliest
/// observation for every pair among its traces' observations.
fn slots_from_observations() -> String {
    format!("{EXPANDED_OBSERVATIONS},{SLOTS_FROM_EXPANDED}")
}

/// Each observation (with its trace's session) four times: under its
/// (agent, model) `a`, `m` and the roll-ups '*'.
const EXPANDED_OBSERVATIONS: &str = "
WITH o AS (
    SELECT o.trace_id, o.type, o.level, o.start_time_ms, o.end_time_ms, o.cost_nanousd,
           o.input_tokens, o.output_tokens, o.total_tokens, o.agent,
           coalesce(nullif(o.environment, ''), 'default') AS environment,
           coalesce(o.model, '') AS model,
           (SELECT s.session_id FROM observations AS s
            WHERE s.trace_key = o.trace_key AND s.session_id IS NOT NULL
            ORDER BY s.start_time_ms, s.id LIMIT 1) AS session_id
    FROM observations AS o
),
expanded AS (
    SELECT *, agent AS a, model AS m FROM o
    UNION ALL SELECT *, '*', model FROM o
    UNION ALL SELECT *, agent, '*' FROM o
    UNION ALL SELECT *, '*', '*' FROM o
)";

const SLOTS_FROM_EXPANDED: &str = "
trace_start AS (
    SELECT trace_id, min(start_time_ms) AS start_ms FROM observations GROUP BY trace_id
),
session_start AS (
    SELECT session_id, min(start_time_ms) AS start_ms FROM o
    WHERE session_id IS NOT NULL GROUP BY session_id
),
parts AS (
    SELECT start_time_ms / 600000 * 600000 AS start_ms, environment, a, m,
           0 AS sessions, 0 AS traces, count(*) AS observations,
           sum(type = 'GENERATION') AS generations, sum(level = 'ERROR') AS errors,
           sum(level = 'WARNING') AS warnings, sum(coalesce(cost_nanousd, 0)) AS cost,
           sum(coalesce(input_tokens, 0)) AS input, sum(coalesce(output_tokens, 0)) AS output,
           sum(coalesce(total_tokens, 0)) AS total
    FROM expanded GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT t.start_ms / 600000 * 600000, e.environment, e.a, e.m,
           0, count(DISTINCT e.trace_id), 0, 0, 0, 0, 0, 0, 0, 0
    FROM expanded AS e JOIN trace_start AS t ON t.trace_id = e.trace_id GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT s.start_ms / 600000 * 600000, e.environment, e.a, e.m,
           count(DISTINCT e.session_id), 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM expanded AS e JOIN session_start AS s ON s.session_id = e.session_id
    GROUP BY 1, 2, 3, 4
)
SELECT start_ms, environment, a, m, sum(sessions), sum(traces), sum(observations),
       sum(generations), sum(errors), sum(warnings), sum(cost), sum(input), sum(output),
       sum(total)
FROM parts GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";

/// Rows of `sql` as text, one string per row.
fn rows_as_text(db: &Connection, sql: &str) -> Vec<String> {
    let mut statement = db.prepare(sql).unwrap();
    let columns = statement.column_count();
    let mut rows = statement.query([]).unwrap();
    let mut texts = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        let values: Vec<String> = (0..columns)
            .map(|i| match row.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => (v as i64).to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        texts.push(values.join("|"));
    }
    texts
}

/// Latency histograms keyed by the first four columns of `sql`'s rows,
/// from a fifth column of latencies or of stored histogram blobs.
fn histograms(db: &Connection, sql: &str) -> BTreeMap<String, LatencyHistogram> {
    let mut statement = db.prepare(sql).unwrap();
    let mut rows = statement.query([]).unwrap();
    let mut by_key: BTreeMap<String, LatencyHistogram> = BTreeMap::new();
    while let Some(row) = rows.next().unwrap() {
        let key: Vec<String> = (0..4)
            .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
            .collect();
        let histogram = by_key.entry(key.join("|")).or_default();
        match row.get_ref(4).unwrap() {
            rusqlite::types::ValueRef::Integer(latency) => histogram.record(latency),
            rusqlite::types::ValueRef::Blob(blob) => {
                histogram.merge(&LatencyHistogram::from_blob(blob).unwrap())
            }
            _ => {}
        }
    }
    by_key.retain(|_, histogram| !histogram.is_empty());
    by_key
}

/// `ten_minute_metrics` equals a GROUP BY over the raw observations,
/// latency histograms included, and the slots of each hour, six-hour block
/// and day sum to its row.
pub fn assert_roll_ups_match_observations(db: &Connection) {
    let stored = rows_as_text(
        db,
        &format!(
            "SELECT start_ms, environment, agent, model, {ROLL_UP_FIGURES}
             FROM ten_minute_metrics ORDER BY 1, 2, 3, 4"
        ),
    );
    let expected = rows_as_text(db, &slots_from_observations());
    assert!(!expected.is_empty(), "observations were stored");
    assert_eq!(
        stored, expected,
        "ten_minute_metrics vs GROUP BY over observations"
    );
    let expected_latencies = histograms(
        db,
        &format!(
            "{EXPANDED_OBSERVATIONS}
             SELECT start_time_ms / 600000 * 600000, environment, a, m,
                 max(end_time_ms - start_time_ms, 0)
             FROM expanded WHERE type = 'GENERATION' AND end_time_ms IS NOT NULL"
        ),
    );
    let stored_latencies = histograms(
        db,
        "SELECT start_ms, environment, agent, model, latency_histogram FROM ten_minute_metrics",
    );
    assert_eq!(
        stored_latencies, expected_latencies,
        "ten_minute_metrics latency histograms vs the observations' latencies"
    );

    for coarser in &COARSER_GRAINS {
        assert_slots_sum_to_metrics(db, coarser);
    }
    assert_own_rows_list_their_models(db);
}

/// Each agent's own roll-up row (model '*') lists, as they are now, the
/// models of its (agent, model) rows, each model's own row (agent '*') the
/// agents of its rows, and no other row lists any: the daemon updates the
/// lists only where rows come or go.
fn assert_own_rows_list_their_models(db: &Connection) {
    // (list column, the own rows' condition, the column naming the own
    // row, the column listed, the listed rows' condition)
    let lists = [
        (
            "models",
            "model = '*' AND agent <> '*'",
            "agent",
            "model",
            "pair.model NOT IN ('*', '')",
        ),
        (
            "agents",
            "agent = '*' AND model NOT IN ('*', '')",
            "model",
            "agent",
            "pair.agent <> '*'",
        ),
    ];
    for (table, time) in [
        ("ten_minute_metrics", "start_ms"),
        ("hourly_metrics", "hour_ms"),
        ("six_hourly_metrics", "hour_ms"),
        ("daily_metrics", "day"),
    ] {
        for (list, own, named, listed, listed_rows) in lists {
            let stale = rows_as_text(
                db,
                &format!(
                    "SELECT own.{time}, own.environment, own.{named}, own.{list} FROM {table} AS own
                     WHERE CASE WHEN {own}
                         THEN {list} IS NOT (
                             SELECT json_group_array({listed} ORDER BY {listed})
                             FROM {table} AS pair
                             WHERE pair.{time} = own.{time} AND pair.environment = own.environment
                               AND pair.{named} = own.{named} AND {listed_rows})
                         ELSE {list} IS NOT NULL END"
                ),
            );
            assert!(
                stale.is_empty(),
                "{table} rows with a stale {list} list: {stale:?}"
            );
        }
    }
}

/// A roll-up coarser than ten minutes: the expression that maps a slot's
/// `start_ms` to its key, its tables' prefix and key column, and what one
/// row spans.
struct CoarserGrain {
    key_of_slot: &'static str,
    prefix: &'static str,
    key_column: &'static str,
    span: &'static str,
}

const COARSER_GRAINS: [CoarserGrain; 3] = [
    CoarserGrain {
        key_of_slot: "start_ms / 3600000 * 3600000",
        prefix: "hourly",
        key_column: "hour_ms",
        span: "hour",
    },
    CoarserGrain {
        key_of_slot: "start_ms / 21600000 * 21600000",
        prefix: "six_hourly",
        key_column: "hour_ms",
        span: "six-hour block",
    },
    CoarserGrain {
        key_of_slot: "strftime('%Y-%m-%d', start_ms / 1000, 'unixepoch')",
        prefix: "daily",
        key_column: "day",
        span: "day",
    },
];

/// The ten-minute metrics of each `coarser` row sum to it, latency sketches
/// merged.
fn assert_slots_sum_to_metrics(db: &Connection, coarser: &CoarserGrain) {
    let CoarserGrain {
        key_of_slot,
        prefix,
        key_column,
        span,
    } = coarser;
    let table = format!("{prefix}_metrics");
    let summed_slots = rows_as_text(
        db,
        &format!(
            "SELECT {key_of_slot}, environment, agent, model, {}
             FROM ten_minute_metrics GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            ROLL_UP_FIGURES
                .split(", ")
                .map(|column| format!("sum({column})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    let stored = rows_as_text(
        db,
        &format!(
            "SELECT {key_column}, environment, agent, model, {ROLL_UP_FIGURES} FROM {table}
             ORDER BY 1, 2, 3, 4"
        ),
    );
    assert_eq!(
        summed_slots, stored,
        "the slots of each {span} sum to {table}"
    );
    let merged_slots = histograms(
        db,
        &format!(
            "SELECT {key_of_slot}, environment, agent, model, latency_histogram
             FROM ten_minute_metrics"
        ),
    );
    let stored_histograms = histograms(
        db,
        &format!("SELECT {key_column}, environment, agent, model, latency_histogram FROM {table}"),
    );
    assert_eq!(
        merged_slots, stored_histograms,
        "the slots' latency histograms merge into their {span}'s"
    );
}

/// Every score once under '*' and once per agent it is attributed to (its
/// observation's agent, else its trace's agents, else its session's), with
/// its slot, category and the value averages use: the score roll-ups as a
/// GROUP BY over the raw scores would compute them.
const EXPANDED_SCORES: &str = "
WITH attributed AS (
    SELECT '*' AS agent, sc.* FROM scores AS sc
    UNION ALL
    SELECT o.agent, sc.* FROM scores AS sc JOIN observations AS o ON o.id = sc.observation_id
    UNION ALL
    SELECT ta.agent, sc.* FROM scores AS sc JOIN trace_keys AS k ON k.id = sc.trace_id
    JOIN trace_agents AS ta ON ta.trace_key = k.key
    WHERE sc.observation_id IS NULL
    UNION ALL
    SELECT sa.agent, sc.* FROM scores AS sc
    JOIN session_agents AS sa ON sa.session_id = sc.session_id
    WHERE sc.observation_id IS NULL AND sc.trace_id IS NULL
),
expanded AS (
    SELECT timestamp_ms / 600000 * 600000 AS start_ms, environment, agent, name, data_type,
           CASE
               WHEN data_type = 'BOOLEAN' AND value IS NOT NULL
                   THEN CASE WHEN value >= 0.5 THEN 'true' ELSE 'false' END
               WHEN data_type = 'BOOLEAN' AND string_value IS NOT NULL
                   THEN CASE WHEN lower(string_value) = 'true' THEN 'true' ELSE 'false' END
               WHEN data_type = 'CATEGORICAL' THEN coalesce(string_value, '')
               ELSE ''
           END AS category,
           CASE WHEN data_type IN ('NUMERIC', 'BOOLEAN') AND abs(value) < 9e999 THEN value END
               AS numeric,
           timestamp_ms
    FROM attributed
)";

/// `ten_minute_scores` and its numeric values equal a GROUP BY over the
/// raw scores and their attribution (sums to 1e-9), and the slots of each
/// coarser row sum to it.
pub fn assert_score_roll_ups_match_scores(db: &Connection) {
    let key = "start_ms, environment, agent, name, data_type, category";
    let stored = rows_as_text(
        db,
        &format!(
            "SELECT {key}, scores, numeric_count, printf('%.9f', numeric_sum),
                 quote(numeric_min), quote(numeric_max), latest_ms
             FROM ten_minute_scores ORDER BY 1, 2, 3, 4, 5, 6"
        ),
    );
    let expected = rows_as_text(
        db,
        &format!(
            "{EXPANDED_SCORES}
             SELECT {key}, count(*), count(numeric), printf('%.9f', total(numeric)),
                 quote(min(numeric)), quote(max(numeric)), max(timestamp_ms)
             FROM expanded GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        ),
    );
    let scores: i64 = db
        .query_row("SELECT count(*) FROM scores", [], |row| row.get(0))
        .unwrap();
    assert_eq!(scores > 0, !expected.is_empty(), "scores were tallied");
    assert_eq!(
        stored, expected,
        "ten_minute_scores vs GROUP BY over scores"
    );
    let stored_values = rows_as_text(
        db,
        "SELECT start_ms, environment, agent, name, quote(value), scores
         FROM ten_minute_score_values ORDER BY 1, 2, 3, 4, 5",
    );
    let expected_values = rows_as_text(
        db,
        &format!(
            "{EXPANDED_SCORES}
             SELECT start_ms, environment, agent, name, quote(numeric + 0.0), count(*)
             FROM expanded WHERE numeric IS NOT NULL
             GROUP BY start_ms, environment, agent, name, numeric + 0.0 ORDER BY 1, 2, 3, 4, 5"
        ),
    );
    assert_eq!(
        stored_values, expected_values,
        "ten_minute_score_values vs GROUP BY over scores"
    );
    for coarser in &COARSER_GRAINS {
        assert_slots_sum_to_scores(db, coarser);
    }
    for roll_up in shared_schema::agent_scores::PACKED_ROLL_UPS {
        assert!(
            shared_schema::agent_scores::packed_rows_are_current(db, roll_up).unwrap(),
            "{} holds every agent's cells of {} as they are",
            roll_up.packed,
            roll_up.scores
        );
    }
}

/// The ten-minute score tallies and value counts of each `coarser` row sum
/// to it.
fn assert_slots_sum_to_scores(db: &Connection, coarser: &CoarserGrain) {
    let CoarserGrain {
        key_of_slot,
        prefix,
        key_column,
        span,
    } = coarser;
    let summed_slots = rows_as_text(
        db,
        &format!(
            "SELECT {key_of_slot}, environment, agent, name, data_type, category, sum(scores),
                 sum(numeric_count), printf('%.9f', sum(numeric_sum)), quote(min(numeric_min)),
                 quote(max(numeric_max)), max(latest_ms)
             FROM ten_minute_scores GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        ),
    );
    let stored = rows_as_text(
        db,
        &format!(
            "SELECT {key_column}, environment, agent, name, data_type, category, scores,
                 numeric_count, printf('%.9f', numeric_sum), quote(numeric_min),
                 quote(numeric_max), latest_ms
             FROM {prefix}_scores ORDER BY 1, 2, 3, 4, 5, 6"
        ),
    );
    assert_eq!(
        summed_slots, stored,
        "the slots of each {span} sum to {prefix}_scores"
    );
    let summed_value_slots = rows_as_text(
        db,
        &format!(
            "SELECT {key_of_slot}, environment, agent, name, quote(value), sum(scores)
             FROM ten_minute_score_values GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        ),
    );
    let stored_values = rows_as_text(
        db,
        &format!(
            "SELECT {key_column}, environment, agent, name, quote(value), scores
             FROM {prefix}_score_values ORDER BY 1, 2, 3, 4, 5"
        ),
    );
    assert_eq!(
        summed_value_slots, stored_values,
        "the value slots of each {span} sum to {prefix}_score_values"
    );
}
