//! Integration tests of the Langfuse test double, over real HTTP on loopback.

mod auth_and_quota;
mod cli;
mod conformance;
mod faults;
mod fields_and_filters;
mod ground_truth;
mod helpers;
mod legacy;
mod live_data;
mod pagination;
mod scores;
mod server_fidelity;
