//! Deterministic generator of Cupid game data.
//!
//! A session is one game: the matchmaker opens, two persona agents take
//! turns, sometimes a moderator steps in, and the judge closes. Every agent
//! turn is a trace whose observations form a tree rooted at an AGENT (or, for
//! some turns, a plain SPAN so the trace-name fallback of the agent rule is
//! exercised). A few traces belong to no session (background indexing).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::*;
use super::{
    AgentMetadata, Cost, Dataset, DatasetSpec, Level, Observation, ObservationType, Score,
    ScoreSubject, ScoreValue, Session, StatusMessage, Trace, Usage,
};

const DAY_MS: i64 = 86_400_000;

/// Generates the dataset described by `spec`; the same spec always yields the
/// same data.
pub fn generate(spec: &DatasetSpec) -> Dataset {
    let mut dataset = Dataset::new_empty(spec, ChaCha8Rng::seed_from_u64(spec.seed));
    let target = spec.observations.max(1);
    // Small datasets get short games so that they still hold several sessions.
    let turns_range = if target < 2_000 { 2..=5 } else { 6..=14 };
    let window_start = spec.end_ms - i64::from(spec.days) * DAY_MS;
    let mut anchored = false;
    while dataset.observations.len() < target {
        if dataset.rng.random_bool(0.03) {
            let (first, span) = dataset.push_background_trace();
            let start = dataset.random_start(window_start, spec.end_ms - span);
            dataset.shift_traces(first, start);
        } else {
            let turns = dataset.rng.random_range(turns_range.clone());
            let first_trace = dataset.traces.len();
            let first_score = dataset.scores.len();
            let span = dataset.push_session(turns, Some(target));
            // The first game ends the data, so the newest start is `end_ms`.
            let start = if !anchored {
                anchored = true;
                spec.end_ms - span
            } else {
                dataset.random_start(window_start, spec.end_ms - span)
            };
            dataset.shift_traces(first_trace, start);
            dataset.shift_scores(first_score, start);
        }
    }
    // Scores are written after their game ends; none lies in the future of
    // the data.
    for score in &mut dataset.scores {
        score.timestamp_ms = score.timestamp_ms.min(spec.end_ms);
    }
    dataset.stamp_versions(0, 0);
    dataset.reindex();
    dataset
}

#[derive(Clone, Copy)]
enum Root {
    Agent,
    Span,
}

struct TurnPlan {
    agent: &'static str,
    trace_name: Option<&'static str>,
    root: Root,
    model: u8,
}

impl Dataset {
    fn random_start(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            high
        } else {
            self.rng.random_range(low..=high)
        }
    }

    /// Moves the traces from `first_trace` on (generated at time 0) so that
    /// they start at `start_ms`.
    fn shift_traces(&mut self, first_trace: usize, start_ms: i64) {
        for trace_index in first_trace..self.traces.len() {
            let trace = &mut self.traces[trace_index];
            trace.timestamp_ms += start_ms;
            let range = trace.first_observation as usize
                ..(trace.first_observation + trace.observation_count) as usize;
            for observation in &mut self.observations[range] {
                observation.start_ms += start_ms;
                observation.created_ms += start_ms;
                observation.updated_ms += start_ms;
            }
            if let Some(session) = trace.session {
                let timestamp = trace.timestamp_ms;
                let session = &mut self.sessions[session as usize];
                // A fresh session was created at time 0; an existing one keeps
                // its earliest trace.
                session.created_ms = if session.created_ms == 0 {
                    timestamp
                } else {
                    session.created_ms.min(timestamp)
                };
            }
        }
    }

    fn shift_scores(&mut self, first_score: usize, start_ms: i64) {
        for score in &mut self.scores[first_score..] {
            score.timestamp_ms += start_ms;
        }
    }

    fn new_session(&mut self) -> u32 {
        let id = format!("session-{:012x}", self.rng.random::<u64>() >> 16);
        let user_id = format!("player-{:05}", self.rng.random_range(1..=5_000));
        let environment = if self.rng.random_bool(STAGING_SHARE) {
            STAGING
        } else {
            PRODUCTION
        };
        self.sessions.push(Session {
            id,
            user_id,
            created_ms: 0,
            environment,
        });
        (self.sessions.len() - 1) as u32
    }

    /// Pushes one game with `turns` agent turns, all relative to time 0, and
    /// its scores. Stops early once `stop_at` observations exist. Returns the
    /// latest observation start time (relative).
    fn push_session(&mut self, turns: usize, stop_at: Option<usize>) -> i64 {
        let session = self.new_session();
        let first_persona = self.rng.random_range(0..PERSONAS.len());
        let second_persona =
            (first_persona + self.rng.random_range(1..PERSONAS.len())) % PERSONAS.len();
        let personas = [PERSONAS[first_persona], PERSONAS[second_persona]];
        let persona_models = [self.persona_model(), self.persona_model()];
        let moderator_turn = self
            .rng
            .random_bool(0.2)
            .then(|| self.rng.random_range(1..turns.max(2)));

        let mut clock = 0;
        let mut latest_start = 0;
        let mut persona_traces = Vec::new();
        for turn in 0..turns {
            let plan = if turn == 0 {
                TurnPlan {
                    agent: MATCHMAKER,
                    trace_name: Some(MATCHMAKER),
                    root: Root::Agent,
                    model: GPT_4O,
                }
            } else if turn + 1 == turns && turns > 2 {
                TurnPlan {
                    agent: JUDGE,
                    trace_name: Some(JUDGE),
                    root: Root::Agent,
                    model: CLAUDE_SONNET_4,
                }
            } else if Some(turn) == moderator_turn {
                TurnPlan {
                    agent: MODERATOR,
                    trace_name: Some(MODERATOR),
                    root: Root::Agent,
                    model: GPT_4O_MINI,
                }
            } else {
                let side = turn % 2;
                let agent = personas[side];
                let shape = self.rng.random_range(0..10);
                TurnPlan {
                    agent,
                    // Some turns are named generically; the AGENT root still
                    // names the agent. Some have a SPAN root; then the trace
                    // name is what names the agent.
                    trace_name: Some(if shape < 2 { CHAT_TURN } else { agent }),
                    root: if shape == 9 { Root::Span } else { Root::Agent },
                    model: persona_models[side],
                }
            };
            let trace_index = self.traces.len() as u32;
            let (start, end) = self.push_trace(Some(session), &plan, clock, turn as u16);
            latest_start = latest_start.max(start);
            if plan.agent.starts_with("persona-") {
                persona_traces.push(trace_index);
            }
            clock = end + self.rng.random_range(1_000..15_000);
            if stop_at.is_some_and(|limit| self.observations.len() >= limit) {
                break;
            }
        }
        self.push_session_scores(session, &persona_traces, clock);
        let judged_at = clock + self.rng.random_range(500..2_000);
        latest_start.max(self.push_judge_run(judged_at))
    }

    /// Langfuse's own LLM-as-a-judge run for a game's `match_quality`: a
    /// trace of its own, in no session, in the internal judge environment,
    /// holding one priced GENERATION. Returns its start (relative).
    fn push_judge_run(&mut self, start_ms: i64) -> i64 {
        let trace = self.traces.len() as u32;
        let first_observation = self.observations.len() as u32;
        let id = self.rng.random::<u128>();
        self.traces.push(Trace {
            id,
            name: Some(JUDGED_TRACE_NAME),
            session: None,
            timestamp_ms: start_ms,
            tags: &[],
            release: RELEASES[RELEASES.len() - 1],
            environment: JUDGE_ENVIRONMENT,
            first_observation,
            observation_count: 1,
        });
        let index = self.push_observation(
            trace,
            None,
            ObservationType::Generation,
            JUDGED_TRACE_NAME,
            start_ms,
            0,
        );
        let info = MODELS[GPT_4O_MINI as usize];
        let usage = Usage {
            input: self.rng.random_range(800..2_400),
            cached_input: 0,
            output: self.rng.random_range(40..240),
            reports_total: true,
        };
        let cost = Cost {
            input_nanousd: usage.input * info.input_nanousd_per_token,
            cached_input_nanousd: 0,
            output_nanousd: usage.output * info.output_nanousd_per_token,
            app_supplied_keys: false,
        };
        let ttft = self.rng.random_range(200..1_500);
        let duration = ttft + usage.output * self.rng.random_range(8..30);
        let observation = &mut self.observations[index as usize];
        observation.model = Some(GPT_4O_MINI);
        observation.ttft_ms = Some(ttft);
        observation.usage = Some(usage);
        observation.cost = Some(cost);
        self.finish(index, start_ms + duration);
        start_ms
    }

    fn persona_model(&mut self) -> u8 {
        match self.rng.random_range(0..10) {
            0..=4 => GPT_4O_MINI,
            5..=7 => CLAUDE_HAIKU_4,
            8 => GPT_4O,
            _ => CLAUDE_SONNET_4,
        }
    }

    fn push_session_scores(&mut self, session: u32, persona_traces: &[u32], after_ms: i64) {
        let mut timestamp = after_ms + self.rng.random_range(2_000..30_000);
        for &trace in persona_traces {
            if self.rng.random_bool(0.3) {
                let rating = f64::from(self.rng.random_range(1..=10_u8));
                self.push_score(
                    "judge_rating",
                    ScoreValue::Numeric(rating),
                    "EVAL",
                    timestamp,
                    ScoreSubject::Trace(trace),
                    Some("Rated by the judge agent"),
                );
                timestamp += self.rng.random_range(10..500);
            }
        }
        let quality = f64::from(self.rng.random_range(0..=100_u8)) / 100.0;
        let matched = quality >= 0.5;
        let outcome = if matched { "match" } else { "no_match" };
        self.push_score(
            "match_outcome",
            ScoreValue::Categorical(outcome),
            "API",
            timestamp,
            ScoreSubject::Session(session),
            None,
        );
        self.push_score(
            "match_quality",
            ScoreValue::Numeric(quality),
            "EVAL",
            timestamp + 1,
            ScoreSubject::Session(session),
            Some("Judge's estimate of compatibility"),
        );
        let win = self.rng.random_bool(0.5);
        self.push_score(
            WIN_SCORE,
            ScoreValue::Boolean(win),
            "API",
            timestamp + 2,
            ScoreSubject::Session(session),
            None,
        );
        self.push_review_scores(session, persona_traces, timestamp + 3);
    }

    pub(super) fn push_score(
        &mut self,
        name: &'static str,
        value: ScoreValue,
        source: &'static str,
        timestamp_ms: i64,
        subject: ScoreSubject,
        comment: Option<&'static str>,
    ) {
        let id = self.rng.random::<u128>();
        self.scores.push(Score {
            id,
            name,
            value,
            source,
            timestamp_ms,
            subject,
            comment,
        });
    }

    /// A trace outside any session: the profile indexer, sometimes unnamed.
    /// Returns the index of the trace and its latest start (relative to 0).
    fn push_background_trace(&mut self) -> (usize, i64) {
        let index = self.traces.len();
        let named = self.rng.random_bool(0.7);
        let plan = TurnPlan {
            agent: PROFILE_INDEXER,
            trace_name: named.then_some(PROFILE_INDEXER),
            root: Root::Span,
            model: GPT_4O_MINI,
        };
        let (start, _) = self.push_trace(None, &plan, 0, 0);
        (index, start)
    }

    /// Pushes one agent turn starting at `start_ms`; returns its latest
    /// observation start and its end.
    fn push_trace(
        &mut self,
        session: Option<u32>,
        plan: &TurnPlan,
        start_ms: i64,
        turn: u16,
    ) -> (i64, i64) {
        let trace = self.traces.len() as u32;
        let first_observation = self.observations.len() as u32;
        let tags = TAG_SETS[self.rng.random_range(0..TAG_SETS.len())];
        let release = RELEASES[self.rng.random_range(0..RELEASES.len())];
        let id = self.rng.random::<u128>();
        let environment = session
            .map(|s| self.sessions[s as usize].environment)
            .unwrap_or(PRODUCTION);
        self.traces.push(Trace {
            id,
            name: plan.trace_name,
            session,
            timestamp_ms: start_ms,
            tags,
            release,
            environment,
            first_observation,
            observation_count: 0,
        });

        let root_name = match plan.root {
            Root::Agent => plan.agent,
            Root::Span if session.is_none() => "index-batch",
            Root::Span => "turn-handler",
        };
        let root_kind = match plan.root {
            Root::Agent => ObservationType::Agent,
            Root::Span => ObservationType::Span,
        };
        let root = self.push_observation(trace, None, root_kind, root_name, start_ms, turn);
        let mut clock = start_ms + self.rng.random_range(2..40);
        let mut latest_start = start_ms;

        if session.is_none() {
            for _ in 0..self.rng.random_range(1..=3) {
                let (s, e) = self.push_tool(trace, root, clock, turn, plan);
                latest_start = latest_start.max(s);
                clock = e + self.rng.random_range(2..40);
            }
            let (s, e) = self.push_generation(trace, root, "chat-completion", clock, turn, plan);
            latest_start = latest_start.max(s);
            clock = e;
        } else {
            if self.rng.random_bool(0.8) {
                let span = self.push_observation(
                    trace,
                    Some(root),
                    ObservationType::Span,
                    SPAN_NAMES[0],
                    clock,
                    turn,
                );
                latest_start = latest_start.max(clock);
                let mut inner = clock + self.rng.random_range(1..20);
                if self.rng.random_bool(0.5) {
                    let (s, e) = self.push_tool(trace, span, inner, turn, plan);
                    latest_start = latest_start.max(s);
                    inner = e + self.rng.random_range(1..20);
                }
                if self.rng.random_bool(0.7) {
                    let (s, e) =
                        self.push_generation(trace, span, GENERATION_NAMES[1], inner, turn, plan);
                    latest_start = latest_start.max(s);
                    inner = e + self.rng.random_range(1..20);
                }
                self.finish(span, inner);
                clock = inner + self.rng.random_range(2..40);
            }
            for call in 0..self.rng.random_range(2..=4) {
                let name = if call == 0 {
                    GENERATION_NAMES[0]
                } else {
                    GENERATION_NAMES[self.rng.random_range(0..3)]
                };
                let (s, e) = self.push_generation(trace, root, name, clock, turn, plan);
                latest_start = latest_start.max(s);
                clock = e + self.rng.random_range(2..60);
                if self.rng.random_bool(0.5) {
                    let (s, e) = self.push_tool(trace, root, clock, turn, plan);
                    latest_start = latest_start.max(s);
                    clock = e + self.rng.random_range(2..60);
                }
            }
            let events = self.rng.random_range(1..=EVENT_NAMES.len());
            for &event_name in &EVENT_NAMES[..events] {
                let observation = self.push_observation(
                    trace,
                    Some(root),
                    ObservationType::Event,
                    event_name,
                    clock,
                    turn,
                );
                if self.rng.random_bool(0.1) {
                    self.observations[observation as usize].level = Level::Debug;
                }
                latest_start = latest_start.max(clock);
                clock += self.rng.random_range(1..10);
            }
        }
        let end = clock + self.rng.random_range(2..30);
        self.finish(root, end);
        let count = self.observations.len() as u32 - first_observation;
        self.traces[trace as usize].observation_count = count;
        (latest_start, end)
    }

    fn push_observation(
        &mut self,
        trace: u32,
        parent: Option<u32>,
        kind: ObservationType,
        name: &'static str,
        start_ms: i64,
        turn: u16,
    ) -> u32 {
        let id = self.rng.random::<u64>();
        let long_metadata = self.rng.random_bool(0.05);
        self.observations.push(Observation {
            id,
            trace,
            parent,
            kind,
            name,
            level: Level::Default,
            status: None,
            start_ms,
            duration_ms: 0,
            ttft_ms: None,
            model: None,
            usage: None,
            cost: None,
            agent_metadata: AgentMetadata::Absent,
            long_metadata,
            turn,
            created_ms: start_ms,
            updated_ms: start_ms,
            pending: false,
            version: None,
            prompt: None,
        });
        (self.observations.len() - 1) as u32
    }

    /// Sets the end of an observation and when Langfuse received it.
    fn finish(&mut self, index: u32, end_ms: i64) {
        let ingestion_delay = self.rng.random_range(200..5_000);
        let observation = &mut self.observations[index as usize];
        observation.duration_ms = (end_ms - observation.start_ms).max(0);
        if observation.pending {
            // Written when it started; the end arrives later.
            observation.created_ms = observation.start_ms + ingestion_delay;
        } else {
            observation.created_ms = end_ms + ingestion_delay;
        }
        observation.updated_ms = observation.created_ms;
    }

    fn push_tool(
        &mut self,
        trace: u32,
        parent: u32,
        start_ms: i64,
        turn: u16,
        plan: &TurnPlan,
    ) -> (i64, i64) {
        let name = TOOL_NAMES[self.rng.random_range(0..TOOL_NAMES.len())];
        let index = self.push_observation(
            trace,
            Some(parent),
            ObservationType::Tool,
            name,
            start_ms,
            turn,
        );
        let duration = self.rng.random_range(15..1_500);
        let failed = self.rng.random_bool(0.02);
        let agent_metadata = if name == "moderation_check" && plan.agent != MODERATOR {
            // The moderation tool reports on behalf of the moderator.
            AgentMetadata::Named(MODERATOR)
        } else if self.rng.random_bool(0.02) {
            AgentMetadata::Empty
        } else if self.rng.random_bool(0.03) {
            AgentMetadata::Named(plan.agent)
        } else {
            AgentMetadata::Absent
        };
        let status = failed.then(|| StatusMessage {
            template: TOOL_ERROR_MESSAGES[self.rng.random_range(0..TOOL_ERROR_MESSAGES.len())],
            number: self.rng.random_range(400..100_000),
        });
        let observation = &mut self.observations[index as usize];
        observation.agent_metadata = agent_metadata;
        if failed {
            observation.level = Level::Error;
            observation.status = status;
        }
        self.finish(index, start_ms + duration);
        (start_ms, start_ms + duration)
    }

    fn push_generation(
        &mut self,
        trace: u32,
        parent: u32,
        name: &'static str,
        start_ms: i64,
        turn: u16,
        plan: &TurnPlan,
    ) -> (i64, i64) {
        let index = self.push_observation(
            trace,
            Some(parent),
            ObservationType::Generation,
            name,
            start_ms,
            turn,
        );
        let model = if plan.agent.starts_with("persona-") && self.rng.random_bool(0.04) {
            LOCAL_LLM
        } else {
            plan.model
        };
        let info = MODELS[model as usize];

        let roll: f64 = self.rng.random();
        let (level, status) = if roll < 0.015 {
            let template = ERROR_MESSAGES[self.rng.random_range(0..ERROR_MESSAGES.len())];
            (
                Level::Error,
                Some(StatusMessage {
                    template,
                    number: self.rng.random_range(1..60_000),
                }),
            )
        } else if roll < 0.045 {
            let template = WARNING_MESSAGES[self.rng.random_range(0..WARNING_MESSAGES.len())];
            (
                Level::Warning,
                Some(StatusMessage {
                    template,
                    number: self.rng.random_range(2..30_000),
                }),
            )
        } else {
            (Level::Default, None)
        };

        let prompt_tokens = 300 + i64::from(turn) * 150 + self.rng.random_range(0..1_500);
        let output = if plan.agent == JUDGE {
            self.rng.random_range(100..900)
        } else {
            self.rng.random_range(20..600)
        };
        let cached = if self.rng.random_bool(0.35) {
            prompt_tokens * self.rng.random_range(20..80) / 100
        } else {
            0
        };
        let usage = Usage {
            input: prompt_tokens - cached,
            cached_input: cached,
            output,
            reports_total: self.rng.random_bool(0.85),
        };
        let cost = Cost {
            input_nanousd: usage.input * info.input_nanousd_per_token,
            cached_input_nanousd: usage.cached_input * info.cached_input_nanousd_per_token,
            output_nanousd: usage.output * info.output_nanousd_per_token,
            app_supplied_keys: self.rng.random_bool(0.15),
        };
        let unknown_usage =
            self.rng.random_bool(0.03) || (level == Level::Error && self.rng.random_bool(0.5));

        let ttft = self.rng.random_range(150..2_500);
        let mut duration = (ttft + output * self.rng.random_range(8..45)).min(60_000);
        if level == Level::Error
            && status.is_some_and(|s| s.template.starts_with("Request timed out"))
        {
            duration = 30_000;
        }
        let pending = self
            .rng
            .random_bool(self.spec.pending_share.clamp(0.0, 1.0));

        let observation = &mut self.observations[index as usize];
        observation.model = Some(model);
        observation.level = level;
        observation.status = status;
        observation.ttft_ms = Some(ttft.min(duration));
        if !unknown_usage {
            observation.usage = Some(usage);
            if info.is_priced() {
                observation.cost = Some(cost);
            }
        }
        observation.pending = pending;
        self.finish(index, start_ms + duration);
        (start_ms, start_ms + duration)
    }

    /// Adds `traces` late traces: start times between `max_age_ms` before
    /// `end_ms` and `end_ms`, half of them in existing sessions. Returns the
    /// number of observations added.
    pub fn add_late_traces(&mut self, traces: usize, max_age_ms: i64) -> usize {
        let before = self.observations.len();
        for _ in 0..traces {
            let session = if !self.sessions.is_empty() && self.rng.random_bool(0.5) {
                self.rng.random_range(0..self.sessions.len()) as u32
            } else {
                self.new_session()
            };
            let agent = PERSONAS[self.rng.random_range(0..PERSONAS.len())];
            let plan = TurnPlan {
                agent,
                trace_name: Some(agent),
                root: Root::Agent,
                model: self.persona_model(),
            };
            let first_trace = self.traces.len();
            let turn = self.rng.random_range(1..10);
            let (latest_start, _) = self.push_trace(Some(session), &plan, 0, turn);
            let start = self.random_start(self.end_ms - max_age_ms, self.end_ms - latest_start);
            self.shift_traces(first_trace, start);
            self.stamp_versions(first_trace, self.scores.len());
        }
        self.reindex();
        self.observations.len() - before
    }

    /// Adds one new game of `traces` turns that happened between the current
    /// end and `now_ms`; moves `end_ms` forward. Returns the number of
    /// observations added.
    ///
    /// Data that arrives "now" cannot start in the future. When the game is
    /// longer than the time since the old end (tests call this right after
    /// generating data that ends "now"), its clock is compressed to fit, but
    /// never below 5% of real time; only then may it reach past `now_ms`.
    pub fn add_new_traces(&mut self, traces: usize, now_ms: i64) -> usize {
        if traces == 0 {
            return 0;
        }
        let before = self.observations.len();
        let first_trace = self.traces.len();
        let first_score = self.scores.len();
        let mut latest_start = self.push_session(traces, None);
        let room = now_ms - self.end_ms - 1;
        if latest_start > room {
            let factor = (room.max(0) as f64 / latest_start as f64).max(0.05);
            self.compress(first_trace, first_score, factor);
            latest_start = (latest_start as f64 * factor).floor() as i64;
        }
        let start = (self.end_ms + 1).max(now_ms - latest_start);
        self.shift_traces(first_trace, start);
        self.shift_scores(first_score, start);
        self.end_ms = start + latest_start;
        for score in &mut self.scores[first_score..] {
            score.timestamp_ms = score.timestamp_ms.min(self.end_ms);
        }
        self.stamp_versions(first_trace, first_score);
        self.reindex();
        self.observations.len() - before
    }

    /// Scales the clock of traces and scores generated at time 0. Flooring
    /// every instant keeps the order of starts and ends, so children still
    /// lie within their parents.
    fn compress(&mut self, first_trace: usize, first_score: usize, factor: f64) {
        let scale = |ms: i64| (ms as f64 * factor).floor() as i64;
        let first_observation = self.traces[first_trace].first_observation as usize;
        for observation in &mut self.observations[first_observation..] {
            let start = scale(observation.start_ms);
            let end = scale(observation.start_ms + observation.duration_ms);
            observation.ttft_ms = observation
                .ttft_ms
                .map(|ttft| scale(observation.start_ms + ttft) - start);
            observation.start_ms = start;
            observation.duration_ms = end - start;
            observation.created_ms = scale(observation.created_ms);
            observation.updated_ms = observation.created_ms;
        }
        for trace in &mut self.traces[first_trace..] {
            trace.timestamp_ms = scale(trace.timestamp_ms);
        }
        for score in &mut self.scores[first_score..] {
            score.timestamp_ms = scale(score.timestamp_ms);
        }
    }
}
