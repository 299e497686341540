//! Figures over any time range without scanning a month of observations:
//! whole UTC days come from the `daily_metrics` roll-ups, the whole
//! six-hour blocks, hours and ten-minute slots at the edges from the finer
//! roll-ups (latency histograms merged in all), and at most two partial
//! ten-minute slots from the raw `observations` through the covering index
//! `observations_by_start`. Nothing is cached across
//! requests, so there is nothing to warm. The split itself is `plan`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};
use shared_schema::histogram::LatencyHistogram;
use shared_schema::rows::{NO_MODEL, ROLL_UP, Totals};
use shared_schema::units::{MS_PER_DAY, ms_to_day, ms_to_iso};

use crate::db::database::SnapshotKey;
use crate::db::environments::{Environments, in_clause, session_in_given};
use crate::db::plan::{MS_PER_HOUR, RunGrain, Span, day_bounds, plan};
use crate::db::{optional_text, text};
use crate::error::ApiError;
use crate::params::{MAX_SERIES_DAYS, TimeRange, day_floor, is_hourly_series};

/// A series' points: each day (`YYYY-MM-DD`) or hour (ISO start) with its
/// figures.
pub type Points = Vec<(String, Figures)>;

/// (agent, model) pairs.
pub type PairSet = BTreeSet<(String, String)>;

/// Summed figures of one group (a day, an agent, a model or a whole range):
/// the derived tables' `Totals` plus the merged GENERATION latencies.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub totals: Totals,
    pub latency: LatencyHistogram,
}

impl Figures {
    pub fn add(&mut self, other: &Figures) {
        self.totals.add(&other.totals);
        self.latency.merge(&other.latency);
    }

    pub fn error_rate(&self) -> f64 {
        if self.totals.observations == 0 {
            0.0
        } else {
            self.totals.errors as f64 / self.totals.observations as f64
        }
    }

    pub fn latency_percentile(&self, quantile: f64) -> Option<i64> {
        self.latency.percentile(quantile)
    }
}

/// The summed columns `daily_metrics`, `hourly_metrics` and
/// `agent_stats_cache` share, in the
/// order `figures_from_row` reads them: `Totals::COLUMNS`, then the
/// histogram.
pub static FIGURE_COLUMNS: LazyLock<String> =
    LazyLock::new(|| format!("{}, latency_histogram", Totals::COLUMNS));

/// Adds the `FIGURE_COLUMNS` starting at column `first` to `into`; `table`
/// and `key` name the row should its histogram be unreadable. The one place
/// a row of summed figures is read. The sketch is merged straight from the
/// blob SQLite holds, without a copy or an intermediate sketch.
pub fn add_figures_from_row(
    row: &Row<'_>,
    first: usize,
    table: &str,
    key: &str,
    into: &mut Figures,
) -> Result<(), ApiError> {
    let unreadable =
        |error: &dyn std::fmt::Display| ApiError::Malformed(format!("{table} {key}: {error}"));
    let blob = row
        .get_ref(first + Totals::WIDTH)?
        .as_blob_or_null()
        .map_err(|error| unreadable(&error))?;
    if let Some(blob) = blob {
        into.latency
            .merge_blob(blob)
            .map_err(|error| unreadable(&error))?;
    }
    into.totals.add(&Totals::from_row(row, first)?);
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Day,
    Agent,
    Model,
}

/// Restricts figures to some environments, and to one agent and/or one
/// model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub agent: Option<String>,
    pub model: Option<String>,
    /// The environments summed over (empty: nothing matches).
    pub environments: Environments,
}

impl Filter {
    pub fn in_environments(environments: Environments) -> Filter {
        Filter {
            environments,
            ..Filter::default()
        }
    }
}

/// Where figures come from: one read snapshot, of one file at one data
/// version.
pub struct Source<'a> {
    pub connection: &'a Connection,
    pub snapshot: SnapshotKey,
}

fn dimension_clause(
    column: &str,
    value: Option<&str>,
    grouped: bool,
    exclude_empty: bool,
) -> String {
    match (value, grouped) {
        (Some(_), _) => format!("{column} = ?"),
        (None, true) if exclude_empty => format!("{column} NOT IN ('{ROLL_UP}', '{NO_MODEL}')"),
        (None, true) => format!("{column} <> '{ROLL_UP}'"),
        (None, false) => format!("{column} = '{ROLL_UP}'"),
    }
}

/// Figures over `range` grouped by day, agent or model. Model groups leave
/// out observations without a model, and their sessions/traces stay 0.
pub fn figures_by(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
    group: GroupBy,
) -> Result<BTreeMap<String, Figures>, ApiError> {
    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    add_figures(source, range, filter, group, &mut groups, None)?;
    Ok(groups)
}

/// `figures_by` agent or model under `filter`, and the (agent, model)
/// pairs of the range (`agent_model_pairs`) from the same walk of the
/// roll-ups: agent groups read each agent's own rows, which list its
/// models; for model groups the pairs' rows lie between the groups' rows,
/// so reading them too costs less than walking the roll-ups a second time.
/// A filter that names an agent reads that agent's rows alone, and the
/// pairs are then that agent's.
pub fn figures_and_pairs_by(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
    group: GroupBy,
) -> Result<(BTreeMap<String, Figures>, PairSet), ApiError> {
    debug_assert!(
        group != GroupBy::Day,
        "pairs come with agent or model groups"
    );
    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    let mut pairs = PairIndex::default();
    add_figures(source, range, filter, group, &mut groups, Some(&mut pairs))?;
    Ok((groups, pairs.into_set()))
}

/// (agent, model) pairs collected row by row, looked up by borrowed names
/// so that a pair already seen allocates nothing.
#[derive(Default)]
struct PairIndex(BTreeMap<String, BTreeSet<String>>);

impl PairIndex {
    fn add(&mut self, agent: &str, model: &str) {
        match self.0.get_mut(agent) {
            Some(models) => {
                if !models.contains(model) {
                    models.insert(model.to_string());
                }
            }
            None => {
                self.0
                    .insert(agent.to_string(), BTreeSet::from([model.to_string()]));
            }
        }
    }

    fn into_set(self) -> PairSet {
        self.0
            .into_iter()
            .flat_map(|(agent, models)| models.into_iter().map(move |model| (agent.clone(), model)))
            .collect()
    }
}

/// Adds the figures of `range` to `groups` (and its pairs to `pairs`, when
/// given).
fn add_figures(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
    group: GroupBy,
    groups: &mut BTreeMap<String, Figures>,
    mut pairs: Option<&mut PairIndex>,
) -> Result<(), ApiError> {
    let plan = plan(range);
    if let Some(whole_days) = plan.whole_days {
        add_roll_up(
            source.connection,
            RollUpSpan::Days(whole_days),
            filter,
            group,
            groups,
            pairs.as_deref_mut(),
        )?;
    }
    for &(grain, start, end) in &plan.runs {
        add_roll_up(
            source.connection,
            RollUpSpan::Run(grain, start, end),
            filter,
            group,
            groups,
            pairs.as_deref_mut(),
        )?;
    }
    for slot in plan.raw {
        add_partial(
            source.connection,
            slot,
            filter,
            group,
            groups,
            pairs.as_deref_mut(),
        )?;
    }
    Ok(())
}

/// Figures of the whole range (sum over days).
pub fn figures_of(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<Figures, ApiError> {
    let by_day = figures_by(source, range, filter, GroupBy::Day)?;
    Ok(sum_of_days(&by_day))
}

fn sum_of_days(by_day: &BTreeMap<String, Figures>) -> Figures {
    let mut total = Figures::default();
    for figures in by_day.values() {
        total.add(figures);
    }
    total
}

/// The roll-up rows of `table` between two inclusive bounds of
/// `time_column`, in the environments, of the agent and model `filter`
/// names (or grouped by them, or their roll-ups '*'). Parameters: the two
/// bounds, the environments' JSON, then the agent and model if named.
/// With `pairs`, the rows of the other dimension's names come too (agent
/// groups: every model but none; model groups: every agent), for the pairs.
fn roll_up_sql(
    table: &str,
    time_column: &str,
    filter: &Filter,
    group: GroupBy,
    pairs: bool,
) -> String {
    let agent = dimension_clause(
        "agent",
        filter.agent.as_deref(),
        group == GroupBy::Agent,
        false,
    );
    let model = dimension_clause(
        "model",
        filter.model.as_deref(),
        group == GroupBy::Model,
        true,
    );
    let (agent, model) = match (pairs, group) {
        (true, GroupBy::Agent) => (agent, format!("model <> '{NO_MODEL}'")),
        (true, GroupBy::Model) => ("1 = 1".to_string(), model),
        _ => (agent, model),
    };
    format!(
        "SELECT {time_column}, agent, model, {figure_columns}
         FROM {table}
         WHERE {time_column} >= ? AND {time_column} <= ?
           AND environment IN (SELECT value FROM json_each(?)) AND {agent} AND {model}",
        figure_columns = &*FIGURE_COLUMNS,
    )
}

/// The own rows of `group`'s names in `table` between two inclusive
/// bounds of `time_column`, in the environments ?3, with the names of the
/// other dimension each lists: each agent's rows of model '*' with its
/// models, or each model's rows of agent '*' with its agents. The
/// conditions of the partial index `<table>_of_agents` (or `_of_models`)
/// are stated word for word, as SQLite uses a partial index only for a
/// query that states them, and the index is named: left to itself, SQLite
/// seeks `model = '*'` in `daily_metrics_by_model` and looks up each row in
/// the table.
fn own_rows_sql(table: &str, time_column: &str, group: GroupBy) -> String {
    let (index, own, listed) = match group {
        GroupBy::Model => (
            "of_models",
            format!("agent = '{ROLL_UP}' AND model NOT IN ('{ROLL_UP}', '{NO_MODEL}')"),
            "agents",
        ),
        _ => (
            "of_agents",
            format!("model = '{ROLL_UP}' AND agent <> '{ROLL_UP}'"),
            "models",
        ),
    };
    format!(
        "SELECT {time_column}, agent, model, {figure_columns}, {listed}
         FROM {table} INDEXED BY {table}_{index}
         WHERE {time_column} >= ? AND {time_column} <= ?
           AND environment IN (SELECT value FROM json_each(?)) AND {own}",
        figure_columns = &*FIGURE_COLUMNS,
    )
}

/// Adds to `pairs` the names an own row lists (the column after its
/// figures): an agent's models, or a model's agents.
fn add_listed_pairs(
    row: &Row<'_>,
    table: &str,
    (agent, model): (&str, &str),
    group: GroupBy,
    pairs: &mut PairIndex,
) -> Result<(), ApiError> {
    #[derive(serde::Deserialize)]
    struct Names<'a>(#[serde(borrow)] Vec<std::borrow::Cow<'a, str>>);
    let unreadable = |error: &dyn std::fmt::Display| {
        ApiError::Malformed(format!("{table} ({agent}, {model}): {error}"))
    };
    let listed = row
        .get_ref(LISTED_COLUMN)?
        .as_str_or_null()
        .map_err(|error| unreadable(&error))?;
    if let Some(listed) = listed {
        let Names(names) = serde_json::from_str(listed).map_err(|error| unreadable(&error))?;
        for name in names {
            match group {
                GroupBy::Model => pairs.add(&name, model),
                _ => pairs.add(agent, &name),
            }
        }
    }
    Ok(())
}

/// Where `own_rows_sql` puts the listed names: after the time, agent,
/// model and the figure columns.
const LISTED_COLUMN: usize = 3 + Totals::WIDTH + 1;

/// Whole days of `daily_metrics`, or a run `[start, end)` of whole rows of
/// a finer roll-up (six-hour blocks, hours or ten-minute slots).
#[derive(Debug, Clone, Copy)]
enum RollUpSpan {
    Days(Span),
    Run(RunGrain, i64, i64),
}

fn add_roll_up(
    connection: &Connection,
    span: RollUpSpan,
    filter: &Filter,
    group: GroupBy,
    groups: &mut BTreeMap<String, Figures>,
    mut pairs: Option<&mut PairIndex>,
) -> Result<(), ApiError> {
    // Both bounds inclusive: the first and last day, or row start.
    let (table, time_column, low, high) = match span {
        RollUpSpan::Days(days) => {
            let (first, last) = day_bounds(days);
            (
                "daily_metrics",
                "day",
                Value::Text(first),
                Value::Text(last),
            )
        }
        RollUpSpan::Run(grain, start, end) => (
            grain.metrics_table(),
            grain.time_column(),
            Value::Integer(start),
            Value::Integer(end - grain.step_ms()),
        ),
    };
    // Every agent's (or model's) groups with pairs come from the agents'
    // (models') own rows alone, which list their models (agents; migrations
    // 21 and 23), instead of a walk of every (agent, model) row too. One
    // agent's rows are sought in the roll-up's `by_agent` index instead,
    // where its few model rows lie beside them.
    let own_rows = pairs.is_some()
        && matches!(group, GroupBy::Agent | GroupBy::Model)
        && filter.agent.is_none()
        && filter.model.is_none();
    let sql = if own_rows {
        own_rows_sql(table, time_column, group)
    } else {
        roll_up_sql(table, time_column, filter, group, pairs.is_some())
    };
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&low, &high, &filter.environments.json];
    if let Some(agent) = &filter.agent {
        values.push(agent);
    }
    if let Some(model) = &filter.model {
        values.push(model);
    }
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows = statement.query(values.as_slice())?;
    // Rows of one day come together: name each day once.
    let mut day_of_row: Option<(i64, String)> = None;
    while let Some(row) = rows.next()? {
        if let Some(pairs) = pairs.as_deref_mut() {
            let (agent, model) = (text(row, 1)?, text(row, 2)?);
            if own_rows {
                add_listed_pairs(row, table, (agent, model), group, pairs)?;
            } else if agent != ROLL_UP && model != ROLL_UP {
                pairs.add(agent, model);
                continue;
            }
        }
        let key: String = match (group, span) {
            (GroupBy::Day, RollUpSpan::Days(_)) => row.get(0)?,
            (GroupBy::Day, RollUpSpan::Run(..)) => {
                let day = day_floor(row.get(0)?);
                match &day_of_row {
                    Some((named, name)) if *named == day => name.clone(),
                    _ => day_of_row.insert((day, ms_to_day(day))).1.clone(),
                }
            }
            (GroupBy::Agent, _) => row.get(1)?,
            (GroupBy::Model, _) => row.get(2)?,
        };
        match groups.get_mut(&key) {
            Some(figures) => add_figures_from_row(row, 3, table, &key, figures)?,
            None => {
                let mut figures = Figures::default();
                add_figures_from_row(row, 3, table, &key, &mut figures)?;
                groups.insert(key, figures);
            }
        }
    }
    Ok(())
}

/// Adds the raw observations of a partial slot `[start, end)` to `groups`,
/// in one pass over the covering index `observations_by_start` (the sums,
/// the GENERATION latencies and, with `pairs`, the (agent, model) pairs of
/// the rows `filter` keeps), then its sessions and traces.
fn add_partial(
    connection: &Connection,
    (start, end): (i64, i64),
    filter: &Filter,
    group: GroupBy,
    groups: &mut BTreeMap<String, Figures>,
    mut pairs: Option<&mut PairIndex>,
) -> Result<(), ApiError> {
    let day = ms_to_day(start);
    let model_clause = match (&filter.model, group) {
        (Some(_), _) => "AND model = ?4",
        (None, GroupBy::Model) => "AND model IS NOT NULL AND model <> ''",
        (None, _) => "",
    };
    let agent_clause = if filter.agent.is_some() {
        "AND agent = ?3"
    } else {
        ""
    };
    let environment_clause = in_clause("environment", 5);
    let sql = format!(
        "SELECT agent, model, type = 'GENERATION', level, latency_ms, cost_nanousd,
                input_tokens, output_tokens, total_tokens
         FROM observations
         WHERE start_time_ms >= ?1 AND start_time_ms < ?2 AND {environment_clause}
           {agent_clause} {model_clause}"
    );
    {
        let mut statement = connection.prepare_cached(&sql)?;
        statement.raw_bind_parameter(1, start)?;
        statement.raw_bind_parameter(2, end)?;
        if let Some(agent) = &filter.agent {
            statement.raw_bind_parameter(3, agent)?;
        }
        if let Some(model) = &filter.model {
            statement.raw_bind_parameter(4, model)?;
        }
        statement.raw_bind_parameter(5, &filter.environments.json)?;
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next()? {
            let agent = text(row, 0)?;
            let model = optional_text(row, 1)?.filter(|model| !model.is_empty());
            if let (Some(pairs), Some(model)) = (pairs.as_deref_mut(), model) {
                pairs.add(agent, model);
            }
            let key = match (group, model) {
                (GroupBy::Day, _) => day.as_str(),
                (GroupBy::Agent, _) => agent,
                (GroupBy::Model, Some(model)) => model,
                // Read for the pairs alone: model groups leave it out.
                (GroupBy::Model, None) => continue,
            };
            // Looked up by the borrowed name: a group seen allocates nothing.
            let figures = match groups.get_mut(key) {
                Some(figures) => figures,
                None => groups.entry(key.to_string()).or_default(),
            };
            let generation = row.get::<_, Option<i64>>(2)?.unwrap_or(0) != 0;
            let level = optional_text(row, 3)?.unwrap_or_default();
            let number = |index: usize| -> rusqlite::Result<i64> {
                Ok(row.get::<_, Option<i64>>(index)?.unwrap_or(0))
            };
            let totals = &mut figures.totals;
            totals.observations += 1;
            totals.generations += i64::from(generation);
            totals.errors += i64::from(level == "ERROR");
            totals.warnings += i64::from(level == "WARNING");
            totals.cost_nanousd += number(5)?;
            totals.input_tokens += number(6)?;
            totals.output_tokens += number(7)?;
            totals.total_tokens += number(8)?;
            if generation && let Some(latency) = row.get::<_, Option<i64>>(4)? {
                figures.latency.record(latency);
            }
        }
    }
    if group != GroupBy::Model {
        add_partial_sessions_and_traces(connection, start, end, filter, group, &day, groups)?;
    }
    Ok(())
}

/// Sessions and traces count on the day they start, for every agent (and
/// model) that appears in them, like the `daily_metrics` roll-ups.
fn add_partial_sessions_and_traces(
    connection: &Connection,
    start: i64,
    end: i64,
    filter: &Filter,
    group: GroupBy,
    day: &str,
    groups: &mut BTreeMap<String, Figures>,
) -> Result<(), ApiError> {
    // A session counts in every environment it has observations in (as in
    // daily_metrics); a trace in its own (that of its earliest observation).
    let environments = &filter.environments.json;
    // A trace's agents and observations are keyed by its integer key.
    for (table, key, link, link_column, observation_column) in [
        (
            "sessions",
            "id",
            "session_agents",
            "session_id",
            "session_id",
        ),
        ("traces", "key", "trace_agents", "trace_key", "trace_key"),
    ] {
        let in_environments = |id: &str| {
            if table == "sessions" && id == "parent.id" {
                session_in_given(
                    "parent.id",
                    "parent.environment",
                    5,
                    &["start_time_ms >= ?1".into(), "start_time_ms < ?2".into()],
                )
            } else if table == "sessions" {
                format!(
                    "EXISTS (SELECT 1 FROM session_environments AS se
                             WHERE se.session_id = {id} AND {})",
                    in_clause("se.environment", 5)
                )
            } else if id == "parent.id" {
                // The parent row is the trace: no second look-up.
                in_clause("parent.environment", 5)
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM traces AS te WHERE te.key = {id} AND {})",
                    in_clause("te.environment", 5)
                )
            }
        };
        let counts: Vec<(String, i64)> = if group == GroupBy::Agent {
            let sql = format!(
                "SELECT link.agent, count(*) FROM {table} AS parent
                 JOIN {link} AS link ON link.{link_column} = parent.{key}
                 WHERE parent.start_time_ms >= ?1 AND parent.start_time_ms < ?2
                   AND (?3 IS NULL OR link.agent = ?3) AND ?4 IS NULL AND {}
                 GROUP BY link.agent",
                in_environments("parent.id")
            );
            let mut statement = connection.prepare_cached(&sql)?;
            statement
                .query_map(
                    params![start, end, filter.agent, None::<String>, environments],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?
                .collect::<Result<_, _>>()?
        } else {
            let count: i64 = match (&filter.agent, &filter.model) {
                (None, None) => connection
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM {}
                         WHERE {} AND start_time_ms >= ?1 AND start_time_ms < ?2
                           AND ?3 IS NULL AND ?4 IS NULL",
                        // Both carry an environment and a start time per row.
                        if table == "sessions" {
                            "session_environments"
                        } else {
                            "traces"
                        },
                        in_clause("environment", 5)
                    ))?
                    .query_row(
                        params![start, end, None::<String>, None::<String>, environments],
                        |row| row.get(0),
                    )?,
                (Some(agent), None) => connection
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM {link} AS link
                         WHERE agent = ?3 AND start_time_ms >= ?1 AND start_time_ms < ?2
                           AND ?4 IS NULL AND {}",
                        in_environments(&format!("link.{link_column}"))
                    ))?
                    .query_row(
                        params![start, end, agent, None::<String>, environments],
                        |row| row.get(0),
                    )?,
                (agent, Some(model)) => connection
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM {table} AS parent
                         WHERE parent.start_time_ms >= ?1 AND parent.start_time_ms < ?2
                           AND EXISTS (SELECT 1 FROM observations AS o
                                       WHERE o.{observation_column} = parent.{key} AND o.model = ?4
                                         AND (?3 IS NULL OR o.agent = ?3)
                                         AND {})",
                        in_clause("o.environment", 5)
                    ))?
                    .query_row(params![start, end, agent, model, environments], |row| {
                        row.get(0)
                    })?,
            };
            vec![(day.to_string(), count)]
        };
        for (key, count) in counts {
            let figures = groups.entry(key).or_default();
            if table == "sessions" {
                figures.totals.sessions += count;
            } else {
                figures.totals.traces += count;
            }
        }
    }
    Ok(())
}

/// One entry per UTC day of `range` for `filter`, zero-filled; open bounds
/// extend to the first/last day with data.
pub fn daily_figures(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<Points, ApiError> {
    let by_day = figures_by(source, range, filter, GroupBy::Day)?;
    daily_points(source, range, by_day)
}

/// `by_day` (`figures_by` day) as one entry per UTC day of `range`.
fn daily_points(
    source: &Source<'_>,
    range: TimeRange,
    mut by_day: BTreeMap<String, Figures>,
) -> Result<Points, ApiError> {
    let span = data_day_span(source.connection)?;
    let first_day = match (range.from_ms, span) {
        (Some(from), _) => day_floor(from),
        (None, Some((first, _))) => first,
        (None, None) => return Ok(Vec::new()),
    };
    let last_day = match (range.to_ms, span) {
        (Some(to), _) => day_floor(to - 1),
        (None, Some((_, last))) => last,
        (None, None) => return Ok(Vec::new()),
    };
    let mut points = Vec::new();
    let mut day = first_day;
    while day <= last_day && points.len() as i64 <= MAX_SERIES_DAYS {
        let date = ms_to_day(day);
        let figures = by_day.remove(&date).unwrap_or_default();
        points.push((date, figures));
        day += MS_PER_DAY;
    }
    Ok(points)
}

/// The (agent, model) pairs seen in `range`, models only (no empty model),
/// read on their own: what `figures_and_pairs_by`'s pairs must equal (the
/// api-server tests compare the two).
pub fn agent_model_pairs(
    source: &Source<'_>,
    range: TimeRange,
    environments: &Environments,
) -> Result<PairSet, ApiError> {
    let plan = plan(range);
    let mut pairs = BTreeSet::new();
    if let Some(whole_days) = plan.whole_days {
        let (first_day, last_day) = day_bounds(whole_days);
        let mut statement = source.connection.prepare_cached(&format!(
            "SELECT DISTINCT agent, model FROM daily_metrics
             WHERE day >= ?1 AND day <= ?2 AND agent <> '{ROLL_UP}' AND model NOT IN ('{ROLL_UP}', '{NO_MODEL}')
               AND environment IN (SELECT value FROM json_each(?3))",
        ))?;
        let rows = statement.query_map(params![first_day, last_day, environments.json], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
        for pair in rows {
            pairs.insert(pair?);
        }
    }
    for &(grain, start, end) in &plan.runs {
        let mut statement = source.connection.prepare_cached(&pairs_sql(grain))?;
        let rows = statement.query_map(params![start, end, environments.json], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
        for pair in rows {
            pairs.insert(pair?);
        }
    }
    for (start, end) in plan.raw {
        pairs.extend(raw_pairs(source.connection, start, end, environments)?);
    }
    Ok(pairs)
}

/// The (agent, model) pairs of the rows of `grain`'s roll-up starting in
/// `[?1, ?2)`, in the environments ?3.
fn pairs_sql(grain: RunGrain) -> String {
    let (table, time) = (grain.metrics_table(), grain.time_column());
    format!(
        "SELECT DISTINCT agent, model FROM {table}
         WHERE {time} >= ?1 AND {time} < ?2 AND agent <> '{ROLL_UP}'
           AND model NOT IN ('{ROLL_UP}', '{NO_MODEL}')
           AND environment IN (SELECT value FROM json_each(?3))"
    )
}

fn raw_pairs(
    connection: &Connection,
    start: i64,
    end: i64,
    environments: &Environments,
) -> Result<PairSet, ApiError> {
    let mut statement = connection.prepare_cached(
        "SELECT DISTINCT agent, model FROM observations
         WHERE start_time_ms >= ?1 AND start_time_ms < ?2 AND model IS NOT NULL AND model <> ''
           AND environment IN (SELECT value FROM json_each(?3))",
    )?;
    let rows = statement.query_map(params![start, end, environments.json], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The first and last day with data, for series without a range.
pub fn data_day_span(connection: &Connection) -> Result<Option<(i64, i64)>, ApiError> {
    let span: Option<(Option<String>, Option<String>)> = connection
        .prepare_cached(&format!(
            "SELECT min(day), max(day) FROM daily_metrics WHERE agent = '{ROLL_UP}' AND model = '{ROLL_UP}'",
        ))?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let parse = |day: &str| {
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map(shared_schema::units::day_start_ms)
            .map_err(|_| ApiError::Malformed(format!("daily_metrics day {day:?}")))
    };
    match span {
        Some((Some(first), Some(last))) => Ok(Some((parse(&first)?, parse(&last)?))),
        _ => Ok(None),
    }
}

/// What one point of a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Day,
    Hour,
}

/// The series of a range: a point per UTC hour, keyed by the hour's ISO
/// start, for ranges of at most 48 hours (`is_hourly_series`); else a point
/// per UTC day, keyed `YYYY-MM-DD`.
pub fn series_figures(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<(Grain, Points), ApiError> {
    if is_hourly_series(range) {
        let hours = hourly_figures(source, range, filter)?
            .into_iter()
            .map(|(hour, figures)| (ms_to_iso(hour), figures))
            .collect();
        Ok((Grain::Hour, hours))
    } else {
        Ok((Grain::Day, daily_figures(source, range, filter)?))
    }
}

/// `figures_of` and `series_figures` of one range. A daily series and the
/// range's figures are the same grouping by day, read once: summed for the
/// figures, zero-filled for the series.
pub fn figures_and_series(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<(Figures, Grain, Points), ApiError> {
    if is_hourly_series(range) {
        let (grain, points) = series_figures(source, range, filter)?;
        return Ok((figures_of(source, range, filter)?, grain, points));
    }
    let by_day = figures_by(source, range, filter, GroupBy::Day)?;
    let total = sum_of_days(&by_day);
    Ok((total, Grain::Day, daily_points(source, range, by_day)?))
}

/// One entry per UTC hour (its start) of a bounded range, zero-filled; the
/// first and last hour hold only the part inside the range. Each hour is
/// its own small range: a whole hour is one `hourly_metrics` read, a partial
/// one the raw rows of that hour, so a 48-hour series costs at most 49
/// indexed reads.
pub fn hourly_figures(
    source: &Source<'_>,
    range: TimeRange,
    filter: &Filter,
) -> Result<Vec<(i64, Figures)>, ApiError> {
    let (Some(from), Some(to)) = (range.from_ms, range.to_ms) else {
        return Ok(Vec::new());
    };
    let mut points = Vec::new();
    let mut hour = from.div_euclid(MS_PER_HOUR) * MS_PER_HOUR;
    while hour < to {
        let within = TimeRange {
            from_ms: Some(hour.max(from)),
            to_ms: Some((hour + MS_PER_HOUR).min(to)),
        };
        points.push((hour, figures_of(source, within, filter)?));
        hour += MS_PER_HOUR;
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `sql` on a fresh database of the current schema.
    fn query_plan(connection: &Connection, sql: &str) -> String {
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap_or_else(|error| panic!("{sql}: {error}"));
        // Unbound parameters are NULL: the plan does not depend on them.
        let mut rows = statement.raw_query();
        let mut details = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            details.push(row.get::<_, String>(3).unwrap());
        }
        details.join("; ")
    }

    #[test]
    fn every_finer_roll_up_read_searches_by_time_or_agent_never_scans_the_table() {
        let directory = tempfile::tempdir().unwrap();
        let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        let named = |agent: Option<&str>, model: Option<&str>| Filter {
            agent: agent.map(str::to_string),
            model: model.map(str::to_string),
            environments: Environments::new(vec!["default".into()]),
        };
        for grain in [RunGrain::SixHours, RunGrain::Hours, RunGrain::TenMinutes] {
            let (table, time) = (grain.metrics_table(), grain.time_column());
            let mut statements = vec![pairs_sql(grain)];
            for group in [GroupBy::Day, GroupBy::Agent, GroupBy::Model] {
                for filter in [
                    named(None, None),
                    named(Some("judge"), None),
                    named(None, Some("gpt-4o")),
                    named(Some("judge"), Some("gpt-4o")),
                ] {
                    statements.push(roll_up_sql(table, time, &filter, group, false));
                    if group != GroupBy::Day {
                        statements.push(roll_up_sql(table, time, &filter, group, true));
                    }
                }
            }
            for sql in statements {
                let plan = query_plan(&connection, &sql);
                assert!(
                    plan.contains(&format!("SEARCH {table} "))
                        && !plan.contains(&format!("SCAN {table}")),
                    "{sql}\nplans {plan}"
                );
            }
        }
    }

    #[test]
    fn the_agents_and_models_own_rows_are_read_from_their_partial_indexes_alone() {
        let directory = tempfile::tempdir().unwrap();
        let connection = shared_schema::open_writer(&directory.path().join("cupid.db")).unwrap();
        let tables = [
            ("daily_metrics", "day"),
            ("six_hourly_metrics", "hour_ms"),
            ("hourly_metrics", "hour_ms"),
            ("ten_minute_metrics", "start_ms"),
        ];
        for (table, time) in tables {
            for (group, index) in [(GroupBy::Agent, "of_agents"), (GroupBy::Model, "of_models")] {
                let sql = own_rows_sql(table, time, group);
                let plan = query_plan(&connection, &sql);
                assert!(
                    plan.contains(&format!("USING COVERING INDEX {table}_{index}")),
                    "{sql}\nplans {plan}"
                );
            }
        }
    }
}
