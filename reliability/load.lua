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
local non_success = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
end

function init(args)
  index = offset or 1
  failures = 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status >= 400 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "LOAD_RESULT requests=%d duration_s=%.1f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non_2xx_3xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
