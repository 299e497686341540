//! `/api/versions`: one agent's figures per version (release, version or
//! prompt), each with its 95 % interval and its difference to the version
//! seen before it.
//!
//! A session (a game) is the unit: it belongs to the version of the agent's
//! earliest observation in it that carries one, and all the agent's
//! observations and scores in it count for that version.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::versions::{SessionScore, VersionedObservation};
use crate::params::versions::VersionDimension;
use crate::wire::intervals::{Interval, mean_t, percentile, wilson};
use crate::wire::{iso, usd};
use shared_schema::scores::RawScore;

/// How the intervals are computed, as the response states it.
pub const INTERVALS: &str = "95 %: Wilson score intervals for shares (error rate, score \
    categories); Student's t intervals for means (cost per session, tokens per call, numeric \
    scores); distribution-free order-statistic intervals for latency percentiles";

/// A figure with its 95 % interval and the change from the previous version.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionEstimate {
    /// The figure; null without data.
    pub value: Option<f64>,
    /// Lower bound of the 95 % interval; null without one (no data, or a
    /// mean of a single value).
    pub low: Option<f64>,
    /// Upper bound of the 95 % interval.
    pub high: Option<f64>,
    /// How many values it rests on (sessions, calls, observations, scores).
    pub n: u64,
    /// This value minus the previous version's; null for the first version
    /// or where either is missing.
    pub delta: Option<f64>,
    /// `delta` relative to the previous value (0.12: 12 % more); null where
    /// the previous value is 0 or missing.
    pub relative_delta: Option<f64>,
    /// Whether this interval and the previous version's do not overlap.
    pub differs: bool,
}

impl VersionEstimate {
    fn new(interval: Interval, previous: Option<&VersionEstimate>) -> Self {
        let delta = previous
            .and_then(|p| p.value)
            .zip(interval.value)
            .map(|(before, now)| now - before);
        let relative_delta = previous
            .and_then(|p| p.value)
            .filter(|before| *before != 0.0)
            .zip(delta)
            .map(|(before, delta)| delta / before);
        let differs = previous.is_some_and(|p| interval.separated_from(&p.interval()));
        VersionEstimate {
            value: interval.value,
            low: interval.low,
            high: interval.high,
            n: interval.n,
            delta,
            relative_delta,
            differs,
        }
    }

    fn interval(&self) -> Interval {
        Interval {
            value: self.value,
            low: self.low,
            high: self.high,
            n: self.n,
        }
    }
}

/// A category's share of a score's sessions.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionCategoryShare {
    /// The category (`true`/`false` for BOOLEAN scores).
    pub category: String,
    /// Sessions whose latest score of the name has this category.
    pub sessions: u64,
    /// Their share of the sessions with the score, 0 to 1 (Wilson interval).
    pub share: VersionEstimate,
}

/// One score name in one version: the sessions' latest scores of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionScore {
    pub name: String,
    /// `NUMERIC`, `BOOLEAN` or `CATEGORICAL` (that of the latest score).
    pub data_type: String,
    /// Sessions with a score of this name.
    pub sessions: u64,
    /// NUMERIC: the mean of the sessions' latest values (t interval).
    pub mean: Option<VersionEstimate>,
    /// BOOLEAN and CATEGORICAL: every category seen in any version, in
    /// name order, with its share here.
    pub shares: Vec<VersionCategoryShare>,
}

/// One version of the agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionRow {
    /// The release, version, or `<prompt name> v<prompt version>`.
    pub version: String,
    /// Start of its first session.
    pub first_seen: String,
    /// Start of its last session.
    pub last_seen: String,
    pub sessions: u64,
    /// The agent's observations in those sessions.
    pub observations: u64,
    /// The agent's LLM calls (GENERATIONs) in those sessions.
    pub llm_calls: u64,
    /// USD per session, over the sessions with a known cost.
    pub cost_per_session: VersionEstimate,
    /// Total tokens per LLM call, over the calls with known usage.
    pub tokens_per_call: VersionEstimate,
    /// Share of the agent's observations at level ERROR.
    pub error_rate: VersionEstimate,
    /// Latency percentiles of the LLM calls, in ms (exact, nearest rank).
    pub latency_p50_ms: VersionEstimate,
    pub latency_p95_ms: VersionEstimate,
    pub scores: Vec<VersionScore>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionList {
    pub agent: String,
    /// `release`, `version` or `prompt`.
    pub by: String,
    /// How the 95 % intervals are computed.
    pub intervals: String,
    /// The agent's sessions in the range whose observations carry no value
    /// of this dimension (counted in no version).
    pub unversioned_sessions: u64,
    /// By first seen, oldest first; each delta is against the row before.
    pub items: Vec<VersionRow>,
}

/// What one version's sessions add up to.
#[derive(Default)]
struct Tally {
    first_seen_ms: i64,
    last_seen_ms: i64,
    sessions: u64,
    observations: u64,
    llm_calls: u64,
    errors: u64,
    session_costs: Vec<f64>,
    call_tokens: Vec<f64>,
    call_latencies: Vec<f64>,
    /// name -> (data type, value) of each session's latest score.
    scores: BTreeMap<String, Vec<(String, ScoreSample)>>,
}

enum ScoreSample {
    Numeric(f64),
    Category(String),
}

impl VersionList {
    /// `observations` must come ordered by session, then start time (as
    /// `db::versions::agent_observations` returns them).
    pub fn new(
        agent: &str,
        by: VersionDimension,
        observations: Vec<VersionedObservation>,
        scores: Vec<SessionScore>,
    ) -> Self {
        // Each session's rows, and the version it belongs to.
        let mut sessions: Vec<(String, i64, Vec<VersionedObservation>)> = Vec::new();
        for observation in observations {
            match sessions.last_mut() {
                Some((id, _, rows)) if *id == observation.session_id => rows.push(observation),
                _ => sessions.push((
                    observation.session_id.clone(),
                    observation.session_start_ms,
                    vec![observation],
                )),
            }
        }
        let latest_scores = latest_scores(scores);
        let mut tallies: HashMap<String, Tally> = HashMap::new();
        let mut unversioned_sessions = 0;
        for (session_id, start_ms, rows) in sessions {
            // Rows come by start time: the first with a value decides.
            let Some(version) = rows.iter().find_map(|row| row.version.clone()) else {
                unversioned_sessions += 1;
                continue;
            };
            let tally = tallies.entry(version).or_insert_with(|| Tally {
                first_seen_ms: start_ms,
                last_seen_ms: start_ms,
                ..Tally::default()
            });
            tally.first_seen_ms = tally.first_seen_ms.min(start_ms);
            tally.last_seen_ms = tally.last_seen_ms.max(start_ms);
            tally.sessions += 1;
            let mut cost = None::<i64>;
            for row in &rows {
                tally.observations += 1;
                tally.errors += u64::from(row.is_error);
                if let Some(row_cost) = row.cost_nanousd {
                    cost = Some(cost.unwrap_or(0) + row_cost);
                }
                if row.is_generation {
                    tally.llm_calls += 1;
                    if let Some(tokens) = row.total_tokens {
                        tally.call_tokens.push(tokens as f64);
                    }
                    if let Some(latency) = row.latency_ms {
                        tally.call_latencies.push(latency as f64);
                    }
                }
            }
            if let Some(cost) = cost {
                tally.session_costs.push(usd(cost));
            }
            for (name, score) in latest_scores.get(&session_id).into_iter().flatten() {
                let sample = match score.data_type.as_str() {
                    "NUMERIC" => score.numeric().map(ScoreSample::Numeric),
                    _ => score.category().map(ScoreSample::Category),
                };
                if let Some(sample) = sample {
                    tally
                        .scores
                        .entry(name.clone())
                        .or_default()
                        .push((score.data_type.clone(), sample));
                }
            }
        }
        let mut ordered: Vec<(String, Tally)> = tallies.into_iter().collect();
        ordered.sort_by(|a, b| (a.1.first_seen_ms, &a.0).cmp(&(b.1.first_seen_ms, &b.0)));
        // Every category of a name in any version, so that each version
        // lists the same ones (a share of 0 is a figure too).
        let mut categories: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (_, tally) in &ordered {
            for (name, samples) in &tally.scores {
                for (_, sample) in samples {
                    if let ScoreSample::Category(category) = sample {
                        categories
                            .entry(name.clone())
                            .or_default()
                            .insert(category.clone());
                    }
                }
            }
        }
        let mut items: Vec<VersionRow> = Vec::with_capacity(ordered.len());
        for (version, mut tally) in ordered {
            let previous = items.last();
            tally.call_latencies.sort_by(f64::total_cmp);
            let row = VersionRow {
                first_seen: iso(tally.first_seen_ms),
                last_seen: iso(tally.last_seen_ms),
                sessions: tally.sessions,
                observations: tally.observations,
                llm_calls: tally.llm_calls,
                cost_per_session: VersionEstimate::new(
                    mean_t(&tally.session_costs),
                    previous.map(|p| &p.cost_per_session),
                ),
                tokens_per_call: VersionEstimate::new(
                    mean_t(&tally.call_tokens),
                    previous.map(|p| &p.tokens_per_call),
                ),
                error_rate: VersionEstimate::new(
                    wilson(tally.errors, tally.observations),
                    previous.map(|p| &p.error_rate),
                ),
                latency_p50_ms: VersionEstimate::new(
                    percentile(&tally.call_latencies, 0.50),
                    previous.map(|p| &p.latency_p50_ms),
                ),
                latency_p95_ms: VersionEstimate::new(
                    percentile(&tally.call_latencies, 0.95),
                    previous.map(|p| &p.latency_p95_ms),
                ),
                scores: version_scores(&tally.scores, &categories, previous),
                version,
            };
            items.push(row);
        }
        VersionList {
            agent: agent.to_string(),
            by: by.as_str().to_string(),
            intervals: INTERVALS.to_string(),
            unversioned_sessions,
            items,
        }
    }
}

/// Per session, per name: the latest score (by timestamp, then id).
fn latest_scores(scores: Vec<SessionScore>) -> HashMap<String, BTreeMap<String, RawScore>> {
    let mut latest: HashMap<String, BTreeMap<String, (String, RawScore)>> = HashMap::new();
    for SessionScore {
        session_id,
        id,
        score,
    } in scores
    {
        let names = latest.entry(session_id).or_default();
        let newer = names
            .get(&score.name)
            .is_none_or(|(seen_id, seen)| (score.timestamp_ms, &id) > (seen.timestamp_ms, seen_id));
        if newer {
            names.insert(score.name.clone(), (id, score));
        }
    }
    latest
        .into_iter()
        .map(|(session, names)| {
            let names = names
                .into_iter()
                .map(|(name, (_, score))| (name, score))
                .collect();
            (session, names)
        })
        .collect()
}

fn version_scores(
    scores: &BTreeMap<String, Vec<(String, ScoreSample)>>,
    categories: &BTreeMap<String, BTreeSet<String>>,
    previous: Option<&VersionRow>,
) -> Vec<VersionScore> {
    scores
        .iter()
        .map(|(name, samples)| {
            let before = previous.and_then(|p| p.scores.iter().find(|s| &s.name == name));
            let numbers: Vec<f64> = samples
                .iter()
                .filter_map(|(_, sample)| match sample {
                    ScoreSample::Numeric(value) => Some(*value),
                    ScoreSample::Category(_) => None,
                })
                .collect();
            let counted = samples.len() as u64 - numbers.len() as u64;
            let shares = categories
                .get(name)
                .map(|all| {
                    all.iter()
                        .map(|category| {
                            let sessions = samples
                                .iter()
                                .filter(|(_, sample)| {
                                    matches!(sample, ScoreSample::Category(c) if c == category)
                                })
                                .count() as u64;
                            let previous_share = before
                                .and_then(|b| b.shares.iter().find(|s| &s.category == category));
                            VersionCategoryShare {
                                category: category.clone(),
                                sessions,
                                share: VersionEstimate::new(
                                    wilson(sessions, counted),
                                    previous_share.map(|s| &s.share),
                                ),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            VersionScore {
                name: name.clone(),
                data_type: samples
                    .last()
                    .map(|(data_type, _)| data_type.clone())
                    .unwrap_or_default(),
                sessions: samples.len() as u64,
                mean: (!numbers.is_empty()).then(|| {
                    VersionEstimate::new(mean_t(&numbers), before.and_then(|b| b.mean.as_ref()))
                }),
                shares: if numbers.is_empty() {
                    shares
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}
