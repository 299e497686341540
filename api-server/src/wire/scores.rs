//! Score summaries (average, distribution, category shares, trend), the
//! latest score per name, and the scores agents carry.

use std::collections::BTreeMap;

use serde::Serialize;
use shared_schema::scores::{ScoreKey, ScoreTotals};
use shared_schema::units::{MS_PER_DAY, ms_to_day};
use utoipa::ToSchema;

use crate::db::scores::{LatestScoreRow, ScoreCells, ScoreRow, ScoreTally, latest_type};
use crate::params::{TimeRange, day_ceil, day_floor};
use crate::wire::iso;

const HISTOGRAM_BINS: usize = 10;

/// The most frequent values an agent's categorical score shows.
pub const TOP_CATEGORIES: usize = 5;

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
    /// CATEGORICAL and BOOLEAN (`true`/`false`): the shares of the (at
    /// most 5) most frequent values, most frequent first, each of all the
    /// name's scores (`count`); otherwise empty.
    pub categories: Vec<CategoryShare>,
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

fn average(sum: f64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

/// The shares of `counts` among `total` scores, most frequent first (ties
/// by value).
fn category_shares(counts: BTreeMap<String, i64>, total: i64) -> Vec<CategoryShare> {
    let mut categories: Vec<CategoryShare> = counts
        .into_iter()
        .map(|(value, count)| CategoryShare {
            value,
            count,
            share: count as f64 / total as f64,
        })
        .collect();
    categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    categories
}

impl From<ScoreTally> for AgentScore {
    fn from(tally: ScoreTally) -> Self {
        let mut categories = if matches!(tally.data_type.as_str(), "CATEGORICAL" | "BOOLEAN") {
            category_shares(tally.categories, tally.count)
        } else {
            Vec::new()
        };
        categories.truncate(TOP_CATEGORIES);
        AgentScore {
            name: tally.name,
            data_type: tally.data_type,
            count: tally.count,
            average: average(tally.numeric_sum, tally.numeric_count),
            categories,
        }
    }
}

/// 10 equal-width bins over [min, max]; the last bin includes max.
pub fn equal_width_histogram(values: &[f64], bins: usize) -> Vec<HistogramBin> {
    let counted: Vec<(f64, i64)> = values.iter().map(|value| (*value, 1)).collect();
    weighted_histogram(&counted, bins)
}

/// `equal_width_histogram` of values given with their counts.
pub fn weighted_histogram(values: &[(f64, i64)], bins: usize) -> Vec<HistogramBin> {
    let Some(min) = values.iter().map(|(value, _)| *value).reduce(f64::min) else {
        return Vec::new();
    };
    let max = values.iter().map(|(value, _)| *value).fold(min, f64::max);
    if max <= min {
        return vec![HistogramBin {
            from: min,
            to: max,
            count: values.iter().map(|(_, count)| count).sum(),
        }];
    }
    let width = (max - min) / bins as f64;
    let mut counts = vec![0i64; bins];
    for (value, count) in values {
        let index = (((value - min) / width) as usize).min(bins - 1);
        counts[index] += count;
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

/// One name's cells: per (data type, category) over the range and per day.
#[derive(Default)]
struct NameParts {
    by_kind: BTreeMap<(String, String), ScoreTotals>,
    by_day: BTreeMap<String, ScoreTotals>,
    values: Vec<(f64, i64)>,
}

fn summarise(name: String, parts: NameParts, days: Option<(i64, i64)>) -> ScoreSummary {
    let mut by_type: BTreeMap<&str, ScoreTotals> = BTreeMap::new();
    let mut all = ScoreTotals::default();
    let mut category_counts: BTreeMap<String, i64> = BTreeMap::new();
    for ((data_type, category), totals) in &parts.by_kind {
        by_type.entry(data_type.as_str()).or_default().add(totals);
        all.add(totals);
        if !category.is_empty() {
            *category_counts.entry(category.clone()).or_default() += totals.scores;
        }
    }
    let data_type = latest_type(
        by_type
            .iter()
            .map(|(data_type, totals)| (*data_type, totals)),
    )
    .unwrap_or_else(|| "NUMERIC".into());
    let histogram = if data_type == "NUMERIC" {
        weighted_histogram(&parts.values, HISTOGRAM_BINS)
    } else {
        Vec::new()
    };
    let categories = if data_type != "NUMERIC" {
        category_shares(category_counts, all.scores)
    } else {
        Vec::new()
    };
    let dates: Vec<String> = match days {
        Some((first, end)) => (0..)
            .map(|index| first + index * MS_PER_DAY)
            .take_while(|day| *day < end)
            .map(ms_to_day)
            .collect(),
        None => parts.by_day.keys().cloned().collect(),
    };
    let daily = dates
        .into_iter()
        .map(|date| {
            let totals = parts.by_day.get(&date).copied().unwrap_or_default();
            ScoreDay {
                date,
                count: totals.scores,
                average: average(totals.numeric_sum, totals.numeric_count),
            }
        })
        .collect();
    ScoreSummary {
        name,
        data_type,
        count: all.scores,
        average: average(all.numeric_sum, all.numeric_count),
        min: all.numeric_min,
        max: all.numeric_max,
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

impl From<LatestScoreRow> for LatestScore {
    fn from(row: LatestScoreRow) -> Self {
        LatestScore {
            name: row.name,
            data_type: row.data_type,
            value: row.value,
            string_value: row.string_value,
        }
    }
}

/// A session's stored latest scores (`db::scores::latest_session_scores`).
pub fn latest_scores(rows: Vec<LatestScoreRow>) -> Vec<LatestScore> {
    rows.into_iter().map(LatestScore::from).collect()
}

/// One summary per score name over `range` (from cells per day), by name.
pub fn score_summaries(cells: ScoreCells, range: TimeRange) -> Vec<ScoreSummary> {
    let mut by_name: BTreeMap<String, NameParts> = BTreeMap::new();
    for ((day, key), totals) in cells.cells {
        let ScoreKey {
            name,
            data_type,
            category,
            ..
        } = key;
        let parts = by_name.entry(name).or_default();
        parts
            .by_kind
            .entry((data_type, category))
            .or_default()
            .add(&totals);
        parts.by_day.entry(day).or_default().add(&totals);
    }
    for ((_, name), values) in cells.values {
        if let Some(parts) = by_name.get_mut(&name) {
            parts.values.extend(
                values
                    .into_iter()
                    .map(|(value, count)| (value.get(), count)),
            );
        }
    }
    let days = range
        .from_ms
        .zip(range.to_ms)
        .map(|(from, to)| (day_floor(from), day_ceil(to)));
    by_name
        .into_iter()
        .map(|(name, parts)| summarise(name, parts, days))
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
        let mut tally = shared_schema::scores::ScoreTally::default();
        for (value, timestamp_ms) in [(1.0, 0), (0.0, 1), (1.0, 2)] {
            let score = shared_schema::scores::RawScore {
                name: "win".into(),
                data_type: "BOOLEAN".into(),
                value: Some(value),
                string_value: None,
                timestamp_ms,
            };
            tally.record("*", &score);
        }
        let mut cells = ScoreCells::default();
        for (key, totals) in tally.cells {
            cells.cells.insert(("1970-01-01".into(), key), totals);
        }
        let summary = score_summaries(cells, TimeRange::default()).remove(0);
        assert!((summary.average.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!(summary.histogram.is_empty());
        assert_eq!(summary.categories[0].value, "true");
        assert_eq!(summary.categories[0].count, 2);
        assert_eq!(summary.categories[1].value, "false");
        assert_eq!(summary.daily.len(), 1);
    }

    #[test]
    fn counted_values_bin_like_the_values_they_count() {
        let values = [0.0, 0.05, 0.1, 0.5, 0.5, 0.99, 1.0, 1.0];
        let counted = [(0.0, 1), (0.05, 1), (0.1, 1), (0.5, 2), (0.99, 1), (1.0, 2)];
        let plain = equal_width_histogram(&values, 10);
        let weighted = weighted_histogram(&counted, 10);
        let counts = |bins: &[HistogramBin]| bins.iter().map(|bin| bin.count).collect::<Vec<_>>();
        assert_eq!(counts(&weighted), counts(&plain));
        assert_eq!(weighted_histogram(&[(3.0, 4)], 10)[0].count, 4);
    }

    #[test]
    fn an_agents_categorical_score_shows_its_top_five_values_by_count() {
        let counts: BTreeMap<String, i64> =
            [("a", 1), ("b", 5), ("c", 3), ("d", 3), ("e", 2), ("f", 1)]
                .into_iter()
                .map(|(value, count)| (value.to_string(), count))
                .collect();
        let tally = |data_type: &str| ScoreTally {
            name: "outcome".into(),
            data_type: data_type.into(),
            count: 16,
            numeric_sum: 0.0,
            numeric_count: 0,
            categories: counts.clone(),
        };
        let score = AgentScore::from(tally("CATEGORICAL"));
        let shown: Vec<(&str, i64)> = score
            .categories
            .iter()
            .map(|share| (share.value.as_str(), share.count))
            .collect();
        assert_eq!(shown, [("b", 5), ("c", 3), ("d", 3), ("e", 2), ("a", 1)]);
        assert_eq!(score.categories[0].share, 5.0 / 16.0);
        assert!(AgentScore::from(tally("NUMERIC")).categories.is_empty());
    }
}
