//! Results of whole UTC hours computed from raw observations, shared across
//! requests: keyed by a fingerprint of the hour's day so that they outlive
//! commits that leave that day unchanged.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::db::environments::Environments;
use crate::db::figures::{Figures, Filter, GroupBy};
use crate::error::ApiError;

/// Entries an hour cache holds before it starts over.
const HOUR_CACHE_CAPACITY: usize = 100_000;

/// Results computed from raw observations for one whole UTC hour, valid for
/// one `data_version` (the daemon may change any hour with late data).
pub struct HourCache<K, V> {
    inner: Mutex<(i64, HashMap<K, V>)>,
}

impl<K: Eq + Hash, V: Clone> Default for HourCache<K, V> {
    fn default() -> Self {
        HourCache {
            inner: Mutex::new((-1, HashMap::new())),
        }
    }
}

impl<K: Eq + Hash, V: Clone> HourCache<K, V> {
    pub fn get_or_compute(
        &self,
        data_version: i64,
        key: K,
        compute: impl FnOnce() -> Result<V, ApiError>,
    ) -> Result<V, ApiError> {
        {
            let inner = self.inner.lock().expect("hour cache lock");
            if inner.0 == data_version
                && let Some(value) = inner.1.get(&key)
            {
                return Ok(value.clone());
            }
        }
        let value = compute()?;
        let mut inner = self.inner.lock().expect("hour cache lock");
        if inner.0 != data_version || inner.1.len() >= HOUR_CACHE_CAPACITY {
            inner.1.clear();
            inner.0 = data_version;
        }
        inner.1.insert(key, value.clone());
        Ok(value)
    }
}

/// (hour start, filter, grouping, fingerprint of the hour's day).
pub type FiguresKey = (i64, Filter, GroupBy, u64);
pub type PairSet = BTreeSet<(String, String)>;
/// (hour start, environments, fingerprint of the hour's day).
pub type PairsKey = (i64, Environments, u64);
/// The hour caches are keyed by their day's fingerprint, not by the data
/// version, so that they outlive commits that leave their day unchanged.
pub const UNVERSIONED: i64 = 0;

/// The hour caches the aggregations share across requests.
#[derive(Default)]
pub struct HourCaches {
    pub(super) figures: HourCache<FiguresKey, Arc<BTreeMap<String, Figures>>>,
    pub(super) pairs: HourCache<PairsKey, Arc<PairSet>>,
    pub(super) day_fingerprints: HourCache<i64, u64>,
}
