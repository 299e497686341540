#!/usr/bin/env python3
"""Load benchmark of the api-server's endpoints (not a test).

Builds a database of ~1,000,000 observations with the real sync daemon from
the Langfuse test double, keeps the daemon syncing (every 5 s, with the
double adding a game every second) and measures every data endpoint with
`wrk` on loopback, twice:

- "repeat": one URL over and over, as a dashboard reloads (the response
  cache answers between the daemon's commits);
- "varied": each request a different range / id / cursor, so each request
  computes its answer from SQLite.

Before the load it restarts the api-server and times the first request of
each endpoint (cold start: nothing warmed); after it, the api-server's peak
and current RSS. The machine's load average is printed before and after.

Run from the workspace root:  python3 api-server/benches/bench_api.py
Options via environment: BENCH_OBSERVATIONS (1000000), BENCH_DURATION (10s),
BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKDIR (/tmp/cupid-api-bench),
BENCH_CADENCE: "stress" (the daemon syncs every 5 s while the double adds a
game a second; the default) or "default" (the daemon's default interval,
300 s, so between its commits the database does not change),
BENCH_BROWSER: "1" (the default) also serves the built frontend through the
edge Caddy, as scripts/run.sh does, and times navigation to the overview's
key figures in Chromium (e2e/benches/first-figures.mjs, five fresh loads)
before the load; "0" skips it.
Prints a Markdown table for docs/BENCHMARKS.md.
"""

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

OBSERVATIONS = int(os.environ.get("BENCH_OBSERVATIONS", "1000000"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "32")
THREADS = os.environ.get("BENCH_THREADS", "2")
WORKDIR = os.environ.get("BENCH_WORKDIR", "/tmp/cupid-api-bench")
MOCK_PORT, API_PORT, CONTROL_PORT, EDGE_PORT, FRONTEND_PORT = 3931, 3932, 3933, 3934, 3935
RELEASE = "target/release"
CADENCE = os.environ.get("BENCH_CADENCE", "stress")
SYNC_INTERVAL_SECS = {"stress": "5", "default": "300"}[CADENCE]
BROWSER = os.environ.get("BENCH_BROWSER", "1") == "1"

children = []


def start(name, args, env=None):
    log = open(os.path.join(WORKDIR, f"{name}.log"), "w")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})})
    children.append(process)
    return process


def stop_all():
    for process in reversed(children):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def wait_for(what, check, timeout_s):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}")


def start_api(database):
    return start("api", [f"{RELEASE}/api-server"], {
        "CUPID_DATABASE_PATH": database, "CUPID_API_PORT": str(API_PORT),
        "CUPID_SYNC_CONTROL_URL": f"http://127.0.0.1:{CONTROL_PORT}", "RUST_LOG": "warn"})


def first_request_ms(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def rss_mb(pid):
    """(peak, current) resident set size of a process, in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def browser_figure():
    """The built frontend behind the edge Caddy, as scripts/run.sh serves it;
    then Chromium's navigation-to-key-figures time, fresh context per load."""
    start("frontend", ["caddy", "run", "--adapter", "caddyfile", "--config", "deploy/frontend/Caddyfile"], {
        "CUPID_FRONTEND_BIND": "127.0.0.1", "CUPID_FRONTEND_PORT": str(FRONTEND_PORT),
        "CUPID_FRONTEND_ROOT": os.path.abspath("frontend/dist")})
    start("caddy", ["caddy", "run", "--adapter", "caddyfile", "--config", "Caddyfile"], {
        "CUPID_BIND": "127.0.0.1", "CUPID_PORT": str(EDGE_PORT), "CUPID_API_UPSTREAM": f"127.0.0.1:{API_PORT}",
        "CUPID_API_DISCOVERY": "static", "CUPID_FRONTEND_UPSTREAM": f"127.0.0.1:{FRONTEND_PORT}"})
    wait_for("the edge Caddy", lambda: get_json(f"http://127.0.0.1:{EDGE_PORT}/health") is not None, 60)
    print(f"\nbrowser: Chromium through Caddy, load average {load_average()}", flush=True)
    subprocess.run(["node", "e2e/benches/first-figures.mjs", f"http://127.0.0.1:{EDGE_PORT}/", "5"], check=True)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def varied_paths(database, end):
    """Distinct request paths per endpoint: ragged ranges inside the 30 days
    of data, random session/trace ids and agents, deeper session pages."""
    rng = random.Random(7)
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    sessions = [r[0] for r in connection.execute("SELECT id FROM sessions ORDER BY random() LIMIT 5000")]
    traces = [r[0] for r in connection.execute("SELECT id FROM traces ORDER BY random() LIMIT 5000")]
    # The agents the dashboard lists by default, URL-encoded (names may hold spaces and colons).
    agents = [
        urllib.parse.quote(r[0], safe="")
        for r in connection.execute(
            "SELECT DISTINCT agent FROM agent_stats_cache WHERE environment NOT LIKE 'langfuse-%'"
        )
    ]
    connection.close()

    def ragged(max_days):
        length = timedelta(minutes=rng.randint(60, max_days * 24 * 60))
        start = end - timedelta(days=29) + timedelta(minutes=rng.randint(0, 28 * 24 * 60))
        finish = min(start + length, end)
        return f"from={iso(start)}&to={iso(finish)}"

    # The environment picker's choices: the default (all but internal), one, two, an internal one.
    def environment():
        choice = rng.choice(["", "", "production", "staging", "production,staging", "langfuse-llm-as-a-judge"])
        return f"&environment={choice}" if choice else ""

    def ranged(path, max_days):
        return f"{path}?{ragged(max_days)}{environment()}"

    # What the errors page asks (frontend error-list-url-state.ts): pages of
    # 50 groups, mostly the default view, sometimes another sort, level,
    # grouping or the second page.
    def error_page_view():
        level = rng.choice(["ERROR", "ERROR", "ERROR", "all", "WARNING"])
        group_by = rng.choice(["agentObservation", "agentObservation", "message"])
        sort = rng.choice(["count", "count", "count", "sessions", "firstSeen", "lastSeen", "message", "agent"])
        order = rng.choice(["desc", "desc", "asc"])
        offset = rng.choice([0, 0, 0, 50])
        return f"&level={level}&groupBy={group_by}&sort={sort}&order={order}&limit=50&offset={offset}"

    n = 20000
    return {
        "overview": [ranged("/api/overview", 14) for _ in range(n)],
        "metrics/daily": [ranged("/api/metrics/daily", 30) for _ in range(n)],
        "metrics/daily?agent": [f"{ranged('/api/metrics/daily', 30)}&agent={rng.choice(agents)}" for _ in range(n)],
        "sessions": [f"{ranged('/api/sessions', 30)}&sort={rng.choice(['startTime', 'cost', 'tokens', 'duration', 'errors'])}&order={rng.choice(['asc', 'desc'])}" for _ in range(n)],
        "sessions/{id}": [f"/api/sessions/{s}" for s in sessions],
        "traces/{id}": [f"/api/traces/{t}" for t in traces],
        "agents": [ranged("/api/agents", 14) for _ in range(n)],
        "agents/{name}": [ranged(f"/api/agents/{rng.choice(agents)}", 14) for _ in range(n)],
        "models": [ranged("/api/models", 14) for _ in range(n)],
        "scores": [f"{ranged('/api/scores', 14)}&agent={rng.choice(agents)}" for _ in range(n)],
        "outcomes": [ranged("/api/outcomes", 14) for _ in range(n)],
        "errors": [ranged("/api/errors", 14) for _ in range(n)],
        "errors (page)": [f"{ranged('/api/errors', 14)}{error_page_view()}" for _ in range(n)],
        "distributions/sessions": [ranged("/api/distributions/sessions", 14) for _ in range(n)],
        "compare/agents": [f"{ranged('/api/compare/agents', 14)}&agents={','.join(rng.sample(agents, 2))}" for _ in range(n)],
    }


def varied_paths_of_stored(database):
    """`varied_paths` of a database already synced, ending at its newest
    observation (for the scripts that compare builds on one file)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    newest = connection.execute("SELECT max(start_time_ms) FROM observations").fetchone()[0]
    connection.close()
    return varied_paths(database, datetime.fromtimestamp(newest / 1000, tz=timezone.utc))


REPEAT_PATHS = {
    "overview": "/api/overview?from={week}",
    "metrics/daily": "/api/metrics/daily?from={month}",
    "metrics/daily?agent": "/api/metrics/daily?from={month}&agent={agent}",
    "sessions": "/api/sessions?from={week}&sort=cost",
    "sessions/{id}": "/api/sessions/{session}",
    "traces/{id}": "/api/traces/{trace}",
    "agents": "/api/agents?from={week}",
    "agents/{name}": "/api/agents/{agent}?from={week}",
    "models": "/api/models?from={week}",
    "scores": "/api/scores?from={week}&agent={agent}",
    "outcomes": "/api/outcomes?from={week}",
    "errors": "/api/errors?from={week}",
    "errors (page)": "/api/errors?from={week}&level=ERROR&groupBy=agentObservation&sort=count&order=desc&limit=50&offset=0",
    "distributions/sessions": "/api/distributions/sessions?from={week}",
    "compare/agents": "/api/compare/agents?from={week}&agents={agent},{other_agent}",
    "environments": "/api/environments",
    "sync/status": "/api/sync/status",
    "health": "/health",
}

LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def run_wrk(url, paths_file=None):
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    env = dict(os.environ)
    if paths_file:
        args += ["-s", os.path.join(WORKDIR, "paths.lua")]
        env["BENCH_PATHS"] = paths_file
    output = subprocess.run(args + [url], capture_output=True, text=True, env=env).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)

    def to_ms(match):
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rps, to_ms(p50), to_ms(p99), int(non2xx.group(1)) if non2xx else 0, errors.group(1) if errors else ""


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(f"machine: {os.cpu_count()} CPUs, load average at the start: {load_average()}", flush=True)
    subprocess.run(["cargo", "build", "--release", "-p", "langfuse-mock", "-p", "sync-daemon", "-p", "api-server"], check=True)
    if BROWSER:
        for tool in ("caddy", "chromium", "node"):
            if shutil.which(tool) is None:
                raise SystemExit(f"{tool} is needed for the browser figure (or set BENCH_BROWSER=0)")
        for package in ("frontend", "e2e"):
            if not os.path.isdir(os.path.join(package, "node_modules")):
                subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=package, check=True)
        # Built from the sources being measured, never a stale dist/.
        build = subprocess.run(["npm", "run", "build"], cwd="frontend", capture_output=True, text=True)
        if build.returncode != 0:
            raise SystemExit(f"the frontend build failed:\n{build.stdout}{build.stderr}")
    shutil.rmtree(WORKDIR, ignore_errors=True)
    os.makedirs(WORKDIR)
    database = os.path.join(WORKDIR, "cupid.db")
    with open(os.path.join(WORKDIR, "paths.lua"), "w") as f:
        f.write(LUA)

    start("mock", [f"{RELEASE}/langfuse-mock", "serve", "--observations", str(OBSERVATIONS), "--seed", "7",
                   "--days", "30", "--port", str(MOCK_PORT), "--live-every-secs", "1"], {"RUST_LOG": "warn"})
    wait_for("the double", lambda: urllib.request.urlopen(f"http://127.0.0.1:{MOCK_PORT}/api/public/health", timeout=5), 600)
    started = time.time()
    start("daemon", [f"{RELEASE}/sync-daemon"], {
        "LANGFUSE_PUBLIC_KEY": "pk-lf-demo", "LANGFUSE_SECRET_KEY": "sk-lf-demo",
        "LANGFUSE_HOST": f"http://127.0.0.1:{MOCK_PORT}", "CUPID_DATABASE_PATH": database,
        "CUPID_BACKFILL_SINCE": "31d",
        "CUPID_QUOTA_PER_MINUTE": "0", "CUPID_SYNC_INTERVAL_SECS": SYNC_INTERVAL_SECS,
        "CUPID_CONTROL_PORT": str(CONTROL_PORT), "RUST_LOG": "warn"})
    api = start_api(database)
    base = f"http://127.0.0.1:{API_PORT}"
    wait_for("the first full sync", lambda: get_json(f"{base}/health")["lastSuccessAt"] is not None, 3600)
    status = get_json(f"{base}/api/sync/status")
    overview = get_json(f"{base}/api/overview")
    print(f"backfill finished after {time.time() - started:.0f} s: {overview['observations']} observations, "
          f"{overview['traces']} traces, {overview['sessions']} sessions; daemon state {status['state']}", flush=True)

    end = datetime.fromisoformat(status["newestDataAt"].replace("Z", "+00:00"))
    varied = varied_paths(database, end)
    week = iso(end - timedelta(days=7, hours=5, minutes=13))
    month = iso(end - timedelta(days=30))
    session = varied["sessions/{id}"][0].rsplit("/", 1)[1]
    trace = varied["traces/{id}"][0].rsplit("/", 1)[1]
    # The repeat workload's agents: the two busiest outside Langfuse's internal environments.
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        busiest = [urllib.parse.quote(r[0], safe="") for r in connection.execute(
            "SELECT agent FROM agent_stats_cache WHERE environment NOT LIKE 'langfuse-%' "
            "GROUP BY agent ORDER BY sum(observations) DESC LIMIT 2")]
    placeholders = dict(week=week, month=month, session=session, trace=trace,
                        agent=busiest[0], other_agent=busiest[-1])

    # Cold start: a new api-server, the first request of each endpoint (nothing warmed).
    api.send_signal(signal.SIGTERM)
    api.wait(timeout=15)
    api = start_api(database)
    wait_for("the restarted api-server", lambda: get_json(f"{base}/health") is not None, 60)
    print("\ncold start: the first request of each endpoint after the api-server started")
    print("\n| endpoint | first request ms |\n|---|---:|")
    for name, template in REPEAT_PATHS.items():
        path = template.format(**placeholders)
        print(f"| `{name}` | {first_request_ms(base + path):.1f} |", flush=True)

    if BROWSER:
        browser_figure()

    print(f"\nload average before the load: {load_average()}")
    print(f"\nwrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} --latency, loopback, "
          f"daemon syncing every {SYNC_INTERVAL_SECS} s ({CADENCE} cadence)\n")
    print("| endpoint | repeat req/s | repeat p50 ms | repeat p99 ms | varied req/s | varied p50 ms | varied p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, template in REPEAT_PATHS.items():
        path = template.format(**placeholders)
        repeat = run_wrk(base + path)
        cells = [f"{repeat[0]:.0f}", f"{repeat[1]:.2f}", f"{repeat[2]:.2f}"]
        if name in varied:
            paths_file = os.path.join(WORKDIR, "paths.txt")
            with open(paths_file, "w") as f:
                f.write("\n".join(varied[name]) + "\n")
            result = run_wrk(base, paths_file)
            cells += [f"{result[0]:.0f}", f"{result[1]:.2f}", f"{result[2]:.2f}"]
            failures = repeat[3] + result[3]
        else:
            cells += ["", "", ""]
            failures = repeat[3]
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
        if failures:
            print(f"  ({failures} non-2xx/3xx answers)", flush=True)
    peak, current = rss_mb(api.pid)
    print(f"\napi-server memory after the load: peak RSS (VmHWM) {peak:.1f} MB, RSS now {current:.1f} MB")
    print(f"load average after the load: {load_average()}")
    final = get_json(f"{base}/api/sync/status")
    print(f"\ndaemon during the run: state {final['state']}, data version {status['dataVersion']} -> {final['dataVersion']}, "
          f"rows written {status['rowsWritten']} -> {final['rowsWritten']}")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
