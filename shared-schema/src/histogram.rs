//! Latency sketches with a relative-error guarantee, so that percentiles over
//! any set of days and hours can be merged from stored rows instead of
//! scanning observations. The design is DDSketch's (Masson, Rim and Lee,
//! VLDB 2019): bucket `k` holds the latencies in `(γ^(k-1), γ^k]` with
//! `γ = (1 + α) / (1 - α)`, so the bucket's representative is within `α` of
//! every value in it, and merging sketches is adding counts.
//!
//! Latencies are whole milliseconds, so rounding the representative to an
//! integer would add up to 0.5 ms on top of `α`. Two choices keep the
//! stated 1 % for every integer latency (the unit test walks every bucket):
//! latencies up to `EXACT_UP_TO` ms get a bucket each (exact), and above it
//! `α` is 0.8 %, leaving room for the rounding.

/// Latencies up to this many ms are kept exactly (one bucket each).
const EXACT_UP_TO: i64 = 200;
/// The sketch's own relative accuracy above `EXACT_UP_TO`.
const ALPHA: f64 = 0.008;
/// γ = (1 + α) / (1 - α).
const GAMMA: f64 = (1.0 + ALPHA) / (1.0 - ALPHA);
/// Latencies above ~2^40 ms (35 years) share the last bucket.
const LARGEST_DISTINCT_MS: i64 = 1 << 40;
/// The stated bound on a reported percentile's error against the exact
/// nearest-rank percentile of the same latencies (no absolute slack).
pub const RELATIVE_PRECISION: f64 = 0.01;

/// Stored blobs start with these two bytes (and a format version), so that
/// a blob of another format is rejected by name instead of misread.
const MAGIC: [u8; 2] = *b"DD";
const FORMAT_VERSION: u8 = 1;

/// Counts per bucket, dense: merging, the hot path of every figure read,
/// is then adding two slices, with no tree to walk or allocate. The last
/// element is never zero, so equal sketches are equal vectors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("latency sketch blob of {len} bytes is unreadable: {reason}")]
pub struct MalformedHistogram {
    pub len: usize,
    pub reason: String,
}

fn last_bucket() -> u16 {
    bucket_of(LARGEST_DISTINCT_MS)
}

fn bucket_of(latency_ms: i64) -> u16 {
    if latency_ms <= 0 {
        return 0;
    }
    if latency_ms <= EXACT_UP_TO {
        return latency_ms as u16;
    }
    let ratio = latency_ms.min(LARGEST_DISTINCT_MS) as f64 / EXACT_UP_TO as f64;
    let above = (ratio.ln() / GAMMA.ln()).ceil().max(1.0) as i64;
    (EXACT_UP_TO + above) as u16
}

/// The smallest and largest whole-millisecond latency of a bucket, found
/// from `bucket_of` itself so that float rounding cannot disagree with it.
fn integer_bounds(bucket: u16) -> (i64, i64) {
    if i64::from(bucket) <= EXACT_UP_TO {
        let value = i64::from(bucket);
        return (value, value);
    }
    let exponent = (i64::from(bucket) - EXACT_UP_TO) as i32;
    let estimate = |power: i32| (EXACT_UP_TO as f64 * GAMMA.powi(power)) as i64;
    let mut smallest = estimate(exponent - 1).max(EXACT_UP_TO + 1);
    while smallest > EXACT_UP_TO + 1 && bucket_of(smallest - 1) >= bucket {
        smallest -= 1;
    }
    while bucket_of(smallest) < bucket {
        smallest += 1;
    }
    let mut largest = estimate(exponent).max(smallest);
    while largest > smallest && bucket_of(largest) > bucket {
        largest -= 1;
    }
    while largest < LARGEST_DISTINCT_MS && bucket_of(largest + 1) == bucket {
        largest += 1;
    }
    (smallest, largest)
}

/// The whole-millisecond value closest, relatively, to every latency of the
/// bucket: the integer next to the harmonic middle `2sl / (s + l)`.
fn representative(bucket: u16) -> i64 {
    let (smallest, largest) = integer_bounds(bucket);
    if smallest == largest {
        return smallest;
    }
    let (s, l) = (smallest as f64, largest as f64);
    let middle = 2.0 * s * l / (s + l);
    let worst_error = |value: f64| ((value - s) / s).max((l - value) / l);
    let (below, above) = (middle.floor(), middle.ceil());
    let best = if worst_error(below) <= worst_error(above) {
        below
    } else {
        above
    };
    best as i64
}

fn malformed(blob: &[u8], reason: impl Into<String>) -> MalformedHistogram {
    MalformedHistogram {
        len: blob.len(),
        reason: reason.into(),
    }
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads one LEB128 varint at `*at`, moving `*at` past it.
fn read_varint(blob: &[u8], at: &mut usize) -> Result<u64, MalformedHistogram> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let Some(&byte) = blob.get(*at) else {
            return Err(malformed(
                blob,
                format!("ends inside a number at byte {at}"),
            ));
        };
        *at += 1;
        let bits = u64::from(byte & 0x7f);
        if shift == 63 && bits > 1 {
            return Err(malformed(
                blob,
                format!("number overflows at byte {}", *at - 1),
            ));
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(malformed(
        blob,
        format!("number longer than 10 bytes before byte {at}"),
    ))
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
            self.add_to_bucket(usize::from(bucket_of(latency_ms)), count);
        }
    }

    fn add_to_bucket(&mut self, bucket: usize, count: u64) {
        if self.counts.len() <= bucket {
            self.counts.resize(bucket + 1, 0);
        }
        self.counts[bucket] = self.counts[bucket].saturating_add(count);
    }

    fn trim(&mut self) {
        while self.counts.last() == Some(&0) {
            self.counts.pop();
        }
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (total, count) in self.counts.iter_mut().zip(&other.counts) {
            *total = total.saturating_add(*count);
        }
    }

    /// Takes away latencies recorded earlier (e.g. an observation whose
    /// latency changed), so stored sketches can be updated by deltas.
    /// Counts never go below zero.
    pub fn subtract(&mut self, other: &LatencyHistogram) {
        for (current, count) in self.counts.iter_mut().zip(&other.counts) {
            *current = current.saturating_sub(*count);
        }
        self.trim();
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The non-empty buckets in ascending order, with their counts.
    fn buckets(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(bucket, count)| (bucket as u16, *count))
    }

    /// The nearest-rank percentile (`quantile` in 0..=1), or None when empty:
    /// within `RELATIVE_PRECISION` of the exact one.
    pub fn percentile(&self, quantile: f64) -> Option<i64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, count) in self.buckets() {
            seen += count;
            if seen >= rank {
                return Some(representative(bucket));
            }
        }
        Some(representative((self.counts.len() - 1) as u16))
    }

    /// `DD`, the format version, then per non-empty bucket in ascending
    /// order: the bucket's distance from the previous one and its count, as
    /// LEB128 varints (two or three bytes a bucket for typical rows).
    pub fn to_blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(3 + self.counts.len() * 3);
        blob.extend_from_slice(&MAGIC);
        blob.push(FORMAT_VERSION);
        let mut previous = 0u16;
        for (bucket, count) in self.buckets() {
            push_varint(&mut blob, u64::from(bucket - previous));
            push_varint(&mut blob, count);
            previous = bucket;
        }
        blob
    }

    pub fn from_blob(blob: &[u8]) -> Result<Self, MalformedHistogram> {
        let mut histogram = Self::new();
        histogram.merge_blob(blob)?;
        Ok(histogram)
    }

    /// Adds a stored sketch without building it first: what summing roll-up
    /// rows does for every row. A malformed blob leaves `self` unchanged.
    pub fn merge_blob(&mut self, blob: &[u8]) -> Result<(), MalformedHistogram> {
        if blob.len() < 3 || blob[..2] != MAGIC {
            return Err(malformed(
                blob,
                "does not start with the sketch marker \"DD\"",
            ));
        }
        if blob[2] != FORMAT_VERSION {
            return Err(malformed(
                blob,
                format!("format version {} is not {FORMAT_VERSION}", blob[2]),
            ));
        }
        let last = u64::from(last_bucket());
        // Decoded whole before any count is added, so that an error midway
        // adds nothing.
        let mut decoded: Vec<(usize, u64)> = Vec::with_capacity(blob.len() / 2);
        let mut at = 3;
        let mut bucket: u64 = 0;
        let mut first = true;
        while at < blob.len() {
            let step = read_varint(blob, &mut at)?;
            if !first && step == 0 {
                return Err(malformed(blob, format!("bucket {bucket} repeats")));
            }
            first = false;
            bucket = bucket.saturating_add(step);
            if bucket > last {
                return Err(malformed(
                    blob,
                    format!("bucket {bucket} lies beyond the last, {last}"),
                ));
            }
            let count = read_varint(blob, &mut at)?;
            if count > 0 {
                decoded.push((bucket as usize, count));
            }
        }
        if let Some((highest, _)) = decoded.last()
            && self.counts.len() <= *highest
        {
            self.counts.resize(highest + 1, 0);
        }
        for (bucket, count) in decoded {
            self.counts[bucket] = self.counts[bucket].saturating_add(count);
        }
        Ok(())
    }
}

/// The exact nearest-rank percentile, for checking the sketch's precision.
pub fn exact_percentile(sorted_latencies_ms: &[i64], quantile: f64) -> Option<i64> {
    if sorted_latencies_ms.is_empty() {
        return None;
    }
    let rank =
        ((quantile.clamp(0.0, 1.0) * sorted_latencies_ms.len() as f64).ceil() as usize).max(1);
    Some(sorted_latencies_ms[rank - 1])
}

/// Whether `estimate` is within `RELATIVE_PRECISION` of `exact`.
pub fn within_precision(estimate: i64, exact: i64) -> bool {
    (estimate - exact).abs() as f64 <= exact.abs() as f64 * RELATIVE_PRECISION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_whole_millisecond_latency_is_reported_within_one_percent() {
        // The error inside a bucket is largest at its two ends, so checking
        // both ends of every bucket checks every integer latency.
        let mut bucket = 1;
        while bucket <= last_bucket() {
            let (smallest, largest) = integer_bounds(bucket);
            assert!(smallest <= largest, "bucket {bucket} is empty");
            assert_eq!(bucket_of(smallest), bucket);
            assert_eq!(bucket_of(largest), bucket);
            if bucket > 1 {
                assert_eq!(bucket_of(smallest - 1), bucket - 1, "gap before {bucket}");
            }
            let reported = representative(bucket);
            if largest < LARGEST_DISTINCT_MS {
                for value in [smallest, largest] {
                    assert!(
                        within_precision(reported, value),
                        "bucket {bucket} [{smallest}, {largest}] reports {reported} for {value}"
                    );
                }
            }
            bucket += 1;
        }
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
    fn blob_round_trips() {
        let mut histogram = LatencyHistogram::new();
        for latency in [-5, 0, 1, 2, 199, 200, 201, 999, 1_000, 65_000, i64::MAX] {
            histogram.record_n(latency, latency.unsigned_abs() % 300 + 1);
        }
        let blob = histogram.to_blob();
        assert_eq!(LatencyHistogram::from_blob(&blob).unwrap(), histogram);
        let empty = LatencyHistogram::new().to_blob();
        assert_eq!(
            LatencyHistogram::from_blob(&empty).unwrap(),
            LatencyHistogram::new()
        );
    }

    #[test]
    fn malformed_blobs_are_refused_by_reason_never_by_panic() {
        let mut histogram = LatencyHistogram::new();
        for latency in [3, 400, 90_000] {
            histogram.record_n(latency, 1_000);
        }
        let blob = histogram.to_blob();
        let refused = |bytes: &[u8], reason: &str| {
            let error = LatencyHistogram::from_blob(bytes).unwrap_err();
            assert_eq!(error.len, bytes.len());
            assert!(error.reason.contains(reason), "{bytes:?}: {error}");
        };
        refused(&[], "marker");
        // The 10-byte entries of the older format are named as foreign.
        refused(&[5, 0, 1, 0, 0, 0, 0, 0, 0, 0], "marker");
        refused(b"DD\x07", "format version 7");
        refused(&blob[..blob.len() - 1], "ends inside a number");
        refused(
            b"DD\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
            "overflows",
        );
        refused(
            b"DD\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81",
            "longer than 10",
        );
        refused(b"DD\x01\xff\x7f\x01", "beyond the last");
        refused(b"DD\x01\x05\x01\x00\x01", "repeats");
        // Every byte string decodes or is refused, and none panics.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for length in 0..2_000 {
            let mut bytes = b"DD\x01".to_vec();
            for _ in 0..(length % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(state as u8);
            }
            let _ = LatencyHistogram::from_blob(&bytes);
            let _ = LatencyHistogram::from_blob(&bytes[3..]);
        }
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
