//! The Cupid sync daemon: the only writer of the dashboard's SQLite
//! database. It pulls Langfuse observations and scores on a schedule, within
//! the API quota, and keeps the derived tables (traces, sessions, agents,
//! days) up to date in the same transactions.

pub mod alerts;
pub mod configuration;
pub mod langfuse;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod sync;
