"""Times the per-agent score SQL of the api-server, before (ATTRIBUTED_SCORES,
every attributed score row shipped to Rust), then (tallies per agent and
name in SQL, the agent filter inside each branch) and, once the database has
the score roll-ups (migration "score roll-ups"), now: whole days from
daily_scores, whole hours from hourly_scores and the raw scores of the
partial hour at the edge, as db::scores::score_cells reads them. In CPU ms
so that a busy machine disturbs it less. Not a test; numbers in
docs/BENCHMARKS.md.

Usage: python3 api-server/benches/probe_scores.py PATH/cupid.db
"""
import sqlite3, sys, time, json, random
db = sys.argv[1]
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
end = c.execute("SELECT max(start_time_ms) FROM observations").fetchone()[0]
envs = json.dumps([r[0] for r in c.execute("SELECT name FROM environments WHERE substr(name,1,9) <> 'langfuse-' ORDER BY name")])
DAY = 86400000
OLD = """
    WITH ranged AS (
        SELECT id, trace_id, observation_id, session_id, name, data_type, value,
               string_value, timestamp_ms
        FROM scores WHERE timestamp_ms >= ?1 AND timestamp_ms < ?2
          AND environment IN (SELECT value FROM json_each(?3))
    ),
    attributed AS (
        SELECT r.id AS score_id, o.agent AS agent
        FROM ranged AS r JOIN observations AS o ON o.id = r.observation_id
        UNION ALL
        SELECT r.id, ta.agent
        FROM ranged AS r JOIN trace_keys AS k ON k.id = r.trace_id
        JOIN trace_agents AS ta ON ta.trace_key = k.key
        WHERE r.observation_id IS NULL
        UNION ALL
        SELECT r.id, sa.agent
        FROM ranged AS r JOIN session_agents AS sa ON sa.session_id = r.session_id
        WHERE r.observation_id IS NULL AND r.trace_id IS NULL
    )
    SELECT a.agent, r.name, r.data_type, r.value, r.string_value, r.timestamp_ms
    FROM attributed AS a JOIN ranged AS r ON r.id = a.score_id"""
def attributed(columns, one):
    f = ["AND +o.agent = ?4", "AND +ta.agent = ?4", "AND +sa.agent = ?4"] if one else ["", "", ""]
    r = "sc.timestamp_ms >= ?1 AND sc.timestamp_ms < ?2 AND sc.environment IN (SELECT value FROM json_each(?3))"
    return f"""SELECT o.agent AS agent, {columns} FROM scores AS sc JOIN observations AS o ON o.id = sc.observation_id WHERE {r} {f[0]}
      UNION ALL SELECT ta.agent, {columns} FROM scores AS sc JOIN trace_keys AS k ON k.id = sc.trace_id JOIN trace_agents AS ta ON ta.trace_key = k.key WHERE {r} AND +sc.observation_id IS NULL {f[1]}
      UNION ALL SELECT sa.agent, {columns} FROM scores AS sc JOIN session_agents AS sa ON sa.session_id = sc.session_id WHERE {r} AND +sc.observation_id IS NULL AND +sc.trace_id IS NULL {f[2]}"""
NUM = "CASE WHEN sc.data_type IN ('NUMERIC', 'BOOLEAN') AND abs(sc.value) < 9e999 THEN sc.value END"
def tallies(one):
    a = attributed(f"sc.name AS name, sc.data_type AS data_type, sc.timestamp_ms AS timestamp_ms, {NUM} AS numeric", one)
    return f"SELECT agent, name, max(timestamp_ms), data_type, count(*), total(numeric), count(numeric) FROM ({a}) GROUP BY agent, name"
def timed(label, sql, params, n=5):
    best = 1e9; rows = 0
    for _ in range(n):
        t = time.process_time(); rows = len(c.execute(sql, params).fetchall()); best = min(best, time.process_time() - t)
    print(f"| {label} | {rows} | {best*1000:.1f} |")
    return best
agent = c.execute("SELECT agent FROM agent_stats_cache ORDER BY observations DESC LIMIT 1").fetchone()[0]
print(f"end {end}, agent {agent}\n\n| query | rows | best of 5, CPU ms |\n|---|---:|---:|")
for label, lo in [("week", end - 7*DAY), ("all time", -2**63)]:
    timed(f"old attribution, {label}", OLD, (lo, 2**63-1, envs))
    timed(f"old attribution + agent filter, {label}", OLD + " WHERE a.agent = ?4", (lo, 2**63-1, envs, agent))
    timed(f"new tallies, every agent, {label}", tallies(False), (lo, 2**63-1, envs))
    timed(f"new tallies, one agent, {label}", tallies(True), (lo, 2**63-1, envs, agent))



HOUR = 3600000
has_roll_ups = c.execute("SELECT 1 FROM sqlite_master WHERE name = 'hourly_scores'").fetchone()
if has_roll_ups:
    def day_text(ms):
        return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))
    def roll_up(table, time_column, by_time, agent_clause):
        t = time_column if by_time else "NULL"
        return f"""SELECT {t}, agent, name, data_type, category, sum(scores), sum(numeric_count),
            sum(numeric_sum), min(numeric_min), max(numeric_max), max(latest_ms) FROM {table}
            WHERE {time_column} >= ?1 AND {time_column} <= ?2 AND environment IN (SELECT value FROM json_each(?3))
              AND {agent_clause} GROUP BY 1, 2, 3, 4, 5"""
    def values(table, time_column, agent_clause):
        return f"""SELECT agent, name, value, sum(scores) FROM {table}
            WHERE {time_column} >= ?1 AND {time_column} <= ?2 AND environment IN (SELECT value FROM json_each(?3))
              AND {agent_clause} GROUP BY 1, 2, 3"""
    def planned(lo, one, by_day, with_values):
        """The statements of one request from `lo` on (open end): whole days, the
        whole hours before them and the partial hour before those (db::plan)."""
        agent_clause = "agent = ?4" if one else "agent <> '*'"
        first_day = -(-lo // DAY) * DAY
        first_hour = -(-lo // HOUR) * HOUR
        extra = (agent,) if one else ()
        steps = [(roll_up("daily_scores", "day", by_day, agent_clause), (day_text(first_day), "9999-12-31", envs) + extra)]
        if with_values:
            steps.append((values("daily_score_values", "day", agent_clause), (day_text(first_day), "9999-12-31", envs) + extra))
        if first_hour < first_day:
            steps.append((roll_up("hourly_scores", "hour_ms", by_day, agent_clause), (first_hour, first_day - HOUR, envs) + extra))
            if with_values:
                steps.append((values("hourly_score_values", "hour_ms", agent_clause), (first_hour, first_day - HOUR, envs) + extra))
        if lo < first_hour:
            raw = attributed("sc.name, sc.data_type, sc.value, sc.string_value, sc.timestamp_ms", one)
            steps.append((raw, (lo, first_hour, envs) + extra))
        return steps
    def timed_steps(label, steps, n=5):
        best = 1e9; rows = 0
        for _ in range(n):
            t = time.process_time(); rows = sum(len(c.execute(sql, p).fetchall()) for sql, p in steps); best = min(best, time.process_time() - t)
        print(f"| {label} | {rows} | {best*1000:.2f} |")
    # A week from a ragged start (not on an hour), as the benchmark's ranges are.
    for label, lo in [("week", end - 7*DAY - 1234567), ("all time", None)]:
        if lo is None:
            all_time = [(roll_up("daily_scores", "day", False, "agent <> '*'"), ("", "9999-12-31", envs))]
            timed_steps("roll-up, every agent, all time", all_time)
            timed_steps("roll-up, one agent, all time", [(roll_up("daily_scores", "day", False, "agent = ?4"), ("", "9999-12-31", envs, agent))])
            timed_steps("roll-up, /api/scores of one agent (per day, values), all time", [
                (roll_up("daily_scores", "day", True, "agent = ?4"), ("", "9999-12-31", envs, agent)),
                (values("daily_score_values", "day", "agent = ?4"), ("", "9999-12-31", envs, agent))])
            continue
        timed_steps(f"roll-up, every agent, {label}", planned(lo, False, False, False))
        timed_steps(f"roll-up, one agent, {label}", planned(lo, True, False, False))
        timed_steps(f"roll-up, /api/scores of one agent (per day, values), {label}", planned(lo, True, True, True))
