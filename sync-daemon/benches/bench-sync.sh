#!/usr/bin/env bash
# Sync-daemon benchmark: backfill of N observations (default 1,000,000) from
# the Langfuse double on loopback, no quota; full and incremental refresh of
# the derived data. Prints the figures quoted in docs/BENCHMARKS.md.
# Usage: sync-daemon/benches/bench-sync.sh [observations]
# BENCH_DAYS sets the days of history the observations span (default 30).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p sync-daemon --bin sync-daemon --example bench_ingest
exec target/release/examples/bench_ingest "$@"
