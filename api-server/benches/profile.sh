#!/usr/bin/env bash
# Where an api-server build spends its CPU on one endpoint's varied
# workload (not a test): serves DATABASE with BINARY under `perf record`,
# sends the first N of bench_api.py's varied paths for ENDPOINT over two
# keep-alive connections (as cpu_per_request.py does), and prints the
# functions over 1 % of the samples, by self time. With BY_CALLER=1 it
# records call stacks instead and credits each sample to the innermost
# `api_server::db`, `routes`, `wire` or `state` function on its stack (the
# SQLite, allocator and kernel time below it included), with the share
# spent in `pread` (pages SQLite's own cache lacked). Needs perf (Debian:
# linux-perf) and a build with debug info (the release profile has it).
#
# Usage: [BY_CALLER=1] api-server/benches/profile.sh BINARY DATABASE N ENDPOINT
set -euo pipefail
if [[ $# -ne 4 ]]; then
	sed -n '2,13p' "$0" >&2
	exit 2
fi
by_caller="${BY_CALLER:-0}"
call_graph=()
if [[ "$by_caller" == 1 ]]; then
	call_graph=(--call-graph dwarf,16384)
fi
binary="$(realpath "$1")"
database="$(realpath "$2")"
count="$3"
endpoint="$4"
port=4963
work="$(mktemp -d "${TMPDIR:-/tmp}/api-profile.XXXXXX")"
trap 'kill -INT "$recorder" 2>/dev/null || true; rm -rf "$work"' EXIT
benches="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

CUPID_DATABASE_PATH="$database" CUPID_API_PORT="$port" RUST_LOG=warn \
	perf record --quiet -F 1999 "${call_graph[@]}" -o "$work/perf.data" "$binary" >"$work/api.log" 2>&1 &
recorder=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

BENCHES="$benches" python3 - "$database" "$port" "$count" "$endpoint" <<'PY'
import os, sys
sys.path.insert(0, os.environ["BENCHES"])
import bench_api, cpu_per_request
database, port, count, endpoint = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cpu_per_request.PORT = port
cpu_per_request.send_all(bench_api.varied_paths_of_stored(database)[endpoint][:count])
PY

# perf record writes its file when the server it runs ends.
pkill -INT -P "$recorder" 2>/dev/null || true
wait "$recorder" || true
if [[ "$by_caller" == 1 ]]; then
	echo "$(basename "$binary") $endpoint: $count requests, samples by innermost api-server function"
	perf script -i "$work/perf.data" -F ip,sym 2>/dev/null | python3 -c '
import collections, re, sys
owner = re.compile(r"(api_server::(?:db|routes|wire|state)::[A-Za-z_:]+)")
total = 0
by_function, by_function_pread = collections.Counter(), collections.Counter()
for block in sys.stdin.read().split("\n\n"):
    frames = [line.strip().split(" ", 1)[-1] for line in block.strip().splitlines() if line.strip()]
    if not frames:
        continue
    total += 1
    found = next((m.group(1) for m in map(owner.match, frames) if m), "(outside the api-server functions)")
    by_function[found] += 1
    if any("pread64" in frame for frame in frames):
        by_function_pread[found] += 1
print(f"{total} samples; {sum(by_function_pread.values()) / max(total, 1) * 100:.1f} % under pread")
for function, n in by_function.most_common(15):
    print(f"{n / total * 100:6.2f} %  (pread {by_function_pread[function] / total * 100:5.2f} %)  {function}")
'
	exit 0
fi
echo "$(basename "$binary") $endpoint: $count requests, functions over 1 % of the samples (self time)"
perf report -i "$work/perf.data" --no-children --sort symbol --percent-limit 1 --stdio 2>/dev/null \
	| grep -v '^#' | grep -v '^$' | sed -E 's/[[:space:]-]+$//'
