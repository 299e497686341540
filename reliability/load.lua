-- wrk script for the api-server load run (reliability/tests/reliability/load.rs).
-- Rotates through the paths in CUPID_LOAD_PATHS (comma-separated) and, when
-- done, prints one machine-readable line with the figures the test asserts
-- and docs/RELIABILITY.md reports.
--
--   CUPID_LOAD_PATHS=/api/overview,/api/sessions wrk -t2 -c32 -d60s \
--     -s reliability/load.lua http://127.0.0.1:8080

local paths = {}
for path in string.gmatch(os.getenv("CUPID_LOAD_PATHS") or "/health", "[^,]+") do
  paths[#paths + 1] = path
end

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
  threads[#threads + 1] = thread
end

function init(args)
  index = offset or 1
  failures = 0
  non_2xx = 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status >= 400 then
    failures = failures + 1
  end
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  -- Each thread counts in its own Lua state; wrk hands their values back here.
  local non_2xx_total = 0
  for _, thread in ipairs(threads) do
    non_2xx_total = non_2xx_total + (thread:get("non_2xx") or 0)
  end
  io.write(string.format(
    "LOAD_RESULT requests=%d duration_s=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non_2xx_3xx=%d non_2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status, non_2xx_total))
end
