//! Windows, cursors, upserts, derived-data refresh and the state machine.

pub mod derive;
pub mod engine;
pub mod records;
pub mod store;
