#!/usr/bin/env python3
"""How many roll-up rows `GET /api/agents` reads per request of its varied
workload (not a test): for each of the first N of bench_api.py's varied
`agents` paths it splits the range as db::plan does (whole UTC days, then at
each ragged edge six-hour blocks, hours and ten-minute slots, and at most
two partial slots of raw rows) and counts, with COUNT(*) in SQLite, the rows
each piece's reads visit in the selected environments:

- metric rows of agents: each agent's own roll-up rows (`model = '*'`),
  which carry its figures and list its models (migration 21), so that its
  (agent, model) rows are no longer read;
- packed score rows (`*_agent_scores`, migration 19), one per
  (environment, agent) and span;
- raw observations of the partial slots.

Prints the mean per request. It mirrors db::plan's split (plan.rs) by hand,
so a change to that split must be made here too.

Usage: python3 api-server/benches/roll_up_rows.py DATABASE [N]   (N: 300)
"""
import datetime
import os
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_api  # noqa: E402

DAY, SIX_HOURS, HOUR, TEN_MINUTES = 86_400_000, 21_600_000, 3_600_000, 600_000
# The finer grains, coarsest first: step, name, tables and time column.
GRAINS = [
    (SIX_HOURS, "six-hour blocks", "six_hourly_metrics", "six_hourly_agent_scores", "hour_ms"),
    (HOUR, "hours", "hourly_metrics", "hourly_agent_scores", "hour_ms"),
    (TEN_MINUTES, "ten-minute slots", "ten_minute_metrics", "ten_minute_agent_scores", "start_ms"),
]


def ceil(ms, step):
    return -(-ms // step) * step


def floor(ms, step):
    return ms // step * step


def split_edge(start, end, level, pieces):
    """plan.rs's add_edge: whole rows of the grain, the rest finer."""
    if start >= end:
        return
    if level == len(GRAINS):
        pieces["raw"].append((start, end))
        return
    step = GRAINS[level][0]
    first, last = ceil(start, step), floor(end, step)
    if first >= last:
        split_edge(start, end, level + 1, pieces)
        return
    split_edge(start, first, level + 1, pieces)
    pieces[step].append((first, last))
    split_edge(last, end, level + 1, pieces)


def ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def day(ms_value):
    return datetime.datetime.fromtimestamp(ms_value / 1000, tz=datetime.timezone.utc).strftime("%Y-%m-%d")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    database = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    paths = bench_api.varied_paths_of_stored(database)["agents"][:count]
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    default_environments = [r[0] for r in connection.execute(
        "SELECT name FROM environments WHERE substr(name, 1, 9) <> 'langfuse-'")]
    totals = {}

    def add(key, sql, values):
        totals[key] = totals.get(key, 0) + connection.execute(sql, values).fetchone()[0]

    def add_piece(name, metrics, scores, where, values):
        """The rows of agents one roll-up piece's reads visit."""
        add(f"{name}: metric rows, the agents' own",
            f"SELECT count(*) FROM {metrics} WHERE {where} AND agent <> '*' AND model = '*'", values)
        add(f"{name}: packed score rows", f"SELECT count(*) FROM {scores} WHERE {where}", values)

    for path in paths:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        start, end = ms(query["from"][0]), ms(query["to"][0])
        chosen = query.get("environment", [""])[0]
        environments = chosen.split(",") if chosen else default_environments
        marks = ",".join("?" * len(environments))
        pieces = {step: [] for step, *_ in GRAINS}
        pieces["raw"] = []
        if ceil(start, DAY) >= floor(end, DAY):
            split_edge(start, end, 0, pieces)
        else:
            first, last = ceil(start, DAY), floor(end, DAY)
            split_edge(start, first, 0, pieces)
            split_edge(last, end, 0, pieces)
            add_piece("days", "daily_metrics", "daily_agent_scores",
                      f"day >= ? AND day <= ? AND environment IN ({marks})",
                      (day(first), day(last - DAY), *environments))
        for step, name, metrics, scores, column in GRAINS:
            for low, high in pieces[step]:
                add_piece(name, metrics, scores,
                          f"{column} >= ? AND {column} < ? AND environment IN ({marks})",
                          (low, high, *environments))
        for low, high in pieces["raw"]:
            add("partial slots: raw observations",
                f"SELECT count(*) FROM observations WHERE start_time_ms >= ? AND start_time_ms < ? AND environment IN ({marks})",
                (low, high, *environments))
    print(f"rows read per `agents` request, mean of {len(paths)} varied requests\n")
    print("| piece | rows |\n|---|---:|")
    for key, rows in totals.items():
        print(f"| {key} | {rows / len(paths):.1f} |")
    metric = sum(v for k, v in totals.items() if "metric rows" in k) / len(paths)
    scores = sum(v for k, v in totals.items() if "score rows" in k) / len(paths)
    print(f"\nmetric rows {metric:.1f}, packed score rows {scores:.1f}")


if __name__ == "__main__":
    main()
