//! The score roll-ups answer exactly what the raw scores would: for many
//! ragged ranges, every scope (all scores, every agent, one agent) and
//! several environment selections, the figures read from whole days and
//! hours plus two partial hours equal a tally of the raw scores of the
//! whole range, and so do every agent's score tallies by name. (That the
//! roll-ups themselves equal a GROUP BY over the scores after late, stale
//! and updated data is the sync daemon's test.)
//! Also: agent and model figures read together with the (agent, model)
//! pairs in one walk of the metric roll-ups equal the two read apart, and
//! one agent's figures read from its own rows equal its entry among every
//! agent's; and cost per outcome read from `outcome_sums` plus the raw rows
//! of two partial slots equals a tally of every outcome row of the range.

use std::collections::{BTreeMap, BTreeSet};

use api_server::db::agents::agent_figures;
use api_server::db::database::SnapshotKey;
use api_server::db::environments::Environments;
use api_server::db::figures::{
    Filter, GroupBy, Source, agent_model_pairs, figures_and_pairs_by, figures_by,
};
use api_server::db::outcomes::outcomes;
use api_server::db::scores::{
    ScoreCells, ScoreRead, ScoreScope, ScoreTally, latest_type, raw_score_cells, score_cells,
    scores_by_agent, scores_of_agent,
};
use api_server::params::TimeRange;
use rusqlite::Connection;

use crate::helpers::{DATA_DAYS, DATA_END_MS, SyncedWorld, synced_world};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// Deterministic pseudo-random numbers (SplitMix64).
fn split_mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Ranges over the data and a day around it, bounds often on or next to
/// hour and day boundaries; open ends too.
fn ragged_ranges(count: usize) -> Vec<TimeRange> {
    let first = DATA_END_MS - i64::from(DATA_DAYS + 1) * DAY;
    let mut state = 2026;
    let bound = |state: &mut u64| {
        let unit = [1, 60_000, HOUR, DAY][(split_mix(state) % 4) as usize];
        let steps = (split_mix(state) % (8 * DAY / unit).max(1) as u64) as i64;
        let nudge = [-1, 0, 0, 1][(split_mix(state) % 4) as usize];
        first - first % HOUR + steps * unit + nudge
    };
    (0..count)
        .map(|index| {
            let (a, b) = (bound(&mut state), bound(&mut state));
            let (from, to) = (a.min(b), a.max(b) + 1);
            match index % 10 {
                0 => TimeRange {
                    from_ms: Some(from),
                    to_ms: None,
                },
                1 => TimeRange {
                    from_ms: None,
                    to_ms: Some(to),
                },
                _ => TimeRange {
                    from_ms: Some(from),
                    to_ms: Some(to),
                },
            }
        })
        .collect()
}

/// The cells of two reads agree: every key and count exactly, float sums
/// to rounding (they are added in another order).
fn assert_same_cells(planned: &ScoreCells, raw: &ScoreCells, what: &str) {
    let keys = |cells: &ScoreCells| cells.cells.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(planned), keys(raw), "{what}: keys");
    for (key, expected) in &raw.cells {
        let served = &planned.cells[key];
        let mut rounded = *served;
        assert!(
            (served.numeric_sum - expected.numeric_sum).abs()
                <= 1e-9 * expected.numeric_sum.abs().max(1.0),
            "{what} {key:?}: sum {} vs {}",
            served.numeric_sum,
            expected.numeric_sum
        );
        rounded.numeric_sum = expected.numeric_sum;
        assert_eq!(&rounded, expected, "{what} {key:?}");
    }
    assert_eq!(planned.values, raw.values, "{what}: numeric values");
}

fn environment_choices(connection: &Connection) -> Vec<Environments> {
    let names: Vec<String> = connection
        .prepare("SELECT DISTINCT environment FROM scores ORDER BY 1")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        names.len() >= 2,
        "the data has several environments: {names:?}"
    );
    let mut choices = vec![Environments::new(names.clone())];
    choices.extend(
        names
            .iter()
            .map(|name| Environments::new(vec![name.clone()])),
    );
    choices.push(Environments::new(Vec::new()));
    choices
}

/// A synced world (kept alive while its database is read), a reader of
/// its database and the environment choices the tests walk through.
async fn synced_reader() -> (SyncedWorld, Connection, Vec<Environments>) {
    let world = synced_world(3_000).await;
    let connection = shared_schema::open_reader(&world.app.database_path).unwrap();
    let environments = environment_choices(&connection);
    (world, connection, environments)
}

fn source(connection: &Connection) -> Source<'_> {
    Source {
        connection,
        snapshot: SnapshotKey::of_version(0),
    }
}

#[tokio::test]
async fn score_roll_ups_equal_the_raw_scores_for_many_ranges_scopes_and_environments() {
    let (_world, connection, environments) = synced_reader().await;
    let agents: Vec<String> = connection
        .prepare("SELECT DISTINCT agent FROM hourly_scores WHERE agent <> '*' ORDER BY 1")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(agents.len() >= 3, "scores reach several agents: {agents:?}");
    let read = ScoreRead {
        by_day: false,
        values: true,
    };
    let mut compared_cells = 0;
    for (index, range) in ragged_ranges(400).into_iter().enumerate() {
        let agent = &agents[index % agents.len()];
        let scope = [
            ScoreScope::Every,
            ScoreScope::Agents,
            ScoreScope::Agent(agent),
        ][index % 3];
        let environments = &environments[index % environments.len()];
        let what = format!("{range:?} {scope:?} {:?}", environments.names);
        let planned = score_cells(&connection, range, scope, environments, read).unwrap();
        let raw = raw_score_cells(&connection, range, scope, environments).unwrap();
        assert_same_cells(&planned, &raw, &what);
        compared_cells += raw.cells.len();
    }
    assert!(
        compared_cells > 1_000,
        "only {compared_cells} cells compared"
    );

    // Per day, the cells add up to the whole range's.
    let all_time = TimeRange::default();
    let by_day = ScoreRead {
        by_day: true,
        values: true,
    };
    let daily = score_cells(
        &connection,
        all_time,
        ScoreScope::Every,
        &environments[0],
        by_day,
    )
    .unwrap();
    let mut summed = ScoreCells {
        values: daily.values.clone(),
        ..ScoreCells::default()
    };
    for ((_, key), totals) in &daily.cells {
        summed
            .cells
            .entry((String::new(), key.clone()))
            .or_default()
            .add(totals);
    }
    let raw = raw_score_cells(&connection, all_time, ScoreScope::Every, &environments[0]).unwrap();
    assert_same_cells(&summed, &raw, "the days of all time");
}

/// Each agent's tallies by name from the raw cells of the whole range, in
/// name order: what `/api/agents` must serve.
fn expected_tallies(raw: &ScoreCells) -> BTreeMap<String, Vec<ScoreTally>> {
    let mut by_agent_name: BTreeMap<(&str, &str), Vec<_>> = BTreeMap::new();
    for ((_, key), totals) in &raw.cells {
        by_agent_name
            .entry((key.agent.as_str(), key.name.as_str()))
            .or_default()
            .push((key, totals));
    }
    let mut tallies: BTreeMap<String, Vec<ScoreTally>> = BTreeMap::new();
    for ((agent, name), parts) in by_agent_name {
        let mut tally = ScoreTally {
            name: name.to_string(),
            data_type: latest_type(
                parts
                    .iter()
                    .map(|(key, totals)| (key.data_type.as_str(), *totals)),
            )
            .unwrap_or_else(|| "NUMERIC".into()),
            count: 0,
            numeric_sum: 0.0,
            numeric_count: 0,
            categories: BTreeMap::new(),
        };
        for (key, totals) in parts {
            tally.count += totals.scores;
            tally.numeric_sum += totals.numeric_sum;
            tally.numeric_count += totals.numeric_count;
            if !key.category.is_empty() {
                *tally.categories.entry(key.category.clone()).or_default() += totals.scores;
            }
        }
        tallies.entry(agent.to_string()).or_default().push(tally);
    }
    tallies
}

/// Two agents' tallies agree: names in the same order, counts and
/// categories exactly, float sums to rounding.
fn assert_same_tallies(served: &[ScoreTally], expected: &[ScoreTally], what: &str) {
    let names = |tallies: &[ScoreTally]| tallies.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(served), names(expected), "{what}: names, in order");
    for (served, expected) in served.iter().zip(expected) {
        assert!(
            (served.numeric_sum - expected.numeric_sum).abs()
                <= 1e-9 * expected.numeric_sum.abs().max(1.0),
            "{what} {}: sum {} vs {}",
            expected.name,
            served.numeric_sum,
            expected.numeric_sum
        );
        let rounded = ScoreTally {
            numeric_sum: expected.numeric_sum,
            ..served.clone()
        };
        assert_eq!(&rounded, expected, "{what}");
    }
}

#[tokio::test]
async fn every_agents_score_tallies_equal_the_raw_scores_by_name_in_name_order() {
    let (_world, connection, environments) = synced_reader().await;
    let mut compared_tallies = 0;
    for (index, range) in ragged_ranges(150).into_iter().enumerate() {
        let environments = &environments[index % environments.len()];
        let what = format!("{range:?} {:?}", environments.names);
        let served = scores_by_agent(&connection, range, environments).unwrap();
        let raw = raw_score_cells(&connection, range, ScoreScope::Agents, environments).unwrap();
        let expected = expected_tallies(&raw);
        let agents = |keys: Vec<&String>| keys.into_iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(
            agents(served.keys().collect()),
            agents(expected.keys().collect()),
            "{what}: agents"
        );
        for (agent, tallies) in &expected {
            assert_same_tallies(&served[agent], tallies, &format!("{what} {agent}"));
            compared_tallies += tallies.len();
        }
        // One agent's own read serves what its entry among all of them does.
        if let Some((agent, tallies)) = expected.iter().nth(index % expected.len().max(1)) {
            let own = scores_of_agent(&connection, range, agent, environments).unwrap();
            assert_same_tallies(&own, tallies, &format!("{what} {agent} alone"));
        }
    }
    assert!(
        compared_tallies > 500,
        "only {compared_tallies} tallies compared"
    );
}

#[tokio::test]
async fn figures_read_with_their_pairs_equal_figures_and_pairs_read_apart() {
    let (_world, connection, environments) = synced_reader().await;
    let source = source(&connection);
    let mut compared_groups = 0;
    let mut compared_pairs = 0;
    for (index, range) in ragged_ranges(300).into_iter().enumerate() {
        let environments = &environments[index % environments.len()];
        let group = [GroupBy::Agent, GroupBy::Model][index % 2];
        let what = format!("{range:?} {group:?} {:?}", environments.names);
        let filter = Filter::in_environments(environments.clone());
        let (together, pairs) = figures_and_pairs_by(&source, range, &filter, group).unwrap();
        let apart = figures_by(&source, range, &filter, group).unwrap();
        assert_eq!(
            together.keys().collect::<Vec<_>>(),
            apart.keys().collect::<Vec<_>>(),
            "{what}: groups"
        );
        for (key, figures) in &apart {
            assert_eq!(together[key].totals, figures.totals, "{what} {key}");
            assert_eq!(together[key].latency, figures.latency, "{what} {key}");
        }
        let every_pair = agent_model_pairs(&source, range, environments).unwrap();
        assert_eq!(pairs, every_pair, "{what}: pairs");
        // One agent named: its figures, and its pairs alone.
        if let (GroupBy::Agent, Some(agent)) = (group, apart.keys().nth(index % 3)) {
            let named = Filter {
                agent: Some(agent.clone()),
                ..filter.clone()
            };
            let (alone, its_pairs) = figures_and_pairs_by(&source, range, &named, group).unwrap();
            assert_eq!(alone.keys().collect::<Vec<_>>(), [agent], "{what}");
            assert_eq!(alone[agent].totals, apart[agent].totals, "{what} {agent}");
            let expected: BTreeSet<(String, String)> = every_pair
                .iter()
                .filter(|(paired, _)| paired == agent)
                .cloned()
                .collect();
            assert_eq!(its_pairs, expected, "{what}: {agent}'s pairs");
            compared_pairs += its_pairs.len();
        }
        compared_groups += apart.len();
        compared_pairs += pairs.len();
    }
    assert!(
        compared_groups > 500 && compared_pairs > 500,
        "only {compared_groups} groups and {compared_pairs} pairs compared"
    );
}

#[tokio::test]
async fn each_agents_figures_read_alone_equal_its_entry_among_every_agent() {
    let (_world, connection, environments) = synced_reader().await;
    let source = source(&connection);
    let mut compared = 0;
    let mut ranges = ragged_ranges(100);
    ranges.push(TimeRange::default());
    for (index, range) in ranges.into_iter().enumerate() {
        let environments = &environments[index % environments.len()];
        let every = agent_figures(&source, range, environments, None).unwrap();
        for listed in &every {
            let what = format!("{range:?} {:?} {}", environments.names, listed.agent);
            let alone = agent_figures(&source, range, environments, Some(&listed.agent)).unwrap();
            assert_eq!(alone.len(), 1, "{what}");
            assert_eq!(alone[0].agent, listed.agent, "{what}");
            assert_eq!(alone[0].figures.totals, listed.figures.totals, "{what}");
            assert_eq!(alone[0].figures.latency, listed.figures.latency, "{what}");
            assert_eq!(alone[0].models, listed.models, "{what}");
            compared += 1;
        }
    }
    assert!(compared > 300, "only {compared} agents compared");
}

/// The double's sessions are each in one environment with one score per
/// name, so every outcome row would be rolled up. Through the daemon's own
/// store, every other session's outcome gets a later score of its name in
/// another environment, which makes both of its rows be read raw.
fn score_every_other_outcome_again_in_another_environment(database: &std::path::Path) {
    use sync_daemon::langfuse::client::CounterDelta;
    use sync_daemon::store::{CursorState, PageProgress, Store};
    use sync_daemon::sync::records::ScoreRecord;

    let mut store = Store::open(database).unwrap();
    let rows: Vec<(String, String, String, i64)> = store
        .connection()
        .prepare(
            "SELECT session_id, environment, name, timestamp_ms FROM session_outcomes
             WHERE rolled_up = 1 ORDER BY session_id, name",
        )
        .unwrap()
        .query_map([], |row| row.try_into())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let records = rows
        .into_iter()
        .step_by(2)
        .map(|(session, environment, name, timestamp_ms)| ScoreRecord {
            id: format!("again-{session}-{name}"),
            trace_id: None,
            observation_id: None,
            session_id: Some(session),
            name,
            source: None,
            data_type: "CATEGORICAL".into(),
            value: None,
            string_value: Some("again".into()),
            comment: None,
            timestamp_ms: timestamp_ms + 1,
            environment: if environment == "staging" {
                "production"
            } else {
                "staging"
            }
            .into(),
            updated_at_ms: None,
        })
        .collect();
    let progress = PageProgress {
        source: shared_schema::rows::CursorSource::Scores,
        cursor: CursorState::default(),
        counters: CounterDelta::default(),
        now_ms: DATA_END_MS,
        project_id: None,
    };
    store.apply_scores(records, &progress).unwrap();
}

/// (name, category) -> (sessions, cost) of the sessions starting in `range`
/// in the environments, by each (session, name)'s latest outcome row among
/// those environments: one window over every outcome row of the range,
/// the definition the roll-ups must agree with.
fn outcomes_of_every_row(
    connection: &Connection,
    range: TimeRange,
    environments: &Environments,
) -> BTreeMap<(String, String), (i64, i64)> {
    connection
        .prepare(
            "SELECT name, category, count(*), sum(session_cost_nanousd) FROM (
                 SELECT so.name, so.category, so.session_cost_nanousd,
                     row_number() OVER (PARTITION BY so.session_id, so.name
                                        ORDER BY so.timestamp_ms DESC, so.score_id DESC) AS rank
                 FROM session_outcomes AS so
                 WHERE so.session_start_ms >= ?1 AND so.session_start_ms < ?2
                   AND so.environment IN (SELECT value FROM json_each(?3))
                   AND EXISTS (SELECT 1 FROM session_environments AS se
                               WHERE se.session_id = so.session_id
                                 AND se.environment IN (SELECT value FROM json_each(?3))))
             WHERE rank = 1
             GROUP BY name, category",
        )
        .unwrap()
        .query_map(
            rusqlite::params![range.lower(), range.upper(), environments.json],
            |row| Ok(((row.get(0)?, row.get(1)?), (row.get(2)?, row.get(3)?))),
        )
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn outcome_sums_and_partial_slots_equal_every_outcome_row_for_many_ranges_and_environments() {
    let (world, connection, environments) = synced_reader().await;
    score_every_other_outcome_again_in_another_environment(&world.app.database_path);
    let (rolled_up, read_raw): (i64, i64) = connection
        .query_row(
            "SELECT count(*) FILTER (WHERE rolled_up = 1),
                    count(*) FILTER (WHERE rolled_up = 0 AND session_start_ms IS NOT NULL)
             FROM session_outcomes",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(
        rolled_up > 20 && read_raw > 20,
        "the data has both kinds of outcome rows: {rolled_up} rolled up, {read_raw} not"
    );
    let mut compared = 0;
    let mut ranges = ragged_ranges(200);
    ranges.push(TimeRange::default());
    for (index, range) in ranges.into_iter().enumerate() {
        for environments in [&environments[index % environments.len()], &environments[0]] {
            let what = format!("{range:?} {:?}", environments.names);
            let served: BTreeMap<(String, String), (i64, i64)> =
                outcomes(&connection, range, environments)
                    .unwrap()
                    .into_iter()
                    .map(|row| ((row.name, row.value), (row.sessions, row.cost_nanousd)))
                    .collect();
            let expected = outcomes_of_every_row(&connection, range, environments);
            assert_eq!(served, expected, "{what}");
            compared += expected.len();
        }
    }
    assert!(compared > 500, "only {compared} outcomes compared");
}
