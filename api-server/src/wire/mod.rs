//! The JSON bodies the API answers with (their `ToSchema` derives make the
//! OpenAPI document's schemas), each built from `crate::db` rows: times as
//! ISO-8601 UTC, money as USD.

pub mod agents;
pub mod alerts;
pub mod compare;
pub mod distributions;
pub mod environments;
pub mod errors;
pub mod intervals;
pub mod langfuse;
pub mod metrics;
pub mod models;
pub mod outcomes;
pub mod overview;
pub mod scores;
pub mod sessions;
pub mod sync;
pub mod traces;
pub mod versions;

use shared_schema::units::{ms_to_iso, nanousd_to_usd};

pub fn iso(ms: i64) -> String {
    ms_to_iso(ms)
}

pub fn iso_opt(ms: Option<i64>) -> Option<String> {
    ms.map(ms_to_iso)
}

pub fn usd(nanousd: i64) -> f64 {
    nanousd_to_usd(nanousd)
}

/// The first `n` of `items` in `order` (a total order), in that order: what
/// sorting all of them and keeping `n` gives, without ordering the rest.
pub fn first_by<T>(
    mut items: Vec<T>,
    n: usize,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    if n == 0 {
        return Vec::new();
    }
    if items.len() > n {
        items.select_nth_unstable_by(n - 1, &order);
        items.truncate(n);
    }
    items.sort_by(order);
    items
}

/// Numbers below each call's bound from a xorshift generator seeded with
/// `seed`: the same sequence on every run, for the randomized tests.
#[cfg(test)]
pub(crate) fn seeded_numbers(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |bound| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_by_keeps_what_a_full_sort_keeps_first() {
        let mut next = seeded_numbers(0x9e37_79b9_7f4a_7c15);
        let order = |a: &(u64, u64), b: &(u64, u64)| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1));
        for length in [0, 1, 4, 5, 6, 100, 2_000] {
            for distinct in [1, 3, 1_000] {
                // Unique second fields, so that the order is total.
                let items: Vec<(u64, u64)> = (0..length).map(|i| (next(distinct), i)).collect();
                for n in [0, 1, 5, 20, 3_000] {
                    let mut sorted = items.clone();
                    sorted.sort_by(order);
                    sorted.truncate(n);
                    assert_eq!(
                        first_by(items.clone(), n, order),
                        sorted,
                        "{length} {distinct} {n}"
                    );
                }
            }
        }
    }
}
