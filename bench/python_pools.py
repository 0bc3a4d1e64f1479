#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Python pools pqpool_bench compares against: the seed's psycopg2 pattern and psycopg_pool.
"""Runs N threads doing acquire / SELECT 1 / release and prints one JSON object.

Run it with Debian's interpreter (/usr/bin/python3): a pyenv or venv python3 earlier on PATH
does not see Debian's python3-psycopg2 / python3-psycopg-pool.

--pool psycopg2-seed
    The original system's pattern (original-system.md section 5, defect A2), copied as it
    was: one psycopg2.pool.SimpleConnectionPool(1, 5) shared by all threads (the seed did
    this although the class is documented as not thread-safe, defect A4), and every acquire
    wrapped in a new ThreadPoolExecutor:
        with ThreadPoolExecutor() as executor:
            future = executor.submit(pool.getconn)
            conn = future.result(timeout=10.0)
    getconn() never waits: with 5 connections out it raises PoolError("connection pool
    exhausted") at once. The seed never retried that error (defect A3), so here it counts as
    a failed op and the thread goes on with its next op. Release is an explicit putconn() in
    `finally` (kinder than the seed's release from __del__, defect A1). Note that putconn()
    keeps a connection only while fewer than minconn=1 are idle and closes the others, so
    under concurrency most acquires open a new connection ("connects" in the output).
--pool psycopg_pool
    psycopg_pool.ConnectionPool(min_size=5, max_size=5, timeout=10) and
    `with pool.connection() as conn: conn.execute("SELECT 1").fetchone()`.

Both run in autocommit so that SELECT 1 is one round trip, as in pqpool (the seed ran a
transaction per use, which only adds round trips). Latency is the whole op (acquire,
SELECT 1, fetch, release) of successful ops; throughput counts successful ops only.
"""

import argparse
import collections
import itertools
import json
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SELECT = "SELECT 1"


class HandoutTracker:
    """Counts connections held by two threads at once (a pool that is not thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held = collections.Counter()
        self.double_handouts = 0

    def take(self, conn):
        with self._lock:
            if self._held[id(conn)] > 0:
                self.double_handouts += 1
            self._held[id(conn)] += 1

    def give_back(self, conn):
        with self._lock:
            self._held[id(conn)] -= 1


class SeedPool:
    """psycopg2 SimpleConnectionPool(1, 5) behind the seed's ThreadPoolExecutor wrapper."""

    name = "psycopg2-seed"

    def __init__(self, dsn):
        import psycopg2
        import psycopg2.pool

        self.library = "psycopg2 " + psycopg2.__version__.split()[0]
        self._pool = psycopg2.pool.SimpleConnectionPool(1, 5, dsn)
        self._connects = []  # One entry per connection opened; list.append is atomic.
        connect = self._pool._connect

        def counting_connect(key=None):
            self._connects.append(None)
            return connect(key)

        self._pool._connect = counting_connect
        self.tracker = HandoutTracker()

    def connects(self):
        return len(self._connects)

    def op(self):
        with ThreadPoolExecutor() as executor:
            future = executor.submit(self._pool.getconn)
            conn = future.result(timeout=10.0)
        self.tracker.take(conn)
        try:
            if not conn.autocommit:
                conn.autocommit = True  # Local flag; sends nothing.
            with conn.cursor() as cur:
                cur.execute(SELECT)
                cur.fetchone()
        finally:
            self.tracker.give_back(conn)
            self._pool.putconn(conn)

    def close(self):
        self._pool.closeall()


class PsycopgPool:
    """psycopg_pool.ConnectionPool(min_size=5, max_size=5)."""

    name = "psycopg_pool"

    def __init__(self, dsn):
        import psycopg
        import psycopg_pool

        self.library = "psycopg_pool %s (psycopg %s)" % (
            psycopg_pool.__version__,
            psycopg.__version__,
        )
        self._pool = psycopg_pool.ConnectionPool(
            dsn, min_size=5, max_size=5, timeout=10.0, kwargs={"autocommit": True}
        )
        self._pool.wait(timeout=30.0)
        self.tracker = HandoutTracker()

    def connects(self):
        return self._pool.get_stats().get("connections_num", 0)

    def op(self):
        with self._pool.connection() as conn:
            self.tracker.take(conn)
            try:
                conn.execute(SELECT).fetchone()
            finally:
                self.tracker.give_back(conn)

    def close(self):
        self._pool.close()


def error_kind(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def run(pool, threads, warmup, duration):
    """Runs the workload; returns (latencies_ns, errors Counter, window_ns, connects)."""
    barrier = threading.Barrier(threads + 1)
    times = {}
    latencies = [[] for _ in range(threads)]
    errors = [collections.Counter() for _ in range(threads)]
    last_end = [0] * threads

    def worker(index):
        mine = latencies[index]
        failed = errors[index]
        barrier.wait()
        measure_from, end = times["measure_from"], times["end"]
        clock = time.perf_counter_ns
        while True:
            started = clock()
            if started >= end:
                break
            try:
                pool.op()
            except Exception as exc:  # noqa: BLE001 - every failure is an error to report
                if started >= measure_from:
                    failed[error_kind(exc)] += 1
                continue
            finished = clock()
            if started >= measure_from:
                mine.append(finished - started)
                last_end[index] = finished

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    now = time.perf_counter_ns()
    times["measure_from"] = now + int(warmup * 1e9)
    times["end"] = times["measure_from"] + int(duration * 1e9)
    barrier.wait()
    time.sleep(max(0.0, (times["measure_from"] - time.perf_counter_ns()) / 1e9))
    connects_before = pool.connects()
    for w in workers:
        w.join()
    connects = pool.connects() - connects_before

    merged = sorted(itertools.chain.from_iterable(latencies))
    total_errors = collections.Counter()
    for counter in errors:
        total_errors.update(counter)
    window = max(max(last_end) - times["measure_from"], int(duration * 1e9))
    return merged, total_errors, window, connects


def quantile(sorted_values, q):
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))  # Nearest rank, as pqpool_bench.
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", required=True, choices=[SeedPool.name, PsycopgPool.name])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds, not measured")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds measured")
    parser.add_argument("--dsn", default=os.environ.get("MNEMO_TEST_DSN", ""))
    args = parser.parse_args()
    if not args.dsn:
        parser.error("no DSN: pass --dsn or set MNEMO_TEST_DSN")

    pool = (SeedPool if args.pool == SeedPool.name else PsycopgPool)(args.dsn)
    try:
        latencies, errors, window_ns, connects = run(pool, args.threads, args.warmup, args.duration)
    finally:
        pool.close()
    ops = len(latencies)
    report = {
        "pool": args.pool,
        "library": pool.library,
        "python": sys.version.split()[0],
        "threads": args.threads,
        "warmup_s": args.warmup,
        "duration_s": round(window_ns / 1e9, 3),
        "ops": ops,
        "ops_per_s": round(ops / (window_ns / 1e9), 1),
        "p50_ms": round(quantile(latencies, 0.50) / 1e6, 4),
        "p99_ms": round(quantile(latencies, 0.99) / 1e6, 4),
        "mean_ms": round(sum(latencies) / ops / 1e6, 4) if ops else 0.0,
        "errors": sum(errors.values()),
        "connects": connects,
        "double_handouts": pool.tracker.double_handouts,
        "error_kinds": dict(errors.most_common()),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
