//! The Cupid Dashboard's read-only HTTP API: every figure the dashboard
//! shows, from the SQLite database the sync daemon writes.

pub mod configuration;
pub mod csv;
pub mod db;
pub mod error;
pub mod openapi;
pub mod params;
pub mod request_log;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod wire;
