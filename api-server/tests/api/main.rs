//! The api-server's integration tests: the real server on a random port,
//! real SQLite files, data synced by the real sync daemon from the Langfuse
//! test double.

mod analytics;
mod bad_input;
mod environments;
mod helpers;
mod http_behaviour;
mod numbers;
mod openapi;
mod query_plans;
mod startup_states;
mod versions;
