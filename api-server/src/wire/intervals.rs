//! 95 % intervals, pure: Wilson score intervals for shares, Student's t
//! intervals for means, and distribution-free order-statistic intervals for
//! percentiles (the ranks a binomial count of values below the true
//! percentile reaches with 95 % probability, by its normal approximation).

/// The two-sided 95 % normal quantile.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A point estimate with its 95 % interval; the bounds are None where the
/// data cannot give one (no data; a mean of one value).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Interval {
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// How many values it rests on.
    pub n: u64,
}

impl Interval {
    /// Whether both have bounds and they do not overlap.
    pub fn separated_from(&self, other: &Interval) -> bool {
        match (self.low, self.high, other.low, other.high) {
            (Some(low), Some(high), Some(other_low), Some(other_high)) => {
                high < other_low || other_high < low
            }
            _ => false,
        }
    }
}

/// `successes` of `n` as a share with its Wilson score interval.
pub fn wilson(successes: u64, n: u64) -> Interval {
    if n == 0 {
        return Interval::default();
    }
    let n_f = n as f64;
    let share = successes as f64 / n_f;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (share + z2 / (2.0 * n_f)) / denominator;
    let half = Z_95 / denominator * (share * (1.0 - share) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    Interval {
        value: Some(share),
        low: Some((centre - half).max(0.0)),
        high: Some((centre + half).min(1.0)),
        n,
    }
}

/// Two-sided 95 % quantiles of Student's t for 1 to 30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5 % quantile of Student's t with `df` degrees of freedom: the
/// table up to 30, then the Cornish-Fisher expansion around the normal
/// (within 0.001 there).
pub fn t_975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T_975[df as usize - 1],
        _ => {
            let z = Z_95;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// The mean of `values` with its t interval (none for fewer than two).
pub fn mean_t(values: &[f64]) -> Interval {
    let n = values.len() as u64;
    if n == 0 {
        return Interval::default();
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Interval {
            value: Some(mean),
            low: None,
            high: None,
            n,
        };
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n - 1) * (variance / n as f64).sqrt();
    Interval {
        value: Some(mean),
        low: Some(mean - half),
        high: Some(mean + half),
        n,
    }
}

/// The nearest-rank `p` percentile of `sorted` with the order statistics
/// that bound it with 95 % confidence: ranks n·p ∓ z·√(n·p·(1−p)), rounded
/// outwards and clamped to the sample.
pub fn percentile(sorted: &[f64], p: f64) -> Interval {
    let n = sorted.len();
    if n == 0 {
        return Interval::default();
    }
    let at = |rank: f64| sorted[(rank as usize).clamp(1, n) - 1];
    let n_f = n as f64;
    let spread = Z_95 * (n_f * p * (1.0 - p)).sqrt();
    Interval {
        value: Some(at((p * n_f).ceil())),
        low: Some(at((n_f * p - spread).floor())),
        high: Some(at((n_f * p + spread).ceil() + 1.0)),
        n: n as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a value");
        assert!(
            (actual - expected).abs() < 5e-4,
            "{actual} instead of {expected}"
        );
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), table I: 81/263 gives 0.2553 to 0.3662; 15/148
        // gives 0.0624 to 0.1605; 0/10 gives 0 to 0.2775.
        let cases = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 10, 0.0, 0.2775),
        ];
        for (successes, n, low, high) in cases {
            let interval = wilson(successes, n);
            close(interval.low, low);
            close(interval.high, high);
            close(interval.value, successes as f64 / n as f64);
        }
        assert_eq!(wilson(0, 0), Interval::default());
    }

    #[test]
    fn t_intervals_widen_for_small_samples_and_approach_the_normal() {
        let interval = mean_t(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        // mean 3, s = 1.5811, t(4) = 2.776: 3 ± 1.963.
        close(interval.value, 3.0);
        close(interval.low, 3.0 - 1.9630);
        close(interval.high, 3.0 + 1.9630);
        assert!((t_975(31) - 2.0395).abs() < 1e-3, "{}", t_975(31));
        assert!((t_975(120) - 1.9799).abs() < 1e-3, "{}", t_975(120));
        let single = mean_t(&[7.0]);
        assert_eq!(
            (single.value, single.low, single.high),
            (Some(7.0), None, None)
        );
    }

    #[test]
    fn percentile_intervals_hold_the_estimate_between_stored_values() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        let median = percentile(&sorted, 0.5);
        assert_eq!(median.value, Some(50.0));
        // 50 ∓ 1.96·5 = 40.2 .. 59.8: ranks 40 and 61.
        assert_eq!((median.low, median.high), (Some(40.0), Some(61.0)));
        let p95 = percentile(&sorted, 0.95);
        assert_eq!(p95.value, Some(95.0));
        assert_eq!(p95.high, Some(100.0), "clamped to the largest value");
        assert!(p95.low.unwrap() < 95.0);
    }

    #[test]
    fn only_intervals_that_do_not_touch_are_separated() {
        let a = Interval {
            value: Some(1.0),
            low: Some(0.5),
            high: Some(1.5),
            n: 9,
        };
        let b = Interval {
            low: Some(1.6),
            high: Some(2.0),
            ..a
        };
        let c = Interval {
            low: Some(1.4),
            ..b
        };
        assert!(a.separated_from(&b) && b.separated_from(&a));
        assert!(!a.separated_from(&c));
        assert!(!a.separated_from(&Interval::default()));
    }
}
