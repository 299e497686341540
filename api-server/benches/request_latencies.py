#!/usr/bin/env python3
"""How long each request of an endpoint's varied workload takes when it has
the server to itself (not a test): serves DATABASE with BINARY, sends the
first N of bench_api.py's varied paths one at a time over one keep-alive
connection (after 200 to warm up), and prints the median, p90, p99 and
slowest latency with the five slowest paths and their response sizes.
Set beside bench_api.py's p99 under `wrk -c32`, it tells a slow request
from time spent waiting behind others on a busy server.

Usage: python3 api-server/benches/request_latencies.py BINARY DATABASE N ENDPOINT...
  ENDPOINT: a key of bench_api.py's varied_paths, e.g. agents errors
"""
import http.client
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu_per_request  # noqa: E402

SLOWEST_SHOWN = 5


def timed(connection, path):
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000, path, len(body)


def main():
    binary, database, count, names, paths = cpu_per_request.parse_arguments(__doc__)
    server = cpu_per_request.start_server(binary, database)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", cpu_per_request.PORT, timeout=60)
        for name in names:
            chosen = paths[name][:count]
            for path in chosen[: cpu_per_request.WARM_UP]:
                timed(connection, path)
            samples = sorted((timed(connection, path) for path in chosen), reverse=True)
            ascending = [milliseconds for milliseconds, _, _ in reversed(samples)]

            def percentile(share):
                return ascending[min(len(ascending) - 1, int(share * len(ascending)))]

            print(f"{os.path.basename(binary)} {name}: {len(chosen)} requests, one at a time: "
                  f"median {percentile(0.5):.2f} ms, p90 {percentile(0.9):.2f}, "
                  f"p99 {percentile(0.99):.2f}, slowest {ascending[-1]:.2f}", flush=True)
            for milliseconds, path, size in samples[:SLOWEST_SHOWN]:
                print(f"  {milliseconds:.2f} ms, {size} bytes: {path}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
