//! The HTTP client: Basic auth, steady pacing within the quota, and the
//! retry policy (429 waits as told; 5xx, timeouts, dropped connections and
//! truncated bodies back off and retry; 401/403 never retry).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use backoff::backoff::Backoff;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::configuration::{RetryPolicy, Settings};
use crate::shutdown::Shutdown;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "Langfuse rejected the credentials of public key {public_key} with HTTP {status} on {endpoint}; check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY"
    )]
    Unauthorized {
        status: u16,
        endpoint: String,
        public_key: String,
    },
    #[error("{endpoint} answered HTTP 404 (not available on this Langfuse)")]
    NotFound { endpoint: String },
    #[error("Langfuse rate limit on {endpoint}: asked to wait until {until_ms} (ms since epoch)")]
    RateLimited { endpoint: String, until_ms: i64 },
    /// A page failed this many times in a row with a timeout or a server
    /// error: the caller may ask again for a smaller page.
    #[error("{endpoint} failed {attempts} times in a row: {last_error}")]
    PageKeepsFailing {
        endpoint: String,
        attempts: u32,
        last_error: String,
    },
    #[error("{endpoint} kept failing after {attempts} attempts: {last_error}")]
    GaveUp {
        endpoint: String,
        attempts: u32,
        last_error: String,
    },
    #[error("{endpoint} answered HTTP {status}: {body}")]
    Rejected {
        endpoint: String,
        status: u16,
        body: String,
    },
    #[error("{endpoint} returned a malformed page: {detail}")]
    Malformed { endpoint: String, detail: String },
    #[error("stopped by shutdown")]
    Cancelled,
}

/// What the client has done since the counters were last taken.
#[derive(Debug, Default)]
pub struct RequestCounters {
    requests_sent: AtomicU64,
    rate_limited: AtomicU64,
    rate_limited_until_ms: AtomicI64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterDelta {
    pub requests_sent: i64,
    pub rate_limited: i64,
    /// The end of the latest 429 wait, if any since the last take.
    pub rate_limited_until_ms: Option<i64>,
}

impl RequestCounters {
    pub fn take(&self) -> CounterDelta {
        let until = self.rate_limited_until_ms.swap(0, Ordering::Relaxed);
        CounterDelta {
            requests_sent: self.requests_sent.swap(0, Ordering::Relaxed) as i64,
            rate_limited: self.rate_limited.swap(0, Ordering::Relaxed) as i64,
            rate_limited_until_ms: (until > 0).then_some(until),
        }
    }
}

#[derive(Clone)]
pub struct LangfuseClient {
    http: reqwest::Client,
    host: String,
    public_key: String,
    secret_key: SecretString,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    retry: RetryPolicy,
    counters: Arc<RequestCounters>,
}

/// One request per `60 s / quota`, plus a small margin so that clock
/// granularity can never let `quota + 1` requests into a 60 s window.
pub fn pacing_quota(per_minute: u32) -> Quota {
    let per_minute = per_minute.max(1);
    let period_ms = 60_000u64.div_ceil(u64::from(per_minute)) + 20;
    Quota::with_period(Duration::from_millis(period_ms))
        .expect("period is positive")
        .allow_burst(NonZeroU32::MIN)
}

enum Attempt<T> {
    Done(T),
    /// `heavy`: a timeout, a server error or a body cut short, which a
    /// smaller page may avoid (a refused connection is not).
    Transient {
        reason: String,
        heavy: bool,
    },
    RateLimited(Option<Duration>),
}

impl LangfuseClient {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.langfuse.request_timeout)
            .connect_timeout(
                settings
                    .langfuse
                    .request_timeout
                    .min(Duration::from_secs(10)),
            )
            .user_agent(concat!("cupid-sync-daemon/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(LangfuseClient {
            http,
            host: settings.langfuse.host.clone(),
            public_key: settings.langfuse.public_key.clone(),
            secret_key: settings.langfuse.secret_key.clone(),
            limiter: settings
                .quota_per_minute
                .map(|quota| Arc::new(RateLimiter::direct(pacing_quota(quota)))),
            retry: settings.retry,
            counters: Arc::new(RequestCounters::default()),
        })
    }

    pub fn counters(&self) -> &Arc<RequestCounters> {
        &self.counters
    }

    fn backoff(&self) -> backoff::ExponentialBackoff {
        backoff::ExponentialBackoff {
            initial_interval: self.retry.initial_interval,
            current_interval: self.retry.initial_interval,
            randomization_factor: 0.5,
            multiplier: 2.0,
            max_interval: self.retry.max_interval,
            max_elapsed_time: Some(self.retry.max_elapsed),
            ..Default::default()
        }
    }

    /// GETs `path` with `query` and parses the JSON body as `T`, within the
    /// quota, retrying what is worth retrying.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        shutdown: &Shutdown,
    ) -> Result<T, FetchError> {
        self.get_json_within(path, query, shutdown, None).await
    }

    /// As `get_json`, but after `heavy_failures` timeouts or server errors
    /// in a row it stops with `PageKeepsFailing` instead of retrying on.
    pub async fn get_json_within<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        shutdown: &Shutdown,
        heavy_failures: Option<u32>,
    ) -> Result<T, FetchError> {
        self.get_json_and_body_within(path, query, shutdown, heavy_failures)
            .await
            .map(|(value, _)| value)
    }

    /// As `get_json_within`, with the body the value was parsed from.
    pub async fn get_json_and_body_within<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        shutdown: &Shutdown,
        heavy_failures: Option<u32>,
    ) -> Result<(T, bytes::Bytes), FetchError> {
        let mut backoff = self.backoff();
        let mut attempts = 0u32;
        let mut heavy_in_a_row = 0u32;
        loop {
            if let Some(limiter) = &self.limiter {
                shutdown
                    .run(limiter.until_ready())
                    .await
                    .ok_or(FetchError::Cancelled)?;
            }
            attempts += 1;
            self.counters.requests_sent.fetch_add(1, Ordering::Relaxed);
            let attempt = shutdown
                .run(self.attempt::<T>(path, query))
                .await
                .ok_or(FetchError::Cancelled)??;
            if let Attempt::Transient { heavy, .. } = &attempt {
                heavy_in_a_row = if *heavy { heavy_in_a_row + 1 } else { 0 };
            }
            let wait = match attempt {
                Attempt::Done(value) => return Ok(value),
                Attempt::Transient { reason, .. }
                    if heavy_failures.is_some_and(|limit| heavy_in_a_row >= limit) =>
                {
                    return Err(FetchError::PageKeepsFailing {
                        endpoint: path.to_string(),
                        attempts: heavy_in_a_row,
                        last_error: reason,
                    });
                }
                Attempt::RateLimited(asked) => {
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let wait = asked
                        .or_else(|| backoff.next_backoff())
                        .unwrap_or(self.retry.max_interval);
                    let until_ms = chrono::Utc::now().timestamp_millis() + wait.as_millis() as i64;
                    if wait > self.retry.max_rate_limit_wait {
                        return Err(FetchError::RateLimited {
                            endpoint: path.to_string(),
                            until_ms,
                        });
                    }
                    self.counters
                        .rate_limited_until_ms
                        .store(until_ms, Ordering::Relaxed);
                    tracing::warn!(
                        endpoint = path,
                        wait_ms = wait.as_millis() as u64,
                        "Langfuse answered 429; waiting as asked before carrying on"
                    );
                    wait
                }
                Attempt::Transient { reason, .. } => match backoff.next_backoff() {
                    Some(wait) => {
                        tracing::warn!(
                            endpoint = path,
                            attempt = attempts,
                            wait_ms = wait.as_millis() as u64,
                            reason = %reason,
                            "transient failure; retrying"
                        );
                        wait
                    }
                    None => {
                        return Err(FetchError::GaveUp {
                            endpoint: path.to_string(),
                            attempts,
                            last_error: reason,
                        });
                    }
                },
            };
            shutdown
                .run(tokio::time::sleep(wait))
                .await
                .ok_or(FetchError::Cancelled)?;
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Attempt<(T, bytes::Bytes)>, FetchError> {
        let response = self
            .http
            .get(format!("{}{}", self.host, path))
            .basic_auth(&self.public_key, Some(self.secret_key.expose_secret()))
            .query(query)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            // Timeouts, refused or dropped connections. The error text holds
            // the URL (with the query) but never the credentials.
            Err(error) => {
                return Ok(Attempt::Transient {
                    heavy: !error.is_connect(),
                    reason: describe(&error),
                });
            }
        };
        let status = response.status();
        match status {
            StatusCode::OK => {}
            StatusCode::TOO_MANY_REQUESTS => {
                return Ok(Attempt::RateLimited(retry_after(response.headers())));
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(FetchError::Unauthorized {
                    status: status.as_u16(),
                    endpoint: path.to_string(),
                    public_key: self.public_key.clone(),
                });
            }
            StatusCode::NOT_FOUND => {
                return Err(FetchError::NotFound {
                    endpoint: path.to_string(),
                });
            }
            status if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT => {
                return Ok(Attempt::Transient {
                    reason: format!("HTTP {}", status.as_u16()),
                    heavy: true,
                });
            }
            status => {
                let body = response.text().await.unwrap_or_default();
                return Err(FetchError::Rejected {
                    endpoint: path.to_string(),
                    status: status.as_u16(),
                    body: body.chars().take(300).collect(),
                });
            }
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                return Ok(Attempt::Transient {
                    reason: format!("body cut short: {}", describe(&error)),
                    heavy: true,
                });
            }
        };
        match serde_json::from_slice::<T>(&body) {
            Ok(value) => Ok(Attempt::Done((value, body))),
            // A body that ends early is a transport failure, not bad data.
            Err(error) if error.is_eof() => Ok(Attempt::Transient {
                reason: format!("truncated JSON body: {error}"),
                heavy: true,
            }),
            Err(error) => Err(FetchError::Malformed {
                endpoint: path.to_string(),
                detail: error.to_string(),
            }),
        }
    }
}

fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "body failed"
    } else {
        "request failed"
    };
    let mut text = format!("{kind}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// `Retry-After` (whole seconds), else `X-RateLimit-Reset` (a date, or a
/// number of epoch seconds), else nothing (then back off).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(seconds) = text("retry-after").and_then(|v| v.parse::<f64>().ok())
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    if let Some(reset) = text("x-ratelimit-reset") {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let reset_ms = chrono::DateTime::parse_from_rfc2822(reset)
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(reset))
            .map(|time| time.timestamp_millis())
            .ok()
            .or_else(|| {
                reset
                    .parse::<i64>()
                    .ok()
                    .map(|seconds| seconds.saturating_mul(1000))
            });
        if let Some(reset_ms) = reset_ms {
            return Some(Duration::from_millis((reset_ms - now_ms).max(0) as u64));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_prefers_the_retry_after_header() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        headers.insert(
            "x-ratelimit-reset",
            HeaderValue::from_static("Thu, 01 Jan 2099 00:00:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_falls_back_to_the_reset_date_then_to_nothing() {
        let mut headers = HeaderMap::new();
        let reset = (chrono::Utc::now() + chrono::Duration::seconds(20)).to_rfc2822();
        headers.insert("x-ratelimit-reset", HeaderValue::from_str(&reset).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(17) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn pacing_never_allows_more_than_the_quota_in_sixty_seconds() {
        for per_minute in [1u32, 7, 30, 100, 1000] {
            let period = pacing_quota(per_minute).replenish_interval();
            // Requests at 0, p, 2p, ...: the (quota + 1)-th lands after 60 s.
            assert!(
                period * per_minute > Duration::from_secs(60),
                "{per_minute}/min paces every {period:?}"
            );
        }
    }
}
