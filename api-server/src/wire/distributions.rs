//! How cost, duration, turns (traces) and errors spread over sessions:
//! exact nearest-rank percentiles, histograms and the outliers.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::distributions::SessionValues;
use crate::wire::scores::HistogramBin;
use crate::wire::usd;

const BINS: usize = 20;
const OUTLIERS: usize = 5;
/// A spread wider than this ratio (max / min) gets log-spaced bins.
const LOG_SPACING_RATIO: f64 = 100.0;

#[derive(Debug, Serialize, ToSchema)]
pub struct Outlier {
    /// The session id.
    pub id: String,
    pub value: f64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricDistribution {
    /// `totalCost` (USD), `durationMs`, `traces` (turns) or `errors`.
    pub metric: String,
    /// Sessions with a value (a session without an end has no duration).
    pub count: i64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// Exact, nearest rank.
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// Whole-number metrics (`traces`, `errors`): at most 20 bins of equal
    /// whole width from min, each holding `from` ≤ value < `to` (width 1:
    /// one bin per value), with no gaps. Other metrics: 20 bins over [min,
    /// max], log-spaced when min > 0 and max / min > 100, else equal-width.
    /// Empty without values.
    pub histogram: Vec<HistogramBin>,
    /// Whether the values are whole numbers (counts), binned as above.
    pub integer_valued: bool,
    /// The 5 sessions with the highest values, highest first.
    pub outliers: Vec<Outlier>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDistributions {
    /// Sessions starting in the range.
    pub sessions: i64,
    pub metrics: Vec<MetricDistribution>,
}

/// Nearest-rank percentile of sorted values: the smallest value with at
/// least `p` of the values at or below it.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// `bins` bins over [min, max] of sorted values; the last bin includes max.
pub fn spread_histogram(sorted: &[f64], bins: usize) -> Vec<HistogramBin> {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    if max <= min {
        return vec![HistogramBin {
            from: min,
            to: max,
            count: sorted.len() as i64,
        }];
    }
    let logarithmic = min > 0.0 && max / min > LOG_SPACING_RATIO;
    let edge = |index: usize| -> f64 {
        if index == bins {
            return max;
        }
        let fraction = index as f64 / bins as f64;
        if logarithmic {
            (min.ln() + (max.ln() - min.ln()) * fraction).exp()
        } else {
            min + (max - min) * fraction
        }
    };
    let edges: Vec<f64> = (0..=bins).map(edge).collect();
    let mut counts = vec![0i64; bins];
    for value in sorted {
        // The first bin whose upper edge lies above the value; max goes last.
        let index = edges[1..bins].partition_point(|upper| upper <= value);
        counts[index] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(index, count)| HistogramBin {
            from: edges[index],
            to: edges[index + 1],
            count,
        })
        .collect()
}

/// At most `max_bins` bins of one whole width from min, covering every
/// whole number up to max: `from` inclusive, `to` exclusive.
pub fn integer_histogram(sorted: &[f64], max_bins: usize) -> Vec<HistogramBin> {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let (min, max) = (min.floor() as i64, max.floor() as i64);
    let values = max - min + 1;
    let width = (values + max_bins as i64 - 1) / max_bins as i64;
    let bins = (values + width - 1) / width;
    let mut counts = vec![0i64; bins as usize];
    for value in sorted {
        counts[((value.floor() as i64 - min) / width) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(index, count)| {
            let from = min + index as i64 * width;
            HistogramBin {
                from: from as f64,
                to: (from + width) as f64,
                count,
            }
        })
        .collect()
}

/// Whether a metric counts things (whole numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Values {
    Whole,
    Real,
}

/// The `OUTLIERS` highest values offered so far with their sessions,
/// highest first; of equal values, the lesser id first. A session's id is
/// copied only when it enters: whole-number metrics tie across most
/// sessions, and keeping every id was most of the endpoint's allocations.
#[derive(Debug, Default)]
struct Highest(Vec<(f64, String)>);

impl Highest {
    fn offer(&mut self, id: &str, value: f64) {
        let rank = self.0.partition_point(|(held, held_id)| {
            held.total_cmp(&value)
                .then_with(|| id.cmp(held_id.as_str()))
                .is_gt()
        });
        if rank < OUTLIERS {
            self.0.insert(rank, (value, id.to_string()));
            self.0.truncate(OUTLIERS);
        }
    }

    fn into_outliers(self) -> Vec<Outlier> {
        self.0
            .into_iter()
            .map(|(value, id)| Outlier { id, value })
            .collect()
    }
}

/// One metric's values over the sessions that have one.
#[derive(Debug, Default)]
struct Spread {
    values: Vec<f64>,
    highest: Highest,
}

impl Spread {
    fn add(&mut self, id: &str, value: Option<f64>) {
        if let Some(value) = value {
            self.values.push(value);
            self.highest.offer(id, value);
        }
    }

    fn into_distribution(self, metric: &str, kind: Values) -> MetricDistribution {
        let mut sorted = self.values;
        sorted.sort_unstable_by(f64::total_cmp);
        MetricDistribution {
            metric: metric.to_string(),
            count: sorted.len() as i64,
            min: sorted.first().copied(),
            max: sorted.last().copied(),
            mean: (!sorted.is_empty()).then(|| sorted.iter().sum::<f64>() / sorted.len() as f64),
            p50: nearest_rank(&sorted, 0.50),
            p90: nearest_rank(&sorted, 0.90),
            p95: nearest_rank(&sorted, 0.95),
            p99: nearest_rank(&sorted, 0.99),
            histogram: match kind {
                Values::Whole => integer_histogram(&sorted, BINS),
                Values::Real => spread_histogram(&sorted, BINS),
            },
            integer_valued: kind == Values::Whole,
            outliers: self.highest.into_outliers(),
        }
    }
}

/// The distributions of a range's sessions, built as the sessions are
/// read.
#[derive(Debug, Default)]
pub struct SessionSpreads {
    sessions: i64,
    cost: Spread,
    duration: Spread,
    traces: Spread,
    errors: Spread,
}

impl SessionSpreads {
    pub fn add(&mut self, session: &SessionValues<'_>) {
        self.sessions += 1;
        self.cost.add(session.id, Some(usd(session.cost_nanousd)));
        self.duration
            .add(session.id, session.duration_ms.map(|ms| ms as f64));
        self.traces.add(session.id, Some(session.traces as f64));
        self.errors.add(session.id, Some(session.errors as f64));
    }

    pub fn into_distributions(self) -> SessionDistributions {
        SessionDistributions {
            sessions: self.sessions,
            metrics: vec![
                self.cost.into_distribution("totalCost", Values::Real),
                self.duration.into_distribution("durationMs", Values::Real),
                self.traces.into_distribution("traces", Values::Whole),
                self.errors.into_distribution("errors", Values::Whole),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_pick_stored_values() {
        let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&sorted, 0.50), Some(5.0));
        assert_eq!(nearest_rank(&sorted, 0.90), Some(9.0));
        assert_eq!(nearest_rank(&sorted, 0.95), Some(10.0));
        assert_eq!(nearest_rank(&[7.0], 0.99), Some(7.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }

    /// (values, expected (from, to, count) of the first bins)
    type Case<'a> = (&'a [f64], &'a [(f64, f64, i64)]);

    #[test]
    fn whole_numbers_get_whole_bins_without_gaps() {
        // (values, expected (from, to, count) per bin)
        let cases: [Case<'_>; 4] = [
            (
                &[0.0, 0.0, 1.0, 3.0],
                &[(0.0, 1.0, 2), (1.0, 2.0, 1), (2.0, 3.0, 0), (3.0, 4.0, 1)],
            ),
            (&[5.0, 5.0], &[(5.0, 6.0, 2)]),
            // 41 values 0..=40 need width 3 for at most 20 bins: 14 bins.
            (&[0.0, 2.0, 3.0, 40.0], &[(0.0, 3.0, 2), (3.0, 6.0, 1)]),
            (&[], &[]),
        ];
        for (values, expected) in cases {
            let bins = integer_histogram(values, 20);
            let served: Vec<(f64, f64, i64)> = bins
                .iter()
                .map(|bin| (bin.from, bin.to, bin.count))
                .collect();
            assert_eq!(
                &served[..expected.len().min(served.len())],
                expected,
                "{values:?}"
            );
            assert!(bins.len() <= 20, "{values:?}");
            assert!(
                bins.windows(2).all(|pair| pair[0].to == pair[1].from),
                "gaps: {values:?}"
            );
            assert!(
                bins.iter()
                    .all(|bin| bin.from.fract() == 0.0 && bin.to.fract() == 0.0)
            );
            assert_eq!(
                bins.iter().map(|bin| bin.count).sum::<i64>(),
                values.len() as i64
            );
            if let (Some(last), Some(max)) = (bins.last(), values.last()) {
                assert!(last.from <= *max && *max < last.to, "{values:?}");
            }
        }
        assert_eq!(integer_histogram(&[0.0, 40.0], 20).len(), 14);
    }

    #[test]
    fn outliers_are_the_highest_values_ties_by_id_as_a_full_sort_gives() {
        let mut next = crate::wire::seeded_numbers(0x2545_f491_4f6c_dd1d);
        // Few distinct values, so that most sessions tie, as errors do.
        for sessions in [0, 1, OUTLIERS - 1, OUTLIERS, OUTLIERS + 1, 1_000] {
            for distinct_values in [1, 3, 1_000] {
                let ids: Vec<String> = (0..sessions)
                    .map(|_| format!("session-{}", next(10_000)))
                    .collect();
                let values: Vec<(&str, f64)> = ids
                    .iter()
                    .map(|id| (id.as_str(), next(distinct_values) as f64))
                    .collect();
                let mut fully_sorted = values.clone();
                fully_sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                let expected: Vec<(String, f64)> = fully_sorted
                    .iter()
                    .take(OUTLIERS)
                    .map(|&(id, value)| (id.to_string(), value))
                    .collect();
                let mut highest = Highest::default();
                for &(id, value) in &values {
                    highest.offer(id, value);
                }
                let served: Vec<(String, f64)> = highest
                    .into_outliers()
                    .into_iter()
                    .map(|outlier| (outlier.id, outlier.value))
                    .collect();
                assert_eq!(
                    served, expected,
                    "{sessions} sessions, {distinct_values} values"
                );
            }
        }
    }

    #[test]
    fn wide_spreads_get_log_bins_and_narrow_ones_linear() {
        let wide = [1.0, 10.0, 100.0, 10_000.0];
        let bins = spread_histogram(&wide, 20);
        assert_eq!(bins.len(), 20);
        assert!((bins[5].from - 10.0).abs() < 1e-9, "{:?}", bins[5]);
        assert_eq!(bins.iter().map(|bin| bin.count).sum::<i64>(), 4);
        assert_eq!(bins[19].count, 1);
        let narrow = [0.0, 5.0, 10.0];
        let bins = spread_histogram(&narrow, 20);
        assert_eq!(bins[10].from, 5.0);
        assert_eq!(bins[10].count, 1);
        assert_eq!(bins[19].to, 10.0);
    }
}
