"""Benchmark of the partitioned projection catch-up (docs/postgres.md, "Partitioned
catch-up"): the shop's `order_summary` caught up over N events (default 1,000,000, in
N / 10 order streams) by 1 worker (the plain `catch_up_order_summary`) and by 2 and 4
workers (`partition_order_summary(n)`, then `catch_up_part_order_summary(w, n)` from n
connections at once), each committing every batch. Every run must end at the same read
model. Prints the wall time of each, its ratio to one worker, and the load of the machine:
the scaling depends on its cores (PostgreSQL runs each worker in a process of its own).

    .venv/bin/python benchmarks/partitioned.py              # starts an embedded PostgreSQL
    .venv/bin/python benchmarks/partitioned.py --dsn postgresql://...   # an empty database
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.store import database, fill, install


def reset(conn: psycopg.Connection[Any]) -> None:
    conn.execute("select es.partition_order_summary(1)")
    conn.execute("truncate es.order_summary")
    conn.execute("update es.checkpoints set tx_id = '0', global_position = 0")


def worker(dsn: str, call: str, errors: list[BaseException]) -> None:
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"do $$ begin while {call} > 0 loop commit; end loop; end $$")
    except BaseException as error:  # noqa: BLE001 (reported by the caller)
        errors.append(error)


def catch_up(dsn: str, workers: int, batch: int) -> float:
    """Seconds until caught up with `workers` workers side by side."""
    if workers == 1:
        calls = [f"es.catch_up_order_summary({batch})"]
    else:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("select es.partition_order_summary(%s)", (workers,))
        calls = [f"es.catch_up_part_order_summary({w}, {workers}, {batch})"
                 for w in range(workers)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=worker, args=(dsn, call, errors)) for call in calls]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    if errors:
        raise SystemExit(f"a worker failed: {errors[0]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", help="an empty database to use (default: embedded PostgreSQL)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000,
                        help="events per catch-up call (one transaction each)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with database(args.dsn) as dsn:
        install(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            fill(conn, args.events)
            streams = conn.execute("select count(distinct stream_id) from es.events").fetchone()
            print(f"catch-up of {args.events:,} events in {streams[0] if streams else 0:,} "
                  f"streams, batches of {args.batch:,}; {os.cpu_count()} cores, load "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} before:")
            expected = None
            first = None
            for workers in args.workers:
                reset(conn)
                seconds = catch_up(dsn, workers, args.batch)
                rows = conn.execute("select * from es.order_summary order by 1").fetchall()
                if expected is None:
                    expected = rows
                elif rows != expected:
                    raise SystemExit(f"{workers} workers made another read model")
                first = first or seconds
                print(f"  {workers} worker{'s' if workers > 1 else ' '}  {seconds:8.2f} s "
                      f"{args.events / seconds:>10,.0f} events/s  {first / seconds:5.2f}x")
            print(f"  load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
