"""Times the session list SQL (count, then one page sorted by cost or
duration): before (the range index, then a sort of every session in the
range) and after (walking the sort's index when the range holds many
sessions, as db::sessions::walk_sort_index decides), and the per-row
session_scores query of one page, in CPU ms. Not a test; numbers in
NOTES-queries.md.

Usage: python3 api-server/benches/probe_sessions.py PATH/cupid.db
"""
import sqlite3, json, time, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
lo, hi = c.execute("select min(start_time_ms), max(start_time_ms) from sessions").fetchone()
envs = json.dumps([r[0] for r in c.execute("SELECT name FROM environments WHERE substr(name,1,9) <> 'langfuse-'")])
cols = "s.id, s.user_id, s.users, s.agents, s.start_time_ms, s.end_time_ms, s.duration_ms, s.traces, s.observations, s.generations, s.cost_nanousd, s.input_tokens, s.output_tokens, s.total_tokens, s.errors, s.warnings, s.first_error_observation_id, s.environment"
w = "1 = 1 AND EXISTS (SELECT 1 FROM session_environments AS se WHERE se.session_id = s.id AND se.environment IN (SELECT value FROM json_each(?1))) AND {p}s.start_time_ms >= ?2 AND {p}s.start_time_ms < ?3"
def t(sql, params, n=7):
    best = 1e9
    for _ in range(n):
        a = time.process_time(); r = c.execute(sql, params).fetchall(); best = min(best, time.process_time() - a)
    return best * 1000, r
DAY = 86400000
all_sessions = c.execute("SELECT coalesce(sum(sessions),0) FROM daily_metrics WHERE agent='*' AND model='*'").fetchone()[0]
print(f"sessions: {all_sessions}\n\n| range | sort | matches | count ms | old page ms | new page ms (plan) |\n|---|---|---:|---:|---:|---:|")
for label, (a, b) in [("29 days", (lo + DAY // 3, hi - DAY // 2)), ("7 days", (hi - 7 * DAY - 3600000, hi)), ("1 day", (hi - 3 * DAY, hi - 2 * DAY)), ("3 hours", (hi - 5 * DAY, hi - 5 * DAY + 3 * 3600000))]:
    p = (envs, a, b)
    count_ms, r = t(f"SELECT count(*) FROM sessions AS s WHERE {w.format(p='')}", p)
    matches = r[0][0]
    for key, column in [("s.cost_nanousd", "s.cost_nanousd"), ("coalesce(s.duration_ms, -1)", "s.duration_ms")]:
        old, _ = t(f"SELECT {cols}, {key} FROM sessions AS s WHERE {w.format(p='')} ORDER BY {key} DESC, s.id DESC LIMIT 51", p)
        walk = matches * matches > 51 * all_sessions
        sql = f"SELECT {cols}, {key} FROM sessions AS s WHERE {w.format(p='+' if walk else '')} ORDER BY {column if walk else key} DESC, s.id DESC LIMIT 51"
        new, _ = t(sql, p)
        print(f"| {label} | {key} | {matches} | {count_ms:.2f} | {old:.2f} | {new:.2f} ({'walk index' if walk else 'range + sort'}) |")
ids = [r[0] for r in c.execute("SELECT id FROM sessions ORDER BY cost_nanousd DESC LIMIT 50")]
SESSION_SCORES = """SELECT id, name, data_type, value, string_value, comment, trace_id, observation_id, timestamp_ms FROM scores
    WHERE session_id = ?1 OR trace_id IN (SELECT id FROM traces WHERE session_id = ?1)
       OR observation_id IN (SELECT id FROM observations WHERE session_id = ?1) ORDER BY timestamp_ms, id"""
a = time.process_time()
for i in ids: c.execute(SESSION_SCORES, (i,)).fetchall()
print(f"\nsession_scores for the 50 sessions of one page: {(time.process_time() - a) * 1000:.1f} CPU ms")
