//! Posting alert messages. A cycle only hands its notices to a bounded queue
//! and goes on; one task posts them in order (a rule's "resolved" never
//! overtakes its "firing"), retrying a failed post with exponential backoff
//! within its own budget. A slow, failing or hanging receiver therefore
//! costs the sync nothing, and a full queue drops the newest notice with a
//! warning rather than wait.

use std::time::Duration;

use backoff::ExponentialBackoff;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Notice;

/// Notices waiting beyond this are dropped (logged once each).
const QUEUE: usize = 64;

/// How hard one notice is tried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryPolicy {
    /// One POST's timeout (a hanging receiver is cut off here).
    pub request_timeout: Duration,
    pub initial_interval: Duration,
    pub max_interval: Duration,
    /// After this long retrying, the notice is given up (and logged).
    pub budget: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            request_timeout: Duration::from_secs(10),
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            budget: Duration::from_secs(60),
        }
    }
}

pub struct Notifier {
    queue: Option<mpsc::Sender<Notice>>,
    worker: Option<JoinHandle<()>>,
}

impl Notifier {
    /// Starts the delivery task on the current tokio runtime.
    pub fn start(policy: DeliveryPolicy) -> anyhow::Result<Notifier> {
        let http = reqwest::Client::builder()
            .timeout(policy.request_timeout)
            .user_agent(concat!("cupid-sync-daemon/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let (sender, mut receiver) = mpsc::channel::<Notice>(QUEUE);
        let worker = tokio::spawn(async move {
            while let Some(notice) = receiver.recv().await {
                deliver(&http, &policy, &notice).await;
            }
        });
        Ok(Notifier {
            queue: Some(sender),
            worker: Some(worker),
        })
    }

    /// Queues a notice without waiting.
    pub fn send(&self, notice: Notice) {
        let Some(queue) = &self.queue else { return };
        if let Err(error) = queue.try_send(notice) {
            let notice = match error {
                mpsc::error::TrySendError::Full(notice)
                | mpsc::error::TrySendError::Closed(notice) => notice,
            };
            tracing::warn!(
                rule = %notice.rule,
                status = notice.change.as_str(),
                webhook = %notice.webhook.origin(),
                queued = QUEUE,
                "alert message dropped: too many are waiting for their webhook"
            );
        }
    }

    /// Stops taking notices and waits up to `wait` for the queued ones
    /// (`--once`, shutdown).
    pub async fn finish(&mut self, wait: Duration) {
        self.queue.take();
        if let Some(worker) = self.worker.take()
            && tokio::time::timeout(wait, worker).await.is_err()
        {
            tracing::warn!(
                wait_ms = wait.as_millis() as u64,
                "stopped before every alert message was delivered"
            );
        }
    }
}

#[derive(Debug)]
enum Failure {
    Status(u16),
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status(status) => write!(f, "the webhook answered HTTP {status}"),
            Failure::Transport(reason) => write!(f, "{reason}"),
        }
    }
}

async fn deliver(http: &reqwest::Client, policy: &DeliveryPolicy, notice: &Notice) {
    let started = std::time::Instant::now();
    let mut attempts = 0u32;
    let backoff = ExponentialBackoff {
        current_interval: policy.initial_interval,
        initial_interval: policy.initial_interval,
        max_interval: policy.max_interval,
        max_elapsed_time: Some(policy.budget),
        ..ExponentialBackoff::default()
    };
    let result = backoff::future::retry(backoff, || {
        attempts += 1;
        async move {
            let response = http
                .post(notice.webhook.expose_url())
                .json(&notice.payload)
                .send()
                .await
                // The URL is the secret: keep it out of every message.
                .map_err(|error| {
                    backoff::Error::transient(Failure::Transport(error.without_url().to_string()))
                })?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                Err(backoff::Error::transient(Failure::Status(status.as_u16())))
            } else {
                // A wrong URL or a refused body does not heal by retrying.
                Err(backoff::Error::permanent(Failure::Status(status.as_u16())))
            }
        }
    })
    .await;
    let duration_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(()) => tracing::info!(
            rule = %notice.rule,
            status = notice.change.as_str(),
            webhook = %notice.webhook.origin(),
            attempts,
            duration_ms,
            "alert message delivered"
        ),
        Err(error) => tracing::warn!(
            rule = %notice.rule,
            status = notice.change.as_str(),
            webhook = %notice.webhook.origin(),
            attempts,
            duration_ms,
            error = %error,
            "alert message not delivered; giving up"
        ),
    }
}
