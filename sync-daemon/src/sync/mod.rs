//! A sync cycle (windows, cursors, the state machine: `engine`), the rows it
//! hands the store (`records`) and the derived data computed from them in
//! memory (`derive`). The SQL is in `crate::store`.

pub mod derive;
pub mod engine;
pub mod records;
