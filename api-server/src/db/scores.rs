//! Scores, and the agents each belongs to.
//!
//! Attribution (`shared_schema::scores::attributed_scores`): a score
//! belongs to its observation's agent when it has an observation; else to
//! the agents of its trace; else to the agents of its session. A score is in
//! a range by its timestamp. Figures over a range come like the metrics':
//! whole days from `daily_scores`, six-hour blocks from `six_hourly_scores`,
//! whole hours from `hourly_scores`, ten-minute slots from
//! `ten_minute_scores` (numeric values from the matching `*_score_values`),
//! and at most two partial slots tallied from the raw scores (`db::plan`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;
use rusqlite::types::Value;
use shared_schema::agent_scores::{
    DAILY_AGENT_SCORES, HOURLY_AGENT_SCORES, PackedRollUp, SIX_HOURLY_AGENT_SCORES,
    TEN_MINUTE_AGENT_SCORES, unpack_cells,
};
use shared_schema::scores::{
    EVERY_SCORE, NumericValue, OF_SESSION, RAW_SCORE_COLUMNS, RawScore, ScoreKey,
    ScoreTally as RawTally, ScoreTotals, attributed_scores,
};
use shared_schema::units::ms_to_day;

use crate::db::environments::Environments;
use crate::db::plan::{RunGrain, day_bounds, plan};
use crate::db::text;
use crate::error::ApiError;
use crate::params::{TimeRange, day_floor};

/// Whose scores a read counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreScope<'a> {
    /// Every score, attributed to an agent or not (under `EVERY_SCORE`).
    Every,
    /// Each agent's attributed scores, under its name.
    Agents,
    /// One agent's attributed scores.
    Agent(&'a str),
}

/// Score figures of a range: summed per (day, `ScoreKey`), the day ''
/// unless asked per day; and, if asked, the count of each numeric value
/// per (agent, name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreCells {
    pub cells: BTreeMap<(String, ScoreKey), ScoreTotals>,
    pub values: BTreeMap<(String, String), BTreeMap<NumericValue, i64>>,
}

impl ScoreCells {
    fn add_cell(&mut self, day: String, key: ScoreKey, totals: &ScoreTotals) {
        self.cells.entry((day, key)).or_default().add(totals);
    }

    fn add_value(&mut self, agent: String, name: String, value: NumericValue, scores: i64) {
        *self
            .values
            .entry((agent, name))
            .or_default()
            .entry(value)
            .or_default() += scores;
    }

    fn add_tally(&mut self, day: &str, tally: RawTally) {
        for (key, totals) in tally.cells {
            self.add_cell(day.to_string(), key, &totals);
        }
        for ((agent, name, value), scores) in tally.values {
            self.add_value(agent, name, value, scores);
        }
    }
}

/// What a read asks for besides the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreRead {
    /// Cells per day (for daily series) rather than over the whole range.
    pub by_day: bool,
    /// The numeric values too (for histograms).
    pub values: bool,
}

fn agent_clause(scope: ScoreScope<'_>) -> String {
    match scope {
        ScoreScope::Every => format!("agent = '{EVERY_SCORE}'"),
        ScoreScope::Agents => format!("agent <> '{EVERY_SCORE}'"),
        ScoreScope::Agent(_) => "agent = ?4".to_string(),
    }
}

/// Whole days of the daily roll-ups, or a run of whole rows of a finer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Days,
    Run(RunGrain),
}

impl Grain {
    /// The roll-up's table of each agent's packed cells (migration 19).
    fn packed(self) -> PackedRollUp {
        match self {
            Grain::Days => DAILY_AGENT_SCORES,
            Grain::Run(RunGrain::SixHours) => SIX_HOURLY_AGENT_SCORES,
            Grain::Run(RunGrain::Hours) => HOURLY_AGENT_SCORES,
            Grain::Run(RunGrain::TenMinutes) => TEN_MINUTE_AGENT_SCORES,
        }
    }

    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Grain::Days => ("daily_scores", "daily_score_values", "day"),
            Grain::Run(run) => {
                let (scores, values) = run.score_tables();
                (scores, values, run.time_column())
            }
        }
    }
}

/// The cells of a roll-up between two inclusive bounds (?1, ?2) of its
/// time column, in the environments ?3, of `scope` (agent ?4), one row per
/// stored cell, with the time unit when `by_time`. Summed by key in Rust
/// (`CellSums`): a GROUP BY over four text columns sorts every row, which
/// costs ten times the scan itself.
pub fn roll_up_cells_sql(grain: Grain, scope: ScoreScope<'_>, by_time: bool) -> String {
    let (table, _, time) = grain.tables();
    let time_select = if by_time { time } else { "NULL" };
    format!(
        "SELECT {time_select}, agent, name, data_type, category, {totals}
         FROM {table}
         WHERE {time} >= ?1 AND {time} <= ?2 AND environment IN (SELECT value FROM json_each(?3))
           AND {agent}",
        totals = ScoreTotals::COLUMNS,
        agent = agent_clause(scope)
    )
}

/// Every agent's packed cells of a roll-up between two inclusive bounds
/// (?1, ?2) of its time column, in the environments ?3: one row per
/// (span, environment, agent) holding the cells `roll_up_cells_sql` would
/// read for `ScoreScope::Agents`, with the time unit when `by_time`.
pub fn packed_cells_sql(grain: Grain, by_time: bool) -> String {
    let PackedRollUp {
        packed,
        time_column,
        ..
    } = grain.packed();
    let time_select = if by_time { time_column } else { "NULL" };
    format!(
        "SELECT {time_select}, agent, cells FROM {packed}
         WHERE {time_column} >= ?1 AND {time_column} <= ?2
           AND environment IN (SELECT value FROM json_each(?3))"
    )
}

/// Roll-up rows summed by (day, agent, name, type, category), and numeric
/// values counted by (agent, name, value), each looked up by the key's
/// bytes so that a row of a key already seen allocates nothing.
#[derive(Default)]
struct CellSums {
    sums: foldhash::HashMap<Vec<u8>, ((String, ScoreKey), ScoreTotals)>,
    values: foldhash::HashMap<Vec<u8>, ((String, String), NumericValue, i64)>,
    key: Vec<u8>,
}

impl CellSums {
    /// Sets `key` to the parts, each ended by a NUL.
    fn set_key<'a>(&mut self, parts: impl IntoIterator<Item = &'a str>) {
        self.key.clear();
        for part in parts {
            self.key.extend_from_slice(part.as_bytes());
            self.key.push(0);
        }
    }

    fn add(&mut self, day: &str, parts: [&str; 4], totals: &ScoreTotals) {
        self.set_key(std::iter::once(day).chain(parts));
        if let Some((_, sum)) = self.sums.get_mut(self.key.as_slice()) {
            sum.add(totals);
            return;
        }
        let [agent, name, data_type, category] = parts.map(str::to_string);
        let key = ScoreKey {
            agent,
            name,
            data_type,
            category,
        };
        self.sums
            .insert(self.key.clone(), ((day.to_string(), key), *totals));
    }

    fn add_value(&mut self, agent: &str, name: &str, value: NumericValue, scores: i64) {
        self.set_key([agent, name]);
        self.key
            .extend_from_slice(&value.get().to_bits().to_le_bytes());
        if let Some((_, _, count)) = self.values.get_mut(self.key.as_slice()) {
            *count += scores;
            return;
        }
        self.values.insert(
            self.key.clone(),
            ((agent.to_string(), name.to_string()), value, scores),
        );
    }

    /// The sums in key order.
    fn into_cells(self) -> ScoreCells {
        let mut cells = ScoreCells::default();
        for ((day, key), totals) in self.sums.into_values() {
            cells.add_cell(day, key, &totals);
        }
        for ((agent, name), value, scores) in self.values.into_values() {
            cells.add_value(agent, name, value, scores);
        }
        cells
    }
}

/// The counts of each numeric value of a roll-up, bound like
/// `roll_up_cells_sql`, one row per stored count: summed in Rust
/// (`CellSums`), as a GROUP BY sorts every row first.
pub fn roll_up_values_sql(grain: Grain, scope: ScoreScope<'_>) -> String {
    let (_, table, time) = grain.tables();
    format!(
        "SELECT agent, name, value, scores
         FROM {table}
         WHERE {time} >= ?1 AND {time} <= ?2 AND environment IN (SELECT value FROM json_each(?3))
           AND {agent}",
        agent = agent_clause(scope)
    )
}

/// The raw scores of `scope` in [?1, ?2) and the environments ?3 (agent
/// ?4), as the agent and `RAW_SCORE_COLUMNS`.
pub fn raw_scores_sql(scope: ScoreScope<'_>) -> String {
    let filter = "sc.timestamp_ms >= ?1 AND sc.timestamp_ms < ?2 \
        AND sc.environment IN (SELECT value FROM json_each(?3))";
    match scope {
        ScoreScope::Every => {
            format!("SELECT '{EVERY_SCORE}', {RAW_SCORE_COLUMNS} FROM scores AS sc WHERE {filter}")
        }
        ScoreScope::Agents => attributed_scores(RAW_SCORE_COLUMNS, filter, None),
        ScoreScope::Agent(_) => attributed_scores(RAW_SCORE_COLUMNS, filter, Some("?4")),
    }
}

fn bind_scope(
    statement: &mut rusqlite::CachedStatement<'_>,
    low: &Value,
    high: &Value,
    environments: &Environments,
    scope: ScoreScope<'_>,
) -> rusqlite::Result<()> {
    statement.raw_bind_parameter(1, low)?;
    statement.raw_bind_parameter(2, high)?;
    statement.raw_bind_parameter(3, &environments.json)?;
    if let ScoreScope::Agent(agent) = scope {
        statement.raw_bind_parameter(4, agent)?;
    }
    Ok(())
}

/// `scope`'s score figures over `range` in `environments`.
pub fn score_cells(
    connection: &Connection,
    range: TimeRange,
    scope: ScoreScope<'_>,
    environments: &Environments,
    read: ScoreRead,
) -> Result<ScoreCells, ApiError> {
    Ok(cell_sums(connection, range, scope, environments, read)?.into_cells())
}

/// `score_cells` summed by key but not yet ordered: the roll-ups' rows,
/// then the partial slots' raw tallies (so each cell's float sum adds in
/// the same order however it is read out).
fn cell_sums(
    connection: &Connection,
    range: TimeRange,
    scope: ScoreScope<'_>,
    environments: &Environments,
    read: ScoreRead,
) -> Result<CellSums, ApiError> {
    let plan = plan(range);
    // One sum over every read: a key seen in several runs is looked up by
    // its bytes.
    let mut sums = CellSums::default();
    if let Some(days) = plan.whole_days {
        let (first, last) = day_bounds(days);
        let bounds = (Value::Text(first), Value::Text(last));
        add_roll_up(
            connection,
            Grain::Days,
            bounds,
            (scope, environments, read),
            &mut sums,
        )?;
    }
    for &(run, start, end) in &plan.runs {
        let bounds = (Value::Integer(start), Value::Integer(end - run.step_ms()));
        add_roll_up(
            connection,
            Grain::Run(run),
            bounds,
            (scope, environments, read),
            &mut sums,
        )?;
    }
    for (start, end) in plan.raw {
        let day = if read.by_day {
            ms_to_day(start)
        } else {
            String::new()
        };
        let tally = raw_tally(connection, start, end, scope, environments)?;
        for (key, totals) in &tally.cells {
            let ScoreKey {
                agent,
                name,
                data_type,
                category,
            } = key;
            sums.add(&day, [agent, name, data_type, category], totals);
        }
        if read.values {
            for ((agent, name, value), scores) in tally.values {
                sums.add_value(&agent, &name, value, scores);
            }
        }
    }
    Ok(sums)
}

/// Adds one roll-up read's cells and, when asked, its numeric values to
/// `sums`.
fn add_roll_up(
    connection: &Connection,
    grain: Grain,
    (low, high): (Value, Value),
    (scope, environments, read): (ScoreScope<'_>, &Environments, ScoreRead),
    sums: &mut CellSums,
) -> Result<(), ApiError> {
    // Every agent's cells come packed, a row per agent and span.
    let packed = scope == ScoreScope::Agents;
    let sql = if packed {
        packed_cells_sql(grain, read.by_day)
    } else {
        roll_up_cells_sql(grain, scope, read.by_day)
    };
    let mut statement = connection.prepare_cached(&sql)?;
    bind_scope(&mut statement, &low, &high, environments, scope)?;
    let mut rows = statement.raw_query();
    // Rows of one day come together: name each day once.
    let mut day_of_row: Option<(i64, String)> = None;
    while let Some(row) = rows.next()? {
        let day = match (read.by_day, grain) {
            (false, _) => "",
            (true, Grain::Days) => text(row, 0)?,
            (true, Grain::Run(_)) => {
                let day = day_floor(row.get(0)?);
                match &day_of_row {
                    Some((named, _)) if *named == day => {}
                    _ => day_of_row = Some((day, ms_to_day(day))),
                }
                day_of_row.as_ref().map_or("", |(_, name)| name.as_str())
            }
        };
        if packed {
            let agent = text(row, 1)?;
            let unreadable = |error: &dyn std::fmt::Display| {
                ApiError::Malformed(format!("{} of {agent}: {error}", grain.packed().packed))
            };
            let blob = row
                .get_ref(2)?
                .as_blob()
                .map_err(|error| unreadable(&error))?;
            unpack_cells(blob, |[name, data_type, category], totals| {
                sums.add(day, [agent, name, data_type, category], &totals)
            })
            .map_err(|error| unreadable(&error))?;
        } else {
            let totals = ScoreTotals::from_row(row, 5)?;
            let parts = [text(row, 1)?, text(row, 2)?, text(row, 3)?, text(row, 4)?];
            sums.add(day, parts, &totals);
        }
    }
    if read.values {
        let mut statement = connection.prepare_cached(&roll_up_values_sql(grain, scope))?;
        bind_scope(&mut statement, &low, &high, environments, scope)?;
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next()? {
            let value: f64 = row.get(2)?;
            sums.add_value(
                text(row, 0)?,
                text(row, 1)?,
                NumericValue::new(value),
                row.get(3)?,
            );
        }
    }
    Ok(())
}

/// The raw scores of `scope` in `[start, end)` tallied like the roll-ups.
fn raw_tally(
    connection: &Connection,
    start: i64,
    end: i64,
    scope: ScoreScope<'_>,
    environments: &Environments,
) -> Result<RawTally, ApiError> {
    let mut tally = RawTally::default();
    let mut statement = connection.prepare_cached(&raw_scores_sql(scope))?;
    bind_scope(
        &mut statement,
        &Value::Integer(start),
        &Value::Integer(end),
        environments,
        scope,
    )?;
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next()? {
        let agent: String = row.get(0)?;
        tally.record(&agent, &RawScore::from_row(row, 1)?);
    }
    Ok(tally)
}

/// `scope`'s score figures over `range` from the raw scores alone: what
/// the roll-ups must equal (tests, benchmarks).
pub fn raw_score_cells(
    connection: &Connection,
    range: TimeRange,
    scope: ScoreScope<'_>,
    environments: &Environments,
) -> Result<ScoreCells, ApiError> {
    let mut cells = ScoreCells::default();
    let tally = raw_tally(
        connection,
        range.lower(),
        range.upper(),
        scope,
        environments,
    )?;
    cells.add_tally("", tally);
    Ok(cells)
}

/// One agent's scores of one name over a range.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTally {
    pub name: String,
    /// The type of the name's latest score.
    pub data_type: String,
    pub count: i64,
    /// The sum and number of the values averages use (`RawScore::numeric`).
    pub numeric_sum: f64,
    pub numeric_count: i64,
    /// How many scores have each category (`RawScore::category`).
    pub categories: BTreeMap<String, i64>,
}

/// The data type that wins for a name: that of its latest score (of two
/// as late, the greater type, so that the choice never depends on order).
pub fn latest_type<'a>(
    types: impl IntoIterator<Item = (&'a str, &'a ScoreTotals)>,
) -> Option<String> {
    types
        .into_iter()
        .filter(|(_, totals)| totals.scores > 0)
        .max_by(|a, b| a.1.latest_ms.cmp(&b.1.latest_ms).then_with(|| a.0.cmp(b.0)))
        .map(|(data_type, _)| data_type.to_string())
}

/// Per agent, its tallies by name. Grouped by hash and only each agent's
/// names sorted: putting every cell in order first compared the long
/// shared prefixes of their keys, a tenth of an `agents` request.
fn tallies_of(sums: CellSums) -> HashMap<String, Vec<ScoreTally>> {
    type Parts<'a> = Vec<(&'a str, &'a str, &'a ScoreTotals)>;
    let mut by_agent: foldhash::HashMap<&str, foldhash::HashMap<&str, Parts<'_>>> =
        foldhash::HashMap::default();
    for ((_, key), totals) in sums.sums.values() {
        by_agent
            .entry(key.agent.as_str())
            .or_default()
            .entry(key.name.as_str())
            .or_default()
            .push((key.data_type.as_str(), key.category.as_str(), totals));
    }
    let mut tallies = HashMap::with_capacity(by_agent.len());
    for (agent, by_name) in by_agent {
        let mut names: Vec<(&str, Parts<'_>)> = by_name.into_iter().collect();
        names.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let agent_tallies: Vec<ScoreTally> = names
            .into_iter()
            .map(|(name, mut parts)| {
                // In key order, so that the float sum adds in one order.
                parts.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
                tally_of_name(name, &parts)
            })
            .collect();
        tallies.insert(agent.to_string(), agent_tallies);
    }
    tallies
}

/// One name's tally from its cells: (data type, category, totals).
fn tally_of_name(name: &str, parts: &[(&str, &str, &ScoreTotals)]) -> ScoreTally {
    let data_type = latest_type(
        parts
            .iter()
            .map(|&(data_type, _, totals)| (data_type, totals)),
    )
    .unwrap_or_else(|| "NUMERIC".into());
    let mut tally = ScoreTally {
        name: name.to_string(),
        data_type,
        count: 0,
        numeric_sum: 0.0,
        numeric_count: 0,
        categories: BTreeMap::new(),
    };
    for &(_, category, totals) in parts {
        tally.count += totals.scores;
        tally.numeric_sum += totals.numeric_sum;
        tally.numeric_count += totals.numeric_count;
        if !category.is_empty() {
            *tally.categories.entry(category.to_string()).or_default() += totals.scores;
        }
    }
    tally
}

/// Every agent's score tallies in `range` and `environments`, each agent's
/// by name.
pub fn scores_by_agent(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> Result<HashMap<String, Vec<ScoreTally>>, ApiError> {
    let read = ScoreRead {
        by_day: false,
        values: false,
    };
    let sums = cell_sums(connection, range, ScoreScope::Agents, environments, read)?;
    Ok(tallies_of(sums))
}

/// `agent`'s score tallies in `range` and `environments`, by name.
pub fn scores_of_agent(
    connection: &Connection,
    range: TimeRange,
    agent: &str,
    environments: &Environments,
) -> Result<Vec<ScoreTally>, ApiError> {
    let read = ScoreRead {
        by_day: false,
        values: false,
    };
    let sums = cell_sums(
        connection,
        range,
        ScoreScope::Agent(agent),
        environments,
        read,
    )?;
    Ok(tallies_of(sums).remove(agent).unwrap_or_default())
}

/// Every score in `range` and `environments` (or those attributed to
/// `agent`), per day with their numeric values: what `/api/scores` sums.
pub fn score_summary_cells(
    connection: &Connection,
    range: TimeRange,
    agent: Option<&str>,
    environments: &Environments,
) -> Result<ScoreCells, ApiError> {
    let scope = agent.map_or(ScoreScope::Every, ScoreScope::Agent);
    let read = ScoreRead {
        by_day: true,
        values: true,
    };
    score_cells(connection, range, scope, environments, read)
}

/// One score as stored.
pub struct ScoreRow {
    pub id: String,
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub comment: Option<String>,
    pub trace_id: Option<String>,
    pub observation_id: Option<String>,
    pub timestamp_ms: i64,
}

/// Every score of the session, its traces and its observations, in time
/// order.
pub fn session_scores(connection: &Connection, session: &str) -> Result<Vec<ScoreRow>, ApiError> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT sc.id, sc.name, sc.data_type, sc.value, sc.string_value, sc.comment,
                    sc.trace_id, sc.observation_id, sc.timestamp_ms
             FROM scores AS sc
             WHERE {OF_SESSION}
             ORDER BY sc.timestamp_ms, sc.id"
        ))?
        .query_map([session], |row| {
            Ok(ScoreRow {
                id: row.get(0)?,
                name: row.get(1)?,
                data_type: row.get(2)?,
                value: row.get(3)?,
                string_value: row.get(4)?,
                comment: row.get(5)?,
                trace_id: row.get(6)?,
                observation_id: row.get(7)?,
                timestamp_ms: row.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// A session's latest score of one name.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestScoreRow {
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
}

/// The session's latest score per name, by name, from the daemon's
/// `session_latest_scores` (what the latest of `session_scores` per name
/// is, read as one short range).
pub fn latest_session_scores(
    connection: &Connection,
    session: &str,
) -> Result<Vec<LatestScoreRow>, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT name, data_type, value, string_value FROM session_latest_scores
             WHERE session_id = ?1 ORDER BY name",
        )?
        .query_map([session], |row| {
            Ok(LatestScoreRow {
                name: row.get(0)?,
                data_type: row.get(1)?,
                value: row.get(2)?,
                string_value: row.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::scores::{ScoreEntry, latest_per_name};

    /// Trace t1 (session s1) has observations of agents a and b; session s1
    /// also has agent c. One score each on b's observation, on t1 and on s1.
    fn attribution_database() -> (tempfile::TempDir, Connection) {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("cupid.db");
        let writer = shared_schema::open_writer(&path).unwrap();
        writer
            .execute_batch(
                "INSERT INTO trace_keys (key, id) VALUES (1, 't1');
                 INSERT INTO observations (id, trace_key, trace_id, session_id, type, start_time_ms, agent, synced_at_ms)
                 VALUES ('o1', 1, 't1', 's1', 'SPAN', 10, 'a', 0), ('o2', 1, 't1', 's1', 'SPAN', 20, 'b', 0);
                 INSERT INTO traces (key, id, session_id, start_time_ms) VALUES (1, 't1', 's1', 10);
                 INSERT INTO trace_agents (trace_key, agent, start_time_ms) VALUES (1, 'a', 10), (1, 'b', 10);
                 INSERT INTO session_agents VALUES ('a', 's1', 10), ('b', 's1', 10), ('c', 's1', 10);
                 INSERT INTO scores (id, trace_id, observation_id, session_id, name, data_type, value, timestamp_ms, synced_at_ms, environment)
                 VALUES ('x1', 't1', 'o2', NULL, 'tool_ok', 'NUMERIC', 1, 100, 0, 'production'),
                        ('x2', 't1', NULL, NULL, 'turn', 'NUMERIC', 2, 200, 0, 'production'),
                        ('x3', NULL, NULL, 's1', 'win', 'BOOLEAN', 1, 300, 0, 'production');",
            )
            .unwrap();
        drop(writer);
        let reader = shared_schema::open_reader(&path).unwrap();
        (directory, reader)
    }

    /// Inside the first hour of 1970, where the range is raw scores only
    /// (this database has no roll-ups; the daemon's tests fill those).
    const FIRST_SECOND: TimeRange = TimeRange {
        from_ms: Some(1),
        to_ms: Some(1_000),
    };

    #[test]
    fn scores_go_to_their_observations_agent_else_their_traces_else_their_sessions() {
        let (_directory, connection) = attribution_database();
        let production = Environments::new(vec!["production".into()]);
        let names = |agent: &str| -> Vec<String> {
            score_summary_cells(&connection, FIRST_SECOND, Some(agent), &production)
                .unwrap()
                .cells
                .into_keys()
                .map(|(_, key)| key.name)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        assert_eq!(names("a"), ["turn", "win"]);
        assert_eq!(names("b"), ["tool_ok", "turn", "win"]);
        assert_eq!(names("c"), ["win"]);
        let by_agent = scores_by_agent(&connection, FIRST_SECOND, &production).unwrap();
        assert_eq!(by_agent["b"].len(), 3);
        assert_eq!(by_agent["c"].len(), 1);
        for agent in ["a", "b", "c"] {
            assert_eq!(
                scores_of_agent(&connection, FIRST_SECOND, agent, &production).unwrap(),
                by_agent[agent],
                "{agent}: one agent's tallies are its share of everyone's"
            );
        }
        let staging = Environments::new(vec!["staging".into()]);
        assert!(
            scores_by_agent(&connection, FIRST_SECOND, &staging)
                .unwrap()
                .is_empty(),
            "scores of another environment are left out"
        );
        // All three belong to the session, the latest per name.
        let scores = session_scores(&connection, "s1").unwrap();
        assert_eq!(scores.len(), 3);
        let entries: Vec<ScoreEntry> = scores.into_iter().map(ScoreEntry::from).collect();
        assert_eq!(latest_per_name(&entries).len(), 3);
    }
}
