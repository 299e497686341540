//! A shutdown signal that every await point in a cycle can race against, so
//! SIGTERM/SIGINT stop the daemon between (never inside) page transactions.

use std::future::Future;

use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct Shutdown {
    receiver: watch::Receiver<bool>,
}

#[derive(Clone, Debug)]
pub struct ShutdownTrigger {
    sender: std::sync::Arc<watch::Sender<bool>>,
}

pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (
        ShutdownTrigger {
            sender: std::sync::Arc::new(sender),
        },
        Shutdown { receiver },
    )
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }
}

impl Shutdown {
    pub fn is_requested(&self) -> bool {
        *self.receiver.borrow()
    }

    pub async fn requested(&self) {
        let mut receiver = self.receiver.clone();
        // An error means the sender is gone: nobody can ask for a stop.
        if receiver.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Runs `future` unless shutdown comes first (then None).
    pub async fn run<F: Future>(&self, future: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            _ = self.requested() => None,
            output = future => Some(output),
        }
    }
}
