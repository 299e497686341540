#!/usr/bin/env bash
# Backfill benchmarks of several daemon builds, alternated round by round, so
# that a busy or slow moment of this shared machine weighs on every build
# alike (not a test). Each DIR holds one build laid out as target/release
# is: DIR/sync-daemon and DIR/examples/bench_ingest. Make one with
#   cargo build --release -p sync-daemon --bin sync-daemon --example bench_ingest
#   mkdir -p DIR/examples && cp target/release/sync-daemon DIR/ \
#     && cp target/release/examples/bench_ingest DIR/examples/
# The figures of record come from bench-sync.sh; this compares builds.
#
# Usage: sync-daemon/benches/interleaved.sh ROUNDS DIR...
# BENCH_OBSERVATIONS sets the dataset's size (default 1,000,000): smaller
# runs allow more rounds where a change is small against the noise.
# BENCH_DAYS sets the days of history it spans (default 30); the bench
# (examples/bench_ingest) reads it, so give every DIR the same bench.
set -euo pipefail
if [ "$#" -lt 2 ]; then
  echo "usage: $0 ROUNDS DIR..." >&2
  exit 2
fi
rounds="$1"
shift
for directory in "$@"; do
  for binary in sync-daemon examples/bench_ingest; do
    if [ ! -x "$directory/$binary" ]; then
      echo "$directory/$binary is missing: copy a release build there (see the top of $0)" >&2
      exit 2
    fi
  done
done
for round in $(seq 1 "$rounds"); do
  for directory in "$@"; do
    echo "== round $round, $directory, $(date -u +%H:%M:%S)"
    "$directory/examples/bench_ingest" "${BENCH_OBSERVATIONS:-1000000}" \
      | grep -E "^machine|^backfill: [0-9]+ (observations|scores)|^backfill: whole run|^incremental"
  done
done
