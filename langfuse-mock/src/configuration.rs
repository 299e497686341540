//! How a mock server is set up: keys, data, quotas, the v2 switch and faults.

use std::time::Duration;

use crate::dataset::DatasetSpec;

#[derive(Clone)]
pub struct MockConfig {
    pub public_key: String,
    pub secret_key: String,
    pub dataset: DatasetSpec,
    /// Requests per minute of the "public-api" bucket; `None` = unlimited
    /// (self-hosted).
    pub public_api_quota_per_minute: Option<u32>,
    /// Requests per minute of the "public-api-legacy" bucket (`/traces`,
    /// `/sessions`, v1 `/observations`).
    pub legacy_quota_per_minute: Option<u32>,
    /// `false`: v2 observations answers 404 like a self-hosted Langfuse v3.
    pub v2_enabled: bool,
    /// Serve older versions of updated observations and scores beside the
    /// current ones, as Langfuse's unmerged storage does.
    pub stale_versions: bool,
    /// The legacy read endpoints answer 404, as on Langfuse Cloud since
    /// 2026-11-16.
    pub legacy_reads_removed: bool,
    /// `false`: scores v3 answers 404 and only v2 scores are served.
    pub scores_v3_enabled: bool,
    pub faults: Faults,
}

/// Shows everything but the secret key.
impl std::fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockConfig")
            .field("public_key", &self.public_key)
            .field("secret_key", &"[redacted]")
            .field("dataset", &self.dataset)
            .field(
                "public_api_quota_per_minute",
                &self.public_api_quota_per_minute,
            )
            .field("legacy_quota_per_minute", &self.legacy_quota_per_minute)
            .field("v2_enabled", &self.v2_enabled)
            .field("stale_versions", &self.stale_versions)
            .field("legacy_reads_removed", &self.legacy_reads_removed)
            .field("scores_v3_enabled", &self.scores_v3_enabled)
            .field("faults", &self.faults)
            .finish()
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            public_key: "pk-lf-demo".to_string(),
            secret_key: "sk-lf-demo".to_string(),
            dataset: DatasetSpec::default(),
            public_api_quota_per_minute: None,
            legacy_quota_per_minute: None,
            v2_enabled: true,
            stale_versions: false,
            legacy_reads_removed: false,
            scores_v3_enabled: true,
            faults: Faults::default(),
        }
    }
}

/// Shares (0.0..=1.0) of requests that misbehave. One draw per request picks
/// at most one fault, in field order, so the shares should add up to at most 1.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Answered 500, 502 or 503 with a Langfuse-like JSON body.
    pub server_error: f64,
    /// Answered normally after `slow_delay`.
    pub slow: f64,
    pub slow_delay: Duration,
    /// The connection is closed without a response.
    pub drop_connection: f64,
    /// 200 with the full body's Content-Length, but the connection closes
    /// halfway through the body.
    pub truncated_body: f64,
    /// Answered 429 (with the usual headers) regardless of the quota.
    pub rate_limited: f64,
}

/// The fault picked for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    RateLimited,
    ServerError,
    DropConnection,
    TruncatedBody,
    Slow(Duration),
}

impl Faults {
    /// Picks the fault for a request from a uniform draw in `0.0..1.0`.
    pub fn pick(&self, draw: f64) -> Option<Fault> {
        let mut threshold = 0.0;
        let candidates = [
            (self.rate_limited, Fault::RateLimited),
            (self.server_error, Fault::ServerError),
            (self.drop_connection, Fault::DropConnection),
            (self.truncated_body, Fault::TruncatedBody),
            (self.slow, Fault::Slow(self.slow_delay)),
        ];
        for (share, fault) in candidates {
            threshold += share.max(0.0);
            if draw < threshold {
                return Some(fault);
            }
        }
        None
    }
}
