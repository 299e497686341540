#!/usr/bin/env bash
# Quick comparison of api-server builds (not a test): serves DATABASE with
# BINARY on port 4932 and measures each named endpoint's varied workload
# (bench_api.py's random ranges, ids and agents) with wrk for 6 s after a
# 2-s warm-up. Used to see what one change gives on one database; the
# figures of record come from bench_api.py.
#
# Usage: api-server/benches/endpoint_rates.sh BINARY DATABASE ENDPOINT...
#   ENDPOINT: a key of bench_api.py's varied_paths, e.g. agents "agents/{name}" sessions
# Environment is passed through (e.g. CUPID_DATABASE_CONNECTIONS=2).
set -euo pipefail
binary="$(realpath "$1")"
database="$(realpath "$2")"
shift 2
work="$(mktemp -d "${TMPDIR:-/tmp}/endpoint-rates.XXXXXX")"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
benches="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

BENCHES="$benches" python3 - "$database" "$work" "$@" <<'PY'
import os, sys
sys.path.insert(0, os.environ["BENCHES"])
import bench_api
database, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
paths = bench_api.varied_paths_of_stored(database)
for index, name in enumerate(names):
    with open(os.path.join(work, f"{index}.txt"), "w") as out:
        out.write("\n".join(paths[name]))
with open(os.path.join(work, "paths.lua"), "w") as out:
    out.write(bench_api.LUA)
PY

CUPID_DATABASE_PATH="$database" CUPID_API_PORT=4932 RUST_LOG=warn "$binary" >"$work/api.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:4932/health >/dev/null && break; sleep 0.1; done
index=0
for name in "$@"; do
	export BENCH_PATHS="$work/$index.txt"
	wrk -t2 -c32 -d2s -s "$work/paths.lua" http://127.0.0.1:4932 >/dev/null
	out="$(wrk -t2 -c32 -d6s --latency -s "$work/paths.lua" http://127.0.0.1:4932)"
	rate="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
	p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
	non2xx="$(grep -o 'Non-2xx or 3xx responses: [0-9]*' <<<"$out" || true)"
	echo "$(basename "$binary") $name: $rate req/s, p99 $p99 ${non2xx}"
	index=$((index + 1))
done
echo "$(basename "$binary") peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$server/status")"
