"""Times the per-agent score SQL of the api-server, before (ATTRIBUTED_SCORES,
every attributed score row shipped to Rust) and after (tallies per agent and
name in SQL, the agent filter inside each branch), in CPU ms so that a busy
machine disturbs it less. Not a test; numbers in NOTES-queries.md.

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
        FROM ranged AS r JOIN trace_agents AS ta ON ta.trace_id = r.trace_id
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
      UNION ALL SELECT ta.agent, {columns} FROM scores AS sc JOIN trace_agents AS ta ON ta.trace_id = sc.trace_id WHERE {r} AND +sc.observation_id IS NULL {f[1]}
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


