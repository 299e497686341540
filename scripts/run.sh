#!/usr/bin/env bash
# One command to run the whole Cupid Dashboard on this machine, without Docker:
# builds what it needs (release binaries; a build already there is reused),
# then starts the sync daemon, the api-server and Caddy serving the built
# frontend on http://localhost:3000 (CUPID_PORT).
#
# Without LANGFUSE_PUBLIC_KEY/LANGFUSE_SECRET_KEY in the environment it also
# starts the Langfuse test double (langfuse-mock) with demo Cupid data and
# syncs from it. With the keys it syncs your real Langfuse (LANGFUSE_HOST).
#
# Options (environment):
#   CUPID_PORT           dashboard port                       (3000)
#   CUPID_BIND           interface(s) the dashboard binds to    (127.0.0.1)
#   CUPID_DATA_DIR       where the database and logs go        (./data)
#   CUPID_PORT_BASE      first of the internal ports it uses   (CUPID_PORT + 5000)
#   CUPID_DEMO_OBSERVATIONS  size of the demo data set         (30000)
#   CUPID_SKIP_BUILD=1   use what is already built
#   CUPID_API_REPLICAS   api-servers behind Caddy, 1..16         (1)
#   CUPID_BACKUP_DIR     back the database up continuously into this directory
#                        with Litestream (a file replica; off when unset). With
#                        it, a missing database is restored from it on start.
#   CUPID_PROFILE        release or debug binaries             (release; the
#                        browser test of this script uses the test build)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

port="${CUPID_PORT:-3000}"
data_dir="$(mkdir -p "${CUPID_DATA_DIR:-$repo/data}" && cd "${CUPID_DATA_DIR:-$repo/data}" && pwd)"
base="${CUPID_PORT_BASE:-$((port + 5000))}"
api_port=$((base + 1))
control_port=$((base + 2))
frontend_port=$((base + 3))
mock_port=$((base + 4))
logs="$data_dir/logs"
profile="${CUPID_PROFILE:-release}"
case "$profile" in release | debug) ;; *) echo "CUPID_PROFILE must be release or debug, not '$profile'" >&2; exit 2 ;; esac
replicas="${CUPID_API_REPLICAS:-1}"
case "$replicas" in [1-9] | 1[0-6]) ;; *) echo "CUPID_API_REPLICAS must be a number from 1 to 16, not '$replicas'" >&2; exit 2 ;; esac
# The first api-server on base+1 as always, the others from base+11 on.
api_ports=("$api_port")
for replica in $(seq 2 "$replicas"); do api_ports+=($((base + 9 + replica))); done
backup_dir=""
if [ -n "${CUPID_BACKUP_DIR:-}" ]; then
	backup_dir="$(mkdir -p "$CUPID_BACKUP_DIR" && cd "$CUPID_BACKUP_DIR" && pwd)"
	[ "$backup_dir" != "$data_dir" ] || { echo "CUPID_BACKUP_DIR must not be the data directory" >&2; exit 2; }
fi
mkdir -p "$logs"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

need_command() {
	local command="$1" package="$2"
	command -v "$command" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		step "Installing $package (apt-get)"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
	else
		fail "$command is missing: install it with 'sudo apt-get install -y $package' and run again"
	fi
}

need_command cargo "cargo (install Rust from rustup.rs)"
need_command npm nodejs
need_command caddy caddy
litestream=""
[ -n "$backup_dir" ] && litestream="$(bash "$repo/scripts/litestream.sh")"

if [ "${CUPID_SKIP_BUILD:-0}" != 1 ]; then
	step "Building the Rust binaries ($profile; the first release build took about 15 minutes on a 2-core machine)"
	if [ "$profile" = release ]; then cargo build --release --bins; else cargo build --bins; fi
	step "Building the frontend"
	# npm ci again whenever package-lock.json changed since the last install (a pull can add packages).
	(cd frontend && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build --silent >"$logs/frontend-build.log" 2>&1) ||
		fail "the frontend build failed; see $logs/frontend-build.log"
fi
bin="$repo/target/$profile"
[ -x "$bin/api-server" ] || fail "no $profile build in $bin; run without CUPID_SKIP_BUILD=1 once"

pids=()
stop_all() {
	trap - INT TERM EXIT
	if [ "${#pids[@]}" -gt 0 ]; then
		printf '\nStopping…\n'
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

start() {
	local name="$1"
	shift
	"$@" >"$logs/$name.log" 2>&1 &
	pids+=("$!")
}

wait_for() {
	local name="$1" url="$2"
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.2
	done
	tail -20 "$logs/$name.log" >&2 || true
	fail "$name did not come up at $url; its log is $logs/$name.log"
}

export CUPID_DATABASE_PATH="$data_dir/cupid.db"
mock_started=""

if [ -n "$backup_dir" ]; then
	if [ ! -e "$CUPID_DATABASE_PATH" ] && [ -n "$(ls -A "$backup_dir" 2>/dev/null)" ]; then
		step "No database yet: restoring the newest backup from $backup_dir"
		CUPID_DATA_DIR="$data_dir" CUPID_BACKUP_DIR="$backup_dir" bash "$repo/scripts/restore.sh"
	fi
	# Litestream checkpoints the WAL itself; the daemon must not race it.
	export CUPID_CHECKPOINT_MODE=litestream
	step "Backing the database up continuously into $backup_dir (Litestream)"
	CUPID_BACKUP_DIR="$backup_dir" start litestream "$litestream" replicate -config "$repo/scripts/litestream-file.yml"
fi

if [ -z "${LANGFUSE_PUBLIC_KEY:-}" ] || [ -z "${LANGFUSE_SECRET_KEY:-}" ]; then
	step "No Langfuse keys set: starting the Langfuse test double with demo data"
	start langfuse-mock "$bin/langfuse-mock" serve --port "$mock_port" \
		--observations "${CUPID_DEMO_OBSERVATIONS:-30000}" --seed 7 --days 30 --live-every-secs 60
	wait_for langfuse-mock "http://127.0.0.1:$mock_port/api/public/health"
	mock_started=1
	export LANGFUSE_HOST="http://127.0.0.1:$mock_port"
	export LANGFUSE_PUBLIC_KEY=pk-lf-demo LANGFUSE_SECRET_KEY=sk-lf-demo
	export CUPID_QUOTA_PER_MINUTE="${CUPID_QUOTA_PER_MINUTE:-600}"
	export CUPID_SYNC_INTERVAL_SECS="${CUPID_SYNC_INTERVAL_SECS:-60}"
else
	step "Syncing from Langfuse at ${LANGFUSE_HOST:-https://us.cloud.langfuse.com}"
fi

step "Starting the sync daemon, the api-server and Caddy"
CUPID_CONTROL_PORT="$control_port" start sync-daemon "$bin/sync-daemon"
api_upstreams=()
for index in "${!api_ports[@]}"; do
	name=api-server
	[ "$index" -gt 0 ] && name="api-server-$((index + 1))"
	CUPID_API_PORT="${api_ports[$index]}" CUPID_SYNC_CONTROL_URL="http://127.0.0.1:$control_port" \
		CUPID_CORS_ORIGINS="http://localhost:$port,http://127.0.0.1:$port" start "$name" "$bin/api-server"
	api_upstreams+=("127.0.0.1:${api_ports[$index]}")
done
CUPID_FRONTEND_BIND=127.0.0.1 CUPID_FRONTEND_PORT="$frontend_port" CUPID_FRONTEND_ROOT="$repo/frontend/dist" \
	start frontend caddy run --adapter caddyfile --config deploy/frontend/Caddyfile
CUPID_BIND="${CUPID_BIND:-127.0.0.1}" CUPID_PORT="$port" \
	CUPID_API_UPSTREAM="${api_upstreams[*]}" CUPID_API_DISCOVERY=static CUPID_FRONTEND_UPSTREAM="127.0.0.1:$frontend_port" \
	start caddy caddy run --adapter caddyfile --config Caddyfile
for index in "${!api_ports[@]}"; do
	name=api-server
	[ "$index" -gt 0 ] && name="api-server-$((index + 1))"
	wait_for "$name" "http://127.0.0.1:${api_ports[$index]}/health"
done
wait_for frontend "http://127.0.0.1:$frontend_port/"
wait_for caddy "http://127.0.0.1:$port/health"
# The page itself, by the name the banner prints: an empty 200 here is the
# blank page a Host-bound site address gives.
curl -fsS "http://localhost:$port/" 2>/dev/null | grep -q '<div id="root">' ||
	fail "http://localhost:$port/ does not serve the dashboard; see $logs/caddy.log and $logs/frontend.log"

api_logs="api-server.log"
[ "$replicas" -gt 1 ] && api_logs="api-server.log … api-server-$replicas.log"
service_logs="sync-daemon.log, $api_logs, frontend.log, caddy.log"
[ -n "$mock_started" ] && service_logs="langfuse-mock.log, $service_logs"
[ -n "$backup_dir" ] && service_logs="$service_logs, litestream.log"
backup_line="off (set CUPID_BACKUP_DIR to back up continuously)"
[ -n "$backup_dir" ] && backup_line="$backup_dir (Litestream, continuous; scripts/restore.sh restores it)"

cat <<EOF

  Cupid Dashboard: http://localhost:$port
  Logs:            $logs/
                   ($service_logs, frontend-build.log)
  Database:        $CUPID_DATABASE_PATH
  Backup:          $backup_line
  API servers:     $replicas behind Caddy (${api_upstreams[*]})
  Press Ctrl-C to stop everything.

EOF

# Follow the first sync so a newcomer sees progress; stop when any service dies.
last_state=""
while true; do
	for pid in "${pids[@]}"; do
		kill -0 "$pid" 2>/dev/null || fail "a service stopped unexpectedly; see the logs in $logs"
	done
	state="$(curl -fsS "http://127.0.0.1:$api_port/api/sync/status" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p' || true)"
	if [ -n "$state" ] && [ "$state" != "$last_state" ]; then
		printf '  sync: %s\n' "$state"
		last_state="$state"
	fi
	sleep 2
done
