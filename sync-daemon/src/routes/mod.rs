//! The control endpoint's routes, one file per resource.

pub mod health;
pub mod trigger;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use tokio::sync::Notify;

/// What the control endpoint shares with the scheduler.
#[derive(Debug, Default)]
pub struct ControlState {
    /// True from a trigger or a cycle's start until the cycle ends.
    pub busy: AtomicBool,
    pub wake: Notify,
    pub last: Mutex<LastCycle>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastCycle {
    /// success | error | rate_limited | interrupted, or none before the first.
    pub outcome: Option<String>,
    pub finished_at_ms: Option<i64>,
    pub message: Option<String>,
}
