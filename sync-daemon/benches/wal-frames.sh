#!/usr/bin/env bash
# Where a backfill's WAL writes go: frames per page of observations (and of
# scores) by table and index. Needs 9 to 14 GB free in $TMPDIR per million
# observations, as the WAL keeps every frame of the run.
# Usage: sync-daemon/benches/wal-frames.sh [observations]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p sync-daemon --bin sync-daemon --example wal_frames
exec target/release/examples/wal_frames "$@"
