//! The reliability and security suite: real binaries, real SQLite files,
//! the Langfuse test double. See docs/RELIABILITY.md.

mod crash;
mod fuzz_api;
mod soak;
mod helpers;
mod hostile_pages;
mod parser;
mod security;
