//! The reliability and security suite: real binaries, real SQLite files,
//! the Langfuse test double. See docs/RELIABILITY.md.

mod config;
mod crash;
mod disk;
mod fuzz_api;
mod soak;
mod helpers;
mod load;
mod hostile_pages;
mod outage;
mod parser;
mod security;
