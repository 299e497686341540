//! The reliability and security suite: real binaries, real SQLite files,
//! the Langfuse test double. See docs/RELIABILITY.md.

mod backup;
mod config;
mod crash;
mod disk;
mod fuzz_api;
mod helpers;
mod hostile_pages;
mod load;
mod outage;
mod parser;
mod replicas;
mod security;
mod soak;
