//! What a correct sync must end up with, computed from the mock's own data
//! model (never from sync-daemon code).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::dataset::{AgentMetadata, Dataset, Level, ObservationType, ScoreSubject, ScoreValue};

/// Sums over a set of observations.
///
/// Tokens and cost follow the Langfuse conventions in ARCHITECTURE.md: input
/// tokens are the `usageDetails` entries whose key contains "input", output
/// likewise, total the `total` entry (else the sum of all entries); cost is
/// `costDetails.total`, else the sum of `costDetails` (never `totalCost`,
/// which the server renders as `Number(costDetails.total ?? 0)`). An
/// unknown usage or cost counts as 0. `traces` and `sessions` count the
/// distinct traces and sessions with at least one observation in the group.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub observations: u64,
    pub generations: u64,
    pub errors: u64,
    pub warnings: u64,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub traces: u64,
    pub sessions: u64,
}

/// Which Langfuse environments a view covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum EnvironmentFilter {
    /// Every environment but Langfuse's internal ones (`langfuse-...`), as
    /// Langfuse's own UI shows by default.
    #[default]
    AllButInternal,
    All,
    /// Exactly these names (an internal one included when named).
    Only(BTreeSet<String>),
}

impl EnvironmentFilter {
    /// `Only` the given names.
    pub fn only<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::Only(names.into_iter().map(str::to_string).collect())
    }

    pub fn includes(&self, environment: &str) -> bool {
        match self {
            Self::AllButInternal => !is_internal_environment(environment),
            Self::All => true,
            Self::Only(names) => names.contains(environment),
        }
    }
}

/// Langfuse's internal environments (its evaluators, experiments) start
/// with `langfuse-` (packages/shared/src/server/.../internalEnvironments.ts).
pub fn is_internal_environment(environment: &str) -> bool {
    environment.starts_with("langfuse-")
}

/// The expected aggregates of the data as it is now, over the environments
/// of one `EnvironmentFilter` (every field below is within it).
///
/// - `overall`, `by_session`, `by_trace`: all observations of the whole
///   project, of a session, of a trace.
/// - `by_agent`: by the agent rule (metadata `agent` if a non-empty string;
///   else the nearest AGENT among the observation and its ancestors; else the
///   trace name; else "unknown").
/// - `by_model`: GENERATIONs only, keyed by model name.
/// - `by_day`: by the UTC day (`YYYY-MM-DD`) of the observation's start time.
/// - `by_environment`: by the observation's environment.
/// - In `by_agent`, `by_model` and `by_day`, `traces`/`sessions` are the
///   distinct traces/sessions having at least one observation in the group.
/// - `scores`: all scores; `scores_by_session`: session scores plus scores of
///   the session's traces.
/// - `scores_by_name`: per score name, by name.
/// - `error_groups`: ERROR and WARNING observations by (agent, observation
///   name, level, status message with its varying number as `<n>`), most
///   frequent first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroundTruth {
    pub overall: Totals,
    pub by_session: BTreeMap<String, Totals>,
    pub by_trace: BTreeMap<String, Totals>,
    pub by_agent: BTreeMap<String, Totals>,
    pub by_model: BTreeMap<String, Totals>,
    pub by_day: BTreeMap<String, Totals>,
    pub by_environment: BTreeMap<String, Totals>,
    pub scores: u64,
    pub scores_by_session: BTreeMap<String, u64>,
    pub scores_by_name: Vec<ScoreNameTruth>,
    pub error_groups: Vec<ErrorGroupTruth>,
}

/// All scores of one name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScoreNameTruth {
    pub name: String,
    /// `NUMERIC`, `BOOLEAN` or `CATEGORICAL`.
    pub data_type: String,
    pub count: u64,
    /// Of NUMERIC values, and BOOLEAN ones as 0/1; None for CATEGORICAL.
    pub average: Option<f64>,
    /// CATEGORICAL values, and BOOLEAN ones as `true`/`false`: their counts.
    pub categories: BTreeMap<String, u64>,
}

/// Problems (ERROR or WARNING observations) sharing agent, observation
/// name, level and normalised message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ErrorGroupTruth {
    pub agent: String,
    pub name: String,
    /// `ERROR` or `WARNING`.
    pub level: String,
    /// The message template, its varying number shown as `<n>`.
    pub message: String,
    pub count: u64,
    /// Distinct sessions with an observation of the group.
    pub sessions: u64,
}

/// Totals plus the distinct traces and sessions seen, until finished.
#[derive(Default)]
struct Accumulator {
    totals: Totals,
    traces: HashSet<u32>,
    sessions: HashSet<u32>,
}

impl Accumulator {
    fn finish(mut self) -> Totals {
        self.totals.traces = self.traces.len() as u64;
        self.totals.sessions = self.sessions.len() as u64;
        self.totals
    }
}

fn finish_all<K: Ord>(groups: HashMap<K, Accumulator>) -> BTreeMap<K, Totals> {
    groups.into_iter().map(|(k, a)| (k, a.finish())).collect()
}

impl Dataset {
    /// The name of the agent an observation belongs to, by the agent rule.
    pub fn agent_of(&self, index: u32) -> &'static str {
        let observation = &self.observations[index as usize];
        match observation.metadata_agent() {
            AgentMetadata::Named(agent) if !agent.is_empty() => return agent,
            // A number or flag names the agent by its JSON text.
            AgentMetadata::Typed(text) => return text,
            _ => {}
        }
        let mut current = Some(index);
        while let Some(i) = current {
            let candidate = &self.observations[i as usize];
            if candidate.kind == ObservationType::Agent {
                return candidate.name;
            }
            current = candidate.parent;
        }
        self.trace_of(observation).name.unwrap_or("unknown")
    }

    /// The default view: all environments but the internal ones.
    pub fn ground_truth(&self) -> GroundTruth {
        self.ground_truth_for(&EnvironmentFilter::AllButInternal)
    }

    pub fn ground_truth_for(&self, environments: &EnvironmentFilter) -> GroundTruth {
        let mut overall = Accumulator::default();
        let mut by_session: HashMap<u32, Accumulator> = HashMap::new();
        let mut by_trace: HashMap<u32, Accumulator> = HashMap::new();
        let mut by_agent: HashMap<&'static str, Accumulator> = HashMap::new();
        let mut by_model: HashMap<&'static str, Accumulator> = HashMap::new();
        let mut by_day: HashMap<i64, Accumulator> = HashMap::new();
        let mut by_environment: HashMap<&'static str, Accumulator> = HashMap::new();

        for (index, observation) in self.observations.iter().enumerate() {
            let environment = self.environment_of(observation);
            if !environments.includes(environment) {
                continue;
            }
            let trace = &self.traces[observation.trace as usize];
            let add = |acc: &mut Accumulator| {
                let totals = &mut acc.totals;
                totals.observations += 1;
                if observation.kind == ObservationType::Generation {
                    totals.generations += 1;
                }
                match observation.level {
                    Level::Error => totals.errors += 1,
                    Level::Warning => totals.warnings += 1,
                    _ => {}
                }
                if let Some(usage) = observation.visible_usage() {
                    totals.input_tokens += usage.input + usage.cached_input;
                    totals.output_tokens += usage.output;
                    totals.total_tokens += usage.total();
                }
                if let Some(cost) = observation.visible_cost() {
                    totals.cost_nanousd += cost.total_nanousd();
                }
                acc.traces.insert(observation.trace);
                if let Some(session) = trace.session {
                    acc.sessions.insert(session);
                }
            };
            add(&mut overall);
            if let Some(session) = trace.session {
                add(by_session.entry(session).or_default());
            }
            add(by_trace.entry(observation.trace).or_default());
            add(by_agent.entry(self.agent_of(index as u32)).or_default());
            if observation.kind == ObservationType::Generation
                && let Some(model) = observation.model_info()
            {
                add(by_model.entry(model.name).or_default());
            }
            add(by_day
                .entry(observation.start_ms.div_euclid(86_400_000))
                .or_default());
            add(by_environment.entry(environment).or_default());
        }

        let mut scores_by_session: BTreeMap<String, u64> = BTreeMap::new();
        let scores = self
            .scores
            .iter()
            .filter(|score| environments.includes(self.score_environment(score)));
        for score in scores.clone() {
            let session = match score.subject {
                ScoreSubject::Session(s) => Some(s),
                ScoreSubject::Trace(t) => self.traces[t as usize].session,
                ScoreSubject::Observation(o) => {
                    self.trace_of(&self.observations[o as usize]).session
                }
            };
            if let Some(session) = session {
                *scores_by_session
                    .entry(self.sessions[session as usize].id.clone())
                    .or_default() += 1;
            }
        }

        GroundTruth {
            scores_by_name: self.scores_by_name(environments),
            error_groups: self.error_groups(environments),
            overall: overall.finish(),
            by_session: finish_all(by_session)
                .into_iter()
                .map(|(s, t)| (self.sessions[s as usize].id.clone(), t))
                .collect(),
            by_trace: finish_all(by_trace)
                .into_iter()
                .map(|(t, totals)| (self.traces[t as usize].id_string(), totals))
                .collect(),
            by_agent: finish_all(by_agent)
                .into_iter()
                .map(|(a, t)| (a.to_string(), t))
                .collect(),
            by_model: finish_all(by_model)
                .into_iter()
                .map(|(m, t)| (m.to_string(), t))
                .collect(),
            by_day: finish_all(by_day)
                .into_iter()
                .map(|(day, t)| (day_string(day), t))
                .collect(),
            by_environment: finish_all(by_environment)
                .into_iter()
                .map(|(e, t)| (e.to_string(), t))
                .collect(),
            scores: scores.count() as u64,
            scores_by_session,
        }
    }
}

/// (agent, observation name, level, message) of a problem observation.
type ProblemKey<'a> = (&'static str, &'static str, &'a str, String);

impl Dataset {
    fn scores_by_name(&self, environments: &EnvironmentFilter) -> Vec<ScoreNameTruth> {
        let mut by_name: BTreeMap<&str, (ScoreNameTruth, f64, u64)> = BTreeMap::new();
        let scores = self
            .scores
            .iter()
            .filter(|score| environments.includes(self.score_environment(score)));
        for score in scores {
            let (truth, sum, numbers) = by_name.entry(score.name).or_default();
            truth.name = score.name.to_string();
            truth.data_type = score.value.data_type().to_string();
            truth.count += 1;
            match score.value {
                ScoreValue::Numeric(value) => {
                    *sum += value;
                    *numbers += 1;
                }
                ScoreValue::Boolean(flag) => {
                    *sum += if flag { 1.0 } else { 0.0 };
                    *numbers += 1;
                    *truth.categories.entry(flag.to_string()).or_default() += 1;
                }
                ScoreValue::Categorical(value) => {
                    *truth.categories.entry(value.to_string()).or_default() += 1;
                }
                // Free text is counted, never averaged nor a category.
                ScoreValue::Text(_) | ScoreValue::Correction(_) => {}
            }
        }
        by_name
            .into_values()
            .map(|(mut truth, sum, numbers)| {
                truth.average = (numbers > 0).then(|| sum / numbers as f64);
                truth
            })
            .collect()
    }

    fn error_groups(&self, environments: &EnvironmentFilter) -> Vec<ErrorGroupTruth> {
        let mut groups: BTreeMap<ProblemKey<'_>, (u64, HashSet<u32>)> = BTreeMap::new();
        for (index, observation) in self.observations.iter().enumerate() {
            if !environments.includes(self.environment_of(observation)) {
                continue;
            }
            let level = match observation.level {
                Level::Error => "ERROR",
                Level::Warning => "WARNING",
                _ => continue,
            };
            let message = observation
                .status
                .map(|status| status.template.replace("{}", "<n>"))
                .unwrap_or_default();
            let (count, sessions) = groups
                .entry((
                    self.agent_of(index as u32),
                    observation.name,
                    level,
                    message,
                ))
                .or_default();
            *count += 1;
            if let Some(session) = self.traces[observation.trace as usize].session {
                sessions.insert(session);
            }
        }
        let mut truths: Vec<ErrorGroupTruth> = groups
            .into_iter()
            .map(
                |((agent, name, level, message), (count, sessions))| ErrorGroupTruth {
                    agent: agent.to_string(),
                    name: name.to_string(),
                    level: level.to_string(),
                    message,
                    count,
                    sessions: sessions.len() as u64,
                },
            )
            .collect();
        truths.sort_by_key(|group| std::cmp::Reverse(group.count));
        truths
    }
}

fn day_string(day_index: i64) -> String {
    chrono::DateTime::from_timestamp_millis(day_index * 86_400_000)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl Dataset {
    /// Each trace's tags by Langfuse's rule: the most recent non-empty tag
    /// list among its observations (by start time, then `updatedAt`, then id).
    pub fn trace_tags_truth(&self) -> BTreeMap<String, Vec<String>> {
        self.traces
            .iter()
            .map(|trace| {
                let mut members: Vec<&crate::dataset::Observation> = self.observations
                    [self.trace_observations(trace)]
                .iter()
                .collect();
                members.sort_by_key(|o| (o.start_ms, o.updated_ms, o.id));
                let tags = members
                    .iter()
                    .rev()
                    .map(|o| o.tags(trace.tags))
                    .find(|tags| !tags.is_empty())
                    .unwrap_or_default();
                (
                    trace.id_string(),
                    tags.iter().map(|t| t.to_string()).collect(),
                )
            })
            .collect()
    }
}
