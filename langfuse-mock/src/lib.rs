//! `langfuse-mock`: a test double of Langfuse's public API.
//!
//! It serves seeded, generated Cupid game data through the endpoints the
//! sync daemon uses (`/api/public/v2/observations`, `/api/public/v3/scores`
//! and the legacy page-based ones), with Langfuse's Basic auth, per-bucket
//! rate limits (429 with `Retry-After` and `X-RateLimit-*`), injectable
//! faults, data that arrives late or is completed later, and the ground truth
//! a correct sync must reproduce.

pub mod cli;
pub mod configuration;
pub mod dataset;
mod gatekeeper;
pub mod ground_truth;
mod render;
mod routes;
pub mod startup;
pub mod state;

pub use configuration::{Fault, Faults, MockConfig};
pub use dataset::{Dataset, DatasetSpec, SpikeKind, generate};
pub use ground_truth::{
    EnvironmentFilter, ErrorGroupTruth, GroundTruth, ScoreNameTruth, Totals,
    is_internal_environment,
};
pub use startup::{Application, MockHandle, spawn};
pub use state::RequestStats;
