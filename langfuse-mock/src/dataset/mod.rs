//! The mock's data model: Cupid game sessions, traces (agent turns),
//! observation trees and scores, held compactly in memory and served newest
//! first. Nothing here knows about HTTP.

pub mod catalog;
mod fidelity;
mod generate;
mod spike;

pub use spike::{RUNAWAY_FACTOR, SpikeKind};
mod versions;

pub use fidelity::{STALE_NAME, StalePlacement, with_stale_versions};

pub use generate::generate;
pub use versions::PromptRef;

use catalog::{MODELS, ModelInfo};
use rand_chacha::ChaCha8Rng;

/// What to generate. `Default` is a small dataset ending now.
#[derive(Clone, Debug)]
pub struct DatasetSpec {
    pub seed: u64,
    /// Approximate number of observations (the last trace is finished, so a
    /// few more may be generated).
    pub observations: usize,
    /// Spread of start times back from `end_ms`.
    pub days: u32,
    /// No generated start time lies after this instant (ms since epoch, UTC).
    pub end_ms: i64,
    /// Share of GENERATIONs first served without endTime/output/usage/cost.
    pub pending_share: f64,
}

impl Default for DatasetSpec {
    fn default() -> Self {
        Self {
            seed: 7,
            observations: 1_000,
            days: 30,
            end_ms: chrono::Utc::now().timestamp_millis(),
            pending_share: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObservationType {
    Agent,
    Generation,
    Span,
    Tool,
    Event,
}

impl ObservationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "AGENT",
            Self::Generation => "GENERATION",
            Self::Span => "SPAN",
            Self::Tool => "TOOL",
            Self::Event => "EVENT",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Debug,
    Default,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Default => "DEFAULT",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "DEBUG" => Some(Self::Debug),
            "DEFAULT" => Some(Self::Default),
            "WARNING" => Some(Self::Warning),
            "ERROR" => Some(Self::Error),
            _ => None,
        }
    }
}

/// Token counts as Langfuse stores them in `usageDetails`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// `input`: uncached input tokens.
    pub input: i64,
    /// `input_cached_tokens`, present only when non-zero.
    pub cached_input: i64,
    pub output: i64,
    /// Whether the `total` key is reported (otherwise readers sum the entries).
    pub reports_total: bool,
}

impl Usage {
    pub fn total(&self) -> i64 {
        self.input + self.cached_input + self.output
    }
}

/// Costs in whole nano-USD as Langfuse stores them in `costDetails`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    pub input_nanousd: i64,
    pub cached_input_nanousd: i64,
    pub output_nanousd: i64,
    /// The application sent its own cost keys (`input`,
    /// `input_cached_tokens`, `output`): Langfuse ingestion adds a `total`
    /// entry only when the keys are just input/output, so these rows carry
    /// no `total` and their `totalCost` is 0.
    pub app_supplied_keys: bool,
}

impl Cost {
    pub fn total_nanousd(&self) -> i64 {
        self.input_nanousd + self.cached_input_nanousd + self.output_nanousd
    }
}

/// The `agent` key of an observation's metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentMetadata {
    Absent,
    /// Present but an empty string: the agent rule must fall through.
    Empty,
    Named(&'static str),
    /// A number or boolean, as its JSON text (`42`, `true`): Langfuse parses
    /// metadata values as JSON, so v2 sends it as a JSON number or boolean.
    Typed(&'static str),
}

/// A status message: a template from the catalog with a varying number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusMessage {
    pub template: &'static str,
    pub number: u32,
}

impl StatusMessage {
    pub fn render(&self) -> String {
        self.template.replacen("{}", &self.number.to_string(), 1)
    }
}

#[derive(Clone, Debug)]
pub struct Observation {
    pub id: u64,
    pub trace: u32,
    pub parent: Option<u32>,
    pub kind: ObservationType,
    pub name: &'static str,
    pub level: Level,
    pub status: Option<StatusMessage>,
    pub start_ms: i64,
    pub duration_ms: i64,
    /// Time to first token (GENERATIONs).
    pub ttft_ms: Option<i64>,
    pub model: Option<u8>,
    pub usage: Option<Usage>,
    pub cost: Option<Cost>,
    pub agent_metadata: AgentMetadata,
    /// Whether metadata carries a value longer than Langfuse's 200-char cut.
    pub long_metadata: bool,
    pub turn: u16,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Served without endTime/output/usage/cost until completed.
    pub pending: bool,
    /// The agents' code version (`version`); none on Langfuse's own runs.
    pub version: Option<&'static str>,
    /// The prompt an LLM call was made with.
    pub prompt: Option<PromptRef>,
}

impl Observation {
    pub fn id_string(&self) -> String {
        format!("{:016x}", self.id)
    }

    pub fn end_ms(&self) -> Option<i64> {
        (!self.pending).then_some(self.start_ms + self.duration_ms)
    }

    pub fn visible_usage(&self) -> Option<Usage> {
        if self.pending { None } else { self.usage }
    }

    pub fn visible_cost(&self) -> Option<Cost> {
        if self.pending { None } else { self.cost }
    }

    pub fn model_info(&self) -> Option<&'static ModelInfo> {
        self.model.map(|m| &MODELS[m as usize])
    }
}

#[derive(Clone, Debug)]
pub struct Trace {
    pub id: u128,
    pub name: Option<&'static str>,
    pub session: Option<u32>,
    pub timestamp_ms: i64,
    pub tags: &'static [&'static str],
    pub release: &'static str,
    /// The Langfuse environment its observations carry.
    pub environment: &'static str,
    /// Observations of a trace are contiguous in `Dataset::observations`.
    pub first_observation: u32,
    pub observation_count: u32,
}

impl Trace {
    pub fn id_string(&self) -> String {
        format!("{:032x}", self.id)
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    /// Start of its earliest trace.
    pub created_ms: i64,
    /// The environment the game was played in (its traces carry it).
    pub environment: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScoreValue {
    Numeric(f64),
    Boolean(bool),
    Categorical(&'static str),
    /// Free text; never averaged nor counted as a category.
    Text(&'static str),
    /// A corrected output (Langfuse's CORRECTION type); like TEXT.
    Correction(&'static str),
}

impl ScoreValue {
    pub fn data_type(&self) -> &'static str {
        match self {
            Self::Numeric(_) => "NUMERIC",
            Self::Boolean(_) => "BOOLEAN",
            Self::Categorical(_) => "CATEGORICAL",
            Self::Text(_) => "TEXT",
            Self::Correction(_) => "CORRECTION",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreSubject {
    Session(u32),
    Trace(u32),
    /// An observation (by index); its trace comes with it.
    Observation(u32),
}

#[derive(Clone, Debug)]
pub struct Score {
    pub id: u128,
    pub name: &'static str,
    pub value: ScoreValue,
    /// "API" or "EVAL".
    pub source: &'static str,
    pub timestamp_ms: i64,
    pub subject: ScoreSubject,
    pub comment: Option<&'static str>,
}

impl Score {
    pub fn id_string(&self) -> String {
        format!("{:032x}", self.id)
    }
}

/// Sort key of the v2 observations order (newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObservationKey {
    pub start_ms: i64,
    pub trace_id: u128,
    pub id: u64,
}

/// Sort key of the v3 scores order (newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScoreKey {
    pub timestamp_ms: i64,
    pub id: u128,
}

/// The whole generated project.
pub struct Dataset {
    pub project_id: String,
    pub(crate) spec: DatasetSpec,
    /// The newest start time of any observation (moves with `add_new_traces`).
    pub(crate) end_ms: i64,
    pub sessions: Vec<Session>,
    pub traces: Vec<Trace>,
    pub observations: Vec<Observation>,
    pub scores: Vec<Score>,
    /// Observation indices, newest first by (startTime, traceId, id).
    order: Vec<u32>,
    /// Score indices, newest first by (timestamp, id).
    score_order: Vec<u32>,
    /// Randomness for data added after generation, continuing the seed.
    pub(crate) rng: ChaCha8Rng,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("sessions", &self.sessions.len())
            .field("traces", &self.traces.len())
            .field("observations", &self.observations.len())
            .field("scores", &self.scores.len())
            .finish()
    }
}

/// Which observations a query wants; `None` fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct ObservationFilter {
    pub from_start_ms: Option<i64>,
    pub to_start_ms: Option<i64>,
    pub trace_id: Option<String>,
    pub session_id: Option<String>,
    pub kind: Option<String>,
    pub level: Option<Level>,
    pub name: Option<String>,
    pub user_id: Option<String>,
    /// `Some("")` matches observations without a parent.
    pub parent_observation_id: Option<String>,
    pub is_root: Option<bool>,
    pub environments: Vec<String>,
    pub version: Option<String>,
}

/// Whether `text` is exactly the lowercase, zero-padded hex form of `id`
/// (compared without formatting `id`, since filters run over every row).
fn is_hex_id(text: &str, width: usize, id: u128) -> bool {
    text.len() == width
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && u128::from_str_radix(text, 16) == Ok(id)
}

impl Dataset {
    pub(crate) fn new_empty(spec: &DatasetSpec, rng: ChaCha8Rng) -> Self {
        Self {
            project_id: "cupid-demo-project".to_string(),
            spec: spec.clone(),
            end_ms: spec.end_ms,
            sessions: Vec::new(),
            traces: Vec::new(),
            observations: Vec::new(),
            scores: Vec::new(),
            order: Vec::new(),
            score_order: Vec::new(),
            rng,
        }
    }

    pub fn spec(&self) -> &DatasetSpec {
        &self.spec
    }

    /// The newest start time the data may contain.
    pub fn end_ms(&self) -> i64 {
        self.end_ms
    }

    pub fn key(&self, index: u32) -> ObservationKey {
        let observation = &self.observations[index as usize];
        ObservationKey {
            start_ms: observation.start_ms,
            trace_id: self.traces[observation.trace as usize].id,
            id: observation.id,
        }
    }

    pub fn score_key(&self, index: u32) -> ScoreKey {
        let score = &self.scores[index as usize];
        ScoreKey {
            timestamp_ms: score.timestamp_ms,
            id: score.id,
        }
    }

    pub fn trace_of(&self, observation: &Observation) -> &Trace {
        &self.traces[observation.trace as usize]
    }

    pub fn session_of(&self, trace: &Trace) -> Option<&Session> {
        trace.session.map(|s| &self.sessions[s as usize])
    }

    /// The `environment` an observation is served with.
    pub fn environment_of(&self, observation: &Observation) -> &'static str {
        self.trace_of(observation).environment
    }

    /// The `environment` a score is served with: that of its subject.
    pub fn score_environment(&self, score: &Score) -> &'static str {
        match score.subject {
            ScoreSubject::Session(s) => self.sessions[s as usize].environment,
            ScoreSubject::Trace(t) => self.traces[t as usize].environment,
            ScoreSubject::Observation(o) => self.environment_of(&self.observations[o as usize]),
        }
    }

    /// Rebuilds the serving orders after observations or scores were added.
    pub(crate) fn reindex(&mut self) {
        let mut keyed: Vec<(ObservationKey, u32)> = (0..self.observations.len() as u32)
            .map(|i| (self.key(i), i))
            .collect();
        keyed.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
        self.order = keyed.into_iter().map(|(_, i)| i).collect();

        let mut keyed: Vec<(ScoreKey, u32)> = (0..self.scores.len() as u32)
            .map(|i| (self.score_key(i), i))
            .collect();
        keyed.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
        self.score_order = keyed.into_iter().map(|(_, i)| i).collect();
    }

    /// Observation indices, newest first.
    pub fn observations_newest_first(&self) -> &[u32] {
        &self.order
    }

    pub fn scores_newest_first(&self) -> &[u32] {
        &self.score_order
    }

    /// The newest-first rows a query has to look at: one trace's rows when
    /// it filters by trace, else everything.
    fn candidates(&self, filter: &ObservationFilter) -> std::borrow::Cow<'_, [u32]> {
        match &filter.trace_id {
            Some(trace_id) => {
                let mut rows: Vec<u32> = self
                    .traces
                    .iter()
                    .filter(|t| is_hex_id(trace_id, 32, t.id))
                    .flat_map(|t| self.trace_observations(t).map(|i| i as u32))
                    .collect();
                rows.sort_unstable_by_key(|&i| std::cmp::Reverse(self.key(i)));
                std::borrow::Cow::Owned(rows)
            }
            None => std::borrow::Cow::Borrowed(&self.order),
        }
    }

    /// Where in newest-first `rows` a query starts: after `after`
    /// (exclusive) and before `to_start_ms` (exclusive).
    fn start_position(
        &self,
        rows: &[u32],
        to_start_ms: Option<i64>,
        after: Option<ObservationKey>,
    ) -> usize {
        let mut position = 0;
        if let Some(to) = to_start_ms {
            position = rows.partition_point(|&i| self.observations[i as usize].start_ms >= to);
        }
        if let Some(after) = after {
            position = position.max(rows.partition_point(|&i| self.key(i) >= after));
        }
        position
    }

    pub fn matches(&self, index: u32, filter: &ObservationFilter) -> bool {
        let observation = &self.observations[index as usize];
        let trace = self.trace_of(observation);
        if let Some(from) = filter.from_start_ms
            && observation.start_ms < from
        {
            return false;
        }
        if let Some(to) = filter.to_start_ms
            && observation.start_ms >= to
        {
            return false;
        }
        if let Some(trace_id) = &filter.trace_id
            && !is_hex_id(trace_id, 32, trace.id)
        {
            return false;
        }
        if let Some(session_id) = &filter.session_id
            && self.session_of(trace).map(|s| s.id.as_str()) != Some(session_id.as_str())
        {
            return false;
        }
        if let Some(kind) = &filter.kind
            && kind != observation.kind.as_str()
        {
            return false;
        }
        if let Some(level) = filter.level
            && level != observation.level
        {
            return false;
        }
        if let Some(name) = &filter.name
            && name != observation.name
        {
            return false;
        }
        if let Some(user_id) = &filter.user_id
            && self.session_of(trace).map(|s| s.user_id.as_str()) != Some(user_id.as_str())
        {
            return false;
        }
        if let Some(parent) = &filter.parent_observation_id {
            let actual = observation
                .parent
                .map(|p| self.observations[p as usize].id_string());
            let wanted = (!parent.is_empty()).then(|| parent.clone());
            if actual != wanted {
                return false;
            }
        }
        if let Some(is_root) = filter.is_root
            && is_root != observation.parent.is_none()
        {
            return false;
        }
        if !filter.environments.is_empty()
            && !filter.environments.iter().any(|e| e == trace.environment)
        {
            return false;
        }
        if let Some(version) = &filter.version
            && observation.version != Some(version.as_str())
        {
            return false;
        }
        true
    }

    /// One page of the v2 order: up to `limit` matching observations after
    /// `after`, and whether more follow.
    pub fn observations_page(
        &self,
        filter: &ObservationFilter,
        after: Option<ObservationKey>,
        limit: usize,
    ) -> (Vec<u32>, bool) {
        let mut page = Vec::with_capacity(limit.min(1024));
        let rows = self.candidates(filter);
        let start = self.start_position(&rows, filter.to_start_ms, after);
        for &index in &rows[start..] {
            if let Some(from) = filter.from_start_ms
                && self.observations[index as usize].start_ms < from
            {
                break;
            }
            if !self.matches(index, filter) {
                continue;
            }
            if page.len() == limit {
                return (page, true);
            }
            page.push(index);
        }
        (page, false)
    }

    /// All matching observations, newest first (for page-based endpoints).
    pub fn observations_matching(&self, filter: &ObservationFilter) -> Vec<u32> {
        let rows = self.candidates(filter);
        let start = self.start_position(&rows, filter.to_start_ms, None);
        let mut all = Vec::new();
        for &index in &rows[start..] {
            if let Some(from) = filter.from_start_ms
                && self.observations[index as usize].start_ms < from
            {
                break;
            }
            if self.matches(index, filter) {
                all.push(index);
            }
        }
        all
    }

    /// Observation indices of one trace.
    pub fn trace_observations(&self, trace: &Trace) -> std::ops::Range<usize> {
        let first = trace.first_observation as usize;
        first..first + trace.observation_count as usize
    }

    /// The trace's latency in seconds: first start to last end among its
    /// finished observations.
    pub fn trace_latency_seconds(&self, trace: &Trace) -> Option<f64> {
        let range = self.trace_observations(trace);
        let start = self.observations[range.clone()]
            .iter()
            .map(|o| o.start_ms)
            .min()?;
        let end = self.observations[range]
            .iter()
            .filter_map(|o| o.end_ms())
            .max()?;
        Some((end - start) as f64 / 1000.0)
    }

    /// The trace's total cost in nano-USD, `None` if no observation has a cost.
    pub fn trace_cost_nanousd(&self, trace: &Trace) -> Option<i64> {
        let costs: Vec<i64> = self.observations[self.trace_observations(trace)]
            .iter()
            .filter_map(|o| o.visible_cost().map(|c| c.total_nanousd()))
            .collect();
        (!costs.is_empty()).then(|| costs.iter().sum())
    }

    /// Fills in the values of pending GENERATIONs; returns how many.
    pub fn complete_pending(&mut self, now_ms: i64) -> usize {
        let mut completed = 0;
        for observation in self.observations.iter_mut().filter(|o| o.pending) {
            observation.pending = false;
            observation.updated_ms = now_ms.max(observation.updated_ms + 1);
            completed += 1;
        }
        completed
    }

    pub fn pending_count(&self) -> usize {
        self.observations.iter().filter(|o| o.pending).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(observations: usize, seed: u64) -> DatasetSpec {
        DatasetSpec {
            seed,
            observations,
            days: 30,
            end_ms: 1_769_817_600_000,
            pending_share: 0.1,
        }
    }

    #[test]
    fn the_same_seed_generates_the_same_data() {
        let a = generate(&spec(2_000, 5));
        let b = generate(&spec(2_000, 5));
        assert_eq!(a.observations.len(), b.observations.len());
        assert_eq!(a.ground_truth(), b.ground_truth());
        let ids = |d: &Dataset| d.observations.iter().map(|o| o.id).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let c = generate(&spec(2_000, 6));
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn no_start_time_lies_after_the_end_and_the_newest_is_the_end() {
        let dataset = generate(&spec(5_000, 9));
        let newest = dataset.observations.iter().map(|o| o.start_ms).max();
        assert_eq!(newest, Some(dataset.spec.end_ms));
        let oldest = dataset
            .observations
            .iter()
            .map(|o| o.start_ms)
            .min()
            .unwrap();
        assert!(oldest >= dataset.spec.end_ms - 30 * 86_400_000);
    }

    #[test]
    fn the_generated_size_is_close_to_the_target_with_the_benchmark_ratios() {
        let dataset = generate(&spec(50_000, 3));
        let observations = dataset.observations.len();
        assert!((50_000..50_200).contains(&observations), "{observations}");
        let per_trace = observations as f64 / dataset.traces.len() as f64;
        let traces_per_session = dataset.traces.len() as f64 / dataset.sessions.len() as f64;
        assert!(
            (7.0..13.0).contains(&per_trace),
            "{per_trace} observations per trace"
        );
        assert!(
            (7.0..13.0).contains(&traces_per_session),
            "{traces_per_session} traces per session"
        );
    }

    #[test]
    fn every_parent_is_in_the_same_trace_and_starts_no_later() {
        let dataset = generate(&spec(3_000, 4));
        for observation in &dataset.observations {
            if let Some(parent) = observation.parent {
                let parent = &dataset.observations[parent as usize];
                assert_eq!(parent.trace, observation.trace);
                assert!(parent.start_ms <= observation.start_ms);
            }
        }
    }

    #[test]
    fn a_whole_nanodollar_cost_survives_the_json_float_round_trip() {
        let dataset = generate(&spec(20_000, 8));
        let mut checked = 0;
        for cost in dataset.observations.iter().filter_map(|o| o.cost) {
            for nanos in [
                cost.input_nanousd,
                cost.cached_input_nanousd,
                cost.output_nanousd,
                cost.total_nanousd(),
            ] {
                let json = serde_json::to_string(&(nanos as f64 / 1e9)).unwrap();
                let back: f64 = serde_json::from_str(&json).unwrap();
                assert_eq!((back * 1e9).round() as i64, nanos, "{json}");
                checked += 1;
            }
        }
        assert!(checked > 1_000);
    }

    #[test]
    fn the_generated_data_exercises_every_branch_of_the_conventions() {
        let dataset = generate(&spec(20_000, 10));
        let generations: Vec<&Observation> = dataset
            .observations
            .iter()
            .filter(|o| o.kind == ObservationType::Generation)
            .collect();
        let has = |f: &dyn Fn(&Observation) -> bool| generations.iter().any(|o| f(o));
        assert!(has(&|o| o.usage.is_none()), "a generation without usage");
        assert!(
            has(&|o| o.usage.is_some() && o.cost.is_none()),
            "usage without cost"
        );
        assert!(
            has(&|o| o.usage.is_some_and(|u| !u.reports_total)),
            "usage without total"
        );
        assert!(
            has(&|o| o.usage.is_some_and(|u| u.cached_input > 0)),
            "cached input"
        );
        assert!(
            has(&|o| o.cost.is_some_and(|c| c.app_supplied_keys)),
            "app-supplied cost keys without a total"
        );
        assert!(
            has(&|o| o.usage.is_some() && o.cost.is_none()),
            "unpriced usage"
        );
        assert!(has(&|o| o.pending), "pending generations");
        assert!(has(&|o| o.level == Level::Error));
        assert!(has(&|o| o.level == Level::Warning));
        let all = &dataset.observations;
        assert!(
            all.iter()
                .any(|o| matches!(o.agent_metadata, AgentMetadata::Named(_)))
        );
        assert!(all.iter().any(|o| o.agent_metadata == AgentMetadata::Empty));
        assert!(all.iter().any(|o| o.long_metadata));
        assert!(dataset.traces.iter().any(|t| t.session.is_none()));
        assert!(dataset.traces.iter().any(|t| t.name.is_none()));
        let truth = dataset.ground_truth();
        for agent in [
            "matchmaker",
            "judge",
            "moderator",
            "profile-indexer",
            "unknown",
        ] {
            assert!(truth.by_agent.contains_key(agent), "agent {agent}");
        }
        assert_eq!(truth.by_model.len(), 5);
    }

    fn assert_children_within_parents(dataset: &Dataset) {
        for observation in &dataset.observations {
            if let Some(parent) = observation.parent {
                let parent = &dataset.observations[parent as usize];
                assert!(parent.start_ms <= observation.start_ms);
                assert!(
                    observation.start_ms + observation.duration_ms
                        <= parent.start_ms + parent.duration_ms
                );
            }
        }
    }

    #[test]
    fn new_traces_fit_between_the_old_end_and_now() {
        let cases = [("a minute later", 60_000), ("a day later", 86_400_000)];
        for (case, elapsed) in cases {
            let mut dataset = generate(&spec(500, 12));
            let old_end = dataset.end_ms();
            let before = dataset.observations.len();
            let now = old_end + elapsed;
            let added = dataset.add_new_traces(8, now);
            assert_eq!(dataset.observations.len(), before + added, "{case}");
            let new = &dataset.observations[before..];
            assert!(
                new.iter()
                    .all(|o| o.start_ms > old_end && o.start_ms <= now),
                "{case}"
            );
            let newest = new.iter().map(|o| o.start_ms).max().unwrap();
            assert_eq!(newest, dataset.end_ms(), "{case}");
            if elapsed == 86_400_000 {
                assert_eq!(newest, now, "{case}: a game that fits ends now");
            }
            assert_children_within_parents(&dataset);
        }
    }
}
