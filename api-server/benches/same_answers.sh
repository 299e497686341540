#!/usr/bin/env bash
# Whether two api-server builds answer alike (not a test): serves DATABASE
# with BASE on port 4934 and NEW on port 4935, asks both the first COUNT
# (default 500) of bench_api.py's varied paths of each named endpoint, and
# prints how many answers (status and body) are byte for byte the same.
# Used to check that a change of a query's form changed no figure.
# For a change of schema, NEW_DATABASE names a copy of DATABASE with the
# new migration applied, which NEW serves instead.
#
# Usage: api-server/benches/same_answers.sh BASE NEW DATABASE ENDPOINT...
#   ENDPOINT: a key of bench_api.py's varied_paths, e.g. sessions "agents/{name}"
set -euo pipefail
base="$(realpath "$1")"
new="$(realpath "$2")"
database="$(realpath "$3")"
new_database="$(realpath "${NEW_DATABASE:-$3}")"
shift 3
servers=()
trap 'kill "${servers[@]}" 2>/dev/null || true' EXIT
for triple in "4934 $base $database" "4935 $new $new_database"; do
	read -r port binary served <<<"$triple"
	CUPID_DATABASE_PATH="$served" CUPID_API_PORT="$port" RUST_LOG=warn "$binary" >/dev/null 2>&1 &
	servers+=("$!")
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
benches="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

BENCHES="$benches" COUNT="${COUNT:-500}" python3 - "$database" "$@" <<'PY'
import os, sys, urllib.error, urllib.request
sys.path.insert(0, os.environ["BENCHES"])
import bench_api
database, names = sys.argv[1], sys.argv[2:]
count = int(os.environ["COUNT"])
paths = bench_api.varied_paths_of_stored(database)

def answer(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

failed = False
for name in names:
    asked = paths[name][:count]
    different = [path for path in asked if answer(4934, path) != answer(4935, path)]
    print(f"{name}: {len(asked) - len(different)} of {len(asked)} answers the same")
    for path in different[:3]:
        print(f"  differs: {path}")
    failed = failed or bool(different)
sys.exit(1 if failed else 0)
PY
