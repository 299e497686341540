//! The api-server's integration tests: the real server on a random port,
//! real SQLite files, data synced by the real sync daemon from the Langfuse
//! test double.

mod alerts;
mod analytics;
mod bad_input;
mod environments;
mod helpers;
mod http_behaviour;
mod links_and_views;
mod numbers;
mod openapi;
mod periods;
mod query_plans;
mod score_roll_ups;
mod startup_states;
mod versions;
