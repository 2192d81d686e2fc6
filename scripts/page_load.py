#!/usr/bin/env python3
"""Concurrent page loads against a real server: N services, C concurrent GET / requests.

Starts BINARY serve on a free port with a fresh database, imports a generated catalog (wide and
layered like a real one, seeded, so every run sees the same graph), then fires the requests and
prints the median and 99th-percentile latency, and the page size raw and as transferred with
gzip and brotli. Usage: page_load.py BINARY [SERVICES] [CONCURRENT]
"""
import concurrent.futures
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def catalog(services: int) -> str:
    rng = random.Random(7)
    layers = max(4, services // 125)
    ids = [f"svc-{i:04d}" for i in range(services)]
    layer_of = {s: i * layers // services for i, s in enumerate(ids)}
    in_layer = [[] for _ in range(layers + 1)]
    for s in ids:
        in_layer[layer_of[s]].append(s)
    entries = []
    for s in ids:
        below = in_layer[layer_of[s] + 1]
        deps = rng.sample(below, min(len(below), rng.randint(1, 3))) if below else []
        entries.append({
            "id": s, "owner": f"team-{rng.randint(0, 40)}", "tier": rng.choice(["critical", "standard", "low"]),
            "version": "1.0.0", "depends_on": [{"service": d} for d in deps],
        })
    return json.dumps({"services": entries})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, encoding: str = "identity"):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
    return time.perf_counter() - start, len(body)


def main() -> None:
    binary = sys.argv[1]
    services = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RUST_LOG="warn")
        server = subprocess.Popen(
            [binary, "serve", "--no-seed", "--addr", f"127.0.0.1:{port}",
             "--database", f"sqlite://{tmp}/bench.db"],
            stdout=subprocess.DEVNULL, env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    get(base + "/api/v1/revisions")
                    break
                except OSError:
                    time.sleep(0.1)
            request = urllib.request.Request(base + "/api/v1/catalog", data=catalog(services).encode(), method="POST")
            urllib.request.urlopen(request, timeout=300).read()
            first, raw = get(base + "/")
            _, gzip_size = get(base + "/", "gzip")
            _, br_size = get(base + "/", "br")
            with concurrent.futures.ThreadPoolExecutor(clients) as pool:
                started = time.perf_counter()
                times = sorted(t for t, _ in pool.map(lambda _: get(base + "/"), range(clients)))
                wall = time.perf_counter() - started
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"GET / with {services} services: first load {first * 1000:.0f} ms; "
                  f"{clients} concurrent: p50 {statistics.median(times) * 1000:.0f} ms, "
                  f"p99 {p99 * 1000:.0f} ms, all done in {wall:.1f} s")
            print(f"page size: {raw:,} bytes raw, {gzip_size:,} gzip, {br_size:,} brotli (as sent)")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
