//! The schema's history. Append-only: a released migration is never edited,
//! a change is a new entry at the end. `PRAGMA user_version` records how many
//! have been applied.
//!
//! Conventions used by every column (see ARCHITECTURE.md):
//! - times are INTEGER milliseconds since the Unix epoch, UTC, suffix `_ms`;
//!   calendar days are TEXT `YYYY-MM-DD` in UTC;
//! - money is INTEGER nano-dollars (1 USD = 1_000_000_000), suffix `_nanousd`,
//!   so that sums are exact; NULL means "unknown", never zero;
//! - tokens are INTEGER counts; NULL means "unknown".

/// Each entry is one migration; its index + 1 is the `user_version` it leaves.
pub const MIGRATIONS: &[&str] = &[
    // 1: the base schema.
    r#"
CREATE TABLE sync_metadata (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    state                   TEXT NOT NULL DEFAULT 'idle'
                            CHECK (state IN ('idle', 'running', 'success', 'error', 'rate_limited')),
    api_mode                TEXT CHECK (api_mode IN ('v2', 'legacy')),
    cycle_started_at_ms     INTEGER,
    cycle_finished_at_ms    INTEGER,
    last_success_at_ms      INTEGER,
    last_error              TEXT,
    last_error_at_ms        INTEGER,
    rate_limited_until_ms   INTEGER,
    next_run_at_ms          INTEGER,
    requests_sent           INTEGER NOT NULL DEFAULT 0,
    rate_limited_responses  INTEGER NOT NULL DEFAULT 0,
    rows_written            INTEGER NOT NULL DEFAULT 0,
    cycle_requests_sent     INTEGER NOT NULL DEFAULT 0,
    cycle_rows_written      INTEGER NOT NULL DEFAULT 0,
    backfill_from_ms        INTEGER,
    -- The daemon's schedule, recorded at start so readers can judge
    -- freshness and quota use; NULL: not recorded yet; quota 0: unlimited.
    quota_per_minute        INTEGER,
    sync_interval_secs      INTEGER,
    data_version            INTEGER NOT NULL DEFAULT 0,
    updated_at_ms           INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_metadata (id) VALUES (1);

-- One row per state transition: the history behind sync_metadata.
CREATE TABLE sync_runs (
    id                      INTEGER PRIMARY KEY,
    at_ms                   INTEGER NOT NULL,
    state                   TEXT NOT NULL
                            CHECK (state IN ('idle', 'running', 'success', 'error', 'rate_limited')),
    requests_sent           INTEGER NOT NULL DEFAULT 0,
    rate_limited_responses  INTEGER NOT NULL DEFAULT 0,
    rows_written            INTEGER NOT NULL DEFAULT 0,
    message                 TEXT
);
CREATE INDEX sync_runs_by_time ON sync_runs (at_ms);

-- Where each source's incremental sync stands. The window and cursor are
-- committed with the rows of the page they belong to, so a restart resumes.
CREATE TABLE sync_cursors (
    source                  TEXT PRIMARY KEY,
    watermark_ms            INTEGER,
    window_from_ms          INTEGER,
    window_to_ms            INTEGER,
    cursor                  TEXT,
    page                    INTEGER,
    updated_at_ms           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE observations (
    id                      TEXT PRIMARY KEY,
    trace_id                TEXT NOT NULL,
    parent_observation_id   TEXT,
    session_id              TEXT,
    type                    TEXT NOT NULL,
    name                    TEXT,
    level                   TEXT NOT NULL DEFAULT 'DEFAULT',
    status_message          TEXT,
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    completion_start_time_ms INTEGER,
    latency_ms              INTEGER,
    model                   TEXT,
    input_tokens            INTEGER,
    output_tokens           INTEGER,
    total_tokens            INTEGER,
    usage_details           TEXT,
    cost_nanousd            INTEGER,
    cost_details            TEXT,
    user_id                 TEXT,
    environment             TEXT,
    trace_name              TEXT,
    trace_tags              TEXT,
    metadata                TEXT,
    input                   TEXT,
    output                  TEXT,
    agent_hint              TEXT,
    agent                   TEXT NOT NULL DEFAULT 'unknown',
    synced_at_ms            INTEGER NOT NULL
);
CREATE INDEX observations_by_trace ON observations (trace_id, start_time_ms);
CREATE INDEX observations_by_session ON observations (session_id, start_time_ms)
    WHERE session_id IS NOT NULL;
CREATE INDEX observations_by_start ON observations
    (start_time_ms, type, level, agent, model, latency_ms, cost_nanousd,
     input_tokens, output_tokens, total_tokens);
-- By agent: the daemon's refresh of agent_stats_cache reads each touched
-- agent's first and last start time (MIN/MAX) from it on every page; without
-- it a 1M backfill measured 13,786 instead of 16,418 observations/s.
CREATE INDEX observations_by_agent ON observations (agent, start_time_ms);
CREATE INDEX observations_by_model ON observations (model, start_time_ms)
    WHERE model IS NOT NULL;
CREATE INDEX observations_problems ON observations (level, start_time_ms)
    WHERE level IN ('ERROR', 'WARNING');

CREATE TABLE scores (
    id                      TEXT PRIMARY KEY,
    trace_id                TEXT,
    observation_id          TEXT,
    session_id              TEXT,
    name                    TEXT NOT NULL,
    source                  TEXT,
    data_type               TEXT NOT NULL,
    value                   REAL,
    string_value            TEXT,
    comment                 TEXT,
    timestamp_ms            INTEGER NOT NULL,
    synced_at_ms            INTEGER NOT NULL
);
CREATE INDEX scores_by_trace ON scores (trace_id);
CREATE INDEX scores_by_session ON scores (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX scores_by_name ON scores (name, timestamp_ms);
CREATE INDEX scores_by_time ON scores (timestamp_ms);
CREATE INDEX scores_by_observation ON scores (observation_id) WHERE observation_id IS NOT NULL;

-- Derived: one row per trace (a trace is the set of observations sharing a trace_id).
CREATE TABLE traces (
    id                      TEXT PRIMARY KEY,
    name                    TEXT,
    session_id              TEXT,
    user_id                 TEXT,
    tags                    TEXT NOT NULL DEFAULT '[]',
    environment             TEXT,
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    latency_ms              INTEGER,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    agents                  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX traces_by_start ON traces (start_time_ms);
CREATE INDEX traces_by_session ON traces (session_id, start_time_ms) WHERE session_id IS NOT NULL;

-- Derived: which agents took part in which trace, at the trace's start time.
CREATE TABLE trace_agents (
    agent                   TEXT NOT NULL,
    trace_id                TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (agent, trace_id)
) WITHOUT ROWID;
CREATE INDEX trace_agents_by_start ON trace_agents (agent, start_time_ms);
CREATE INDEX trace_agents_by_trace ON trace_agents (trace_id);

-- Derived: one row per game session (observations sharing a session_id).
CREATE TABLE sessions (
    id                      TEXT PRIMARY KEY,
    user_id                 TEXT,
    users                   TEXT NOT NULL DEFAULT '[]',
    agents                  TEXT NOT NULL DEFAULT '[]',
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    duration_ms             INTEGER,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    first_error_observation_id TEXT
);
CREATE INDEX sessions_by_start ON sessions (start_time_ms, id);
CREATE INDEX sessions_by_cost ON sessions (cost_nanousd, id);
CREATE INDEX sessions_by_tokens ON sessions (total_tokens, id);
CREATE INDEX sessions_by_duration ON sessions (duration_ms, id);
CREATE INDEX sessions_by_errors ON sessions (errors, id);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Derived: which agents took part in which session, at the session's start time.
CREATE TABLE session_agents (
    agent                   TEXT NOT NULL,
    session_id              TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (agent, session_id)
) WITHOUT ROWID;
CREATE INDEX session_agents_by_start ON session_agents (agent, start_time_ms);
CREATE INDEX session_agents_by_session ON session_agents (session_id);

-- Derived: all-time figures per agent. Latency percentiles are of the
-- agent's GENERATION observations.
CREATE TABLE agent_stats_cache (
    agent                   TEXT PRIMARY KEY,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    error_rate              REAL NOT NULL DEFAULT 0,
    latency_p50_ms          INTEGER,
    latency_p95_ms          INTEGER,
    latency_p99_ms          INTEGER,
    models                  TEXT NOT NULL DEFAULT '[]',
    first_seen_ms           INTEGER,
    last_seen_ms            INTEGER,
    updated_at_ms           INTEGER NOT NULL DEFAULT 0
);

-- Derived: per UTC day and (agent, model). '*' in agent or model is the
-- roll-up over that dimension, so ('*', '*') is the day's total; '' is "no
-- model". Observations count by start time; sessions and traces count on
-- the day they start, for the agents and models that appear in them.
-- latency_histogram holds the GENERATION latencies (see histogram.rs).
CREATE TABLE daily_metrics (
    day                     TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    latency_histogram       BLOB,
    PRIMARY KEY (day, agent, model)
) WITHOUT ROWID;
CREATE INDEX daily_metrics_by_agent ON daily_metrics (agent, model, day);
CREATE INDEX daily_metrics_by_model ON daily_metrics (model, agent, day);

-- Sync-daemon bookkeeping (not for readers): per session, how many of its
-- traces involve each (agent, model) pair, roll-ups ('*') included, so that
-- daily_metrics.sessions can be maintained by deltas.
CREATE TABLE session_pairs (
    session_id              TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    traces                  INTEGER NOT NULL,
    PRIMARY KEY (session_id, agent, model)
) WITHOUT ROWID;

-- Legacy mode only (self-hosted Langfuse v3): the trace attributes that v1
-- observations lack (name, session, user, tags), read from /api/public/traces.
CREATE TABLE trace_headers (
    id                      TEXT PRIMARY KEY,
    name                    TEXT,
    session_id              TEXT,
    user_id                 TEXT,
    tags                    TEXT,
    environment             TEXT,
    timestamp_ms            INTEGER NOT NULL
);
"#,
    // 2: Langfuse as it really is: row versions (a row never replaces a
    // newer one), score environments, and how the daemon chose its
    // endpoints and page size. Derived tables that carry the environment
    // are appended below by the environments work.
    r#"
ALTER TABLE observations ADD COLUMN updated_at_ms INTEGER;
ALTER TABLE scores ADD COLUMN environment TEXT;
ALTER TABLE scores ADD COLUMN updated_at_ms INTEGER;
-- Why the daemon reads the endpoints it reads ("v2 answered", "v2 answered
-- 404 and the legacy endpoints 200", ...), shown in /api/sync/status.
ALTER TABLE sync_metadata ADD COLUMN api_mode_reason TEXT;
-- Which scores endpoint answered: v3 (cursor) or v2 (page-based, self-hosted
-- Langfuse older than scores v3). NULL: not probed yet.
ALTER TABLE sync_metadata ADD COLUMN scores_mode TEXT CHECK (scores_mode IN ('v3', 'v2'));
-- The page size in use: halved after repeated timeouts or 5xx, grown back
-- after good pages. NULL: the configured size.
ALTER TABLE sync_metadata ADD COLUMN page_size INTEGER;

-- Environments. Every stored row carries the Langfuse environment it came
-- from; a row that came without one is in Langfuse's 'default'. Langfuse's
-- internal environments ('langfuse-...', its evaluators and experiments)
-- are stored like any other; readers leave them out unless asked.
UPDATE observations SET environment = 'default' WHERE environment IS NULL OR environment = '';
UPDATE traces SET environment = 'default' WHERE environment IS NULL OR environment = '';
UPDATE scores SET environment = COALESCE(
        (SELECT t.environment FROM traces AS t WHERE t.id = scores.trace_id),
        (SELECT t.environment FROM traces AS t WHERE t.session_id = scores.session_id
         ORDER BY t.start_time_ms LIMIT 1),
        'default')
    WHERE environment IS NULL OR environment = '';
-- Edge-of-range figures are read from raw observations by start time; the
-- covering index carries the environment so that filtering by it stays
-- inside the index.
DROP INDEX observations_by_start;
CREATE INDEX observations_by_start ON observations
    (start_time_ms, type, level, agent, model, latency_ms, cost_nanousd,
     input_tokens, output_tokens, total_tokens, environment);
-- The daemon reads each touched (agent, environment)'s first and last
-- start time on every page.
DROP INDEX observations_by_agent;
CREATE INDEX observations_by_agent ON observations (agent, environment, start_time_ms);
CREATE INDEX scores_by_environment ON scores (environment, timestamp_ms);

-- A session's environment: that of its earliest observation (a game is
-- played in one; session_environments lists every one it touches).
ALTER TABLE sessions ADD COLUMN environment TEXT NOT NULL DEFAULT 'default';
CREATE INDEX traces_by_environment ON traces (environment, start_time_ms);

-- Derived: the environments each session has observations in, at the
-- session's start time, for filtering session lists by environment.
CREATE TABLE session_environments (
    environment             TEXT NOT NULL,
    session_id              TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (environment, session_id)
) WITHOUT ROWID;
CREATE INDEX session_environments_by_start ON session_environments (environment, start_time_ms);
CREATE INDEX session_environments_by_session ON session_environments (session_id);

-- Derived: one row per environment, for the environment picker.
CREATE TABLE environments (
    name                    TEXT PRIMARY KEY,
    observations            INTEGER NOT NULL DEFAULT 0,
    newest_start_time_ms    INTEGER
) WITHOUT ROWID;

-- daily_metrics, session_pairs and agent_stats_cache gain the environment
-- in their key: each observation counts in its own environment, roll-ups
-- ('*') are over agent and model only, and readers sum the (few)
-- environments they want. The daemon refills them (rebuild_derived below).
DROP TABLE daily_metrics;
CREATE TABLE daily_metrics (
    day                     TEXT NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    latency_histogram       BLOB,
    PRIMARY KEY (day, environment, agent, model)
) WITHOUT ROWID;
CREATE INDEX daily_metrics_by_agent ON daily_metrics (agent, model, day);
CREATE INDEX daily_metrics_by_model ON daily_metrics (model, agent, day);

DROP TABLE session_pairs;
CREATE TABLE session_pairs (
    session_id              TEXT NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    traces                  INTEGER NOT NULL,
    PRIMARY KEY (session_id, environment, agent, model)
) WITHOUT ROWID;

-- All-time figures per (agent, environment); the latency histogram lets
-- readers merge environments exactly.
DROP TABLE agent_stats_cache;
CREATE TABLE agent_stats_cache (
    agent                   TEXT NOT NULL,
    environment             TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    error_rate              REAL NOT NULL DEFAULT 0,
    latency_p50_ms          INTEGER,
    latency_p95_ms          INTEGER,
    latency_p99_ms          INTEGER,
    latency_histogram       BLOB,
    models                  TEXT NOT NULL DEFAULT '[]',
    first_seen_ms           INTEGER,
    last_seen_ms            INTEGER,
    updated_at_ms           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent, environment)
) WITHOUT ROWID;

-- Set when the derived tables must be recomputed from the stored
-- observations (an upgraded database); the daemon does it at start, then
-- clears it.
ALTER TABLE sync_metadata ADD COLUMN rebuild_derived INTEGER NOT NULL DEFAULT 0;
UPDATE sync_metadata SET rebuild_derived = 1 WHERE EXISTS (SELECT 1 FROM observations);
"#,
    // 3: the hourly roll-up, so that any range is whole days + whole hours
    // + at most two partial hours of raw observations.
    r#"
-- Derived: daily_metrics per UTC hour. Same dimensions, markers and rules:
-- '*' rolls up agent or model (never the environment), '' is "no model";
-- observations count by start time, sessions and traces in the hour they
-- start, for the pairs that appear in them. The hours of a day sum to its
-- daily_metrics row. hour_ms is the hour's start (ms since the epoch, UTC).
CREATE TABLE hourly_metrics (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    latency_histogram       BLOB,
    PRIMARY KEY (hour_ms, environment, agent, model)
) WITHOUT ROWID;
-- Readers ask for one agent (or the roll-up '*') over at most two runs of
-- hours: agent first, then the hour range, so that both are index seeks
-- (an index by (agent, model, hour) would scan an agent's whole history
-- when the model is grouped rather than fixed).
CREATE INDEX hourly_metrics_by_agent ON hourly_metrics (agent, hour_ms);

-- The daemon fills it by rebuilding the derived tables once at start.
UPDATE sync_metadata SET rebuild_derived = 1 WHERE EXISTS (SELECT 1 FROM observations);
"#,
    // 4: latency percentiles within 1%: the stored histograms become
    // relative-error sketches (histogram.rs) in another blob format.
    r#"
-- Blobs of the older format would be refused as unreadable: drop them (and
-- the percentiles read from them) so that readers see "no latency" rather
-- than an error until the daemon, which rebuilds the derived tables from
-- the stored observations at start, has written the new sketches.
UPDATE daily_metrics SET latency_histogram = NULL WHERE latency_histogram IS NOT NULL;
UPDATE hourly_metrics SET latency_histogram = NULL WHERE latency_histogram IS NOT NULL;
UPDATE agent_stats_cache SET latency_histogram = NULL, latency_p50_ms = NULL,
    latency_p95_ms = NULL, latency_p99_ms = NULL;
UPDATE sync_metadata SET rebuild_derived = 1 WHERE EXISTS (SELECT 1 FROM observations);
"#,
    // 5: alerts. The daemon evaluates the configured alert rules after its
    // cycles and records where each stands and when it fired or resolved.
    r#"
-- One row per configured rule (by its unique name); rules removed from the
-- configuration are deleted here, their history stays.
CREATE TABLE alert_states (
    rule                    TEXT PRIMARY KEY,
    metric                  TEXT NOT NULL,
    -- The rule in words, e.g. "error rate > 20% over the last 60 min (agent judge)".
    condition               TEXT NOT NULL,
    state                   TEXT NOT NULL CHECK (state IN ('ok', 'firing')),
    since_ms                INTEGER NOT NULL,
    -- NULL: nothing to measure in the window (no LLM calls, no scores).
    last_value              REAL,
    evaluated_at_ms         INTEGER NOT NULL
) WITHOUT ROWID;

-- Every start and end of a firing, newest read first.
CREATE TABLE alert_events (
    id                      INTEGER PRIMARY KEY,
    rule                    TEXT NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('firing', 'resolved')),
    at_ms                   INTEGER NOT NULL,
    value                   REAL,
    message                 TEXT NOT NULL
);
CREATE INDEX alert_events_by_time ON alert_events (at_ms);
"#,
    // 6: links to Langfuse: where its UI is and which project the rows are of.
    r#"
-- The daemon's LANGFUSE_HOST (scheme, host, port and path only: never
-- credentials), recorded at start, for links to Langfuse's UI.
ALTER TABLE sync_metadata ADD COLUMN langfuse_host TEXT;
-- The project of the synced rows: every v2 observation carries its
-- `projectId`, legacy traces their `htmlPath` (/project/{id}/traces/...).
-- A key pair belongs to one project, so one value serves every row.
-- NULL: no row has said yet.
ALTER TABLE sync_metadata ADD COLUMN langfuse_project_id TEXT;
"#,
    // 7: score roll-ups, so that per-agent score figures of any range read
    // whole hours and days, and raw scores only in two partial hours.
    r#"
-- Derived: scores per UTC hour (hour_ms, its start) and per UTC day, by
-- environment (the score's), agent, name, data type and category (the
-- CATEGORICAL value or BOOLEAN 'true'/'false'; '' for the other types). A
-- score counts under every agent it is attributed to (its observation's
-- agent, else its trace's agents, else its session's; see
-- shared-schema/src/scores.rs) and under the agent '*', which counts every
-- score, attributed or not. numeric_* are of the NUMERIC and finite
-- BOOLEAN values; latest_ms is the newest score's timestamp, which decides
-- a name's data type. The daemon recomputes an hour from the raw scores
-- whenever a page touches one of its scores or their attribution, and the
-- hour's day from its hours, so they stay exact.
CREATE TABLE hourly_scores (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    data_type               TEXT NOT NULL,
    category                TEXT NOT NULL,
    scores                  INTEGER NOT NULL,
    numeric_count           INTEGER NOT NULL,
    numeric_sum             REAL NOT NULL,
    numeric_min             REAL,
    numeric_max             REAL,
    latest_ms               INTEGER NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent, name, data_type, category)
) WITHOUT ROWID;
-- One agent (or '*') over a run of hours: agent first, then the range.
CREATE INDEX hourly_scores_by_agent ON hourly_scores (agent, hour_ms);

CREATE TABLE daily_scores (
    day                     TEXT NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    data_type               TEXT NOT NULL,
    category                TEXT NOT NULL,
    scores                  INTEGER NOT NULL,
    numeric_count           INTEGER NOT NULL,
    numeric_sum             REAL NOT NULL,
    numeric_min             REAL,
    numeric_max             REAL,
    latest_ms               INTEGER NOT NULL,
    PRIMARY KEY (day, environment, agent, name, data_type, category)
) WITHOUT ROWID;
CREATE INDEX daily_scores_by_agent ON daily_scores (agent, day);

-- Derived: how many scores of each (agent, name) have each numeric value,
-- per hour and per day, for /api/scores' histograms over [min, max].
CREATE TABLE hourly_score_values (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    value                   REAL NOT NULL,
    scores                  INTEGER NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent, name, value)
) WITHOUT ROWID;
CREATE INDEX hourly_score_values_by_agent ON hourly_score_values (agent, hour_ms);

CREATE TABLE daily_score_values (
    day                     TEXT NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    value                   REAL NOT NULL,
    scores                  INTEGER NOT NULL,
    PRIMARY KEY (day, environment, agent, name, value)
) WITHOUT ROWID;
CREATE INDEX daily_score_values_by_agent ON daily_score_values (agent, day);

-- Derived: per session, environment and score name, the latest (by
-- timestamp, then id) CATEGORICAL or BOOLEAN score that has a category,
-- for /api/outcomes. A score's session is its own, else its trace's, else
-- its observation's. The daemon recomputes a session's rows whenever a page
-- touches one of its scores or traces.
CREATE TABLE session_outcomes (
    session_id              TEXT NOT NULL,
    environment             TEXT NOT NULL,
    name                    TEXT NOT NULL,
    category                TEXT NOT NULL,
    timestamp_ms            INTEGER NOT NULL,
    score_id                TEXT NOT NULL,
    PRIMARY KEY (session_id, environment, name)
) WITHOUT ROWID;

-- A session's scores include those of its observations: their ids by
-- session, without reading the observation rows.
CREATE INDEX observations_session_ids ON observations (session_id, id)
    WHERE session_id IS NOT NULL;

-- The daemon fills the roll-ups by rebuilding the derived tables at start.
UPDATE sync_metadata SET rebuild_derived = 1
    WHERE EXISTS (SELECT 1 FROM observations) OR EXISTS (SELECT 1 FROM scores);
"#,
    // 8: versions: what identifies the code, release and prompt behind an
    // observation, so that one version can be compared with the next.
    r#"
-- The trace's release (v2 `trace_context` group; legacy: the trace's
-- `release`), the observation's own `version`, and the prompt it was linked
-- to (v2 `prompt` group, legacy v1 observations). NULL: not sent.
ALTER TABLE observations ADD COLUMN release TEXT;
ALTER TABLE observations ADD COLUMN version TEXT;
ALTER TABLE observations ADD COLUMN prompt_name TEXT;
ALTER TABLE observations ADD COLUMN prompt_version INTEGER;
-- Legacy mode: v1 observations lack the release; it is joined from here.
ALTER TABLE trace_headers ADD COLUMN release TEXT;
"#,
    // 9: each session's latest score per name, so that a list of sessions
    // reads one row per score column instead of searching the scores of
    // every trace and observation of every session on the page.
    r#"
-- A score is a session's when its own session, its trace's or its
-- observation's is that session (as the session page lists them); per name
-- the latest by (timestamp_ms, score_id). Kept by the daemon with
-- session_outcomes, for the same touched sessions.
CREATE TABLE session_latest_scores (
    session_id              TEXT NOT NULL,
    name                    TEXT NOT NULL,
    data_type               TEXT NOT NULL,
    value                   REAL,
    string_value            TEXT,
    timestamp_ms            INTEGER NOT NULL,
    score_id                TEXT NOT NULL,
    PRIMARY KEY (session_id, name)
) WITHOUT ROWID;

-- Sessions in more than one environment are marked, so that the number of
-- sessions of a range in some environments is a count of index entries
-- less the few repeats of marked sessions, never a look-up per session.
ALTER TABLE session_environments ADD COLUMN spans_environments INTEGER NOT NULL DEFAULT 0;
UPDATE session_environments SET spans_environments = 1
    WHERE session_id IN (SELECT session_id FROM session_environments
                         GROUP BY session_id HAVING count(*) > 1);
CREATE INDEX session_environments_spanning ON session_environments (environment, start_time_ms)
    WHERE spans_environments = 1;

-- The errors page reads every ERROR (or WARNING) observation of a range:
-- from the index alone, instead of one observation row per error.
DROP INDEX observations_problems;
CREATE INDEX observations_problems ON observations
    (level, start_time_ms, environment, agent, name, session_id, status_message, id)
    WHERE level IN ('ERROR', 'WARNING');

-- The daemon fills session_latest_scores by rebuilding the derived tables
-- at start.
UPDATE sync_metadata SET rebuild_derived = 1 WHERE EXISTS (SELECT 1 FROM scores);
"#,
    // 10: one index of observations by session instead of two, so that each
    // stored observation updates one fewer index (the daemon's backfill).
    r#"
-- A session's observations in time order, and their ids (a session's
-- scores include its observations'), from one index.
DROP INDEX observations_session_ids;
DROP INDEX observations_by_session;
CREATE INDEX observations_by_session ON observations (session_id, start_time_ms, id)
    WHERE session_id IS NOT NULL;
"#,
    // 11: six-hour roll-ups, so that the whole hours at a range's ragged
    // edges are at most five hours on each side of at most three blocks of
    // six, instead of up to 23 hours.
    r#"
-- Derived: the hourly roll-ups summed per block of six UTC hours (starting
-- at 00, 06, 12 and 18 h); hour_ms is the block's first hour. Same
-- dimensions, markers and rules as their hourly tables, whose hours sum to
-- them; the daemon keeps them in the same page transaction.
CREATE TABLE six_hourly_metrics (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    latency_histogram       BLOB,
    PRIMARY KEY (hour_ms, environment, agent, model)
) WITHOUT ROWID;
CREATE INDEX six_hourly_metrics_by_agent ON six_hourly_metrics (agent, hour_ms);

CREATE TABLE six_hourly_scores (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    data_type               TEXT NOT NULL,
    category                TEXT NOT NULL,
    scores                  INTEGER NOT NULL,
    numeric_count           INTEGER NOT NULL,
    numeric_sum             REAL NOT NULL,
    numeric_min             REAL,
    numeric_max             REAL,
    latest_ms               INTEGER NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent, name, data_type, category)
) WITHOUT ROWID;
CREATE INDEX six_hourly_scores_by_agent ON six_hourly_scores (agent, hour_ms);

CREATE TABLE six_hourly_score_values (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    value                   REAL NOT NULL,
    scores                  INTEGER NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent, name, value)
) WITHOUT ROWID;
CREATE INDEX six_hourly_score_values_by_agent ON six_hourly_score_values (agent, hour_ms);

-- The daemon fills them by rebuilding the derived tables at start.
UPDATE sync_metadata SET rebuild_derived = 1
    WHERE EXISTS (SELECT 1 FROM observations) OR EXISTS (SELECT 1 FROM scores);
"#,
    // 12: ten-minute roll-ups, so that a range's ragged edges read at most
    // two partial ten-minute slots of raw rows instead of two partial hours.
    r#"
-- Derived: the finest roll-ups, per ten UTC minutes; start_ms is the
-- slot's start. Same dimensions, markers and rules as the hourly tables,
-- which are now the sums of their six slots; the daemon keeps them in the
-- same page transaction.
CREATE TABLE ten_minute_metrics (
    start_ms                INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    model                   TEXT NOT NULL,
    sessions                INTEGER NOT NULL DEFAULT 0,
    traces                  INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    latency_histogram       BLOB,
    PRIMARY KEY (start_ms, environment, agent, model)
) WITHOUT ROWID;
CREATE INDEX ten_minute_metrics_by_agent ON ten_minute_metrics (agent, start_ms);

CREATE TABLE ten_minute_scores (
    start_ms                INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    data_type               TEXT NOT NULL,
    category                TEXT NOT NULL,
    scores                  INTEGER NOT NULL,
    numeric_count           INTEGER NOT NULL,
    numeric_sum             REAL NOT NULL,
    numeric_min             REAL,
    numeric_max             REAL,
    latest_ms               INTEGER NOT NULL,
    PRIMARY KEY (start_ms, environment, agent, name, data_type, category)
) WITHOUT ROWID;
CREATE INDEX ten_minute_scores_by_agent ON ten_minute_scores (agent, start_ms);

CREATE TABLE ten_minute_score_values (
    start_ms                INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    value                   REAL NOT NULL,
    scores                  INTEGER NOT NULL,
    PRIMARY KEY (start_ms, environment, agent, name, value)
) WITHOUT ROWID;
CREATE INDEX ten_minute_score_values_by_agent ON ten_minute_score_values (agent, start_ms);

-- The daemon fills them by rebuilding the derived tables at start.
UPDATE sync_metadata SET rebuild_derived = 1
    WHERE EXISTS (SELECT 1 FROM observations) OR EXISTS (SELECT 1 FROM scores);
"#,
    // 13: cost per outcome from one index range: each outcome row carries
    // its session's start, cost and (single) environment, so that
    // /api/outcomes no longer looks up the session, its environments and its
    // outcomes one by one for every session of the range.
    r#"
-- Copies of the session's fields, kept by the daemon whenever the session
-- or its outcomes change. session_start_ms is NULL while the session is not
-- stored (a score may name a session before its traces arrive);
-- session_environment is the session's environment, NULL when it has
-- several (spans_environments) or none.
ALTER TABLE session_outcomes ADD COLUMN session_start_ms INTEGER;
ALTER TABLE session_outcomes ADD COLUMN session_cost_nanousd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_outcomes ADD COLUMN session_environment TEXT;
CREATE INDEX session_outcomes_by_start ON session_outcomes
    (session_start_ms, session_id, session_environment, session_cost_nanousd, environment,
     name, category, timestamp_ms, score_id);

-- The daemon fills them by rebuilding the derived tables at start.
UPDATE sync_metadata SET rebuild_derived = 1
    WHERE EXISTS (SELECT 1 FROM observations) OR EXISTS (SELECT 1 FROM scores);
"#,
    // 14: session distributions from one index range: the figures they
    // need and the session's own environment beside its start.
    r#"
-- A session's environment (its first trace's) is one of its environments,
-- so it settles the environment filter for most sessions without a look-up
-- in session_environments.
CREATE INDEX sessions_by_start_with_figures ON sessions
    (start_time_ms, environment, id, cost_nanousd, duration_ms, traces, errors);
"#,
    // 15: observations keyed by (trace_id, id) instead of id alone. Every
    // page of observations inserts a thousand random ids; the id index's
    // leaves they land on were a third of the WAL a backfill writes
    // (sync-daemon/benches/wal-frames.sh). Keyed under their trace, a
    // page's rows land on the leaves of its traces, which the trace index
    // wrote anyway. Langfuse requires a score naming an observation to name
    // its trace too ("ObservationId requires traceId"), so scores still find
    // their observation by key.
    r#"
CREATE TABLE observations_under_traces (
    id                      TEXT NOT NULL,
    trace_id                TEXT NOT NULL,
    parent_observation_id   TEXT,
    session_id              TEXT,
    type                    TEXT NOT NULL,
    name                    TEXT,
    level                   TEXT NOT NULL DEFAULT 'DEFAULT',
    status_message          TEXT,
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    completion_start_time_ms INTEGER,
    latency_ms              INTEGER,
    model                   TEXT,
    input_tokens            INTEGER,
    output_tokens           INTEGER,
    total_tokens            INTEGER,
    usage_details           TEXT,
    cost_nanousd            INTEGER,
    cost_details            TEXT,
    user_id                 TEXT,
    environment             TEXT,
    trace_name              TEXT,
    trace_tags              TEXT,
    metadata                TEXT,
    input                   TEXT,
    output                  TEXT,
    agent_hint              TEXT,
    agent                   TEXT NOT NULL DEFAULT 'unknown',
    synced_at_ms            INTEGER NOT NULL,
    updated_at_ms           INTEGER,
    release                 TEXT,
    version                 TEXT,
    prompt_name             TEXT,
    prompt_version          INTEGER
);
INSERT INTO observations_under_traces SELECT * FROM observations;
DROP TABLE observations;
ALTER TABLE observations_under_traces RENAME TO observations;
CREATE UNIQUE INDEX observations_by_trace ON observations (trace_id, id);
CREATE INDEX observations_by_session ON observations (session_id, start_time_ms, id)
    WHERE session_id IS NOT NULL;
CREATE INDEX observations_by_start ON observations
    (start_time_ms, type, level, agent, model, latency_ms, cost_nanousd,
     input_tokens, output_tokens, total_tokens, environment);
CREATE INDEX observations_by_agent ON observations (agent, environment, start_time_ms);
CREATE INDEX observations_by_model ON observations (model, start_time_ms)
    WHERE model IS NOT NULL;
CREATE INDEX observations_problems ON observations
    (level, start_time_ms, environment, agent, name, session_id, status_message, id)
    WHERE level IN ('ERROR', 'WARNING');
"#,
    // 16: trace_agents and session_agents keyed by trace or session first.
    // Keyed by agent first, each needed a second index by trace or session,
    // and a page's new traces landed at random in both (wal-frames.sh).
    r#"
CREATE TABLE trace_agents_by_trace_first (
    agent                   TEXT NOT NULL,
    trace_id                TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (trace_id, agent)
) WITHOUT ROWID;
INSERT INTO trace_agents_by_trace_first SELECT agent, trace_id, start_time_ms FROM trace_agents;
DROP TABLE trace_agents;
ALTER TABLE trace_agents_by_trace_first RENAME TO trace_agents;
CREATE INDEX trace_agents_by_start ON trace_agents (agent, start_time_ms);

CREATE TABLE session_agents_by_session_first (
    agent                   TEXT NOT NULL,
    session_id              TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (session_id, agent)
) WITHOUT ROWID;
INSERT INTO session_agents_by_session_first
    SELECT agent, session_id, start_time_ms FROM session_agents;
DROP TABLE session_agents;
ALTER TABLE session_agents_by_session_first RENAME TO session_agents;
CREATE INDEX session_agents_by_start ON session_agents (agent, start_time_ms);
"#,
    // 17: the score roll-ups' agent indexes cover the columns their reads
    // sum. One agent's (or every score's '*') figures were found through
    // them and each row then looked up in the table by its six-column text
    // key: about a quarter of /api/scores' time went to those seeks.
    r#"
DROP INDEX ten_minute_scores_by_agent;
CREATE INDEX ten_minute_scores_by_agent ON ten_minute_scores
    (agent, start_ms, environment, name, data_type, category,
     scores, numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms);
DROP INDEX hourly_scores_by_agent;
CREATE INDEX hourly_scores_by_agent ON hourly_scores
    (agent, hour_ms, environment, name, data_type, category,
     scores, numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms);
DROP INDEX six_hourly_scores_by_agent;
CREATE INDEX six_hourly_scores_by_agent ON six_hourly_scores
    (agent, hour_ms, environment, name, data_type, category,
     scores, numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms);
DROP INDEX daily_scores_by_agent;
CREATE INDEX daily_scores_by_agent ON daily_scores
    (agent, day, environment, name, data_type, category,
     scores, numeric_count, numeric_sum, numeric_min, numeric_max, latest_ms);
DROP INDEX ten_minute_score_values_by_agent;
CREATE INDEX ten_minute_score_values_by_agent ON ten_minute_score_values
    (agent, start_ms, environment, name, value, scores);
DROP INDEX hourly_score_values_by_agent;
CREATE INDEX hourly_score_values_by_agent ON hourly_score_values
    (agent, hour_ms, environment, name, value, scores);
DROP INDEX six_hourly_score_values_by_agent;
CREATE INDEX six_hourly_score_values_by_agent ON six_hourly_score_values
    (agent, hour_ms, environment, name, value, scores);
DROP INDEX daily_score_values_by_agent;
CREATE INDEX daily_score_values_by_agent ON daily_score_values
    (agent, day, environment, name, value, scores);
"#,
    // 18: the same for the metric roll-ups' agent indexes: one agent's
    // figures (its page, the comparison, the daily series of an agent)
    // were found through them and each row looked up again by its key.
    r#"
DROP INDEX ten_minute_metrics_by_agent;
CREATE INDEX ten_minute_metrics_by_agent ON ten_minute_metrics
    (agent, start_ms, environment, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram);
DROP INDEX hourly_metrics_by_agent;
CREATE INDEX hourly_metrics_by_agent ON hourly_metrics
    (agent, hour_ms, environment, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram);
DROP INDEX six_hourly_metrics_by_agent;
CREATE INDEX six_hourly_metrics_by_agent ON six_hourly_metrics
    (agent, hour_ms, environment, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram);
DROP INDEX daily_metrics_by_agent;
CREATE INDEX daily_metrics_by_agent ON daily_metrics
    (agent, model, day, environment,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram);
"#,
    // 19: each agent's score cells of a roll-up span and environment,
    // packed into one row (`agent_scores::PackedCells`), for the agents
    // list: from the score roll-ups it walked one row per (environment,
    // agent, name, type, category) and span. `lib.rs` fills them from the
    // roll-ups in the same transaction (`data_step`).
    r#"
CREATE TABLE ten_minute_agent_scores (
    start_ms                INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    cells                   BLOB NOT NULL,
    PRIMARY KEY (start_ms, environment, agent)
) WITHOUT ROWID;
CREATE TABLE hourly_agent_scores (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    cells                   BLOB NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent)
) WITHOUT ROWID;
CREATE TABLE six_hourly_agent_scores (
    hour_ms                 INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    cells                   BLOB NOT NULL,
    PRIMARY KEY (hour_ms, environment, agent)
) WITHOUT ROWID;
CREATE TABLE daily_agent_scores (
    day                     TEXT NOT NULL,
    environment             TEXT NOT NULL,
    agent                   TEXT NOT NULL,
    cells                   BLOB NOT NULL,
    PRIMARY KEY (day, environment, agent)
) WITHOUT ROWID;
"#,
    // 20: each ERROR and WARNING observation's status message normalised
    // (`messages::normalised_message_of`), written by the daemon with the
    // row and read by the error groups from the covering index, which
    // worked it out for each of a range's thousands of error observations
    // on every request. `lib.rs` fills it for the rows already stored
    // (`data_step`).
    r#"
ALTER TABLE observations ADD COLUMN normalised_message TEXT;
DROP INDEX observations_problems;
CREATE INDEX observations_problems ON observations
    (level, start_time_ms, environment, agent, name, session_id, status_message,
     normalised_message, id)
    WHERE level IN ('ERROR', 'WARNING');
"#,
    // 21: each agent's own roll-up row (model '*') of a span and environment
    // lists the models the agent called in it (`models`, a JSON array in
    // order), and a partial covering index holds those rows alone. The
    // agents list walked every (agent, model) row of its range only to learn
    // the models, two thirds of the metric rows it read. The daemon keeps
    // the list where a page changes an agent's rows.
    r#"
ALTER TABLE ten_minute_metrics ADD COLUMN models TEXT;
UPDATE ten_minute_metrics AS own SET models = (
    SELECT json_group_array(model ORDER BY model) FROM ten_minute_metrics AS pair
    WHERE pair.start_ms = own.start_ms AND pair.environment = own.environment
      AND pair.agent = own.agent AND pair.model NOT IN ('*', ''))
WHERE model = '*' AND agent <> '*';
CREATE INDEX ten_minute_metrics_of_agents ON ten_minute_metrics
    (start_ms, environment, agent, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, models)
    WHERE model = '*' AND agent <> '*';
ALTER TABLE hourly_metrics ADD COLUMN models TEXT;
UPDATE hourly_metrics AS own SET models = (
    SELECT json_group_array(model ORDER BY model) FROM hourly_metrics AS pair
    WHERE pair.hour_ms = own.hour_ms AND pair.environment = own.environment
      AND pair.agent = own.agent AND pair.model NOT IN ('*', ''))
WHERE model = '*' AND agent <> '*';
CREATE INDEX hourly_metrics_of_agents ON hourly_metrics
    (hour_ms, environment, agent, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, models)
    WHERE model = '*' AND agent <> '*';
ALTER TABLE six_hourly_metrics ADD COLUMN models TEXT;
UPDATE six_hourly_metrics AS own SET models = (
    SELECT json_group_array(model ORDER BY model) FROM six_hourly_metrics AS pair
    WHERE pair.hour_ms = own.hour_ms AND pair.environment = own.environment
      AND pair.agent = own.agent AND pair.model NOT IN ('*', ''))
WHERE model = '*' AND agent <> '*';
CREATE INDEX six_hourly_metrics_of_agents ON six_hourly_metrics
    (hour_ms, environment, agent, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, models)
    WHERE model = '*' AND agent <> '*';
ALTER TABLE daily_metrics ADD COLUMN models TEXT;
UPDATE daily_metrics AS own SET models = (
    SELECT json_group_array(model ORDER BY model) FROM daily_metrics AS pair
    WHERE pair.day = own.day AND pair.environment = own.environment
      AND pair.agent = own.agent AND pair.model NOT IN ('*', ''))
WHERE model = '*' AND agent <> '*';
CREATE INDEX daily_metrics_of_agents ON daily_metrics
    (day, environment, agent, model,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, models)
    WHERE model = '*' AND agent <> '*';
"#,
    // 22: cost per outcome from roll-ups. /api/outcomes read every outcome
    // row of its range, one per session and score name (about 5,000 for a
    // week at a million observations); most of them are the single row of
    // their (session, name), in the session's own environment, so they sum
    // by the session's start like the metric roll-ups do.
    r#"
-- 1 when the row is the only one of its (session, name) and in the
-- session's single environment, with the session stored: then the row is
-- counted in outcome_sums, and its name's latest value among any
-- environments asked for is this row's. Every other row is read raw. The
-- rows by start, split by the flag: the rolled-up ones are read only in a
-- range's two partial ten-minute slots, the others in the whole range.
ALTER TABLE session_outcomes ADD COLUMN rolled_up INTEGER NOT NULL DEFAULT 0;
DROP INDEX session_outcomes_by_start;
CREATE INDEX session_outcomes_rolled_up ON session_outcomes
    (session_start_ms, session_id, session_environment, session_cost_nanousd, environment,
     name, category, timestamp_ms, score_id)
    WHERE rolled_up = 1;
CREATE INDEX session_outcomes_not_rolled_up ON session_outcomes
    (session_start_ms, session_id, session_environment, session_cost_nanousd, environment,
     name, category, timestamp_ms, score_id)
    WHERE rolled_up = 0;

-- Derived: the rolled-up outcome rows summed per span of span_ms (a UTC day,
-- six hours, an hour or ten minutes, the metric roll-ups' grains) that the
-- session starts in, environment, name and category: the sessions and their
-- summed cost. Kept by the daemon with session_outcomes.
CREATE TABLE outcome_sums (
    span_ms                 INTEGER NOT NULL,
    start_ms                INTEGER NOT NULL,
    environment             TEXT NOT NULL,
    name                    TEXT NOT NULL,
    category                TEXT NOT NULL,
    sessions                INTEGER NOT NULL,
    cost_nanousd            INTEGER NOT NULL,
    PRIMARY KEY (span_ms, start_ms, environment, name, category)
) WITHOUT ROWID;

-- The daemon fills them by rebuilding the derived tables at start.
UPDATE sync_metadata SET rebuild_derived = 1 WHERE EXISTS (SELECT 1 FROM session_outcomes);
"#,
    // 23: each model's own roll-up row (agent '*') of a span and environment
    // lists the agents that called it there (`agents`, a JSON array in
    // order), and a partial covering index holds those rows alone: the
    // models list walked every (agent, model) row of its range only to learn
    // the agents, most of the metric rows it read. The mirror of 21; the
    // daemon keeps the list where a page brings or removes a row.
    r#"
ALTER TABLE ten_minute_metrics ADD COLUMN agents TEXT;
UPDATE ten_minute_metrics AS own SET agents = (
    SELECT json_group_array(agent ORDER BY agent) FROM ten_minute_metrics AS pair
    WHERE pair.start_ms = own.start_ms AND pair.environment = own.environment
      AND pair.model = own.model AND pair.agent <> '*')
WHERE agent = '*' AND model NOT IN ('*', '');
CREATE INDEX ten_minute_metrics_of_models ON ten_minute_metrics
    (start_ms, environment, model, agent,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, agents)
    WHERE agent = '*' AND model NOT IN ('*', '');
ALTER TABLE hourly_metrics ADD COLUMN agents TEXT;
UPDATE hourly_metrics AS own SET agents = (
    SELECT json_group_array(agent ORDER BY agent) FROM hourly_metrics AS pair
    WHERE pair.hour_ms = own.hour_ms AND pair.environment = own.environment
      AND pair.model = own.model AND pair.agent <> '*')
WHERE agent = '*' AND model NOT IN ('*', '');
CREATE INDEX hourly_metrics_of_models ON hourly_metrics
    (hour_ms, environment, model, agent,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, agents)
    WHERE agent = '*' AND model NOT IN ('*', '');
ALTER TABLE six_hourly_metrics ADD COLUMN agents TEXT;
UPDATE six_hourly_metrics AS own SET agents = (
    SELECT json_group_array(agent ORDER BY agent) FROM six_hourly_metrics AS pair
    WHERE pair.hour_ms = own.hour_ms AND pair.environment = own.environment
      AND pair.model = own.model AND pair.agent <> '*')
WHERE agent = '*' AND model NOT IN ('*', '');
CREATE INDEX six_hourly_metrics_of_models ON six_hourly_metrics
    (hour_ms, environment, model, agent,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, agents)
    WHERE agent = '*' AND model NOT IN ('*', '');
ALTER TABLE daily_metrics ADD COLUMN agents TEXT;
UPDATE daily_metrics AS own SET agents = (
    SELECT json_group_array(agent ORDER BY agent) FROM daily_metrics AS pair
    WHERE pair.day = own.day AND pair.environment = own.environment
      AND pair.model = own.model AND pair.agent <> '*')
WHERE agent = '*' AND model NOT IN ('*', '');
CREATE INDEX daily_metrics_of_models ON daily_metrics
    (day, environment, model, agent,
     sessions, traces, observations, generations, errors, warnings,
     cost_nanousd, input_tokens, output_tokens, total_tokens, latency_histogram, agents)
    WHERE agent = '*' AND model NOT IN ('*', '');
"#,
    // 24: a session's ERROR observations from their own partial index: the
    // session page read them through `observations_by_session`, which does
    // not hold the level, so every observation of the session was looked up
    // in the table (pages of the largest table, nearly all missing the page
    // cache) to keep the few errors. Errors are a small share of the rows,
    // so the index costs the daemon little (BENCHMARKS, twenty-sixth step).
    r#"
CREATE INDEX observations_session_errors ON observations (session_id, start_time_ms, id)
    WHERE level = 'ERROR' AND session_id IS NOT NULL;
"#,
    // 25: integer trace keys in arrival order. Trace ids are random text
    // (OpenTelemetry's 128 random bits), so every B-tree keyed by them took
    // a page's traces on as many leaves as it had traces, each leaf a WAL
    // frame of the page's commit: the observations' trace index, the
    // traces' id index and `trace_agents` were two fifths of a page's
    // frames (BENCHMARKS, thirty-first step). `trace_keys` gives each trace
    // id an integer when it is first stored, and is never emptied (the
    // derived tables are rebuilt under the same keys); those three are
    // keyed by it, so a page's traces land on the last few leaves. The
    // one B-tree left keyed by the text is `trace_keys`' own index.
    r#"
CREATE TABLE trace_keys (
    key                     INTEGER PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE
);
INSERT INTO trace_keys (id)
    SELECT trace_id FROM observations GROUP BY trace_id ORDER BY min(start_time_ms), trace_id;

CREATE TABLE observations_by_trace_key (
    id                      TEXT NOT NULL,
    trace_key               INTEGER NOT NULL,
    trace_id                TEXT NOT NULL,
    parent_observation_id   TEXT,
    session_id              TEXT,
    type                    TEXT NOT NULL,
    name                    TEXT,
    level                   TEXT NOT NULL DEFAULT 'DEFAULT',
    status_message          TEXT,
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    completion_start_time_ms INTEGER,
    latency_ms              INTEGER,
    model                   TEXT,
    input_tokens            INTEGER,
    output_tokens           INTEGER,
    total_tokens            INTEGER,
    usage_details           TEXT,
    cost_nanousd            INTEGER,
    cost_details            TEXT,
    user_id                 TEXT,
    environment             TEXT,
    trace_name              TEXT,
    trace_tags              TEXT,
    metadata                TEXT,
    input                   TEXT,
    output                  TEXT,
    agent_hint              TEXT,
    agent                   TEXT NOT NULL DEFAULT 'unknown',
    synced_at_ms            INTEGER NOT NULL,
    updated_at_ms           INTEGER,
    release                 TEXT,
    version                 TEXT,
    prompt_name             TEXT,
    prompt_version          INTEGER,
    normalised_message      TEXT
);
INSERT INTO observations_by_trace_key (trace_key, id, trace_id, parent_observation_id,
        session_id, type, name, level, status_message, start_time_ms, end_time_ms,
        completion_start_time_ms, latency_ms, model, input_tokens, output_tokens, total_tokens,
        usage_details, cost_nanousd, cost_details, user_id, environment, trace_name, trace_tags,
        metadata, input, output, agent_hint, agent, synced_at_ms, updated_at_ms, release,
        version, prompt_name, prompt_version, normalised_message)
    SELECT k.key, o.id, o.trace_id, o.parent_observation_id, o.session_id, o.type, o.name,
        o.level, o.status_message, o.start_time_ms, o.end_time_ms, o.completion_start_time_ms,
        o.latency_ms, o.model, o.input_tokens, o.output_tokens, o.total_tokens, o.usage_details,
        o.cost_nanousd, o.cost_details, o.user_id, o.environment, o.trace_name, o.trace_tags,
        o.metadata, o.input, o.output, o.agent_hint, o.agent, o.synced_at_ms, o.updated_at_ms,
        o.release, o.version, o.prompt_name, o.prompt_version, o.normalised_message
    FROM observations AS o JOIN trace_keys AS k ON k.id = o.trace_id ORDER BY o.rowid;
DROP TABLE observations;
ALTER TABLE observations_by_trace_key RENAME TO observations;
CREATE UNIQUE INDEX observations_by_trace ON observations (trace_key, id);
CREATE INDEX observations_by_session ON observations (session_id, start_time_ms, id)
    WHERE session_id IS NOT NULL;
CREATE INDEX observations_by_start ON observations
    (start_time_ms, type, level, agent, model, latency_ms, cost_nanousd,
     input_tokens, output_tokens, total_tokens, environment);
CREATE INDEX observations_by_agent ON observations (agent, environment, start_time_ms);
CREATE INDEX observations_by_model ON observations (model, start_time_ms)
    WHERE model IS NOT NULL;
CREATE INDEX observations_problems ON observations
    (level, start_time_ms, environment, agent, name, session_id, status_message,
     normalised_message, id)
    WHERE level IN ('ERROR', 'WARNING');
CREATE INDEX observations_session_errors ON observations (session_id, start_time_ms, id)
    WHERE level = 'ERROR' AND session_id IS NOT NULL;

CREATE TABLE traces_by_key (
    key                     INTEGER PRIMARY KEY,
    id                      TEXT NOT NULL,
    name                    TEXT,
    session_id              TEXT,
    user_id                 TEXT,
    tags                    TEXT NOT NULL DEFAULT '[]',
    environment             TEXT,
    start_time_ms           INTEGER NOT NULL,
    end_time_ms             INTEGER,
    latency_ms              INTEGER,
    cost_nanousd            INTEGER NOT NULL DEFAULT 0,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    total_tokens            INTEGER NOT NULL DEFAULT 0,
    observations            INTEGER NOT NULL DEFAULT 0,
    generations             INTEGER NOT NULL DEFAULT 0,
    errors                  INTEGER NOT NULL DEFAULT 0,
    warnings                INTEGER NOT NULL DEFAULT 0,
    agents                  TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO traces_by_key
    SELECT k.key, t.id, t.name, t.session_id, t.user_id, t.tags, t.environment,
        t.start_time_ms, t.end_time_ms, t.latency_ms, t.cost_nanousd, t.input_tokens,
        t.output_tokens, t.total_tokens, t.observations, t.generations, t.errors, t.warnings,
        t.agents
    FROM traces AS t JOIN trace_keys AS k ON k.id = t.id ORDER BY k.key;
DROP TABLE traces;
ALTER TABLE traces_by_key RENAME TO traces;
CREATE INDEX traces_by_start ON traces (start_time_ms);
CREATE INDEX traces_by_session ON traces (session_id, start_time_ms) WHERE session_id IS NOT NULL;
CREATE INDEX traces_by_environment ON traces (environment, start_time_ms);

CREATE TABLE trace_agents_by_key (
    trace_key               INTEGER NOT NULL,
    agent                   TEXT NOT NULL,
    start_time_ms           INTEGER NOT NULL,
    PRIMARY KEY (trace_key, agent)
) WITHOUT ROWID;
INSERT INTO trace_agents_by_key
    SELECT k.key, ta.agent, ta.start_time_ms
    FROM trace_agents AS ta JOIN trace_keys AS k ON k.id = ta.trace_id;
DROP TABLE trace_agents;
ALTER TABLE trace_agents_by_key RENAME TO trace_agents;
CREATE INDEX trace_agents_by_start ON trace_agents (agent, start_time_ms);
"#,
];

/// The `user_version` of a database that has every migration applied.
pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;
