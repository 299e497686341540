//! Derived data computed from the observations of a trace: the agent of each
//! observation, the trace's own row, and its contribution to daily_metrics
//! and hourly_metrics. A page's change to them is the new contribution of
//! every touched trace minus its old one, so refreshing costs what changed,
//! not what exists.

use std::collections::BTreeSet;

// A page's deltas hash three strings a key, four keys an observation:
// foldhash (randomly seeded) instead of SipHash (docs/BENCHMARKS.md,
// twenty-ninth step).
use foldhash::{HashMap, HashMapExt};

use shared_schema::histogram::LatencyHistogram;
use shared_schema::rows::Totals;
use shared_schema::rows::{NO_MODEL, ROLL_UP};
use shared_schema::units::{MS_PER_DAY, ms_to_day};

pub const UNKNOWN_AGENT: &str = "unknown";

/// One observation of a trace, the columns derived data needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub parent_id: Option<String>,
    pub observation_type: String,
    pub name: Option<String>,
    pub level: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub total_tokens: Option<i64>,
    pub cost_nanousd: Option<i64>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub trace_name: Option<String>,
    pub trace_tags: Option<String>,
    pub environment: Option<String>,
    pub agent_hint: Option<String>,
    pub agent: String,
    pub updated_at_ms: Option<i64>,
}

impl Member {
    pub fn is_generation(&self) -> bool {
        self.observation_type == "GENERATION"
    }

    pub fn latency_ms(&self) -> Option<i64> {
        self.end_ms.map(|end| (end - self.start_ms).max(0))
    }

    fn model_key(&self) -> &str {
        self.model.as_deref().unwrap_or(NO_MODEL)
    }

    /// The environment it counts in (`default` when Langfuse sent none).
    pub fn environment_key(&self) -> &str {
        super::records::environment_or_default(self.environment.as_deref())
    }
}

/// The trace name: that of any observation carrying it (v2 denormalises it
/// onto every observation).
pub fn trace_name(members: &[Member]) -> Option<&str> {
    members.iter().find_map(|m| m.trace_name.as_deref())
}

/// A trace's tags by Langfuse's rule: tags belong to observations, and the
/// trace shows the most recent non-empty list (by start time, then
/// `updatedAt`, then id) — an observation created outside the SDK's
/// propagation context carries none.
pub fn trace_tags(members: &[Member]) -> String {
    members
        .iter()
        .filter(|m| {
            m.trace_tags
                .as_deref()
                .is_some_and(|tags| !matches!(tags.trim(), "" | "[]" | "null"))
        })
        .max_by(|a, b| {
            (a.start_ms, a.updated_at_ms, a.id.as_str()).cmp(&(
                b.start_ms,
                b.updated_at_ms,
                b.id.as_str(),
            ))
        })
        .and_then(|m| m.trace_tags.clone())
        .unwrap_or_else(|| "[]".to_string())
}

/// Sets `agent` on every member by the agent rule: the metadata hint; else
/// the nearest AGENT among itself and its ancestors; else the trace name;
/// else "unknown". Parents not (yet) synced end the walk.
pub fn resolve_agents(members: &mut [Member]) {
    let fallback = trace_name(members).unwrap_or(UNKNOWN_AGENT).to_string();
    let index: HashMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let resolved: Vec<String> = (0..members.len())
        .map(|start| {
            if let Some(hint) = &members[start].agent_hint {
                return hint.clone();
            }
            let mut current = start;
            // A parent cycle in bad data must not loop forever.
            for _ in 0..=members.len() {
                let member = &members[current];
                if member.observation_type == "AGENT"
                    && let Some(name) = member.name.as_deref().filter(|n| !n.trim().is_empty())
                {
                    return name.to_string();
                }
                match member.parent_id.as_deref().and_then(|p| index.get(p)) {
                    Some(parent) => current = *parent,
                    None => break,
                }
            }
            fallback.clone()
        })
        .collect();
    for (member, agent) in members.iter_mut().zip(resolved) {
        member.agent = agent;
    }
}

/// The `traces` row of one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRow {
    pub id: String,
    pub name: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub tags: String,
    pub environment: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub cost_nanousd: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub observations: i64,
    pub generations: i64,
    pub errors: i64,
    pub warnings: i64,
    pub agents: Vec<String>,
}

impl TraceRow {
    /// None for a trace without observations.
    pub fn of(trace_id: &str, members: &[Member]) -> Option<TraceRow> {
        let start_ms = members.iter().map(|m| m.start_ms).min()?;
        let agents: BTreeSet<&str> = members.iter().map(|m| m.agent.as_str()).collect();
        let first = |pick: fn(&Member) -> Option<&String>| {
            let mut ordered: Vec<&Member> = members.iter().collect();
            ordered.sort_by_key(|m| (m.start_ms, m.id.as_str()));
            ordered.into_iter().find_map(|m| pick(m).cloned())
        };
        Some(TraceRow {
            id: trace_id.to_string(),
            name: trace_name(members).map(str::to_string),
            session_id: first(|m| m.session_id.as_ref()),
            user_id: first(|m| m.user_id.as_ref()),
            tags: trace_tags(members),
            environment: {
                let earliest = members.iter().min_by_key(|m| (m.start_ms, m.id.as_str()));
                earliest.map(|m| m.environment_key().to_string())
            },
            start_ms,
            end_ms: members.iter().filter_map(|m| m.end_ms).max(),
            cost_nanousd: members.iter().filter_map(|m| m.cost_nanousd).sum(),
            input_tokens: members.iter().filter_map(|m| m.input_tokens).sum(),
            output_tokens: members.iter().filter_map(|m| m.output_tokens).sum(),
            total_tokens: members.iter().filter_map(|m| m.total_tokens).sum(),
            observations: members.len() as i64,
            generations: members.iter().filter(|m| m.is_generation()).count() as i64,
            errors: members.iter().filter(|m| m.level == "ERROR").count() as i64,
            warnings: members.iter().filter(|m| m.level == "WARNING").count() as i64,
            agents: agents.into_iter().map(str::to_string).collect(),
        })
    }

    pub fn latency_ms(&self) -> Option<i64> {
        self.end_ms.map(|end| (end - self.start_ms).max(0))
    }
}

/// (environment, agent, model) triples of a trace, with the roll-ups over
/// agent and model (never over the environment).
pub type Pair = (String, String, String);

pub fn pairs_of(members: &[Member]) -> BTreeSet<Pair> {
    let mut pairs = BTreeSet::new();
    for member in members {
        for pair in with_roll_ups(member.environment_key(), &member.agent, member.model_key()) {
            pairs.insert(pair);
        }
    }
    pairs
}

fn with_roll_ups(environment: &str, agent: &str, model: &str) -> [Pair; 4] {
    let triple = |a: &str, m: &str| (environment.to_string(), a.to_string(), m.to_string());
    [
        triple(agent, model),
        triple(ROLL_UP, model),
        triple(agent, ROLL_UP),
        triple(ROLL_UP, ROLL_UP),
    ]
}

/// (day, environment, agent, model), as in daily_metrics.
pub type DailyKey = (String, String, String, String);

/// (start in ms, environment, agent, model), as in the ten-minute, hourly
/// and six-hourly metrics.
pub type TimedKey = (i64, String, String, String);

pub use shared_schema::units::MS_PER_HOUR;
use shared_schema::units::{MS_PER_SIX_HOURS, MS_PER_TEN_MINUTES};

/// A page's change to one row of a metrics roll-up: its figures, and the
/// latencies that came and went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricDelta {
    pub totals: Totals,
    pub latencies_added: LatencyHistogram,
    pub latencies_removed: LatencyHistogram,
}

impl MetricDelta {
    pub fn absorb(&mut self, other: &MetricDelta) {
        self.totals.add(&other.totals);
        self.latencies_added.merge(&other.latencies_added);
        self.latencies_removed.merge(&other.latencies_removed);
    }

    pub fn is_noop(&self) -> bool {
        self.totals.is_zero() && self.latencies_added == self.latencies_removed
    }
}

/// A page's change to one `environments` row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnvironmentDelta {
    pub observations: i64,
    /// The newest start among the observations added.
    pub newest_start_ms: Option<i64>,
}

/// Changes to the metrics roll-ups (and the environments table),
/// accumulated over a page: per day and per ten-minute slot, each getting
/// the same contributions at its own grain, and the hours and six-hour
/// blocks summed from the slots, so that every grain sums to the next.
#[derive(Debug, Default)]
pub struct MetricDeltas {
    pub by_day: HashMap<DailyKey, MetricDelta>,
    pub by_ten_minutes: HashMap<TimedKey, MetricDelta>,
    pub environments: HashMap<String, EnvironmentDelta>,
}

impl MetricDeltas {
    /// Adds (`sign` = 1) or takes away (`sign` = -1) a trace's contribution:
    /// its observations in their own slots and days, and one trace in the
    /// slot (and day) it starts for each (agent, model) it involves.
    pub fn add_trace(&mut self, members: &[Member], sign: i64) {
        let Some(start_ms) = members.iter().map(|m| m.start_ms).min() else {
            return;
        };
        // A trace has few distinct keys: sum over them per slot before
        // touching the page-wide maps (whose keys are owned strings).
        let mut local: HashMap<(i64, &str, &str, &str), MetricDelta> = HashMap::new();
        for member in members {
            let slot = member.start_ms.div_euclid(MS_PER_TEN_MINUTES);
            let is_generation = member.is_generation();
            let latency = member.latency_ms().filter(|_| is_generation);
            let (environment, agent, model) = (
                member.environment_key(),
                member.agent.as_str(),
                member.model_key(),
            );
            let counted = self
                .environments
                .entry(environment.to_string())
                .or_default();
            counted.observations += sign;
            if sign > 0 {
                counted.newest_start_ms = counted.newest_start_ms.max(Some(member.start_ms));
            }
            for key in [
                (slot, environment, agent, model),
                (slot, environment, ROLL_UP, model),
                (slot, environment, agent, ROLL_UP),
                (slot, environment, ROLL_UP, ROLL_UP),
            ] {
                let delta = local.entry(key).or_default();
                delta.totals.observations += sign;
                if is_generation {
                    delta.totals.generations += sign;
                }
                match member.level.as_str() {
                    "ERROR" => delta.totals.errors += sign,
                    "WARNING" => delta.totals.warnings += sign,
                    _ => {}
                }
                delta.totals.cost_nanousd += sign * member.cost_nanousd.unwrap_or(0);
                delta.totals.input_tokens += sign * member.input_tokens.unwrap_or(0);
                delta.totals.output_tokens += sign * member.output_tokens.unwrap_or(0);
                delta.totals.total_tokens += sign * member.total_tokens.unwrap_or(0);
                if let Some(latency) = latency {
                    if sign > 0 {
                        delta.latencies_added.record(latency);
                    } else {
                        delta.latencies_removed.record(latency);
                    }
                }
            }
        }
        let start_slot = start_ms.div_euclid(MS_PER_TEN_MINUTES);
        let mut pairs: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
        for member in members {
            let (environment, agent, model) = (
                member.environment_key(),
                member.agent.as_str(),
                member.model_key(),
            );
            pairs.extend([
                (environment, agent, model),
                (environment, ROLL_UP, model),
                (environment, agent, ROLL_UP),
                (environment, ROLL_UP, ROLL_UP),
            ]);
        }
        for (environment, agent, model) in pairs {
            local
                .entry((start_slot, environment, agent, model))
                .or_default()
                .totals
                .traces += sign;
        }
        let mut day_names: HashMap<i64, String> = HashMap::new();
        for ((slot, environment, agent, model), delta) in local {
            let slot_ms = slot * MS_PER_TEN_MINUTES;
            let day_start = slot_ms.div_euclid(MS_PER_DAY) * MS_PER_DAY;
            let day = day_names
                .entry(day_start)
                .or_insert_with(|| ms_to_day(day_start))
                .clone();
            let (environment, agent, model) = (
                environment.to_string(),
                agent.to_string(),
                model.to_string(),
            );
            self.by_day
                .entry((day, environment.clone(), agent.clone(), model.clone()))
                .or_default()
                .absorb(&delta);
            self.by_ten_minutes
                .entry((slot_ms, environment, agent, model))
                .or_default()
                .absorb(&delta);
        }
    }

    /// A session counts once, in the slot (and on the day) it starts, for
    /// each pair in it.
    pub fn add_session<'a>(
        &mut self,
        start_ms: i64,
        pairs: impl IntoIterator<Item = &'a Pair>,
        sign: i64,
    ) {
        let day = ms_to_day(start_ms);
        let slot_ms = start_ms.div_euclid(MS_PER_TEN_MINUTES) * MS_PER_TEN_MINUTES;
        for (environment, agent, model) in pairs {
            self.by_day
                .entry((
                    day.clone(),
                    environment.clone(),
                    agent.clone(),
                    model.clone(),
                ))
                .or_default()
                .totals
                .sessions += sign;
            self.by_ten_minutes
                .entry((slot_ms, environment.clone(), agent.clone(), model.clone()))
                .or_default()
                .totals
                .sessions += sign;
        }
    }

    /// The changes per hour and per block of six hours, summed from the
    /// slots, as in hourly_metrics and six_hourly_metrics.
    pub fn by_hours_and_six_hours(
        &self,
    ) -> (
        HashMap<TimedKey, MetricDelta>,
        HashMap<TimedKey, MetricDelta>,
    ) {
        let hours = summed_per(&self.by_ten_minutes, MS_PER_HOUR);
        let blocks = summed_per(&hours, MS_PER_SIX_HOURS);
        (hours, blocks)
    }
}

/// `deltas` summed per span of `step_ms` (a multiple of their own step).
fn summed_per(
    deltas: &HashMap<TimedKey, MetricDelta>,
    step_ms: i64,
) -> HashMap<TimedKey, MetricDelta> {
    let mut summed: HashMap<TimedKey, MetricDelta> = HashMap::new();
    for ((start_ms, environment, agent, model), delta) in deltas {
        let span = start_ms.div_euclid(step_ms) * step_ms;
        summed
            .entry((span, environment.clone(), agent.clone(), model.clone()))
            .or_default()
            .absorb(delta);
    }
    summed
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn member(id: &str, parent: Option<&str>, kind: &str, name: &str) -> Member {
        Member {
            id: id.into(),
            parent_id: parent.map(Into::into),
            observation_type: kind.into(),
            name: Some(name.into()),
            level: "DEFAULT".into(),
            start_ms: 1_700_000_000_000,
            end_ms: Some(1_700_000_001_000),
            model: None,
            input_tokens: None,
            output_tokens: None,
            total_tokens: None,
            cost_nanousd: None,
            session_id: Some("game".into()),
            user_id: None,
            trace_name: Some("turn".into()),
            trace_tags: None,
            environment: None,
            agent_hint: None,
            agent: String::new(),
            updated_at_ms: None,
        }
    }

    #[test]
    fn a_traces_tags_are_the_most_recent_non_empty_list_of_its_observations() {
        let tagged = |id: &str, start: i64, updated: i64, tags: Option<&str>| Member {
            start_ms: start,
            updated_at_ms: Some(updated),
            trace_tags: tags.map(str::to_string),
            ..member(id, None, "SPAN", "s")
        };
        let cases = [
            (
                vec![
                    tagged("a", 1, 1, Some(r#"["cupid","draft"]"#)),
                    tagged("b", 2, 2, Some(r#"["cupid","ranked"]"#)),
                    tagged("c", 3, 3, Some("[]")),
                ],
                r#"["cupid","ranked"]"#,
            ),
            (
                vec![
                    tagged("a", 5, 9, Some(r#"["late"]"#)),
                    tagged("b", 5, 4, Some(r#"["early"]"#)),
                ],
                r#"["late"]"#,
            ),
            (
                vec![tagged("a", 1, 1, None), tagged("b", 2, 2, Some("[]"))],
                "[]",
            ),
        ];
        for (members, expected) in cases {
            assert_eq!(trace_tags(&members), expected);
        }
    }

    #[test]
    fn agents_follow_hint_then_nearest_agent_ancestor_then_trace_name() {
        let mut members = vec![
            member("root", None, "AGENT", "matchmaker"),
            member("child", Some("root"), "SPAN", "plan"),
            member("grandchild", Some("child"), "GENERATION", "llm"),
            member("inner", Some("child"), "AGENT", "persona-bob"),
            member("under-inner", Some("inner"), "GENERATION", "llm"),
            member("orphan", Some("not-yet-synced"), "GENERATION", "llm"),
            member("hinted", Some("root"), "TOOL", "search"),
        ];
        members[6].agent_hint = Some("judge".into());
        resolve_agents(&mut members);
        let agents: Vec<&str> = members.iter().map(|m| m.agent.as_str()).collect();
        assert_eq!(
            agents,
            [
                "matchmaker",
                "matchmaker",
                "matchmaker",
                "persona-bob",
                "persona-bob",
                "turn",
                "judge"
            ]
        );
    }

    #[test]
    fn agents_fall_back_to_unknown_and_survive_parent_cycles() {
        let mut members = vec![
            member("a", Some("b"), "SPAN", "x"),
            member("b", Some("a"), "SPAN", "y"),
        ];
        for m in &mut members {
            m.trace_name = None;
        }
        resolve_agents(&mut members);
        assert!(members.iter().all(|m| m.agent == UNKNOWN_AGENT));
    }

    #[test]
    fn adding_then_removing_a_trace_cancels_out() {
        let mut members = vec![
            member("root", None, "AGENT", "matchmaker"),
            member("llm", Some("root"), "GENERATION", "llm"),
        ];
        members[1].model = Some("gpt-4o".into());
        members[1].cost_nanousd = Some(1234);
        resolve_agents(&mut members);
        let mut deltas = MetricDeltas::default();
        deltas.add_trace(&members, 1);
        let day_total = &deltas.by_day[&(
            ms_to_day(members[0].start_ms),
            "default".into(),
            "*".into(),
            "*".into(),
        )];
        assert_eq!(
            (
                day_total.totals.observations,
                day_total.totals.traces,
                day_total.totals.generations
            ),
            (2, 1, 1)
        );
        assert_eq!(day_total.totals.cost_nanousd, 1234);
        deltas.add_trace(&members, -1);
        assert!(deltas.by_day.values().all(MetricDelta::is_noop));
        assert!(deltas.by_ten_minutes.values().all(MetricDelta::is_noop));
        assert_eq!(deltas.environments["default"].observations, 0);
    }

    #[test]
    fn each_observation_counts_in_its_own_environment() {
        let mut members = vec![
            member("root", None, "AGENT", "matchmaker"),
            member("llm", Some("root"), "GENERATION", "llm"),
        ];
        members[0].environment = Some("production".into());
        members[1].environment = Some("staging".into());
        members[1].cost_nanousd = Some(700);
        members[1].start_ms += 10;
        resolve_agents(&mut members);
        let mut deltas = MetricDeltas::default();
        deltas.add_trace(&members, 1);
        let day = ms_to_day(members[0].start_ms);
        let total = |environment: &str| {
            let key = (day.clone(), environment.to_string(), "*".into(), "*".into());
            let delta = &deltas.by_day[&key];
            (
                delta.totals.observations,
                delta.totals.traces,
                delta.totals.cost_nanousd,
            )
        };
        assert_eq!(total("production"), (1, 1, 0));
        assert_eq!(total("staging"), (1, 1, 700));
        assert_eq!(
            TraceRow::of("t", &members).unwrap().environment.as_deref(),
            Some("production"),
            "a trace takes the environment of its earliest observation"
        );
    }

    #[test]
    fn the_slots_and_hours_of_a_trace_across_midnight_sum_to_its_days() {
        let mut members = vec![
            member("root", None, "AGENT", "matchmaker"),
            member("llm", Some("root"), "GENERATION", "llm"),
            member("late", Some("root"), "GENERATION", "llm"),
        ];
        let midnight = 1_793_491_200_000; // 2026-11-01T00:00:00Z
        for (member, start) in
            members
                .iter_mut()
                .zip([midnight - 30 * 60_000, midnight - 1, midnight + 70 * 60_000])
        {
            member.start_ms = start;
            member.end_ms = Some(start + 900);
            member.model = Some("gpt-4o".into());
            member.cost_nanousd = Some(start % 1_000);
        }
        resolve_agents(&mut members);
        let mut deltas = MetricDeltas::default();
        deltas.add_trace(&members, 1);
        deltas.add_session(midnight - 30 * 60_000, &pairs_of(&members), 1);

        let (by_hour, by_six_hours) = deltas.by_hours_and_six_hours();
        for finer in [&deltas.by_ten_minutes, &by_hour, &by_six_hours] {
            let mut summed: HashMap<DailyKey, MetricDelta> = HashMap::new();
            for ((start, environment, agent, model), delta) in finer {
                let key = (
                    ms_to_day(*start),
                    environment.clone(),
                    agent.clone(),
                    model.clone(),
                );
                summed.entry(key).or_default().absorb(delta);
            }
            assert_eq!(summed, deltas.by_day);
        }
        let starts = |deltas: &HashMap<TimedKey, MetricDelta>| -> BTreeSet<i64> {
            deltas.keys().map(|key| key.0).collect()
        };
        assert_eq!(
            starts(&deltas.by_ten_minutes),
            BTreeSet::from([
                midnight - 30 * 60_000,
                midnight - MS_PER_TEN_MINUTES,
                midnight + 70 * 60_000
            ]),
        );
        assert_eq!(
            starts(&by_hour),
            BTreeSet::from([midnight - MS_PER_HOUR, midnight + MS_PER_HOUR]),
        );
        assert_eq!(
            starts(&by_six_hours),
            BTreeSet::from([midnight - MS_PER_SIX_HOURS, midnight]),
        );
        assert_eq!(
            deltas.by_day.len(),
            2 * 4,
            "two days, (agent, model) with roll-ups"
        );
    }
}
