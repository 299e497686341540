#!/usr/bin/env bash
# Two builds of the frontend compared on the browser figure (not a test):
# serves DIST_A and DIST_B each behind its own edge Caddy, as
# scripts/run.sh serves one, in front of one api-server on DATABASE, then
# runs first-figures.mjs (five fresh loads) on each in turn, ROUNDS times,
# so that a slow moment of the machine weighs on both alike.
#
# Usage: e2e/benches/first-figures-ab.sh API_SERVER DATABASE DIST_A DIST_B [ROUNDS]
# (a DIST is a copy of frontend/dist after `npm run build`; needs caddy and
# chromium, and e2e/node_modules for Playwright).
set -euo pipefail
if [[ $# -lt 4 ]]; then
	sed -n '2,10p' "$0" >&2
	exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
api_server="$(realpath "$1")"
database="$(realpath "$2")"
dists=("$(realpath "$3")" "$(realpath "$4")")
rounds="${5:-3}"
api_port=3952
work="$(mktemp -d "${TMPDIR:-/tmp}/first-figures-ab.XXXXXX")"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

CUPID_DATABASE_PATH="$database" CUPID_API_PORT="$api_port" RUST_LOG=warn \
	"$api_server" >"$work/api.log" 2>&1 &
pids+=($!)
for index in 0 1; do
	frontend_port=$((3955 + 2 * index))
	edge_port=$((3956 + 2 * index))
	CUPID_FRONTEND_BIND=127.0.0.1 CUPID_FRONTEND_PORT="$frontend_port" CUPID_FRONTEND_ROOT="${dists[$index]}" \
		caddy run --adapter caddyfile --config "$root/deploy/frontend/Caddyfile" >"$work/frontend-$index.log" 2>&1 &
	pids+=($!)
	CUPID_BIND=127.0.0.1 CUPID_PORT="$edge_port" CUPID_API_UPSTREAM="127.0.0.1:$api_port" \
		CUPID_API_DISCOVERY=static CUPID_FRONTEND_UPSTREAM="127.0.0.1:$frontend_port" \
		caddy run --adapter caddyfile --config "$root/Caddyfile" >"$work/edge-$index.log" 2>&1 &
	pids+=($!)
done
for edge_port in 3956 3958; do
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$edge_port/health" >/dev/null && break; sleep 0.1; done
done

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
	for index in 0 1; do
		label=$([[ $index == 0 ]] && echo A || echo B)
		figure="$(node "$root/e2e/benches/first-figures.mjs" "http://127.0.0.1:$((3956 + 2 * index))/" 5 | tail -1)"
		echo "round $round, $label (${dists[$index]}): $figure"
	done
done
