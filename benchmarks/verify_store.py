"""Benchmark of `escodegen verify-store`: the scan of N stored events (default 1,000,000, the
shop's order events as benchmarks/store.py fills them) against a plain `count` of the events'
`data` column, in the same run; wall time and the server process's CPU time of each.

    .venv/bin/python benchmarks/verify_store.py              # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/verify_store.py --dsn postgresql://...   # an empty database
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from store import _backend_cpu, database, fill, install

from escodegen.db.verify_store import verify_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database to use (default: embedded PostgreSQL)")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with database(args.dsn) as dsn:
        install(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            fill(conn, args.events)
            conn.execute("select count(data) from es.events")  # warm the cache
            row = conn.execute("select pg_backend_pid()").fetchone()
            assert row is not None
            pid = row[0]
            began, cpu = time.perf_counter(), _backend_cpu(pid)
            counted = conn.execute("select count(data) from es.events").fetchone()
            count_wall, count_cpu = time.perf_counter() - began, _backend_cpu(pid) - cpu
        began = time.perf_counter()
        found = verify_store(dsn, "es")
        scan_wall = time.perf_counter() - began
        print(f"{args.events:,} events ({counted}), {found.invalid} invalid:")
        print(f"  select count(data) from es.events: {count_wall:8.2f} s wall, "
              f"{count_cpu:6.2f} s server CPU")
        print(f"  verify-store scan:                 {scan_wall:8.2f} s wall "
              f"({args.events / scan_wall:,.0f} events/s)")
        print(f"  ratio: {scan_wall / count_wall:6.1f}x the count (goal: within 2x)")


if __name__ == "__main__":
    main()
