//! The Cupid Dashboard's read-only HTTP API: every figure the dashboard
//! shows, from the SQLite database the sync daemon writes.
//!
//! A request goes `routes` (the handler) → `params` (every check of what it
//! says) → `db` (every SQL statement, returning row types) → `wire` (the
//! JSON body built from the rows, or `csv`). `error::ApiError` is the one
//! error type; `state` answers with ETags and the response cache;
//! `request_log` traces each request; `startup` builds the server and
//! `openapi` the document. Route modules import no other route module, and
//! `db` knows nothing of HTTP.

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
pub mod wire;
