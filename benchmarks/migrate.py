"""Benchmark of `migrate events`: the rewrite of stored events to their latest versions.

The shop's store is seeded with N events (default 1,000,000) of every type at every version
it ever had (about a third of them below their latest version), then the same rewrite is done
three ways, each into a new table with the events table's indexes and constraints:

  plain copy     insert into ... select * from events, then   the floor: no transformation
                 the same indexes built
  python loop    read, upcast with the generated Python upcasters, write, through psycopg
                 (batches of 10,000 on a server-side cursor, executemany): what teams write
  escodegen      the generated migration, called as the runner calls it: batches with the
                 progress row, then prepare (indexes, foreign keys, statistics), then swap
                 (catch-up, verification, renames); the phases are shown

Goals: escodegen within 2x of the plain copy, and at least 10x faster than the Python loop.

    .venv/bin/python benchmarks/migrate.py                   # an embedded PostgreSQL
    .venv/bin/python benchmarks/migrate.py --events 200000 --dsn postgresql://...
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import shop_history
from devtools.postgres import benchmark_database
from escodegen.check import compile_project
from escodegen.diagnostics import Report
from escodegen.emit.migrate.events import EventsMigration, plan_events
from escodegen.emit.postgres import render
from escodegen.model import Project
from escodegen.upcast import python_upcasters

COLUMNS = ("global_position, event_id, stream_id, stream_position, event_type, event_version, "
           "data, metadata, correlation_id, causation_id, recorded_at, tx_id")


def database(dsn: str | None) -> AbstractContextManager[str]:
    return benchmark_database(dsn, "bench_migrate")


def seed(dsn: str, project: Project, events: int) -> None:
    with psycopg.connect(dsn) as conn:
        for _, text in sorted(render(project).items()):
            conn.execute(text)
        conn.commit()
        rows: list[shop_history.Row] = []
        seed_number = 0
        while len(rows) < events:
            rows += shop_history.history(seed=seed_number, customers=20000)
            seed_number += 1
        shop_history.load(conn, rows[:events])
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("vacuum analyze es.events")


def timed(label: str, work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"  {label:<12} {seconds:8.2f} s", flush=True)
    return seconds


def plain_copy(dsn: str) -> None:
    """The same table, untransformed, built the fastest way: rows first, then the indexes."""
    with psycopg.connect(dsn) as conn:
        conn.execute("set maintenance_work_mem = '256MB'")
        conn.execute("create table es.bench_copy (like es.events including all excluding indexes)")
        conn.execute(f"insert into es.bench_copy ({COLUMNS}) overriding system value "
                     f"select {COLUMNS} from es.events")
        indexes = conn.execute("select pg_get_indexdef(indexrelid) from pg_index "
                               "where indrelid = 'es.events'::regclass").fetchall()
        for number, (definition,) in enumerate(indexes):
            conn.execute(re.sub(r"INDEX \S+ ON \S+ ", f"INDEX bench_copy_{number} ON "
                                "es.bench_copy ", definition))


def python_loop(dsn: str, project: Project) -> None:
    module = types.ModuleType("upcasters")
    exec(compile(python_upcasters(project.events), "upcasters.py", "exec"),  # noqa: S102
         module.__dict__)
    upcasters = module.UPCASTERS
    latest = {e.name: e.latest.number for e in project.events}
    with psycopg.connect(dsn) as reader, psycopg.connect(dsn) as writer:
        writer.execute("create table es.bench_python (like es.events including all)")
        writer.commit()
        cursor = reader.cursor(name="events")
        cursor.itersize = 10000
        cursor.execute(f"select {COLUMNS.replace('data, metadata', 'data::text, metadata::text')}"
                       " from es.events order by global_position")
        insert = (f"insert into es.bench_python ({COLUMNS}) overriding system value "
                  "values (%s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s)")
        while batch := cursor.fetchmany(10000):
            out = []
            for row in batch:
                event_type, version = row[4], row[5]
                data, metadata = row[6], row[7]
                if version < latest[event_type]:
                    upcast = upcasters[(event_type, version)](json.loads(data, parse_float=Decimal))
                    record = json.loads(metadata)
                    record.setdefault("escodegen_migrations", []).append(
                        {"migration": "python", "from_version": version,
                         "to_version": latest[event_type]})
                    data, metadata, version = (json.dumps(upcast, default=str),
                                               json.dumps(record), latest[event_type])
                out.append((*row[:5], version, data, metadata, *row[8:]))
            with writer.cursor() as write:
                write.executemany(insert, out)
            writer.commit()


def generated_migration(dsn: str, migration: EventsMigration, batch_size: int) -> None:
    """The runner's calls (runner.run without the progress bar), timed one by one."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(migration.definitions())
        conn.execute(f"select {migration.function('start')}()")
        phases = {}
        started = time.perf_counter()
        while conn.execute(f"select {migration.function('step')}(%s)",
                           (batch_size,)).fetchone() != (0,):
            pass
        phases["copy"] = time.perf_counter() - started
        for phase in ("prepare", "swap"):
            started = time.perf_counter()
            conn.execute(f"select {migration.function(phase)}()")
            phases[phase] = time.perf_counter() - started
    print("    " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--dsn", help="an empty database (default: an embedded server)")
    args = parser.parse_args()
    project, report = compile_project(ROOT / "examples" / "shop" / "escodegen.yaml")
    if project is None:
        raise SystemExit(f"examples/shop does not compile: {list(report)}")
    migration = plan_events(project, (), None, Report())
    assert migration is not None
    with database(args.dsn) as dsn:
        print(f"seeding {args.events:,} shop events ...", flush=True)
        seed(dsn, project, args.events)
        with psycopg.connect(dsn) as conn:
            old = conn.execute("select count(*) from es.events where case event_type "
                               "when 'CustomerRegistered' then event_version < 3 "
                               "when 'OrderPlaced' then event_version < 2 "
                               "when 'OrderShipped' then event_version < 2 else false end"
                               ).fetchone()
        print(f"{old[0] if old else 0:,} of them below their latest version; rewriting:")
        copy = timed("plain copy", lambda: plain_copy(dsn))
        loop = timed("python loop", lambda: python_loop(dsn, project))
        generated = timed("escodegen", lambda: generated_migration(dsn, migration,
                                                                   args.batch_size))
    print(f"escodegen / plain copy:  {generated / copy:5.2f}x   (goal: at most 2x)")
    print(f"python loop / escodegen: {loop / generated:5.2f}x   (goal: at least 10x)")


if __name__ == "__main__":
    main()
