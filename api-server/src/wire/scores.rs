//! Score summaries (average, distribution, category shares, trend), the
//! latest score per name, and the scores agents carry.

use std::collections::BTreeMap;

use serde::Serialize;
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::db::scores::{ScoreRow, ScoreTally, ScoredValue};
use crate::params::{TimeRange, day_ceil, day_floor};
use crate::wire::iso;

const HISTOGRAM_BINS: usize = 10;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistogramBin {
    pub from: f64,
    pub to: f64,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryShare {
    pub value: String,
    pub count: i64,
    /// count / the name's scores, 0..1.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub count: i64,
    /// Of the numeric (and boolean, as 0/1) values; null without any.
    pub average: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSummary {
    pub name: String,
    /// `NUMERIC`, `CATEGORICAL` or `BOOLEAN` (the latest score's type).
    pub data_type: String,
    pub count: i64,
    /// NUMERIC and BOOLEAN (as 0/1) only.
    pub average: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// NUMERIC: 10 equal-width bins over [min, max] (one bin when they are
    /// equal); otherwise empty.
    pub histogram: Vec<HistogramBin>,
    /// CATEGORICAL and BOOLEAN (`true`/`false`): the share of each value,
    /// most frequent first; otherwise empty.
    pub categories: Vec<CategoryShare>,
    /// Zero-filled over the range (or the days with scores without one).
    pub daily: Vec<ScoreDay>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreSummaryList {
    /// By name.
    pub items: Vec<ScoreSummary>,
}

/// The latest score of one name on a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LatestScore {
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
}

/// One score as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoreEntry {
    pub id: String,
    pub name: String,
    pub data_type: String,
    pub value: Option<f64>,
    pub string_value: Option<String>,
    pub comment: Option<String>,
    pub trace_id: Option<String>,
    pub observation_id: Option<String>,
    pub timestamp: String,
}

/// An agent's scores over a range, per name.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentScore {
    pub name: String,
    pub data_type: String,
    pub count: i64,
    /// NUMERIC and BOOLEAN (as 0/1) only.
    pub average: Option<f64>,
}

impl From<ScoreRow> for ScoreEntry {
    fn from(row: ScoreRow) -> Self {
        ScoreEntry {
            id: row.id,
            name: row.name,
            data_type: row.data_type,
            value: row.value,
            string_value: row.string_value,
            comment: row.comment,
            trace_id: row.trace_id,
            observation_id: row.observation_id,
            timestamp: iso(row.timestamp_ms),
        }
    }
}

fn latest_data_type(values: &[ScoredValue]) -> String {
    values
        .iter()
        .max_by_key(|score| score.timestamp_ms)
        .map(|score| score.data_type.clone())
        .unwrap_or_else(|| "NUMERIC".into())
}

fn average(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

impl From<ScoreTally> for AgentScore {
    fn from(tally: ScoreTally) -> Self {
        AgentScore {
            name: tally.name,
            data_type: tally.data_type,
            count: tally.count,
            average: (tally.numeric_count > 0)
                .then(|| tally.numeric_sum / tally.numeric_count as f64),
        }
    }
}

/// 10 equal-width bins over [min, max]; the last bin includes max.
pub fn equal_width_histogram(values: &[f64], bins: usize) -> Vec<HistogramBin> {
    let Some(min) = values.iter().copied().reduce(f64::min) else {
        return Vec::new();
    };
    let max = values.iter().copied().fold(min, f64::max);
    if max <= min {
        return vec![HistogramBin {
            from: min,
            to: max,
            count: values.len() as i64,
        }];
    }
    let width = (max - min) / bins as f64;
    let mut counts = vec![0i64; bins];
    for value in values {
        let index = (((value - min) / width) as usize).min(bins - 1);
        counts[index] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(index, count)| HistogramBin {
            from: min + width * index as f64,
            to: if index + 1 == bins {
                max
            } else {
                min + width * (index + 1) as f64
            },
            count,
        })
        .collect()
}

fn summarise(name: String, values: &[ScoredValue], days: Option<(i64, i64)>) -> ScoreSummary {
    let data_type = latest_data_type(values);
    let numeric: Vec<f64> = values.iter().filter_map(ScoredValue::numeric).collect();
    let histogram = if data_type == "NUMERIC" {
        equal_width_histogram(&numeric, HISTOGRAM_BINS)
    } else {
        Vec::new()
    };
    let mut category_counts: BTreeMap<String, i64> = BTreeMap::new();
    if data_type != "NUMERIC" {
        for category in values.iter().filter_map(ScoredValue::category) {
            *category_counts.entry(category).or_default() += 1;
        }
    }
    let mut categories: Vec<CategoryShare> = category_counts
        .into_iter()
        .map(|(value, count)| CategoryShare {
            value,
            count,
            share: count as f64 / values.len() as f64,
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let mut per_day: BTreeMap<i64, (i64, Vec<f64>)> = BTreeMap::new();
    for score in values {
        let entry = per_day.entry(day_floor(score.timestamp_ms)).or_default();
        entry.0 += 1;
        entry.1.extend(score.numeric());
    }
    let day_starts: Vec<i64> = match days {
        Some((first, end)) => (0..)
            .map(|index| first + index * MS_PER_DAY)
            .take_while(|day| *day < end)
            .collect(),
        None => per_day.keys().copied().collect(),
    };
    let daily = day_starts
        .into_iter()
        .map(|day| {
            let (count, numbers) = per_day.get(&day).cloned().unwrap_or_default();
            ScoreDay {
                date: ms_to_day(day),
                count,
                average: average(&numbers),
            }
        })
        .collect();
    ScoreSummary {
        name,
        data_type,
        count: values.len() as i64,
        average: average(&numeric),
        min: numeric.iter().copied().reduce(f64::min),
        max: numeric.iter().copied().reduce(f64::max),
        histogram,
        categories,
        daily,
    }
}

/// The latest score per name, by name.
pub fn latest_per_name(scores: &[ScoreEntry]) -> Vec<LatestScore> {
    let mut latest: BTreeMap<&str, &ScoreEntry> = BTreeMap::new();
    // In time order, so a later score replaces an earlier one.
    for score in scores {
        latest.insert(&score.name, score);
    }
    latest
        .into_values()
        .map(|score| LatestScore {
            name: score.name.clone(),
            data_type: score.data_type.clone(),
            value: score.value,
            string_value: score.string_value.clone(),
        })
        .collect()
}

/// The latest score per name of a session's scores (in time order).
pub fn latest_of(rows: Vec<ScoreRow>) -> Vec<LatestScore> {
    let entries: Vec<ScoreEntry> = rows.into_iter().map(ScoreEntry::from).collect();
    latest_per_name(&entries)
}

/// One summary per score name over `range`, by name.
pub fn score_summaries(scores: Vec<ScoredValue>, range: TimeRange) -> Vec<ScoreSummary> {
    let mut by_name: BTreeMap<String, Vec<ScoredValue>> = BTreeMap::new();
    for score in scores {
        by_name.entry(score.name.clone()).or_default().push(score);
    }
    let days = range
        .from_ms
        .zip(range.to_ms)
        .map(|(from, to)| (day_floor(from), day_ceil(to)));
    by_name
        .into_iter()
        .map(|(name, values)| summarise(name, &values, days))
        .collect()
}

/// Each name's `AgentScore`, in the tallies' order (by name).
pub fn agent_scores(tallies: Vec<ScoreTally>) -> Vec<AgentScore> {
    tallies.into_iter().map(AgentScore::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_cover_min_to_max_and_count_every_value() {
        let values = [0.0, 0.05, 0.1, 0.5, 0.99, 1.0];
        let bins = equal_width_histogram(&values, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[0].from, 0.0);
        assert_eq!(bins[9].to, 1.0);
        assert_eq!(bins.iter().map(|bin| bin.count).sum::<i64>(), 6);
        assert_eq!(bins[0].count, 2);
        assert_eq!(bins[9].count, 2);
    }

    #[test]
    fn equal_values_make_one_bin_and_no_values_none() {
        assert_eq!(equal_width_histogram(&[3.0, 3.0], 10).len(), 1);
        assert!(equal_width_histogram(&[], 10).is_empty());
    }

    #[test]
    fn booleans_count_as_numbers_and_as_true_false_categories() {
        let score = |value: f64| ScoredValue {
            name: "win".into(),
            data_type: "BOOLEAN".into(),
            value: Some(value),
            string_value: None,
            timestamp_ms: 0,
        };
        let summary = summarise("win".into(), &[score(1.0), score(0.0), score(1.0)], None);
        assert!((summary.average.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!(summary.histogram.is_empty());
        assert_eq!(summary.categories[0].value, "true");
        assert_eq!(summary.categories[0].count, 2);
        assert_eq!(summary.categories[1].value, "false");
    }
}
