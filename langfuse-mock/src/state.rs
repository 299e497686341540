//! State shared by every worker of one mock server: the data, the runtime
//! switches, the quota windows and the request statistics.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::configuration::{Fault, Faults, MockConfig};
use crate::dataset::Dataset;

pub const PUBLIC_API_BUCKET: &str = "public-api";
pub const LEGACY_BUCKET: &str = "public-api-legacy";
/// The double's control endpoints live under this path, beside Langfuse's API.
pub const CONTROL_PREFIX: &str = "/_mock/";
const WINDOW: Duration = Duration::from_secs(60);

/// What the test can see of the traffic the mock received.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestStats {
    pub total: u64,
    /// Key: the request path, e.g. "/api/public/v2/observations".
    pub by_endpoint: BTreeMap<String, u64>,
    /// Statuses sent; a dropped connection sends none.
    pub by_status: BTreeMap<u16, u64>,
    /// Per quota bucket ("public-api", "public-api-legacy"): the largest
    /// number of requests received in any sliding 60 s window.
    pub max_in_any_60s: BTreeMap<String, u64>,
    /// 429s sent (quota and injected).
    pub rate_limited: u64,
}

#[derive(Default)]
pub(crate) struct StatsRecorder {
    stats: RequestStats,
    recent: BTreeMap<&'static str, VecDeque<Instant>>,
}

impl StatsRecorder {
    pub fn received(&mut self, path: &str, bucket: Option<&'static str>, now: Instant) {
        self.stats.total += 1;
        *self.stats.by_endpoint.entry(path.to_string()).or_default() += 1;
        if let Some(bucket) = bucket {
            let recent = self.recent.entry(bucket).or_default();
            recent.push_back(now);
            while recent
                .front()
                .is_some_and(|&t| now.duration_since(t) >= WINDOW)
            {
                recent.pop_front();
            }
            let max = self
                .stats
                .max_in_any_60s
                .entry(bucket.to_string())
                .or_default();
            *max = (*max).max(recent.len() as u64);
        }
    }

    pub fn answered(&mut self, status: u16) {
        *self.stats.by_status.entry(status).or_default() += 1;
        if status == 429 {
            self.stats.rate_limited += 1;
        }
    }

    pub fn snapshot(&self) -> RequestStats {
        self.stats.clone()
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Langfuse's limiter: a fixed 60 s window per bucket that opens with the
/// first request after the previous one closed.
#[derive(Default)]
pub(crate) struct QuotaWindow {
    opened: Option<Instant>,
    count: u32,
}

/// The verdict on one request against a quota.
#[derive(Clone, Copy, Debug)]
pub struct QuotaExceeded {
    pub limit: u32,
    pub remaining: u32,
    pub retry_after: Duration,
}

impl QuotaWindow {
    pub fn admit(&mut self, limit: u32, now: Instant) -> Result<(), QuotaExceeded> {
        let opened = match self.opened {
            Some(opened) if now.duration_since(opened) < WINDOW => opened,
            _ => {
                self.opened = Some(now);
                self.count = 0;
                now
            }
        };
        self.count = self.count.saturating_add(1);
        if self.count > limit {
            Err(QuotaExceeded {
                limit,
                remaining: 0,
                retry_after: WINDOW.saturating_sub(now.duration_since(opened)),
            })
        } else {
            Ok(())
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Switches {
    pub faults: Faults,
    pub v2_enabled: bool,
    pub public_api_quota: Option<u32>,
    pub legacy_quota: Option<u32>,
    /// Serve older versions of updated rows beside the current ones.
    pub stale_versions: bool,
    /// The next this many v2 observation requests answer 404.
    pub transient_v2_404: u32,
    /// `/traces`, `/sessions` and v1 `/observations` answer 404, as on
    /// Langfuse Cloud after 2026-11-16.
    pub legacy_reads_removed: bool,
    /// `false`: `/api/public/v3/scores` answers 404 (a self-hosted Langfuse
    /// older than scores v3, which has only v2 scores).
    pub scores_v3_enabled: bool,
}

pub(crate) struct SharedState {
    pub public_key: String,
    pub secret_key: String,
    pub dataset: RwLock<Dataset>,
    pub switches: RwLock<Switches>,
    pub stats: Mutex<StatsRecorder>,
    pub quotas: Mutex<BTreeMap<&'static str, QuotaWindow>>,
    fault_rng: Mutex<ChaCha8Rng>,
}

impl SharedState {
    pub fn new(config: &MockConfig, dataset: Dataset) -> Self {
        Self {
            public_key: config.public_key.clone(),
            secret_key: config.secret_key.clone(),
            dataset: RwLock::new(dataset),
            switches: RwLock::new(Switches {
                faults: config.faults.clone(),
                v2_enabled: config.v2_enabled,
                public_api_quota: config.public_api_quota_per_minute,
                legacy_quota: config.legacy_quota_per_minute,
                stale_versions: config.stale_versions,
                transient_v2_404: 0,
                legacy_reads_removed: config.legacy_reads_removed,
                scores_v3_enabled: config.scores_v3_enabled,
            }),
            stats: Mutex::new(StatsRecorder::default()),
            quotas: Mutex::new(BTreeMap::new()),
            fault_rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.dataset.seed ^ 0x5eed_fa17)),
        }
    }

    pub fn switches(&self) -> Switches {
        self.switches.read().expect("switches lock").clone()
    }

    /// Whether this v2 request is one of the transient 404s still due.
    pub fn take_transient_v2_404(&self) -> bool {
        let mut switches = self.switches.write().expect("switches lock");
        if switches.transient_v2_404 > 0 {
            switches.transient_v2_404 -= 1;
            true
        } else {
            false
        }
    }

    pub fn pick_fault(&self) -> Option<Fault> {
        let faults = self.switches().faults;
        let draw: f64 = self.fault_rng.lock().expect("fault rng lock").random();
        faults.pick(draw)
    }

    pub fn fault_rng_below(&self, bound: u32) -> u32 {
        self.fault_rng
            .lock()
            .expect("fault rng lock")
            .random_range(0..bound)
    }

    /// The configured requests per minute of a bucket (`None`: unlimited).
    pub fn limit_of(&self, bucket: &str) -> Option<u32> {
        let switches = self.switches();
        if bucket == LEGACY_BUCKET {
            switches.legacy_quota
        } else {
            switches.public_api_quota
        }
    }

    pub fn admit(&self, bucket: &'static str, now: Instant) -> Result<(), QuotaExceeded> {
        let Some(limit) = self.limit_of(bucket) else {
            return Ok(());
        };
        self.quotas
            .lock()
            .expect("quota lock")
            .entry(bucket)
            .or_default()
            .admit(limit, now)
    }
}

/// The quota bucket of a path, as Langfuse's RateLimitService assigns them;
/// `None` for the unmetered health check and the double's own control
/// endpoints (`/_mock/...`, no part of Langfuse).
pub fn bucket_of(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    if path == "/api/public/health" || path.starts_with(CONTROL_PREFIX) {
        None
    } else if path.starts_with("/api/public/traces")
        || path.starts_with("/api/public/sessions")
        || path.starts_with("/api/public/observations")
    {
        Some(LEGACY_BUCKET)
    } else {
        Some(PUBLIC_API_BUCKET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_window_admits_the_limit_then_refuses_until_it_closes() {
        let start = Instant::now();
        let mut window = QuotaWindow::default();
        for _ in 0..3 {
            assert!(window.admit(3, start).is_ok());
        }
        let refused = window
            .admit(3, start + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(refused.limit, 3);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after, Duration::from_secs(40));
        // Fixed windows: the window opened at `start` closes 60 s later,
        // whatever happened in between.
        assert!(window.admit(3, start + Duration::from_secs(59)).is_err());
        assert!(window.admit(3, start + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn the_sliding_maximum_counts_requests_within_any_60_seconds() {
        let start = Instant::now();
        let mut recorder = StatsRecorder::default();
        let at = |s: u64| start + Duration::from_secs(s);
        // 3 at t=0, 2 at t=50, 2 at t=70: the busiest 60 s hold 5 (0..60)
        // and 4 (50..110).
        for t in [0, 0, 0, 50, 50, 70, 70] {
            recorder.received(
                "/api/public/v2/observations",
                Some(PUBLIC_API_BUCKET),
                at(t),
            );
        }
        recorder.received("/api/public/traces", Some(LEGACY_BUCKET), at(1));
        recorder.received("/api/public/health", None, at(1));
        let stats = recorder.snapshot();
        assert_eq!(stats.total, 9);
        assert_eq!(stats.max_in_any_60s[PUBLIC_API_BUCKET], 5);
        assert_eq!(stats.max_in_any_60s[LEGACY_BUCKET], 1);
        assert_eq!(stats.by_endpoint["/api/public/v2/observations"], 7);
    }

    #[test]
    fn each_path_falls_into_langfuses_bucket() {
        let cases = [
            ("/api/public/v2/observations", Some(PUBLIC_API_BUCKET)),
            ("/api/public/v3/scores", Some(PUBLIC_API_BUCKET)),
            ("/api/public/traces", Some(LEGACY_BUCKET)),
            ("/api/public/sessions", Some(LEGACY_BUCKET)),
            ("/api/public/observations", Some(LEGACY_BUCKET)),
            ("/api/public/health", None),
        ];
        for (path, bucket) in cases {
            assert_eq!(bucket_of(path), bucket, "{path}");
        }
    }

    #[test]
    fn one_draw_picks_at_most_one_fault_in_field_order() {
        let faults = Faults {
            rate_limited: 0.1,
            server_error: 0.2,
            drop_connection: 0.1,
            truncated_body: 0.1,
            slow: 0.1,
            slow_delay: Duration::from_millis(5),
        };
        let cases = [
            (0.05, Some(Fault::RateLimited)),
            (0.25, Some(Fault::ServerError)),
            (0.35, Some(Fault::DropConnection)),
            (0.45, Some(Fault::TruncatedBody)),
            (0.55, Some(Fault::Slow(Duration::from_millis(5)))),
            (0.65, None),
        ];
        for (draw, expected) in cases {
            assert_eq!(faults.pick(draw), expected, "draw {draw}");
        }
        assert_eq!(Faults::default().pick(0.0), None);
    }
}
