//! Versions with a known effect, for "did the new version win?".
//!
//! The generated window is cut into eras (thirds by start time); each era
//! ships one release (the trace's `release`) and one version of every
//! agent's prompt (`promptName`, `promptVersion` on each LLM call), and the
//! agents' code version (each observation's `version`) changes halfway.
//! A later era's prompt is longer (more input tokens, so more cost) and
//! wins more games (the `win` score). Everything follows from the seed and
//! the data already generated, and draws nothing from the generator's own
//! random stream, so the rest of the data is the same as without it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::catalog::*;
use super::{Dataset, ObservationType, ScoreSubject, ScoreValue};

const DAY_MS: i64 = 86_400_000;

/// The prompt an LLM call was made with, as Langfuse links it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PromptRef {
    pub name: &'static str,
    pub version: u32,
}

impl PromptRef {
    /// Langfuse's id of the prompt version.
    pub fn id(&self) -> String {
        format!("prompt-{}-v{}", self.name, self.version)
    }
}

/// The prompt each agent's LLM calls use.
fn prompt_name(agent: &str) -> &'static str {
    match agent {
        MATCHMAKER => "matchmaker-opening",
        JUDGE => "judge-verdict",
        MODERATOR => "moderator-check",
        PROFILE_INDEXER => "profile-summary",
        agent if agent.starts_with("persona-") => "persona-reply",
        _ => "cupid-assistant",
    }
}

impl Dataset {
    /// Which era `at_ms` falls in: 0..ERAS, by thirds of the generated
    /// window; data added after it is in the last.
    fn era(&self, at_ms: i64) -> usize {
        let end = self.spec.end_ms;
        let span = (i64::from(self.spec.days) * DAY_MS).max(1);
        let start = end - span;
        let position = (at_ms - start).clamp(0, span - 1);
        ((position as i128 * RELEASES.len() as i128) / span as i128) as usize
    }

    /// The agents' code version at `at_ms`: the second from halfway on.
    fn code_version(&self, at_ms: i64) -> &'static str {
        let half = self.spec.end_ms - i64::from(self.spec.days) * DAY_MS / 2;
        AGENT_VERSIONS[usize::from(at_ms >= half)]
    }

    /// Stamps the traces from `first_trace` and the scores from
    /// `first_score` on with their era's release, prompts, code version and
    /// effect. A game's era is that of its start.
    pub(super) fn stamp_versions(&mut self, first_trace: usize, first_score: usize) {
        for trace_index in first_trace..self.traces.len() {
            let trace = &self.traces[trace_index];
            if trace.environment == JUDGE_ENVIRONMENT {
                // Langfuse's own evaluator runs: no release of the game's.
                continue;
            }
            let at_ms = trace
                .session
                .map_or(trace.timestamp_ms, |s| self.sessions[s as usize].created_ms);
            let era = self.era(at_ms);
            let code_version = self.code_version(at_ms);
            let range = self.trace_observations(trace);
            self.traces[trace_index].release = RELEASES[era];
            for index in range {
                let agent = self.agent_of(index as u32);
                let observation = &mut self.observations[index];
                observation.version = Some(code_version);
                if observation.kind != ObservationType::Generation {
                    continue;
                }
                observation.prompt = Some(PromptRef {
                    name: prompt_name(agent),
                    version: era as u32 + 1,
                });
                // A longer prompt: more uncached input tokens, at the
                // model's price.
                let info = observation.model_info().copied();
                if let (Some(usage), Some(info)) = (observation.usage.as_mut(), info) {
                    usage.input = usage.input * PROMPT_INPUT_PERCENT[era] / 100;
                    if let Some(cost) = observation.cost.as_mut() {
                        cost.input_nanousd = usage.input * info.input_nanousd_per_token;
                    }
                }
            }
        }
        for score_index in first_score..self.scores.len() {
            let score = &self.scores[score_index];
            let (ScoreSubject::Session(session), ScoreValue::Boolean(_)) =
                (score.subject, score.value)
            else {
                continue;
            };
            if score.name != WIN_SCORE {
                continue;
            }
            let era = self.era(self.sessions[session as usize].created_ms);
            // Its own stream per score: the main generator's stays as it was.
            let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ score.id as u64);
            let win = rng.random_bool(WIN_RATE_PERCENT[era] as f64 / 100.0);
            self.scores[score_index].value = ScoreValue::Boolean(win);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::dataset::{DatasetSpec, generate};

    fn dataset() -> Dataset {
        generate(&DatasetSpec {
            seed: 5,
            observations: 40_000,
            days: 21,
            end_ms: 1_795_000_000_000,
            pending_share: 0.0,
        })
    }

    #[test]
    fn a_game_is_played_in_one_release_with_its_prompt_version() {
        let dataset = dataset();
        let mut release_of_session: HashMap<u32, &str> = HashMap::new();
        for trace in &dataset.traces {
            let Some(session) = trace.session else {
                continue;
            };
            let first = *release_of_session.entry(session).or_insert(trace.release);
            assert_eq!(first, trace.release, "one release per game");
            let era = RELEASES.iter().position(|r| *r == trace.release).unwrap();
            for index in dataset.trace_observations(trace) {
                let observation = &dataset.observations[index];
                assert!(observation.version.is_some());
                let prompt = observation.prompt.map(|p| p.version);
                match observation.kind {
                    ObservationType::Generation => assert_eq!(prompt, Some(era as u32 + 1)),
                    _ => assert_eq!(prompt, None),
                }
            }
        }
        let releases: std::collections::HashSet<&str> =
            release_of_session.values().copied().collect();
        assert_eq!(releases.len(), RELEASES.len(), "every release is played");
    }

    #[test]
    fn a_later_release_wins_more_games_and_spends_more_input_tokens_per_call() {
        let dataset = dataset();
        let mut wins = [(0_u32, 0_u32); 3];
        for score in &dataset.scores {
            if let (ScoreSubject::Session(session), ScoreValue::Boolean(win), WIN_SCORE) =
                (score.subject, score.value, score.name)
            {
                let era = dataset.era(dataset.sessions[session as usize].created_ms);
                wins[era].0 += u32::from(win);
                wins[era].1 += 1;
            }
        }
        let mut input = [(0_i64, 0_i64); 3];
        for observation in &dataset.observations {
            if let (Some(prompt), Some(usage)) = (observation.prompt, observation.usage) {
                let era = prompt.version as usize - 1;
                input[era].0 += usage.input + usage.cached_input;
                input[era].1 += 1;
            }
        }
        let win_rate = |era: usize| f64::from(wins[era].0) / f64::from(wins[era].1);
        let tokens = |era: usize| input[era].0 as f64 / input[era].1 as f64;
        assert!(win_rate(0) + 0.1 < win_rate(2), "{wins:?}");
        assert!(tokens(0) < tokens(2), "{input:?}");
    }
}
