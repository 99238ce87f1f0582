"""Benchmark of `escodegen verify-store`: the scan of N stored events (default 1,000,000, the
shop's order events as benchmarks/store.py fills them) against two baselines, in the same run:

- `select count(data) from es.events`, the issue's "plain count over the data column": it
  reads the rows but never the payloads (count only asks whether the value is null);
- `select count(*) from es.events where jsonb_typeof(data) = 'object'`, which reads every
  payload once: the least a per-event check can cost.

Wall time as PostgreSQL plans each (parallel workers included), then the server process's CPU
time with parallel workers off (the scan's counting statement over the whole table): CPU time
is not inflated by the other processes of a loaded machine.

    .venv/bin/python benchmarks/verify_store.py              # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/verify_store.py --dsn postgresql://...   # an empty database
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from store import _backend_cpu, database, fill, install

from escodegen.db.verify_store import _counts, verify_store

COUNT = "select count(data) from es.events"
READ = "select count(*) from es.events where jsonb_typeof(data) = 'object'"


def _timed(conn: psycopg.Connection[Any], pid: int, statement: Any,
           params: tuple[int, ...] | None = None) -> tuple[float, float]:
    """(wall, server CPU) seconds of the statement."""
    began, cpu = time.perf_counter(), _backend_cpu(pid)
    conn.execute(statement, params).fetchall()
    return time.perf_counter() - began, _backend_cpu(pid) - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database to use (default: embedded PostgreSQL)")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with database(args.dsn) as dsn:
        install(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            fill(conn, args.events)
            conn.execute(COUNT)  # warm the cache
            row = conn.execute("select pg_backend_pid()").fetchone()
            assert row is not None
            pid = row[0]
            count_wall, _ = _timed(conn, pid, COUNT)
            read_wall, _ = _timed(conn, pid, READ)
            began = time.perf_counter()
            found = verify_store(dsn, "es")
            scan_wall = time.perf_counter() - began
            conn.execute("set max_parallel_workers_per_gather = 0")
            _, count_cpu = _timed(conn, pid, COUNT)
            _, read_cpu = _timed(conn, pid, READ)
            _, scan_cpu = _timed(conn, pid, _counts("es"), (0, 2**62))
        print(f"{args.events:,} events, {found.invalid} invalid")
        print("wall time, as PostgreSQL plans each (parallel workers included):")
        for label, seconds in (("select count(data)", count_wall),
                               ("count(*) where jsonb_typeof(data) = 'object'", read_wall),
                               ("verify-store scan", scan_wall)):
            print(f"  {label:<46} {seconds:8.2f} s  {args.events / seconds:>12,.0f} events/s")
        print("server CPU, one process (no parallel workers):")
        for label, seconds in (("select count(data)", count_cpu),
                               ("count(*) where jsonb_typeof(data) = 'object'", read_cpu),
                               ("the scan's counting statement (valid_event)", scan_cpu)):
            print(f"  {label:<46} {seconds:8.2f} s")
        print(f"ratio to count(data): {scan_wall / count_wall:5.1f}x wall, "
              f"{scan_cpu / count_cpu:5.1f}x CPU (goal: within 2x)")
        print(f"ratio to the payload-reading count: {scan_wall / read_wall:5.1f}x wall, "
              f"{scan_cpu / read_cpu:5.1f}x CPU")


if __name__ == "__main__":
    main()
