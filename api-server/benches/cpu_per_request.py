#!/usr/bin/env python3
"""CPU milliseconds an api-server build spends per request of an endpoint's
varied workload (not a test): serves DATABASE with BINARY, sends the same
first N of bench_api.py's varied paths over two keep-alive connections
(after 200 to warm up) and divides the server's user+system CPU time
(/proc/PID/stat) by N. Unlike a wrk rate it leaves out the load generator's
share of the two cores; like it, it moves with the machine, so builds are
compared only in rounds alternated on one database. Figures of record come
from bench_api.py.

Usage: python3 api-server/benches/cpu_per_request.py BINARY DATABASE N ENDPOINT...
  ENDPOINT: a key of bench_api.py's varied_paths, e.g. agents models
"""
import http.client
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_api  # noqa: E402

PORT = 4962
WARM_UP = 200


def server_cpu_ms(pid):
    # Fields after the command name; utime and stime are the 14th and 15th.
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def send_all(paths):
    failures = []

    def send(share):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for path in share:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")

    threads = [threading.Thread(target=send, args=(paths[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, the first: {failures[0]}")


def start_server(binary, database):
    """BINARY serving DATABASE on PORT, once its /health answers."""
    environment = dict(os.environ, CUPID_DATABASE_PATH=database, CUPID_API_PORT=str(PORT), RUST_LOG="warn")
    server = subprocess.Popen([binary], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            connection.request("GET", "/health")
            connection.getresponse().read()
            break
        except OSError:
            time.sleep(0.1)
    return server


def parse_arguments(usage):
    """BINARY DATABASE N ENDPOINT... from the command line, with the varied
    paths of the stored database; exits with `usage` or the unknown names."""
    if len(sys.argv) < 5:
        raise SystemExit(usage)
    binary, database, count, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    paths = bench_api.varied_paths_of_stored(database)
    unknown = [name for name in names if name not in paths]
    if unknown:
        raise SystemExit(f"unknown endpoints {unknown}; known: {sorted(paths)}")
    return binary, database, count, names, paths


def main():
    binary, database, count, names, paths = parse_arguments(__doc__)
    server = start_server(binary, database)
    try:
        for name in names:
            chosen = paths[name][:count]
            send_all(chosen[:WARM_UP])
            before = server_cpu_ms(server.pid)
            send_all(chosen)
            spent = server_cpu_ms(server.pid) - before
            print(f"{os.path.basename(binary)} {name}: {spent / len(chosen):.3f} CPU ms/request "
                  f"({len(chosen)} requests)", flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
