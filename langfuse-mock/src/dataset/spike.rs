//! Scripted incidents for the alert tests: a new game played "now" whose
//! LLM calls all fail, or all run away in length and cost. The rows are the
//! generator's own (same trees, ids, agents, environments), changed the way
//! a real incident changes them, so the ground truth follows.

use rand::Rng;

use super::catalog::{ERROR_MESSAGES, MODELS};
use super::{Dataset, Level, ObservationType, StatusMessage};

/// What goes wrong in a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeKind {
    /// Every LLM call ends at level ERROR with a provider's error message.
    Errors,
    /// Every LLM call writes ten times its output, at ten times its output cost.
    Cost,
}

/// How many times longer a runaway completion is.
pub const RUNAWAY_FACTOR: i64 = 10;

impl SpikeKind {
    pub fn parse(text: &str) -> Option<SpikeKind> {
        match text {
            "errors" => Some(SpikeKind::Errors),
            "cost" => Some(SpikeKind::Cost),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpikeKind::Errors => "errors",
            SpikeKind::Cost => "cost",
        }
    }
}

impl Dataset {
    /// Adds a game of `traces` turns between the current end and `now_ms`
    /// (as `add_new_traces`), then breaks its LLM calls as `kind` says.
    /// Returns the observations added.
    pub fn add_spike(&mut self, kind: SpikeKind, traces: usize, now_ms: i64) -> usize {
        let first = self.observations.len();
        let added = self.add_new_traces(traces, now_ms);
        for index in first..self.observations.len() {
            if self.observations[index].kind != ObservationType::Generation {
                continue;
            }
            let template = ERROR_MESSAGES[self.rng.random_range(0..ERROR_MESSAGES.len())];
            let number = self.rng.random_range(1..60_000);
            let observation = &mut self.observations[index];
            match kind {
                SpikeKind::Errors => {
                    observation.level = Level::Error;
                    observation.status = Some(StatusMessage { template, number });
                }
                SpikeKind::Cost => {
                    if let Some(usage) = observation.usage.as_mut() {
                        usage.output *= RUNAWAY_FACTOR;
                    }
                    if let (Some(cost), Some(model)) =
                        (observation.cost.as_mut(), observation.model)
                    {
                        let extra = observation.usage.map_or(0, |usage| usage.output)
                            * MODELS[model as usize].output_nanousd_per_token;
                        cost.output_nanousd = extra;
                    }
                }
            }
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{DatasetSpec, generate};
    use crate::ground_truth::EnvironmentFilter;

    fn dataset() -> Dataset {
        generate(&DatasetSpec {
            seed: 3,
            observations: 500,
            days: 1,
            end_ms: 1_800_000_000_000,
            pending_share: 0.0,
        })
    }

    #[test]
    fn an_error_spike_fails_every_llm_call_of_the_new_game_only() {
        let mut data = dataset();
        let before = data.observations.len();
        let errors_before = data
            .ground_truth_for(&EnvironmentFilter::All)
            .overall
            .errors;
        let added = data.add_spike(SpikeKind::Errors, 3, 1_800_000_600_000);
        assert!(added > 0);
        let new = &data.observations[before..];
        let calls = new
            .iter()
            .filter(|o| o.kind == ObservationType::Generation)
            .count() as u64;
        assert!(calls > 0);
        assert!(
            new.iter()
                .filter(|o| o.kind == ObservationType::Generation)
                .all(|o| o.level == Level::Error && o.status.is_some())
        );
        let errors_after = data
            .ground_truth_for(&EnvironmentFilter::All)
            .overall
            .errors;
        assert!(
            errors_after >= errors_before + calls,
            "{errors_before} -> {errors_after}"
        );
    }

    #[test]
    fn a_cost_spike_multiplies_output_tokens_and_their_cost() {
        let mut plain = dataset();
        let mut spiked = dataset();
        let now = 1_800_000_600_000;
        let before = plain.observations.len();
        plain.add_new_traces(3, now);
        spiked.add_spike(SpikeKind::Cost, 3, now);
        let mut priced = 0;
        for (calm, runaway) in plain.observations[before..]
            .iter()
            .zip(&spiked.observations[before..])
        {
            if let (Some(calm_cost), Some(runaway_cost)) = (calm.cost, runaway.cost) {
                priced += 1;
                assert_eq!(
                    runaway_cost.output_nanousd,
                    calm_cost.output_nanousd * RUNAWAY_FACTOR
                );
                assert_eq!(
                    runaway.usage.unwrap().output,
                    calm.usage.unwrap().output * RUNAWAY_FACTOR
                );
            }
        }
        assert!(priced > 0);
    }
}
