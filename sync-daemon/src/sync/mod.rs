//! A sync cycle (windows, cursors, the state machine: `engine`), the rows it
//! hands the store (`records`), the derived data computed from them in
//! memory (`derive`) and the pages fetched but not yet stored, kept on disk
//! (`kept_pages`). The SQL is in `crate::store`.

pub mod derive;
pub mod engine;
pub mod kept_pages;
pub mod records;
