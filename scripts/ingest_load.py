#!/usr/bin/env python3
"""Metric ingestion throughput against a real server: POST /api/v1/metrics from concurrent clients.

Imports the boutique demo into a fresh database, starts BINARY serve on a free port, then runs
RUNS rounds of SECONDS each in which CLIENTS keep-alive connections post batches of BATCH samples
(every demo service, its catalog version and VERSIONS candidates, each region; 4 in 5 samples
with percentiles, the rest with histograms). More candidates mean more series for the flush to
write each second. Prints samples/s per round and their median, the server's
peak memory (VmHWM), and checks that the database holds every accepted request once the last
flush is done. Usage: ingest_load.py BINARY [CLIENTS] [BATCH] [SECONDS] [RUNS] [VERSIONS]
"""
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CATALOG = os.path.join(os.path.dirname(__file__), "..", "demo", "boutique", "catalog.yaml")
# The bodies are built once and posted again and again: their samples must stay within the
# server's window (not older than the retention, not in the future) for the whole benchmark.
SPREAD_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def series(base: str, candidates: int):
    """(service, version, region) of every demo service, its catalog version and candidates."""
    connection = http.client.HTTPConnection(base, timeout=60)
    connection.request("GET", "/api/v1/catalog")
    view = json.loads(connection.getresponse().read())
    keys = []
    for service in view["services"]:
        for version in [service["version"]] + [f"99.0.{i}" for i in range(candidates)]:
            for region in service["regions"] or [None]:
                keys.append((service["id"], version, region))
    return keys


def body(rng: random.Random, keys, size: int, now: int):
    """One batch as JSON, and the requests it carries."""
    samples, requests = [], 0
    for _ in range(size):
        service, version, region = rng.choice(keys)
        if rng.random() < 0.8:
            count = rng.randint(1, 500)
            p50 = rng.uniform(5, 50)
            latency = {"percentiles": {"p50": p50, "p90": p50 * 2, "p99": p50 * 4}}
        else:
            # A histogram counts every request: one count per bound and the overflow.
            counts = [rng.randint(0, 80) for _ in range(6)] + [1]
            count = sum(counts)
            latency = {"histogram": {"bounds_ms": [5, 10, 25, 50, 100, 250], "counts": counts}}
        errors = rng.randint(0, count // 50)
        samples.append({
            "service": service, "version": version, "region": region,
            "at": now - rng.randint(0, SPREAD_MS), "requests": count, "errors": errors,
            "latency": latency,
        })
        requests += count
    return json.dumps({"samples": samples}).encode(), requests


def client(base: str, bodies, until: float, totals, lock):
    connection = http.client.HTTPConnection(base, timeout=60)
    samples = requests = refused = 0
    i = 0
    while time.perf_counter() < until:
        payload, carried = bodies[i % len(bodies)]
        i += 1
        connection.request("POST", "/api/v1/metrics", payload, {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        if response.status == 202:
            samples += json.loads(answer)["accepted"]
            requests += carried
        else:
            refused += 1
            if refused == 1:
                print(f"  refused: {response.status} {answer[:300]!r}", file=sys.stderr)
    with lock:
        totals["samples"] += samples
        totals["requests"] += requests
        totals["refused"] += refused


def peak_memory_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    binary = sys.argv[1]
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    candidates = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite://{tmp}/bench.db"
        env = dict(os.environ, RUST_LOG="warn")
        subprocess.run([binary, "--database", database, "catalog", "import", CATALOG],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        server = subprocess.Popen(
            [binary, "serve", "--no-seed", "--addr", f"127.0.0.1:{port}", "--database", database],
            stdout=subprocess.DEVNULL, env=env)
        base = f"127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    keys = series(base, candidates)
                    break
                except OSError:
                    time.sleep(0.1)
            rng = random.Random(7)
            now = int(time.time() * 1000)
            bodies = [body(rng, keys, batch, now) for _ in range(8)]
            size = statistics.mean(len(b) for b, _ in bodies)
            print(f"{clients} clients, batches of {batch} samples ({size / 1e6:.2f} MB of JSON), "
                  f"{len(keys)} series, {runs} rounds of {seconds:g} s")
            rates, expected, refused = [], 0, 0
            for run in range(runs):
                totals, lock = {"samples": 0, "requests": 0, "refused": 0}, threading.Lock()
                started = time.perf_counter()
                until = started + seconds
                threads = [threading.Thread(target=client, args=(base, bodies[c:] + bodies[:c], until, totals, lock))
                           for c in range(clients)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - started
                rates.append(totals["samples"] / elapsed)
                expected += totals["requests"]
                refused += totals["refused"]
                print(f"round {run + 1}: {rates[-1]:,.0f} samples/s "
                      f"({totals['samples']:,} in {elapsed:.1f} s, {totals['refused']} batches refused)")
            # The flush runs every second: give it two before reading what was stored.
            time.sleep(2.5)
            peak = peak_memory_kb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        with sqlite3.connect(f"{tmp}/bench.db") as db:
            stored = db.execute("SELECT coalesce(sum(requests), 0), count(*) FROM metric_buckets").fetchone()
        print(f"median: {statistics.median(rates):,.0f} samples/s; server peak memory (VmHWM): "
              f"{peak / 1024:.1f} MB")
        print(f"stored: {stored[0]:,} requests in {stored[1]:,} buckets; accepted: {expected:,} requests"
              f"{' (match)' if stored[0] == expected else ' (MISMATCH)'}; {refused} batches refused")
        if stored[0] != expected:
            sys.exit(1)


if __name__ == "__main__":
    main()
