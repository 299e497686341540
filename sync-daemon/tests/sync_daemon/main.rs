//! The sync daemon against the Langfuse test double: real HTTP on loopback,
//! real SQLite files, and the real binary where processes matter.

mod alerts;
mod backfill;
mod binary;
mod control;
mod faults;
mod fidelity;
mod helpers;
mod interrupted;
mod legacy;
mod prefetch;
mod proxy;
mod quota;
mod recorded;
