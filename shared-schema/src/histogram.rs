//! Latency histograms with logarithmic buckets, so that percentiles over any
//! set of days can be merged from stored rows instead of scanning
//! observations. Eight buckets per doubling: a bucket spans 9.05% of its
//! lower bound and the value reported for it (the geometric middle, rounded
//! to whole milliseconds) is within 4.5% (or 1 ms) of any latency in it.

use std::collections::BTreeMap;

const BUCKETS_PER_DOUBLING: f64 = 8.0;
/// Latencies above ~2^40 ms (35 years) share the last bucket.
const LAST_BUCKET: u16 = 40 * 8 + 1;
/// The stated bound on a reported percentile's error against the exact
/// nearest-rank percentile of the same latencies.
pub const RELATIVE_PRECISION: f64 = 0.045;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: BTreeMap<u16, u64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("latency histogram blob is {len} bytes, not a whole number of 10-byte entries")]
pub struct MalformedHistogram {
    pub len: usize,
}

fn bucket_of(latency_ms: i64) -> u16 {
    if latency_ms <= 0 {
        return 0;
    }
    let index = ((latency_ms as f64).log2() * BUCKETS_PER_DOUBLING).floor() as i64 + 1;
    index.clamp(1, LAST_BUCKET as i64) as u16
}

fn bucket_bounds(bucket: u16) -> (f64, f64) {
    if bucket == 0 {
        return (0.0, 0.0);
    }
    let lower = 2f64.powf((bucket - 1) as f64 / BUCKETS_PER_DOUBLING);
    let upper = 2f64.powf(bucket as f64 / BUCKETS_PER_DOUBLING);
    (lower, upper)
}

fn representative(bucket: u16) -> i64 {
    let (lower, upper) = bucket_bounds(bucket);
    // Integer latencies in the bucket lie in [ceil(lower), ceil(upper) - 1].
    let smallest = lower.ceil();
    let largest = (upper.ceil() - 1.0).max(smallest);
    (smallest * largest).sqrt().round() as i64
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, latency_ms: i64) {
        self.record_n(latency_ms, 1);
    }

    pub fn record_n(&mut self, latency_ms: i64, count: u64) {
        if count > 0 {
            *self.counts.entry(bucket_of(latency_ms)).or_default() += count;
        }
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (bucket, count) in &other.counts {
            *self.counts.entry(*bucket).or_default() += count;
        }
    }

    /// Takes away latencies recorded earlier (e.g. an observation whose
    /// latency changed), so stored histograms can be updated by deltas.
    /// Counts never go below zero; emptied buckets disappear.
    pub fn subtract(&mut self, other: &LatencyHistogram) {
        for (bucket, count) in &other.counts {
            if let Some(current) = self.counts.get_mut(bucket) {
                *current = current.saturating_sub(*count);
                if *current == 0 {
                    self.counts.remove(bucket);
                }
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The nearest-rank percentile (`quantile` in 0..=1), or None when empty.
    pub fn percentile(&self, quantile: f64) -> Option<i64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, count) in &self.counts {
            seen += count;
            if seen >= rank {
                return Some(representative(*bucket));
            }
        }
        self.counts
            .keys()
            .next_back()
            .map(|bucket| representative(*bucket))
    }

    /// Sparse little-endian encoding: (u16 bucket, u64 count) per non-empty bucket.
    pub fn to_blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(self.counts.len() * 10);
        for (bucket, count) in &self.counts {
            blob.extend_from_slice(&bucket.to_le_bytes());
            blob.extend_from_slice(&count.to_le_bytes());
        }
        blob
    }

    pub fn from_blob(blob: &[u8]) -> Result<Self, MalformedHistogram> {
        if !blob.len().is_multiple_of(10) {
            return Err(MalformedHistogram { len: blob.len() });
        }
        let mut histogram = Self::new();
        for entry in blob.chunks_exact(10) {
            let bucket = u16::from_le_bytes([entry[0], entry[1]]).min(LAST_BUCKET);
            let count = u64::from_le_bytes(entry[2..10].try_into().expect("8 bytes"));
            *histogram.counts.entry(bucket).or_default() += count;
        }
        Ok(histogram)
    }
}

/// The exact nearest-rank percentile, for checking the histogram's precision.
pub fn exact_percentile(sorted_latencies_ms: &[i64], quantile: f64) -> Option<i64> {
    if sorted_latencies_ms.is_empty() {
        return None;
    }
    let rank =
        ((quantile.clamp(0.0, 1.0) * sorted_latencies_ms.len() as f64).ceil() as usize).max(1);
    Some(sorted_latencies_ms[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within_precision(estimate: i64, exact: i64) -> bool {
        let tolerance = (exact as f64 * RELATIVE_PRECISION).max(1.0);
        (estimate - exact).abs() as f64 <= tolerance
    }

    #[test]
    fn percentiles_stay_within_the_stated_precision_of_an_exact_computation() {
        // A deterministic spread from 0 ms to minutes, skewed like LLM latencies.
        let mut latencies: Vec<i64> = (0..20_000u64)
            .map(|i| {
                let x = (i.wrapping_mul(2654435761) % 1_000_003) as f64 / 1_000_003.0;
                (x.powi(3) * 120_000.0) as i64
            })
            .collect();
        let mut histogram = LatencyHistogram::new();
        for latency in &latencies {
            histogram.record(*latency);
        }
        latencies.sort_unstable();
        for quantile in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            let exact = exact_percentile(&latencies, quantile).unwrap();
            let estimate = histogram.percentile(quantile).unwrap();
            assert!(
                within_precision(estimate, exact),
                "p{quantile}: {estimate} vs exact {exact}"
            );
        }
    }

    #[test]
    fn merged_histograms_equal_one_histogram_of_all_values() {
        let mut left = LatencyHistogram::new();
        let mut right = LatencyHistogram::new();
        let mut all = LatencyHistogram::new();
        for latency in 0..5_000 {
            let target = if latency % 3 == 0 {
                &mut left
            } else {
                &mut right
            };
            target.record(latency * 7);
            all.record(latency * 7);
        }
        left.merge(&right);
        assert_eq!(left, all);
    }

    #[test]
    fn blob_round_trips_and_rejects_torn_input() {
        let mut histogram = LatencyHistogram::new();
        for latency in [0, 1, 2, 999, 1_000, 65_000, i64::MAX] {
            histogram.record(latency);
        }
        let blob = histogram.to_blob();
        assert_eq!(LatencyHistogram::from_blob(&blob).unwrap(), histogram);
        assert_eq!(
            LatencyHistogram::from_blob(&blob[..blob.len() - 1]),
            Err(MalformedHistogram {
                len: blob.len() - 1
            })
        );
    }

    #[test]
    fn subtracting_what_was_merged_restores_the_original() {
        let mut base = LatencyHistogram::new();
        let mut extra = LatencyHistogram::new();
        for latency in [5, 50, 500, 5_000] {
            base.record(latency);
            extra.record(latency * 3);
        }
        let mut combined = base.clone();
        combined.merge(&extra);
        combined.subtract(&extra);
        assert_eq!(combined, base);
        combined.subtract(&base);
        assert!(combined.is_empty());
    }

    #[test]
    fn empty_histogram_has_no_percentile() {
        assert_eq!(LatencyHistogram::new().percentile(0.5), None);
    }
}
