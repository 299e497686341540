//! Agents: whether one has been seen, and every agent's figures over a
//! range (all time from `agent_stats_cache`).

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::db::environments::Environments;
use crate::db::figures::{
    FIGURE_COLUMNS, Figures, Filter, GroupBy, Source, add_figures_from_row, figures_and_pairs_by,
};
use crate::db::string_list;
use crate::error::ApiError;
use crate::params::TimeRange;

/// One agent's summed figures and the models it called.
pub struct AgentFigures {
    pub agent: String,
    pub figures: Figures,
    pub models: Vec<String>,
}

pub fn agent_exists(connection: &Connection, agent: &str) -> Result<bool, ApiError> {
    Ok(connection
        .prepare_cached(
            "SELECT 1 FROM agent_stats_cache WHERE agent = ?1
             UNION ALL SELECT 1 FROM daily_metrics WHERE agent = ?1 LIMIT 1",
        )?
        .query_row([agent], |_| Ok(()))
        .optional()?
        .is_some())
}

/// All-time figures per agent from `agent_stats_cache`, its rows of the
/// chosen environments merged (histograms exactly); `agent` picks one.
pub fn cached_agent_figures(
    connection: &Connection,
    environments: &Environments,
    agent: Option<&str>,
) -> Result<Vec<AgentFigures>, ApiError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT agent, {figure_columns}, models FROM agent_stats_cache
         WHERE environment IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR agent = ?2)",
        figure_columns = &*FIGURE_COLUMNS
    ))?;
    let mut rows = statement.query(params![environments.json, agent])?;
    let mut merged: BTreeMap<String, (Figures, BTreeSet<String>)> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let (total, models) = merged.entry(name.clone()).or_default();
        add_figures_from_row(row, 1, "agent_stats_cache", &name, total)?;
        models.extend(string_list(row.get(12)?));
    }
    Ok(merged
        .into_iter()
        .map(|(agent, (figures, models))| AgentFigures {
            agent,
            figures,
            models: models.into_iter().collect(),
        })
        .collect())
}

/// Every agent's figures over `range` in `environments`; `agent` picks
/// one, read from its own roll-up rows alone (none when it has no figures
/// in the range).
pub fn agent_figures(
    source: &Source<'_>,
    range: TimeRange,
    environments: &Environments,
    agent: Option<&str>,
) -> Result<Vec<AgentFigures>, ApiError> {
    if range.is_all_time() {
        return cached_agent_figures(source.connection, environments, agent);
    }
    let filter = Filter {
        agent: agent.map(str::to_string),
        model: None,
        environments: environments.clone(),
    };
    let (by_agent, pairs) = figures_and_pairs_by(source, range, &filter, GroupBy::Agent)?;
    let mut models: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (agent, model) in pairs {
        models.entry(agent).or_default().push(model);
    }
    Ok(by_agent
        .into_iter()
        .map(|(agent, figures)| AgentFigures {
            models: models.remove(&agent).unwrap_or_default(),
            agent,
            figures,
        })
        .collect())
}
